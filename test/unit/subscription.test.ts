import assert from 'node:assert/strict';
import { MinuteActivity, type ActivityPoint } from '../../src/core/activity';
import { BLOCK_MS, burnRate, currentBlock, estimateLimit, project, sessionBlocks, weeklyUsage } from '../../src/core/blocks';
import { buildContextGauge, type AgentSession } from '../../src/core/contextGauge';
import { formatClock } from '../../src/core/format';
import { parsePeakSchedule, PEAK_PRESETS } from '../../src/core/peak';
import { parsePlans, type SubscriptionPlan } from '../../src/core/plans';
import { readingsFromCodexLog } from '../../src/core/limits/codex';
import type { LimitReading } from '../../src/core/limits/reading';
import { buildSubscriptionView, planStatus, type SubscriptionInput } from '../../src/core/subscription';
import { usageEvent } from '../support/events';

const MIN = 60_000;
const HOUR = 3600_000;
const at = (iso: string) => Date.parse(iso);

describe('5-hour session blocks', () => {
  it('a block starts with the first request after the previous block ended and lasts five hours', () => {
    const t = at('2026-11-20T08:13:00Z');
    const blocks = sessionBlocks([
      [t, 100],
      [t + 2 * HOUR, 50],
      [t + 5 * HOUR - MIN, 10],
      [t + 5 * HOUR, 7],
      [t + 6 * HOUR, 3],
    ]);
    assert.deepEqual(
      blocks.map((b) => [b.start, b.end, b.tokens]),
      [
        [t, t + BLOCK_MS, 160],
        [t + 5 * HOUR, t + 10 * HOUR, 10],
      ],
    );
  });

  it('a gap longer than a block starts a fresh block at the next request, not at a boundary', () => {
    const t = at('2026-11-20T08:00:00Z');
    const blocks = sessionBlocks([
      [t, 1],
      [t + 9 * HOUR + 7 * MIN, 1],
    ]);
    assert.equal(blocks[1].start, t + 9 * HOUR + 7 * MIN);
  });

  it('parallel sessions share one block: their minutes add up', () => {
    const activity = new MinuteActivity();
    const t = at('2026-11-20T10:00:00Z');
    for (const [ts, source] of [
      [t, 'claude-code'],
      [t + 30_000, 'gateway'],
      [t + 10 * MIN, 'claude-code'],
    ] as const) {
      activity.add(usageEvent({ ts, source, provider: 'anthropic', inputTokens: 100, outputTokens: 0 }));
    }
    const blocks = sessionBlocks(activity.series('anthropic'));
    assert.equal(blocks.length, 1);
    assert.equal(blocks[0].tokens, 300);
  });

  it('spans midnight and daylight-saving changes in elapsed time, not wall-clock hours', () => {
    // 2026-11-01 01:30 EDT; clocks fall back at 02:00 EDT → 01:00 EST.
    const start = at('2026-11-01T05:30:00Z');
    const [block] = sessionBlocks([[start, 1]]);
    assert.equal(block.end - block.start, 5 * HOUR);
    assert.equal(formatClock(block.end, block.end, 'America/New_York'), '05:30', '01:30 EDT + 5 h = 05:30 EST (4 wall-clock hours)');
    const [late] = sessionBlocks([[at('2026-11-20T22:00:00Z'), 1]]);
    assert.equal(new Date(late.end).toISOString(), '2026-11-21T03:00:00.000Z');
  });

  it('knows the running block from the clock', () => {
    const t = at('2026-11-20T08:00:00Z');
    const blocks = sessionBlocks([[t, 1]]);
    assert.ok(currentBlock(blocks, t + HOUR));
    assert.equal(currentBlock(blocks, t + 5 * HOUR), undefined);
  });
});

describe('burn rate, projection, estimated limits and the week', () => {
  it('burn rate is tokens per minute over the last 15 minutes, or since the block began', () => {
    const now = at('2026-11-20T12:00:00Z');
    const series: ActivityPoint[] = [
      [now - 20 * MIN, 9999],
      [now - 10 * MIN, 3000],
      [now - MIN, 1500],
    ];
    assert.equal(burnRate(series, now), 300);
    assert.equal(burnRate(series, now, now - 5 * MIN), 1500 / 5);
  });

  it('projects when the limit is reached at the current rate, and whether that is before the reset', () => {
    const now = at('2026-11-20T12:00:00Z');
    assert.deepEqual(project(600_000, 1_000_000, 2000, now, now + 4 * HOUR), { runsOutAt: now + 200 * MIN, beforeReset: true });
    assert.deepEqual(project(600_000, 1_000_000, 1000, now, now + HOUR), { runsOutAt: now + 400 * MIN, beforeReset: false });
    assert.deepEqual(project(600_000, 1_000_000, 0, now, now + HOUR), { beforeReset: false });
  });

  it('estimates a limit as the 90th percentile of past windows, once there are three', () => {
    assert.equal(estimateLimit([100, 200]), undefined);
    assert.equal(estimateLimit([0, 100, 200, 300]), 300);
    assert.equal(estimateLimit([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]), 90);
  });

  it('splits activity into the rolling week and the four weeks before', () => {
    const now = at('2026-11-20T12:00:00Z');
    const day = 86_400_000;
    const w = weeklyUsage(
      [
        [now - day, 5],
        [now - 8 * day, 7],
        [now - 15 * day, 11],
        [now - 40 * day, 99],
      ],
      now,
    );
    assert.deepEqual(w, { current: 5, past: [7, 11, 0, 0] });
  });
});

describe('subscription view', () => {
  const now = at('2026-11-20T12:00:00Z');
  const claude: SubscriptionPlan = { provider: 'anthropic', plan: 'claude-max-5x', label: 'Claude Max 5x' };
  const input = (plans: SubscriptionPlan[], series: ActivityPoint[], readings: LimitReading[] = []): SubscriptionInput => ({
    now,
    plans,
    activity: () => series,
    formatClock: (ts) => formatClock(ts, now, 'UTC'),
    readings,
    thresholds: [75, 90],
  });
  // Three past blocks of 1M, 2M, 3M tokens, then the current one started 09:00 with 2.4M, 600k of them in the last 15 minutes.
  const history: ActivityPoint[] = [
    [now - 3 * 86_400_000, 1_000_000],
    [now - 2 * 86_400_000, 2_000_000],
    [now - 86_400_000, 3_000_000],
    [at('2026-11-20T09:00:00Z'), 1_800_000],
    [now - 5 * MIN, 600_000],
  ];

  it('shows the block against a limit estimated from past blocks, with burn rate, and warns once when it runs out early', () => {
    const view = buildSubscriptionView(input([claude], history))!;
    assert.equal(view.text, '$(watch) 5h 80% · resets 14:00');
    assert.equal(view.level, 'warning');
    assert.match(view.tooltipMarkdown, /2\.4M tokens of ~3M \(80%\) — limit estimated from your history/);
    assert.match(view.tooltipMarkdown, /Burn rate: 40k tokens\/min/);
    assert.match(view.tooltipMarkdown, /runs out at \*\*12:15\*\*/);
    assert.equal(view.alerts.length, 1);
    assert.equal(view.alerts[0].key, `anthropic:${at('2026-11-20T09:00:00Z')}`);
    assert.match(view.alerts[0].message, /lighter model.*fresh conversation.*off-peak/);
  });

  it('uses a limit the user set, and says so', () => {
    const status = planStatus({ ...claude, blockTokens: 10_000_000 }, input([claude], history));
    assert.equal(status.block?.limitSource, 'user');
    assert.equal(status.block?.usedRatio, 0.24);
  });

  it('says no limit is known without history or setting', () => {
    const view = buildSubscriptionView(input([claude], [[now - 10 * MIN, 500]]))!;
    assert.equal(view.text, '$(watch) 5h 500 tok · resets 16:50');
    assert.match(view.tooltipMarkdown, /no limit known yet/);
  });

  it("shows the provider's own windows exactly when Codex recorded them, instead of the estimate", () => {
    const chatgpt: SubscriptionPlan = { provider: 'openai', plan: 'chatgpt-plus', label: 'ChatGPT Plus (Codex)' };
    const readings = readingsFromCodexLog({
      ts: now - MIN,
      primary: { usedPercent: 42, resetsAt: now + 2 * HOUR, windowMinutes: 300 },
      secondary: { usedPercent: 77, resetsAt: now + 3 * 86_400_000, windowMinutes: 10080 },
    });
    const view = buildSubscriptionView(input([chatgpt, claude], history, readings))!;
    assert.equal(view.text, '$(watch) 7d 77% · resets Mon 12:00');
    assert.match(view.tooltipMarkdown, /5-hour: 42% · resets 14:00 — from Codex's records, as of 1 min ago/);
    assert.match(view.tooltipMarkdown, /weekly: 77% · resets Mon 12:00 — \*\*binds now\*\* — from Codex's records/);
    // Claude reports nothing exact here: its plan stays, estimated and labelled.
    assert.match(view.tooltipMarkdown, /\*\*Plans without exact figures\*\*[\s\S]*Claude Max 5x[\s\S]*limit estimated from your history/);
    assert.doesNotMatch(view.tooltipMarkdown, /ChatGPT Plus \(Codex\)\*\*/);
    // Once the recorded windows have reset, the plan's estimate is back.
    const later = buildSubscriptionView({ ...input([chatgpt], [[now - 10 * MIN, 1000]], readings), now: now + 4 * 86_400_000 })!;
    assert.match(later.tooltipMarkdown, /\*\*ChatGPT Plus \(Codex\)\*\*/);
  });

  it('exact readings show without any plan configured', () => {
    const readings: LimitReading[] = [
      {
        provider: 'anthropic',
        account: 'default',
        window: '5h',
        usedRatio: 0.42,
        resetsAt: at('2026-11-20T14:20:00Z'),
        binding: true,
        source: 'anthropic-headers',
        observedAt: now,
      },
      {
        provider: 'anthropic',
        account: 'default',
        window: '7d',
        usedRatio: 0.18,
        resetsAt: at('2026-11-23T09:00:00Z'),
        source: 'anthropic-headers',
        observedAt: now,
      },
    ];
    const view = buildSubscriptionView(input([], [], readings))!;
    assert.equal(view.text, '$(watch) 5h 42% · resets 14:20');
    assert.match(view.tooltipMarkdown, /weekly: 18% · resets Mon 09:00 — exact, from Anthropic's response headers, as of just now/);
    assert.doesNotMatch(view.tooltipMarkdown, /Subscription windows/);
  });

  it('shows nothing without a subscription plan', () => {
    assert.equal(buildSubscriptionView(input([], history)), undefined);
  });
});

describe('plans settings', () => {
  it('reads presets and custom plans with limits, and names every broken value', () => {
    const { plans, problems } = parsePlans(
      { anthropic: 'claude-max-20x', openai: 'api', google: 'custom', xai: 'gold' },
      { google: { blockTokens: 1_000_000, weeklyTokens: -3 } },
    );
    assert.deepEqual(plans, [
      { provider: 'anthropic', plan: 'claude-max-20x', label: 'Claude Max 20x' },
      { provider: 'google', plan: 'custom', label: 'Gemini (custom plan)', blockTokens: 1_000_000 },
    ]);
    assert.equal(problems.length, 2);
    assert.ok(problems.some((p) => /tokenMeter\.plans\.xai: "gold" is not one of/.test(p)));
    assert.ok(problems.some((p) => /tokenMeter\.planLimits\.google\.weeklyTokens/.test(p)));
    assert.match(parsePlans({ openai: 'claude-pro' }, {}).problems[0], /is a plan of anthropic/);
  });
});

describe('Anthropic subscription peak preset', () => {
  const preset = PEAK_PRESETS['anthropic-subscription'];
  const { schedule } = parsePeakSchedule(
    { timeZone: preset.timeZone, windows: preset.windows, multiplier: 2 },
    'tokenMeter.peakHours',
    'UTC',
  );

  it("is weekdays 05:00–11:00 Pacific, whatever the user's zone", () => {
    assert.equal(schedule.isPeak(at('2026-11-20T13:30:00Z')), true, 'Fri 05:30 PST');
    assert.equal(schedule.isPeak(at('2026-11-20T19:30:00Z')), false, 'Fri 11:30 PST');
    assert.equal(schedule.isPeak(at('2026-11-21T14:00:00Z')), false, 'Saturday');
    assert.equal(schedule.isPeak(at('2026-07-20T12:30:00Z')), true, 'Mon 05:30 PDT in summer');
    assert.equal(schedule.isPeak(at('2026-07-20T18:30:00Z')), false, 'Mon 11:30 PDT');
  });

  it("counts down to its end in the user's own zone", () => {
    const now = at('2026-11-20T15:15:00Z'); // 07:15 PST, 16:15 in Berlin
    const next = schedule.nextChange(now)!;
    assert.equal(next.peak, false);
    assert.equal(formatClock(next.at, now, 'Europe/Berlin'), '20:00');
    assert.equal(formatClock(next.at, now, 'Asia/Tokyo'), '04:00');
    assert.equal(next.at - now, 3 * HOUR + 45 * MIN);
  });
});

describe('context gauge', () => {
  const now = at('2026-11-20T12:00:00Z');
  const session = (patch: Partial<AgentSession>): AgentSession => ({
    source: 'claude-code',
    sessionId: 's',
    project: 'shop',
    model: 'claude-sonnet-4-5',
    ts: now - MIN,
    contextTokens: 123_000,
    ...patch,
  });
  const gauge = (sessions: AgentSession[], projects = ['shop']) =>
    buildContextGauge({
      now,
      sessions,
      projects,
      warnAtPercent: 80,
      contextWindowFor: (m) => (m.startsWith('claude') ? 200_000 : undefined),
    });

  it("shows the active session of this workspace against its model's window", () => {
    const view = gauge([session({}), session({ project: 'other', ts: now })])!;
    assert.equal(view.text, '$(layers) ctx 123k/200k');
    assert.equal(view.warning, false);
  });

  it('warns past the threshold with the way out, using the window the assistant reported', () => {
    const view = gauge([session({ source: 'codex', model: 'gpt-5-codex', contextTokens: 230_000, contextWindow: 272_000 })])!;
    assert.equal(view.text, '$(warning) ctx 230k/272k');
    assert.match(view.tooltipMarkdown, /\/compact.*Codex/);
  });

  it('hides for idle sessions and other workspaces', () => {
    assert.equal(gauge([session({ ts: now - 31 * MIN })]), undefined);
    assert.equal(gauge([session({})], ['api']), undefined);
  });
});
