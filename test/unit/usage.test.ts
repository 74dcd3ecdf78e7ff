import * as assert from 'node:assert/strict';
import { periodTotals, rangeDays, totalsBy, type UsageRowLike } from '../../src/core/usage';

function row(patch: Partial<UsageRowLike>): UsageRowLike {
  return {
    day: '2026-11-23',
    model: 'gpt-4o',
    events: 1,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    estimatedTokens: 0,
    costUsd: 0,
    unpricedTokens: 0,
    weightedCostUsd: 0,
    weightedTokens: 0,
    peakTokens: 0,
    ...patch,
  };
}

describe('usage queries', () => {
  const berlin = { timeZone: 'Europe/Berlin', weekStart: 1 };
  // Sunday 29 Nov 2026, 23:30 UTC = Monday 30 Nov 00:30 in Berlin.
  const lateSunday = Date.UTC(2026, 10, 29, 23, 30);

  it('computes day, week, last week and month in the user zone', () => {
    assert.deepEqual(rangeDays('day', lateSunday, berlin), { fromDay: '2026-11-30', toDay: '2026-11-30' });
    assert.deepEqual(rangeDays('week', lateSunday, berlin), { fromDay: '2026-11-30', toDay: '2026-12-06' });
    assert.deepEqual(rangeDays('week', lateSunday, { timeZone: 'UTC', weekStart: 1 }), { fromDay: '2026-11-23', toDay: '2026-11-29' });
    assert.deepEqual(rangeDays('week', lateSunday, { timeZone: 'UTC', weekStart: 0 }), { fromDay: '2026-11-29', toDay: '2026-12-05' });
    assert.deepEqual(rangeDays('lastWeek', lateSunday, berlin), { fromDay: '2026-11-23', toDay: '2026-11-29' });
    assert.deepEqual(rangeDays('month', lateSunday, berlin), { fromDay: '2026-11-01', toDay: '2026-11-30' });
    assert.deepEqual(rangeDays('month', Date.UTC(2028, 1, 10), berlin), { fromDay: '2028-02-01', toDay: '2028-02-29' });
  });

  it('sums rows inside the range only, and groups them', () => {
    const rows = [
      row({ day: '2026-11-22', inputTokens: 1000 }),
      row({ day: '2026-11-23', inputTokens: 100, outputTokens: 50, costUsd: 1, weightedCostUsd: 1.5 }),
      row({ day: '2026-11-24', model: 'mystery', inputTokens: 10, unpricedTokens: 10 }),
    ];
    const t = periodTotals(rows, '2026-11-23', '2026-11-29');
    assert.equal(t.totalTokens, 160);
    assert.equal(t.events, 2);
    assert.equal(t.weightedCostUsd, 1.5);
    assert.equal(t.unpricedTokens, 10);
    assert.deepEqual(
      totalsBy(rows, (r) => r.model, '2026-11-23', '2026-11-29').map((g) => [g.key, g.totalTokens]),
      [
        ['gpt-4o', 150],
        ['mystery', 10],
      ],
    );
  });
});
