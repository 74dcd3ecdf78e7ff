import { formatBudgetAmount, type BudgetUnit } from './budget';
import { totalTokens, type UsageEvent } from './events';
import { rollupContextFor } from './settings';
import { addDays, dayKey } from './time';
import type { UsageReader } from './usage';

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

const SPIKE_WINDOW_MS = 10 * 60_000;
const SPIKE_FACTOR = 3;
const SPIKE_COOLDOWN_MS = 3600_000;
/** How many past days make the user's usual rate. */
const BASELINE_DAYS = 14;
/** Below this in ten minutes nothing is a spike, whatever the usual rate. */
const SPIKE_MINIMUM: Record<BudgetUnit, number> = { usd: 0.5, tokens: 50_000 };

/**
 * Watches the gateway's requests for spend far above the user's usual rate, counted as budgets count
 * it: in the budget's unit, peak-weighted. Returns the warning to show; the UI only shows it.
 */
export class SpendSpikeWatch {
  private monitor: BurnRateMonitor | undefined;
  private unit: BudgetUnit | undefined;

  constructor(private readonly usage: UsageReader) {}

  /** Adds a request just recorded; the warning when the last ten minutes are a spike, at most once an hour. */
  add(event: UsageEvent): string | undefined {
    const { settings } = this.usage;
    const unit = settings.budget.unit;
    // Amounts in another unit cannot be summed with these: a change of unit starts afresh.
    if (!this.monitor || this.unit !== unit) {
      this.monitor = new BurnRateMonitor({
        windowMs: SPIKE_WINDOW_MS,
        factor: SPIKE_FACTOR,
        minimum: SPIKE_MINIMUM[unit],
        cooldownMs: SPIKE_COOLDOWN_MS,
      });
      this.unit = unit;
    }
    const { costUsd, peakMultiplier } = rollupContextFor(settings).value(event);
    this.monitor.add(event.ts, (unit === 'usd' ? (costUsd ?? 0) : totalTokens(event)) * peakMultiplier);
    const now = this.usage.now();
    const today = dayKey(now, settings.timeZone);
    // One query for the baseline days (this runs on every gateway request), summed per day.
    const byDay = new Map<string, number>();
    for (const r of this.usage.rows(addDays(today, -BASELINE_DAYS), addDays(today, -1))) {
      byDay.set(r.day, (byDay.get(r.day) ?? 0) + (unit === 'usd' ? r.weightedCostUsd : r.weightedTokens));
    }
    const days = Array.from({ length: BASELINE_DAYS }, (_, i) => byDay.get(addDays(today, -(i + 1))) ?? 0);
    const alert = this.monitor.check(now, baselinePerWindow(days, SPIKE_WINDOW_MS));
    if (!alert) return undefined;
    const amount = (n: number) => formatBudgetAmount(n, unit);
    const usual = alert.baselinePerWindow > 0 ? ` — about ${Math.round(alert.ratio)}× your usual ${amount(alert.baselinePerWindow)}` : '';
    return `Token Meter: ${amount(alert.windowAmount)} spent through the gateway in the last 10 minutes${usual}. An agent loop or a large context re-sent many times?`;
  }
}
