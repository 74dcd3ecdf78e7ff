import * as assert from 'node:assert/strict';
import { baselinePerWindow, BurnRateMonitor } from '../../src/core/burnRate';

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
