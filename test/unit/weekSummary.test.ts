import * as assert from 'node:assert/strict';
import { renderWeekSummary, type SummaryRow } from '../../src/core/weekSummary';

function row(patch: Partial<SummaryRow>): SummaryRow {
  return {
    day: '2026-11-23', model: 'claude-sonnet-4-5', source: 'claude-code', events: 1,
    inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0,
    costUsd: 0, unpricedTokens: 0, weightedCostUsd: 0, weightedTokens: 0, estimatedTokens: 0, peakTokens: 0,
    ...patch,
  };
}

describe('week summary document', () => {
  const base = { fromDay: '2026-11-23', toDay: '2026-11-29', todayKey: '2026-11-25', timeZone: 'Europe/Berlin', budgetLines: [] };

  it('explains where data comes from when the week is empty', () => {
    const text = renderWeekSummary({ ...base, rows: [] });
    assert.match(text, /No usage recorded this week yet/);
    assert.match(text, /Mon 23 Nov – Sun 29 Nov 2026/);
  });

  it('sums by day, model and source, and marks unknown prices', () => {
    const rows = [
      row({ day: '2026-11-23', inputTokens: 1000, outputTokens: 500, costUsd: 0.0105, weightedCostUsd: 0.0105, events: 2 }),
      row({ day: '2026-11-25', inputTokens: 2000, outputTokens: 0, cacheReadTokens: 10_000, costUsd: 0.09, weightedCostUsd: 0.135, events: 1, peakTokens: 12_000 }),
      row({ day: '2026-11-25', model: 'mystery-1', source: 'api', inputTokens: 700, outputTokens: 300, unpricedTokens: 1000, events: 1 }),
      row({ day: '2026-11-30', inputTokens: 99_999, events: 5 }),
    ];
    const text = renderWeekSummary({ ...base, rows, budgetLines: ['Weekly: $0.02 of $50 (0%) — set by this workspace'] });
    assert.match(text, /\*\*Total:\*\* 14.5k tokens in 4 requests · \$0\.10 \+\? at list price/);
    assert.match(text, /\| Wed 25 Nov \(today\) \|\s+2 \|\s+13k \| \$0\.09 \+\? \|/);
    assert.match(text, /\| Tue 24 Nov\s+\|\s+0 \|\s+0 \|\s+— \|/);
    assert.match(text, /\| mystery-1\s+\|\s+1 \|\s+700 \|\s+300 \|\s+0 \|\s+0 \|\s+unknown \|/);
    assert.match(text, /\| claude-code \|\s+3 \|\s+13.5k \|/);
    assert.match(text, /set by this workspace/);
    assert.doesNotMatch(text, /99/, 'rows outside the week are left out');
  });
});
