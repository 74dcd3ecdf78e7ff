import { formatTokens, formatUsd, formatUsdLimit } from './format';
import { settingDefault } from './settingsSchema';

/**
 * Budgets: daily, weekly and monthly limits in USD or tokens, compared with peak-weighted use.
 * Each limit remembers where it was set, so the meter can say "set by this workspace".
 */

export type BudgetSource = 'default' | 'user' | 'workspace' | 'workspaceFolder' | 'team';
export type BudgetPeriod = 'day' | 'week' | 'month';
export type BudgetUnit = 'usd' | 'tokens';
export type BudgetLevel = 'ok' | 'notice' | 'warning' | 'over';

export interface BudgetLimit {
  period: BudgetPeriod;
  limit: number;
  source: BudgetSource;
}

export interface Budget {
  unit: BudgetUnit;
  limits: BudgetLimit[];
  /** Ascending ratios; the last means "over", the one before "warning", earlier ones "notice". */
  thresholds: number[];
}

export interface BudgetStatus extends BudgetLimit {
  used: number;
  ratio: number;
  level: BudgetLevel;
}

export const DEFAULT_THRESHOLDS = settingDefault('budget.warningThresholds');
/** The adjective of each period, as in the settings' names (tokenMeter.budget.daily) and in messages. */
export const PERIOD_ADJECTIVES: Record<BudgetPeriod, 'daily' | 'weekly' | 'monthly'> = { day: 'daily', week: 'weekly', month: 'monthly' };

export interface RawBudget {
  daily?: unknown;
  weekly?: unknown;
  monthly?: unknown;
  unit?: unknown;
  warningThresholds?: unknown;
}

/** Validates budget settings; a bad value disables only that limit, and the message names the setting. */
export function parseBudget(
  raw: RawBudget,
  sources: Partial<Record<'daily' | 'weekly' | 'monthly', BudgetSource>> = {},
): { budget: Budget; problems: string[] } {
  const problems: string[] = [];
  let unit: BudgetUnit = 'usd';
  if (raw.unit === 'tokens' || raw.unit === 'usd') unit = raw.unit;
  else if (raw.unit !== undefined && raw.unit !== null) {
    problems.push(`tokenMeter.budget.unit must be "usd" or "tokens" (got ${JSON.stringify(raw.unit)}); using "usd".`);
  }

  const limits: BudgetLimit[] = [];
  for (const period of ['day', 'week', 'month'] as const) {
    const key = PERIOD_ADJECTIVES[period];
    const value = raw[key];
    if (value === undefined || value === null || value === 0) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      problems.push(`tokenMeter.budget.${key} must be a number, 0 or more (got ${JSON.stringify(value)}); no ${key} limit applies.`);
      continue;
    }
    limits.push({ period, limit: value, source: sources[key] ?? 'default' });
  }

  let percentages = DEFAULT_THRESHOLDS;
  if (raw.warningThresholds !== undefined && raw.warningThresholds !== null) {
    const list = raw.warningThresholds;
    const valid =
      Array.isArray(list) && list.length > 0 && list.every((p) => typeof p === 'number' && Number.isFinite(p) && p > 0 && p <= 1000);
    if (valid) percentages = [...new Set(list as number[])].sort((a, b) => a - b);
    else
      problems.push(
        `tokenMeter.budget.warningThresholds must be a list of percentages such as [50, 80, 100]; using [${DEFAULT_THRESHOLDS.join(', ')}].`,
      );
  }
  return { budget: { unit, limits, thresholds: percentages.map((p) => p / 100) }, problems };
}

function levelFor(ratio: number, thresholds: number[]): BudgetLevel {
  const n = thresholds.length;
  if (ratio >= thresholds[n - 1]) return 'over';
  if (n >= 2 && ratio >= thresholds[n - 2]) return 'warning';
  if (thresholds.slice(0, Math.max(0, n - 2)).some((t) => ratio >= t)) return 'notice';
  return 'ok';
}

/** Compares each limit with what was used in its period (peak-weighted, in the budget's unit). */
export function evaluateBudget(budget: Budget, used: Record<BudgetPeriod, number>): BudgetStatus[] {
  return budget.limits.map((limit) => {
    const spent = used[limit.period];
    const ratio = spent / limit.limit;
    return { ...limit, used: spent, ratio, level: levelFor(ratio, budget.thresholds) };
  });
}

/**
 * An amount in the budget's unit as every message and view writes it: "$1.25" or "12.3k tokens". A
 * limit the user typed reads without trailing zeros ("$10", not "$10.00").
 */
export function formatBudgetAmount(value: number, unit: BudgetUnit, kind: 'amount' | 'limit' = 'amount'): string {
  if (unit === 'tokens') return `${formatTokens(value)} tokens`;
  return kind === 'limit' ? formatUsdLimit(value) : formatUsd(value);
}
