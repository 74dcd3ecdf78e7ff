/**
 * Spike alerts: spend in the last few minutes far above the user's own normal rate. The baseline is
 * what they usually spend per window while working — the average of their recent active days,
 * spread over a working day — so the alert speaks to *their* habits, not to a fixed number.
 */

export interface BurnRateOptions {
  windowMs: number;
  /** How many times the normal rate counts as a spike. */
  factor: number;
  /** Spend below this in a window never alerts (tiny bases make huge factors). */
  minimum: number;
  /** At most one alert per this long. */
  cooldownMs: number;
}

export interface BurnRateAlert {
  windowAmount: number;
  baselinePerWindow: number;
  ratio: number;
}

const WORKING_DAY_MS = 8 * 3600_000;

/** Normal spend per window from recent daily totals (active days only). */
export function baselinePerWindow(recentDailyAmounts: number[], windowMs: number): number {
  const active = recentDailyAmounts.filter((a) => a > 0);
  if (active.length === 0) return 0;
  const perDay = active.reduce((s, a) => s + a, 0) / active.length;
  return perDay * (windowMs / WORKING_DAY_MS);
}

export class BurnRateMonitor {
  private samples: Array<{ ts: number; amount: number }> = [];
  private lastAlertAt = -Infinity;

  constructor(private readonly options: BurnRateOptions) {}

  add(ts: number, amount: number): void {
    this.samples.push({ ts, amount });
  }

  /** An alert when the last window's spend is a spike against the baseline, at most once per cooldown. */
  check(now: number, baseline: number): BurnRateAlert | undefined {
    const from = now - this.options.windowMs;
    this.samples = this.samples.filter((s) => s.ts > from);
    const windowAmount = this.samples.reduce((sum, s) => sum + s.amount, 0);
    if (windowAmount < this.options.minimum || now - this.lastAlertAt < this.options.cooldownMs) return undefined;
    // With no history yet, the minimum alone is the bar, raised by the factor.
    const bar = Math.max(baseline * this.options.factor, this.options.minimum * (baseline > 0 ? 1 : this.options.factor));
    if (windowAmount < bar) return undefined;
    this.lastAlertAt = now;
    return { windowAmount, baselinePerWindow: baseline, ratio: baseline > 0 ? windowAmount / baseline : Infinity };
  }
}
