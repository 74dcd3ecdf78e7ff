import * as assert from 'node:assert/strict';
import { parseBudget, type BudgetUnit } from '../../src/core/budget';
import { baselinePerWindow, BurnRateMonitor, SpendSpikeWatch } from '../../src/core/burnRate';
import { addDays } from '../../src/core/time';
import { parsePriceOverrides, PriceBook } from '../../src/core/pricing';
import type { Settings } from '../../src/core/settings';
import type { UsageReader, UsageRowLike } from '../../src/core/usage';
import { usageEvent } from '../support/events';

const MIN = 60_000;
const options = { windowMs: 10 * MIN, factor: 3, minimum: 0.5, cooldownMs: 60 * MIN };

describe('burn-rate (spike) alerts', () => {
  it('derives the normal rate per window from recent active days over a working day', () => {
    // $24 on an active day = $3 an hour = $0.50 per 10 minutes; idle days do not dilute it.
    assert.equal(baselinePerWindow([24, 0, 24, 0], 10 * MIN), 0.5);
    assert.equal(baselinePerWindow([], 10 * MIN), 0);
  });

  it('alerts once when the last window is far above normal, then stays quiet for the cooldown', () => {
    const m = new BurnRateMonitor(options);
    const t0 = Date.UTC(2026, 10, 23, 10);
    m.add(t0, 0.9);
    assert.equal(m.check(t0, 0.5), undefined, '1.8× normal is not a spike');
    m.add(t0 + MIN, 0.9);
    const alert = m.check(t0 + MIN, 0.5);
    assert.ok(alert);
    assert.equal(Number(alert.ratio.toFixed(1)), 3.6);
    m.add(t0 + 2 * MIN, 5);
    assert.equal(m.check(t0 + 2 * MIN, 0.5), undefined, 'rate-limited');
    m.add(t0 + 70 * MIN, 2);
    assert.ok(m.check(t0 + 70 * MIN, 0.5), 'after the cooldown a new spike alerts again');
  });

  it('forgets spend older than the window and ignores tiny amounts', () => {
    const m = new BurnRateMonitor(options);
    const t0 = Date.UTC(2026, 10, 23, 10);
    m.add(t0, 2);
    assert.equal(m.check(t0 + 11 * MIN, 0.1), undefined);
    const quiet = new BurnRateMonitor(options);
    quiet.add(t0, 0.4);
    assert.equal(quiet.check(t0, 0.01), undefined, 'below the minimum');
    const fresh = new BurnRateMonitor(options);
    fresh.add(t0, 1);
    assert.equal(fresh.check(t0, 0), undefined, 'no history: needs the minimum × factor');
    fresh.add(t0, 1);
    assert.ok(fresh.check(t0, 0));
  });
});

describe('gateway spend spikes (SpendSpikeWatch)', () => {
  const t0 = Date.UTC(2026, 10, 23, 10);
  const today = '2026-11-23';

  /** $8 (800k tokens) on each of the last 14 days: usually $0.17 (16.7k tokens) per 10 minutes of an 8-hour day. */
  function reader(unit: () => BudgetUnit, clock: () => number): UsageReader {
    const prices = new PriceBook(parsePriceOverrides([{ model: 'house-model', input: 100, output: 0 }]).overrides);
    const row = (day: string): UsageRowLike => ({
      day,
      model: 'house-model',
      events: 1,
      inputTokens: 80_000,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      estimatedTokens: 0,
      costUsd: 8,
      unpricedTokens: 0,
      weightedCostUsd: 8,
      weightedTokens: 800_000,
      peakTokens: 0,
    });
    return {
      // Only the fields the watch reads; the extension assembles the full Settings with resolveSettings.
      get settings() {
        const budget = parseBudget({ unit: unit() }).budget;
        return { budget, prices, peakEnabled: false, timeZone: 'UTC', weekStart: 1 } as unknown as Settings;
      },
      rows: (from, to) => Array.from({ length: 14 }, (_, i) => row(addDays(today, -(i + 1)))).filter((r) => from <= r.day && r.day <= to),
      now: clock,
    };
  }
  const request = (ts: number, inputTokens: number) =>
    usageEvent({ ts, model: 'house-model', provider: 'openai', inputTokens, outputTokens: 0 });

  it("warns when the last ten minutes cost far more than the user's usual rate, in the budget unit", () => {
    let now = t0;
    const watch = new SpendSpikeWatch(
      reader(
        () => 'usd',
        () => now,
      ),
    );
    assert.equal(watch.add(request(now, 4000)), undefined, '$0.40 is not yet 3× the usual $0.17');
    now += 60_000;
    assert.equal(
      watch.add(request(now, 4000)),
      'Token Meter: $0.80 spent through the gateway in the last 10 minutes — about 5× your usual $0.17. An agent loop or a large context re-sent many times?',
    );
    now += 60_000;
    assert.equal(watch.add(request(now, 4000)), undefined, 'at most one warning an hour');
  });

  it('starts afresh when the budget unit changes, since tokens and dollars cannot be summed', () => {
    let unit: BudgetUnit = 'tokens';
    const watch = new SpendSpikeWatch(
      reader(
        () => unit,
        () => t0,
      ),
    );
    assert.equal(watch.add(request(t0, 40_000)), undefined, '40k tokens is under 3× the usual 16.7k tokens');
    unit = 'usd';
    assert.equal(watch.add(request(t0, 4000)), undefined, '$0.40 is under 3× the usual $0.17');
    assert.equal(
      watch.add(request(t0, 4000)),
      'Token Meter: $0.80 spent through the gateway in the last 10 minutes — about 5× your usual $0.17. An agent loop or a large context re-sent many times?',
    );
  });
});
