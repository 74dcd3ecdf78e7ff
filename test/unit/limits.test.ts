import assert from 'node:assert/strict';
import { formatClock } from '../../src/core/format';
import { parseCopilotQuota } from '../../src/core/limits/copilotQuota';
import { accountKey, parseAnthropicHeaders, parseOpenAiDuration, parseOpenAiHeaders } from '../../src/core/limits/headers';
import { ageWords, bindingWindow, buildLimitsView, mostPressing } from '../../src/core/limits/meter';
import { DEFAULT_COPILOT_QUOTA_ENDPOINT, resolveLimitSettings } from '../../src/core/limits/settings';
import { isCurrent, windowLabel, type LimitReading } from '../../src/core/limits/reading';
import { copilotUserJson } from '../support/copilotQuota';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const S = (ms: number) => String(Math.floor(ms / 1000));
const HOUR = 3600_000;
const P = 'anthropic-ratelimit-unified-';

function anthropicHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    [`${P}status`]: 'allowed',
    [`${P}5h-status`]: 'allowed',
    [`${P}5h-utilization`]: '0.42',
    [`${P}5h-reset`]: S(NOW + 2 * HOUR + 20 * 60_000),
    [`${P}7d-status`]: 'allowed',
    [`${P}7d-utilization`]: '0.18',
    [`${P}7d-reset`]: S(NOW + 3 * 24 * HOUR),
    [`${P}7d-sonnet-utilization`]: '0.61',
    [`${P}7d-sonnet-reset`]: S(NOW + 3 * 24 * HOUR),
    [`${P}7d_oi-utilization`]: '0.05',
    [`${P}7d_oi-reset`]: S(NOW + 4 * 24 * HOUR),
    [`${P}representative-claim`]: 'five_hour',
    [`${P}fallback-percentage`]: '0.5',
    [`${P}overage-status`]: 'rejected',
    [`${P}overage-disabled-reason`]: 'org_level_disabled',
    [`${P}reset`]: S(NOW + 2 * HOUR),
    ...extra,
  };
}

function byWindow(readings: LimitReading[]): Record<string, LimitReading> {
  return Object.fromEntries(readings.map((r) => [r.window, r]));
}

describe("limits: Anthropic's unified rate-limit headers", () => {
  it('reads every window present, with utilization, reset (epoch s → ms), status and the binding claim', () => {
    const parsed = parseAnthropicHeaders(anthropicHeaders(), NOW);
    const w = byWindow(parsed.readings);
    assert.deepEqual(Object.keys(w).sort(), ['5h', '7d', '7d-sonnet', '7d_oi']);
    assert.equal(w['5h'].usedRatio, 0.42);
    assert.equal(w['5h'].resetsAt, Math.floor((NOW + 2 * HOUR + 20 * 60_000) / 1000) * 1000);
    assert.equal(w['5h'].status, 'allowed');
    assert.equal(w['5h'].binding, true);
    assert.equal(w['7d'].binding, undefined);
    assert.equal(w['7d'].usedRatio, 0.18);
    assert.equal(w['7d-sonnet'].usedRatio, 0.61);
    assert.equal(w['5h'].source, 'anthropic-headers');
    assert.equal(w['5h'].observedAt, NOW);
    assert.equal(parsed.status, 'allowed');
    assert.equal(parsed.representativeClaim, 'five_hour');
    assert.deepEqual(parsed.overage, { status: 'rejected', disabledReason: 'org_level_disabled' });
    assert.equal(
      w['5h'].detail,
      'extra usage off: org level disabled',
      'overage is told once, on the binding window, and never binds itself',
    );
    assert.equal(w['7d'].detail, undefined);
    assert.deepEqual(parsed.malformed, []);
  });

  it('keeps a window it does not know by its name, and shows it by that name', () => {
    const parsed = parseAnthropicHeaders({ [`${P}12h_burst-utilization`]: '0.3', [`${P}12h_burst-reset`]: S(NOW + HOUR) }, NOW);
    assert.deepEqual(
      parsed.readings.map((r) => [r.window, r.usedRatio]),
      [['12h_burst', 0.3]],
    );
    assert.equal(windowLabel('12h_burst'), '12h_burst');
    assert.equal(windowLabel('7d-sonnet'), 'weekly (sonnet)');
    assert.equal(windowLabel('7d_oi'), 'weekly (oi)');
  });

  it('matches the representative claim to per-model weekly windows whatever the spelling', () => {
    const parsed = parseAnthropicHeaders(anthropicHeaders({ [`${P}representative-claim`]: 'seven_day_sonnet' }), NOW);
    assert.deepEqual(
      parsed.readings.filter((r) => r.binding).map((r) => r.window),
      ['7d-sonnet'],
    );
  });

  it('missing headers give no readings, not zeros', () => {
    assert.deepEqual(parseAnthropicHeaders({ 'content-type': 'application/json' }, NOW), { readings: [], malformed: [] });
    const onlyReset = parseAnthropicHeaders({ [`${P}5h-reset`]: S(NOW + HOUR) }, NOW);
    assert.deepEqual(onlyReset.readings, []);
  });

  it('malformed values are named and ignored, the rest still read', () => {
    const parsed = parseAnthropicHeaders(
      anthropicHeaders({
        [`${P}5h-utilization`]: 'lots',
        [`${P}7d-reset`]: 'tomorrow',
        [`${P}7d-sonnet-utilization`]: '-0.2',
        [`${P}7d_oi-utilization`]: '4200',
      }),
      NOW,
    );
    assert.deepEqual(
      parsed.malformed.sort(),
      [`${P}5h-utilization`, `${P}7d-reset`, `${P}7d-sonnet-utilization`, `${P}7d_oi-utilization`].sort(),
    );
    const w = byWindow(parsed.readings);
    // 5h keeps its status (the provider still says "allowed"), but no made-up figure.
    assert.equal(w['5h'].usedRatio, undefined);
    assert.equal(w['5h'].status, 'allowed');
    assert.equal(w['7d'].usedRatio, 0.18);
    assert.equal(w['7d'].resetsAt, undefined);
    assert.equal(w['7d-sonnet'], undefined);
  });

  it('a window whose reset already passed when the response arrived is stale and dropped', () => {
    const parsed = parseAnthropicHeaders(anthropicHeaders({ [`${P}5h-reset`]: S(NOW - 60_000) }), NOW);
    assert.equal(byWindow(parsed.readings)['5h'], undefined);
    assert.ok(byWindow(parsed.readings)['7d']);
  });

  it('header names in any case and array values are read', () => {
    const parsed = parseAnthropicHeaders(
      { 'Anthropic-RateLimit-Unified-5h-Utilization': ['0.5'], 'anthropic-ratelimit-unified-5h-reset': S(NOW + HOUR) },
      NOW,
    );
    assert.equal(parsed.readings[0].usedRatio, 0.5);
  });

  it('the account key is a short hash of the organization id, never the id itself, and never from the authorization header', () => {
    const parsed = parseAnthropicHeaders(
      { ...anthropicHeaders(), 'anthropic-organization-id': 'org-uuid-1234', authorization: 'Bearer sk-ant-oat01-secret' },
      NOW,
    );
    const key = parsed.readings[0].account;
    assert.equal(key, accountKey('org-uuid-1234'));
    assert.match(key, /^[0-9a-f]{12}$/);
    assert.ok(!JSON.stringify(parsed).includes('org-uuid-1234'));
    assert.ok(!JSON.stringify(parsed).includes('secret'));
    assert.equal(parseAnthropicHeaders(anthropicHeaders(), NOW).readings[0].account, 'default');
  });
});

describe('limits: OpenAI / ChatGPT rate-limit headers', () => {
  it("reads Codex's primary and secondary windows: percent, seconds to reset, window length", () => {
    const parsed = parseOpenAiHeaders(
      {
        'x-codex-primary-used-percent': '37.5',
        'x-codex-primary-reset-after-seconds': '3600',
        'x-codex-primary-window-minutes': '300',
        'x-codex-secondary-used-percent': '12',
        'x-codex-secondary-reset-after-seconds': '86400',
        'x-codex-secondary-window-minutes': '10080',
      },
      NOW,
    );
    assert.deepEqual(
      parsed.readings.map((r) => [r.window, r.usedRatio, r.resetsAt, r.windowMinutes]),
      [
        ['5h', 0.375, NOW + HOUR, 300],
        ['7d', 0.12, NOW + 24 * HOUR, 10080],
      ],
    );
  });

  it('reads the standard x-ratelimit-* of API keys, durations like "6m0s" and "20ms"', () => {
    assert.equal(parseOpenAiDuration('6m0s'), 360_000);
    assert.equal(parseOpenAiDuration('20ms'), 20);
    assert.equal(parseOpenAiDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseOpenAiDuration('soon'), undefined);
    const parsed = parseOpenAiHeaders(
      {
        'x-ratelimit-limit-requests': '500',
        'x-ratelimit-remaining-requests': '499',
        'x-ratelimit-reset-requests': '120ms',
        'x-ratelimit-limit-tokens': '30000',
        'x-ratelimit-remaining-tokens': '7500',
        'x-ratelimit-reset-tokens': '30s',
      },
      NOW,
    );
    const w = byWindow(parsed.readings);
    assert.equal(w['api-tokens'].usedRatio, 0.75);
    assert.equal(w['api-tokens'].resetsAt, NOW + 30_000);
    assert.equal(w['api-requests'].resetsAt, NOW + 120);
  });

  it('malformed and missing values: named, ignored, nothing invented', () => {
    const parsed = parseOpenAiHeaders(
      {
        'x-codex-primary-used-percent': 'n/a',
        'x-codex-secondary-used-percent': '20',
        'x-codex-secondary-window-minutes': 'week',
        'x-ratelimit-limit-tokens': '0',
        'x-ratelimit-remaining-tokens': '5',
      },
      NOW,
    );
    assert.deepEqual(parsed.malformed.sort(), [
      'x-codex-primary-used-percent',
      'x-codex-secondary-window-minutes',
      'x-ratelimit-limit-tokens',
    ]);
    assert.deepEqual(
      parsed.readings.map((r) => [r.window, r.usedRatio, r.resetsAt]),
      [['secondary', 0.2, undefined]],
    );
    assert.deepEqual(parseOpenAiHeaders({}, NOW).readings, []);
  });
});

function reading(window: string, usedRatio: number | undefined, extra: Partial<LimitReading> = {}): LimitReading {
  return {
    provider: 'anthropic',
    account: 'default',
    window,
    ...(usedRatio !== undefined ? { usedRatio } : {}),
    resetsAt: NOW + HOUR,
    source: 'anthropic-headers',
    observedAt: NOW,
    ...extra,
  };
}

describe('limits: choosing the binding window', () => {
  it("the provider's own claim binds, even when another window is fuller", () => {
    const chosen = bindingWindow([reading('5h', 0.42, { binding: true }), reading('7d', 0.7)], NOW);
    assert.equal(chosen?.window, '5h');
  });

  it('without a claim the fullest window binds; on a tie the one that resets last', () => {
    assert.equal(bindingWindow([reading('5h', 0.42), reading('7d', 0.7)], NOW)?.window, '7d');
    assert.equal(bindingWindow([reading('5h', 0.5), reading('7d', 0.5, { resetsAt: NOW + 48 * HOUR })], NOW)?.window, '7d');
  });

  it('a window the provider refuses in binds above all', () => {
    assert.equal(
      bindingWindow([reading('5h', 0.2, { binding: true }), reading('7d-sonnet', undefined, { status: 'rejected' })], NOW)?.window,
      '7d-sonnet',
    );
  });

  it('exact readings win over estimates; stale readings (reset passed, or undated and old) are ignored', () => {
    assert.equal(bindingWindow([reading('5h', 0.3), reading('5h-est', 0.9, { source: 'estimate' })], NOW)?.window, '5h');
    assert.equal(bindingWindow([reading('5h', 0.9, { resetsAt: NOW - 1 }), reading('7d', 0.1)], NOW)?.window, '7d');
    const undated = reading('x', 0.5, { resetsAt: undefined, observedAt: NOW - 2 * HOUR });
    assert.equal(isCurrent(undated, NOW), false);
    assert.equal(bindingWindow([undated], NOW), undefined);
  });

  it('across providers the fullest binding window is the one shown', () => {
    const chosen = mostPressing([reading('5h', 0.42, { binding: true }), reading('7d', 0.5, { provider: 'openai', source: 'codex' })], NOW);
    assert.equal(chosen?.provider, 'openai');
  });
});

describe('limits: the meter', () => {
  const clock = (ts: number) => formatClock(ts, NOW, 'UTC');
  const readings = parseAnthropicHeaders(anthropicHeaders(), NOW - 3 * 60_000).readings;

  it('status bar: the binding window, its exact percentage and reset', () => {
    const view = buildLimitsView({ now: NOW, readings, formatClock: clock, thresholds: [75, 90] });
    assert.equal(view?.text, '5h 42% · resets 14:20');
    assert.equal(view?.level, 'normal');
  });

  it('tooltip: every window with its source and age', () => {
    const view = buildLimitsView({
      now: NOW,
      readings: [...readings, reading('7d', 0.5, { provider: 'openai', source: 'codex', observedAt: NOW })],
      formatClock: clock,
      thresholds: [75, 90],
    })!;
    const md = view.tooltipLines.join('\n');
    assert.match(
      md,
      /5-hour: 42% \(extra usage off: org level disabled\) · resets 14:20 — \*\*binds now\*\* — exact, from Anthropic's response headers, as of 3 min ago/,
    );
    assert.match(md, /weekly: 18% · resets Mon 12:00 — exact, from Anthropic's response headers, as of 3 min ago/);
    assert.match(md, /weekly \(sonnet\): 61%/);
    assert.match(md, /weekly \(oi\): 5%/);
    assert.match(md, /\*\*ChatGPT \/ OpenAI\*\*\n\nweekly: 50% · resets 13:00 — \*\*binds now\*\* — from Codex's records, as of just now/);
    // Two providers: the status bar names the one that binds.
    assert.equal(view.text, 'ChatGPT 7d 50% · resets 13:00');
  });

  it('estimates are marked as such in the status bar and labelled in the tooltip', () => {
    const view = buildLimitsView({
      now: NOW,
      readings: [reading('5h', 0.3, { source: 'estimate' })],
      formatClock: clock,
      thresholds: [75, 90],
    })!;
    assert.equal(view.text, '5h ~30% · resets 13:00');
    assert.match(view.tooltipLines.join('\n'), /estimated from your history/);
  });

  it('warns once per window per threshold, naming the window, its reset and what to do', () => {
    const at80 = buildLimitsView({ now: NOW, readings: [reading('5h', 0.8)], formatClock: clock, thresholds: [75, 90] })!;
    assert.equal(at80.level, 'warning');
    assert.equal(at80.alerts.length, 1);
    assert.match(
      at80.alerts[0].message,
      /your Claude 5-hour window is 80% used; it resets 13:00 \(in 1 h\)\. To stretch it: use a lighter model/,
    );
    const at80later = buildLimitsView({ now: NOW + 60_000, readings: [reading('5h', 0.82)], formatClock: clock, thresholds: [75, 90] })!;
    assert.equal(at80later.alerts[0].key, at80.alerts[0].key, 'same window, same threshold: same key, so shown once');
    const at95 = buildLimitsView({ now: NOW, readings: [reading('5h', 0.95)], formatClock: clock, thresholds: [75, 90] })!;
    assert.notEqual(at95.alerts[0].key, at80.alerts[0].key, 'the next threshold warns again');
    const nextWindow = buildLimitsView({
      now: NOW,
      readings: [reading('5h', 0.8, { resetsAt: NOW + 6 * HOUR })],
      formatClock: clock,
      thresholds: [75, 90],
    })!;
    assert.notEqual(nextWindow.alerts[0].key, at80.alerts[0].key, 'a new window warns again');
    assert.deepEqual(buildLimitsView({ now: NOW, readings: [reading('5h', 0.5)], formatClock: clock, thresholds: [75, 90] })!.alerts, []);
    assert.equal(buildLimitsView({ now: NOW, readings: [reading('5h', 1)], formatClock: clock, thresholds: [75, 90] })!.level, 'error');
  });

  it('the same window from two sources is shown once, the newest reading', () => {
    const view = buildLimitsView({
      now: NOW,
      readings: [
        reading('5h', 0.4, { account: 'a1b2c3d4e5f6', observedAt: NOW - 5 * 60_000 }),
        reading('five_hour', 0.45, { source: 'claude-code', observedAt: NOW - 60_000 }),
      ],
      formatClock: clock,
      thresholds: [75, 90],
    })!;
    assert.equal(view.text, '5h 45% · resets 13:00');
    assert.equal(view.tooltipLines.filter((l) => l.startsWith('5-hour')).length, 1);
    assert.match(view.tooltipLines.join('\n'), /5-hour: 45% .* from Claude Code, as of 1 min ago/);
  });

  it('a reset given as seconds from now drifts between responses, yet warns once', () => {
    const first = parseOpenAiHeaders(
      { 'x-codex-primary-used-percent': '80', 'x-codex-primary-reset-after-seconds': '3600', 'x-codex-primary-window-minutes': '300' },
      NOW,
    ).readings;
    const later = parseOpenAiHeaders(
      { 'x-codex-primary-used-percent': '81', 'x-codex-primary-reset-after-seconds': '3539', 'x-codex-primary-window-minutes': '300' },
      NOW + 62_000,
    ).readings;
    const keyOf = (readings: LimitReading[], now: number) =>
      buildLimitsView({ now, readings, formatClock: clock, thresholds: [75, 90] })!.alerts[0].key;
    assert.notEqual(first[0].resetsAt, later[0].resetsAt);
    assert.equal(keyOf(first, NOW), keyOf(later, NOW + 62_000));
  });

  it("an API key's per-minute limits are listed but neither bind nor warn until used up", () => {
    const apiTokens = reading('api-tokens', 0.8, { provider: 'openai', source: 'openai-headers', resetsAt: NOW + 20_000 });
    assert.equal(buildLimitsView({ now: NOW, readings: [apiTokens], formatClock: clock, thresholds: [75, 90] }), undefined);
    const withPlan = buildLimitsView({ now: NOW, readings: [apiTokens, reading('5h', 0.3)], formatClock: clock, thresholds: [75, 90] })!;
    assert.equal(withPlan.text, 'Claude 5h 30% · resets 13:00');
    assert.deepEqual(withPlan.alerts, []);
    assert.equal(withPlan.level, 'normal');
    assert.match(withPlan.tooltipLines.join('\n'), /API tokens: 80%/);
    const usedUp = buildLimitsView({ now: NOW, readings: [{ ...apiTokens, usedRatio: 1 }], formatClock: clock, thresholds: [75, 90] })!;
    assert.equal(usedUp.level, 'error');
  });

  it('opt-in: a note when a weekly window resets soon mostly unused', () => {
    const weekly = reading('7d', 0.2, { resetsAt: NOW + 10 * HOUR });
    assert.deepEqual(buildLimitsView({ now: NOW, readings: [weekly], formatClock: clock, thresholds: [75, 90] })!.alerts, []);
    const noted = buildLimitsView({ now: NOW, readings: [weekly], formatClock: clock, thresholds: [75, 90], unusedWeeklyNote: true })!;
    assert.match(noted.alerts[0].message, /weekly window resets 22:00 with 80% of it unused/);
  });

  it('nothing current: no view', () => {
    assert.equal(
      buildLimitsView({ now: NOW, readings: [reading('5h', 0.5, { resetsAt: NOW - 1 })], formatClock: clock, thresholds: [75, 90] }),
      undefined,
    );
    assert.equal(ageWords(NOW - 2 * HOUR - 5 * 60_000, NOW), 'as of 2 h 5 m ago');
  });
});

describe("limits: GitHub Copilot's quota JSON", () => {
  const reset = '2026-12-01T00:00:00.000Z';

  it('reads each limited quota snapshot: used share, what is left, overage, reset date; unlimited ones skipped', () => {
    const quota = parseCopilotQuota(copilotUserJson(reset), NOW);
    assert.equal(quota.plan, 'individual_pro');
    assert.deepEqual(
      quota.readings.map((r) => [r.provider, r.window, r.usedRatio, r.resetsAt, r.detail, r.source]),
      [['github-copilot', 'premium_interactions', 0.6, Date.parse(reset), '120 of 300 left · no paid overage', 'github']],
    );
    assert.equal(quota.readings[0].account, accountKey('octo-dev'));
    assert.ok(!JSON.stringify(quota).includes('octo-dev'), 'the login is kept only as a short hash');
  });

  it('over the quota with paid overage, and the free plan (limited_user_quotas against monthly_quotas)', () => {
    const json = copilotUserJson(reset);
    (json.quota_snapshots as Record<string, Record<string, unknown>>).premium_interactions = {
      entitlement: 300,
      remaining: 0,
      percent_remaining: 0,
      overage_count: 12,
      overage_permitted: true,
      quota_id: 'premium_interactions',
      unlimited: false,
    };
    assert.equal(parseCopilotQuota(json, NOW).readings[0].detail, '0 of 300 left · 12 over the quota · paid overage on');
    const free = parseCopilotQuota(
      {
        login: 'x',
        copilot_plan: 'free',
        limited_user_quotas: { chat: 40, completions: 1500 },
        monthly_quotas: { chat: 50, completions: 2000 },
        limited_user_reset_date: '2026-12-05',
      },
      NOW,
    );
    assert.deepEqual(
      free.readings.map((r) => [r.window, r.usedRatio, r.resetsAt]),
      [
        ['chat', 0.2, Date.parse('2026-12-05')],
        ['completions', 0.25, Date.parse('2026-12-05')],
      ],
    );
  });

  it('missing or malformed: no readings, nothing invented', () => {
    assert.deepEqual(parseCopilotQuota({}, NOW).readings, []);
    assert.deepEqual(parseCopilotQuota('nope', NOW).readings, []);
    assert.deepEqual(parseCopilotQuota({ quota_snapshots: { premium_interactions: { percent_remaining: 'lots' } } }, NOW).readings, []);
    const noDate = parseCopilotQuota(
      { quota_reset_date: 'soon', quota_snapshots: { premium_interactions: { percent_remaining: 90 } } },
      NOW,
    );
    assert.equal(noDate.readings[0].resetsAt, undefined);
  });

  it('the meter shows the month and its reset date', () => {
    const view = buildLimitsView({
      now: NOW,
      readings: parseCopilotQuota(copilotUserJson(reset), NOW).readings,
      formatClock: (ts) => formatClock(ts, NOW, 'UTC'),
      formatDate: () => 'Dec 1',
      thresholds: [75, 90],
    })!;
    assert.equal(view.text, 'month 60% · resets Dec 1');
    assert.match(
      view.tooltipLines.join('\n'),
      /premium requests \(month\): 60% \(120 of 300 left · no paid overage\) · resets Dec 1 — \*\*binds now\*\* — from GitHub, as of just now/,
    );
  });
});

describe('limits: settings', () => {
  const raw = {
    warningThresholds: undefined,
    unusedWeeklyNote: undefined,
    copilotQuotaEnabled: undefined,
    copilotQuotaEndpoint: undefined,
  };

  it('defaults: warn at 75 and 90 %, no note, Copilot off, GitHub.com endpoint', () => {
    assert.deepEqual(resolveLimitSettings(raw), {
      settings: {
        warningThresholds: [75, 90],
        unusedWeeklyNote: false,
        copilotQuota: { enabled: false, endpoint: DEFAULT_COPILOT_QUOTA_ENDPOINT },
      },
      problems: [],
    });
  });

  it('the Copilot endpoint (it receives the GitHub token) must be https, or http to this machine only', () => {
    assert.equal(
      resolveLimitSettings({ ...raw, copilotQuotaEndpoint: 'https://ghe.example.com/api/v3/copilot_internal/user' }).settings.copilotQuota
        .endpoint,
      'https://ghe.example.com/api/v3/copilot_internal/user',
    );
    assert.equal(
      resolveLimitSettings({ ...raw, copilotQuotaEndpoint: 'http://127.0.0.1:9999/copilot_internal/user' }).settings.copilotQuota.endpoint,
      'http://127.0.0.1:9999/copilot_internal/user',
    );
    const plain = resolveLimitSettings({ ...raw, copilotQuotaEndpoint: 'http://ghe.example.com/copilot_internal/user' });
    assert.equal(plain.settings.copilotQuota.endpoint, DEFAULT_COPILOT_QUOTA_ENDPOINT);
    assert.match(plain.problems[0], /must be an https:\/\/ address/);
  });

  it('thresholds: sorted, and a bad list is named and replaced by the default', () => {
    assert.deepEqual(resolveLimitSettings({ ...raw, warningThresholds: [95, 50] }).settings.warningThresholds, [50, 95]);
    const bad = resolveLimitSettings({ ...raw, warningThresholds: [0, 'x'] });
    assert.deepEqual(bad.settings.warningThresholds, [75, 90]);
    assert.match(bad.problems[0], /tokenMeter\.limits\.warningThresholds/);
  });
});
