import * as assert from 'node:assert/strict';
import {
  dashboardRollupContext,
  dashboardSettings as settingsWith,
  PRICED,
  type DashboardTestSettings,
} from '../../bench/support/dashboardSettings';
import { buildDashboard, shownWeek, type DashboardInput } from '../../src/core/dashboard/viewModel';
import { makeEventId, validateUsageEvent, type UsageEvent } from '../../src/core/events';
import { Rollups } from '../../src/core/rollups';
import { zonedTimeToUtc } from '../../src/core/time';
import { restoredState } from '../../src/ui/dashboard/messages';

const UNPRICED_MODEL = 'mystery-model-without-price';

let counter = 0;
function event(ts: number, patch: Partial<UsageEvent> = {}): UsageEvent {
  counter += 1;
  return validateUsageEvent(
    {
      id: makeEventId('api', `dashboard-test-${counter}`),
      ts,
      source: 'claude-code',
      provider: 'anthropic',
      model: PRICED.model,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      estimated: false,
      ...patch,
    },
    ts + 1000,
  );
}

/** The dashboard of real rollups built from `events` under `settings`. */
function dashboardOf(settings: DashboardTestSettings, now: number, events: UsageEvent[], extra: Partial<DashboardInput> = {}) {
  const rollups = new Rollups(dashboardRollupContext(settings));
  for (const e of events) rollups.add(e);
  return buildDashboard({ settings, now, weekOffset: 0, rows: (fromDay, toDay) => rollups.rows({ fromDay, toDay }), ...extra });
}

const utc = (d: number, h = 12, m = 0) => Date.UTC(2026, 10, d, h, m);

describe('dashboard view model', () => {
  // Wednesday 25 November 2026, noon UTC; the week is Mon 23 – Sun 29 Nov.
  const now = utc(25);

  it('explains an empty week and says how to turn the gateway on', () => {
    const view = dashboardOf(settingsWith(), now, []);
    assert.equal(view.empty, true);
    assert.equal(view.week.label, 'Mon 23 Nov – Sun 29 Nov 2026');
    assert.equal(view.week.relative, 'This week');
    assert.equal(view.week.canGoNext, false);
    assert.deepEqual(
      view.days.map((d) => d.label),
      ['Mon 23', 'Tue 24', 'Wed 25', 'Thu 26', 'Fri 27', 'Sat 28', 'Sun 29'],
    );
    assert.deepEqual(
      view.days.map((d) => [d.isToday, d.isFuture]),
      [
        [false, false],
        [false, false],
        [true, false],
        [false, true],
        [false, true],
        [false, true],
        [false, true],
      ],
    );
    assert.ok(view.days.every((d) => d.events === 0 && d.costText === '—'));
    assert.match(view.emptyState.join('\n'), /No usage recorded this week yet/);
    assert.match(view.emptyState.join('\n'), /The gateway is off: set “tokenMeter.gateway.enabled” to true/);
    assert.equal(view.totals.costText, '$0.00');
    assert.equal(view.totals.cacheReadShareText, '0%');
    assert.deepEqual([view.byModel, view.bySource, view.byProject, view.budgets], [[], [], [], []]);
    assert.equal(view.comparison.tokensChangeText, 'no change');
    assert.equal(view.hygiene.text, 'Prompt-hygiene findings: not enabled.');
    assert.equal(view.outcomes.text, 'Commits: counting…');

    const withGateway = dashboardOf(settingsWith({ gatewayEnabled: true }), now, []);
    assert.match(withGateway.emptyState.join('\n'), /The gateway is on: run “Token Meter: Show Gateway Base URLs”/);
  });

  it('totals the week by day, model, source and project, and compares it with the week before', () => {
    const events = [
      event(utc(23, 10), { inputTokens: 1_000_000, outputTokens: 100_000, cacheReadTokens: 3_000_000, project: 'alpha' }),
      event(utc(25, 9), { source: 'gateway', provider: 'openai', inputTokens: 500_000, project: 'beta', estimated: true }),
      event(utc(16, 9), { inputTokens: 1_000_000 }), // the week before: $2.00
      event(utc(30, 9), { inputTokens: 9_000_000 }), // next week: not shown
    ];
    const view = dashboardOf(settingsWith(), utc(30, 12), events, { weekOffset: -1 });
    assert.equal(view.week.relative, 'Last week');
    assert.equal(view.week.fromDay, '2026-11-23');
    assert.equal(view.week.canGoNext, true);
    assert.equal(view.empty, false);
    // 1M input × $2 + 100k output × $10 + 3M cache reads × $0.50 = $4.50; 500k input × $2 = $1.00.
    assert.equal(view.totals.costText, '$5.50');
    assert.equal(view.totals.tokensText, '4.6M');
    assert.equal(view.days[0].costText, '$4.50');
    assert.equal(view.days[2].costText, '$1.00');
    assert.equal(view.days[1].costText, '—');
    // Cache reads are 3M of 4.5M input-side tokens.
    assert.equal(view.totals.cacheReadShareText, '67%');
    assert.equal(view.totals.estimatedShareText, '11%');
    assert.deepEqual(
      view.bySource.map((l) => [l.label, l.tokensText, l.costText]),
      [
        ['Claude Code', '4.1M', '$4.50'],
        ['Gateway', '500k', '$1.00'],
      ],
    );
    assert.deepEqual(
      view.byProject.map((l) => l.label),
      ['alpha', 'beta'],
    );
    assert.deepEqual(
      view.byModel.map((l) => l.key),
      [PRICED.model],
    );
    assert.equal(view.comparison.previousWeek.costText, '$2.00');
    assert.equal(view.comparison.costChangeText, '+175%');
    // A week that is over spreads its cost over 7 days.
    assert.equal(view.comparison.thisWeek.days, 7);
    assert.equal(view.comparison.thisWeek.costPerDayText, '$0.79');
  });

  it('never shows a week after the current one', () => {
    const settings = settingsWith();
    assert.deepEqual(shownWeek(settings, now, 3), { offset: 0, fromDay: '2026-11-23', toDay: '2026-11-29' });
    assert.deepEqual(shownWeek(settings, now, -2), { offset: -2, fromDay: '2026-11-09', toDay: '2026-11-15' });
    assert.equal(dashboardOf(settings, now, [], { weekOffset: -2 }).week.relative, '2 weeks ago');
  });

  it('shows unknown prices as unknown, never as $0', () => {
    const events = [event(utc(24), { model: UNPRICED_MODEL, inputTokens: 10_000 }), event(utc(25), { inputTokens: 1_000_000 })];
    const view = dashboardOf(settingsWith(), now, events, { commits: { available: true, commits: 4, repositories: 1, byAuthor: true } });
    assert.equal(view.days[1].costText, 'unknown');
    assert.equal(view.days[1].unpricedTokens, 10_000);
    assert.equal(view.days[2].costText, '$2.00');
    assert.equal(view.totals.costText, '$2.00 +?');
    assert.deepEqual(
      view.byModel.map((l) => [l.key, l.costText]),
      [
        [PRICED.model, '$2.00'],
        [UNPRICED_MODEL, 'unknown'],
      ],
    );
    assert.equal(view.outcomes.available && view.outcomes.costPerCommitUsd, 0.5);
    assert.match(view.outcomes.text, /^4 commits by you in 1 open repository: \$0\.50 \+\? and 253k tokens per commit — a rough signal/);

    const onlyUnknown = dashboardOf(settingsWith(), now, [events[0]], {
      commits: { available: true, commits: 2, repositories: 2, byAuthor: false },
    });
    assert.equal(onlyUnknown.totals.costText, 'unknown');
    assert.equal(onlyUnknown.comparison.thisWeek.costPerDayText, 'unknown');
    assert.equal(onlyUnknown.outcomes.available && onlyUnknown.outcomes.costPerCommitUsd, null);
    assert.match(onlyUnknown.outcomes.text, /^2 commits in 2 open repositories: unknown and 5k tokens per commit/);
  });

  it("names the prices' date and lists the week's unpriced models, each with a way to price it", () => {
    const view = dashboardOf(settingsWith(), now, [
      event(utc(24), { model: UNPRICED_MODEL, inputTokens: 10_000 }),
      event(utc(25), { inputTokens: 1000 }),
    ]);
    assert.match(view.prices.text, /^Prices as of \d{4}-\d{2}-\d{2} \(bundled @pydantic\/genai-prices catalog\)\.$/);
    assert.deepEqual(view.prices.unpriced, [{ model: UNPRICED_MODEL, tokensText: '10k tokens without a known price' }]);
  });

  it('splits each day into peak and off-peak, and counts peak-weighted cost against the budget', () => {
    const settings = settingsWith({
      budget: { daily: 20, weekly: 50 },
      peak: { windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }], multiplier: 2 },
    });
    const events = [
      event(utc(25, 10), { inputTokens: 1_000_000 }), // peak: $2 list, $4 counted
      event(utc(25, 20), { inputTokens: 500_000 }), // off-peak: $1
      event(utc(23, 20), { outputTokens: 100_000 }), // Monday off-peak: $1
    ];
    const view = dashboardOf(settings, now, events);
    const wednesday = view.days[2];
    assert.deepEqual([wednesday.peakTokens, wednesday.offPeakTokens], [1_000_000, 500_000]);
    assert.deepEqual([wednesday.peakCostUsd, wednesday.offPeakCostUsd], [2, 1]);
    assert.equal(wednesday.peakCostText, '$2.00');
    assert.equal(view.days[0].peakCostText, '—');
    assert.equal(view.totals.weightedCostText, '$6.00');
    assert.equal(view.totals.peakShareText, '63%');
    assert.equal(view.peak.enabled, true);
    assert.deepEqual(view.budgetLine, { measure: 'cost', perDay: 20, label: 'Daily budget (set in your user settings)' });

    const [daily, weekly] = view.budgets;
    assert.deepEqual([daily.period, daily.used, daily.usedText, daily.limitText, daily.daysLeft], ['day', 5, '$5.00', '$20', 1]);
    assert.deepEqual([weekly.period, weekly.used, weekly.sourceLabel, weekly.daysLeft], ['week', 6, 'set by this workspace', 5]);
    // Noon on Wednesday is 2.5 of 7 days into the week: $6 so far ends the week at $16.80.
    assert.equal(weekly.projectedText, '$16.80');
    assert.ok(Math.abs(weekly.projectedRatio - 16.8 / 50) < 1e-9);
  });

  it('sends every share, percentage and count as text, worded by core/format (the webview formats none)', () => {
    const settings = settingsWith({ budget: { daily: 20, weekly: 50 } });
    const events = [
      event(utc(25, 10), { inputTokens: 1_000_000 }),
      event(utc(25, 11), { inputTokens: 2_000, source: 'gateway', model: UNPRICED_MODEL }),
    ];
    const view = dashboardOf(settings, now, events);
    assert.equal(view.totals.eventsText, '2 requests');
    assert.equal(dashboardOf(settings, now, events.slice(0, 1)).totals.eventsText, '1 request');
    assert.deepEqual(
      view.bySource.map((l) => l.shareText),
      ['100%', '<1%'],
      'a sliver of the week reads "<1%", never "0%"',
    );
    const [daily, weekly] = view.budgets;
    assert.deepEqual([daily.ratioText, daily.daysLeftText, weekly.daysLeftText], ['10%', '1 day', '5 days']);
    assert.equal(weekly.projectedRatioText, '11%');
    assert.equal(view.comparison.thisWeek.daysText, '3 d');
  });

  it('draws a weekly budget as a per-day line when there is no daily one, in its unit', () => {
    const view = dashboardOf(settingsWith({ budget: { weekly: 700_000, unit: 'tokens' } }), now, [event(utc(24), { inputTokens: 70_000 })]);
    assert.deepEqual(view.budgetLine, { measure: 'tokens', perDay: 100_000, label: 'Weekly budget ÷ 7 (set by this workspace)' });
    assert.equal(view.budgets[0].usedText, '70k tokens');
    assert.equal(view.budgets[0].limitText, '700k tokens');
  });

  it('keeps a daylight-saving week at seven local days and projects over its 169 hours', () => {
    const zone = 'Europe/Berlin';
    const settings = settingsWith({ timeZone: zone, budget: { weekly: 100 } });
    // Berlin leaves summer time on Sunday 25 October 2026 at 03:00 local.
    const sundayNoon = zonedTimeToUtc(zone, 2026, 10, 25, 12, 0);
    const events = [
      event(zonedTimeToUtc(zone, 2026, 10, 19, 0, 30), { inputTokens: 1_000_000 }), // Monday 00:30 local = Sunday 22:30 UTC
      event(zonedTimeToUtc(zone, 2026, 10, 25, 23, 30), { inputTokens: 1_000_000 }), // Sunday 23:30 local, after now
      event(zonedTimeToUtc(zone, 2026, 10, 26, 0, 30), { inputTokens: 1_000_000 }), // next Monday
    ];
    const view = dashboardOf(settings, sundayNoon, events.slice(0, 1).concat(events.slice(2)));
    assert.equal(view.week.label, 'Mon 19 Oct – Sun 25 Oct 2026');
    assert.equal(view.days.length, 7);
    assert.equal(view.days[0].costText, '$2.00', 'half past midnight local on Monday belongs to Monday');
    assert.equal(view.days[6].isToday, true);
    // Monday 00:00 CEST to Sunday 12:00 CET is 157 real hours of the week's 169.
    assert.equal(view.budgets[0].used, 2);
    assert.ok(Math.abs(view.budgets[0].projected - (2 * 169) / 157) < 1e-9, `projected ${view.budgets[0].projected}`);
    assert.equal(view.budgets[0].daysLeft, 1);

    const lateSunday = dashboardOf(settings, zonedTimeToUtc(zone, 2026, 10, 25, 23, 45), events);
    assert.equal(lateSunday.days[6].costText, '$2.00', 'Sunday 23:30 local after the clocks went back is still Sunday');
    assert.equal(lateSunday.totals.costText, '$4.00');
  });

  it('shows hygiene findings and the reason commits are missing when given', () => {
    const view = dashboardOf(settingsWith(), now, [], {
      hygiene: { findings: 3, tokens: 42_000, costUsd: 0.126 },
      commits: { available: false, reason: 'no git repository is open in this window.' },
    });
    assert.deepEqual(view.hygiene, {
      enabled: true,
      findings: 3,
      tokens: 42_000,
      costUsd: 0.126,
      text: '3 prompt-hygiene findings this week, costing 42k tokens ($0.13).',
    });
    const none = dashboardOf(settingsWith(), now, [], { hygiene: { findings: 0, tokens: 0, costUsd: 0 } });
    assert.equal(none.hygiene.text, 'No prompt-hygiene findings this week: no repeated or oversized prompts seen.');
    assert.deepEqual(view.outcomes, { available: false, text: 'Commits: no git repository is open in this window.' });
  });

  it('is plain JSON that survives postMessage', () => {
    const view = dashboardOf(settingsWith({ budget: { daily: 5 } }), now, [event(utc(25), { inputTokens: 1000 })]);
    assert.deepEqual(JSON.parse(JSON.stringify(view)), view);
  });

  it('restores the week and measure a panel showed before a reload; anything malformed is this week', () => {
    assert.deepEqual(restoredState({ weekOffset: -3, measure: 'tokens' }), { weekOffset: -3, measure: 'tokens' });
    assert.deepEqual(restoredState(undefined), { weekOffset: 0, measure: undefined });
    assert.deepEqual(restoredState({ weekOffset: 2, measure: 'bananas' }), { weekOffset: 0, measure: undefined });
    assert.deepEqual(restoredState({ weekOffset: -1.5 }), { weekOffset: 0, measure: undefined });
  });
});
