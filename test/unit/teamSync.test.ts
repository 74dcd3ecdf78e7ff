import assert from 'node:assert/strict';
import { parseBudget } from '../../src/core/budget';
import { Rollups } from '../../src/core/rollups';
import type { ResolvedSettings } from '../../src/core/settings';
import { applyTeamPolicy, type TeamPolicy } from '../../src/core/teamPolicy';
import { parsePeakSchedule } from '../../src/core/peak';
import { dailyTotals, totalsFingerprint } from '../../src/sync/dailyReport';
import { backoffMs } from '../../src/sync/syncService';
import { testContext, usageEvent } from '../support/events';

function resolved(budget: Record<string, unknown>, peakEnabled = false): ResolvedSettings {
  return {
    settings: {
      budget: parseBudget(budget, { daily: 'user', weekly: 'workspace', monthly: 'user' }).budget,
      timeZone: 'UTC',
      peakEnabled,
      peak: parsePeakSchedule({ timeZone: 'UTC', windows: undefined, multiplier: 1.5 }, 'tokenMeter.peakHours', 'UTC').schedule,
    } as ResolvedSettings['settings'],
    problems: [],
  };
}

const team: TeamPolicy = {
  teamName: 'Web team',
  budget: { unit: 'usd', daily: 5, weekly: 40, monthly: 0 },
  peakHours: { enabled: true, timeZone: 'America/New_York', windows: [{ days: ['mon'], start: '09:00', end: '12:00' }], multiplier: 2 },
};

describe('team policy against personal and workspace settings', () => {
  it('the stricter limit of each period wins and keeps the name of who set it', () => {
    const { settings } = applyTeamPolicy(resolved({ daily: 10, weekly: 30 }), team);
    assert.deepEqual(settings.budget.limits, [
      { period: 'day', limit: 5, source: 'team' },
      { period: 'week', limit: 30, source: 'workspace' },
    ]);
  });

  it('applies the team budget as it is when the user has none, and reports a unit mismatch instead of mixing units', () => {
    assert.deepEqual(
      applyTeamPolicy(resolved({}), team).settings.budget.limits.map((l) => l.source),
      ['team', 'team'],
    );
    const mismatch = applyTeamPolicy(resolved({ daily: 100_000, unit: 'tokens' }), team);
    assert.deepEqual(mismatch.settings.budget.limits, [{ period: 'day', limit: 100_000, source: 'user' }]);
    assert.match(mismatch.problems[0], /team's budget \(Web team\) is in dollars but yours is in tokens/);
  });

  it("uses the team's peak hours when the user has none of their own, and labels them", () => {
    const { settings } = applyTeamPolicy(resolved({}), team);
    assert.equal(settings.peakEnabled, true);
    assert.equal(settings.peak.multiplierAt(Date.parse('2026-11-23T15:00:00Z')), 2, 'Mon 10:00 in New York');
    assert.equal(settings.peakLabel, 'Set by your team (Web team)');
    assert.equal(applyTeamPolicy(resolved({}, true), team).settings.peakLabel, undefined, "the user's own schedule stays");
  });
});

describe('daily report', () => {
  it('sums a day by model and source, with peak share and weighted cost, and no project names', () => {
    const rollups = new Rollups(testContext());
    const at9 = Date.UTC(2026, 10, 23, 9, 30); // peak hour in testContext (×2)
    rollups.add(usageEvent({ ts: at9, project: 'secret-project', inputTokens: 1000, outputTokens: 0 }));
    rollups.add(usageEvent({ ts: at9 + 3600_000, project: 'other', inputTokens: 1000, outputTokens: 0 }));
    rollups.add(usageEvent({ ts: at9, source: 'gateway', model: 'gpt-5', provider: 'openai', inputTokens: 2000, outputTokens: 0 }));
    const totals = dailyTotals(rollups.rows());
    assert.deepEqual(
      totals.byModel.map((m) => [m.model, m.source, m.requests, m.inputTokens]),
      [
        ['claude-sonnet-4-5', 'api', 2, 2000],
        ['gpt-5', 'gateway', 1, 2000],
      ],
    );
    assert.equal(totals.peakShare, 0.75);
    assert.ok(!JSON.stringify(totals).includes('project'));
    assert.equal(totalsFingerprint(totals), totalsFingerprint(dailyTotals(rollups.rows())));
  });

  it('carries the 1-hour part of cache writes, and leaves it out where there is none', () => {
    const rollups = new Rollups(testContext());
    const ts = Date.UTC(2026, 10, 23, 12);
    rollups.add(usageEvent({ ts, model: 'claude-opus-4-8', cacheWriteTokens: 3000, cacheWrite1hTokens: 2000 }));
    rollups.add(usageEvent({ ts, model: 'claude-opus-4-8', cacheWriteTokens: 500 }));
    rollups.add(usageEvent({ ts, model: 'gpt-5', provider: 'openai', source: 'gateway' }));
    const byModel = dailyTotals(rollups.rows()).byModel;
    assert.deepEqual(
      byModel.map((m) => [m.model, m.cacheWriteTokens, m.cacheWrite1hTokens]),
      [
        ['claude-opus-4-8', 3500, 2000],
        ['gpt-5', 0, undefined],
      ],
    );
    assert.ok(!('cacheWrite1hTokens' in byModel[1]), 'a day without 1-hour writes is sent exactly as before');
  });

  it('backs off exponentially with jitter, capped at 30 minutes', () => {
    assert.equal(
      backoffMs(1, () => 1),
      30_000,
    );
    assert.equal(
      backoffMs(1, () => 0),
      15_000,
    );
    assert.equal(
      backoffMs(3, () => 1),
      120_000,
    );
    assert.equal(
      backoffMs(20, () => 1),
      30 * 60_000,
    );
  });
});
