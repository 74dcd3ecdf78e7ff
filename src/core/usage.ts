import { evaluateBudget, type BudgetStatus } from './budget';
import { totalTokens, type TokenField } from './events';
import { formatClock } from './format';
import type { MeterInput } from './meter';
import type { RollupRow } from './rollups';
import type { Settings } from './settings';
import { addDays, dayKey, monthStartDay, weekStartDay } from './time';

/**
 * Questions asked of the rollups: which days a period covers, and the totals over a set of rows.
 * Shared by the status bar, the dashboard, exports, the API and the CLI.
 */

/** The rollup fields these queries read. */
export type UsageRowLike = Pick<
  RollupRow,
  | 'day'
  | 'model'
  | TokenField
  | 'events'
  | 'estimatedTokens'
  | 'costUsd'
  | 'unpricedTokens'
  | 'weightedCostUsd'
  | 'weightedTokens'
  | 'peakTokens'
> &
  Partial<Pick<RollupRow, 'cacheWrite1hTokens' | 'reportedCostUsd'>>;

export interface PeriodTotals extends Record<TokenField, number> {
  fromDay: string;
  toDay: string;
  events: number;
  totalTokens: number;
  /** The part of cacheWriteTokens written with the 1-hour TTL. */
  cacheWrite1hTokens: number;
  /** Cost of the priced part, USD. When `unpricedTokens` > 0 the true cost is higher and unknown. */
  costUsd: number;
  unpricedTokens: number;
  /** The part of costUsd the provider reported itself rather than list prices. */
  reportedCostUsd: number;
  /** Cost counted against budgets: each event's cost times the peak multiplier at its time. */
  weightedCostUsd: number;
  weightedTokens: number;
  estimatedTokens: number;
  peakTokens: number;
}

export type UsageRange = 'day' | 'week' | 'lastWeek' | 'month' | 'all' | { from: string; to: string };

export interface CalendarSettings {
  timeZone: string;
  /** 0 = Sunday, 1 = Monday, 6 = Saturday. */
  weekStart: number;
}

/** The inclusive day span of a range, in the user's zone and week. */
export function rangeDays(range: UsageRange, now: number, calendar: CalendarSettings): { fromDay: string; toDay: string } {
  const today = dayKey(now, calendar.timeZone);
  if (typeof range === 'object') return { fromDay: range.from, toDay: range.to };
  switch (range) {
    case 'day':
      return { fromDay: today, toDay: today };
    case 'week': {
      const start = weekStartDay(today, calendar.weekStart);
      return { fromDay: start, toDay: addDays(start, 6) };
    }
    case 'lastWeek': {
      const start = addDays(weekStartDay(today, calendar.weekStart), -7);
      return { fromDay: start, toDay: addDays(start, 6) };
    }
    case 'month': {
      const start = monthStartDay(today);
      return { fromDay: start, toDay: addDays(monthStartDay(addDays(start, 31)), -1) };
    }
    case 'all':
      return { fromDay: '0000-01-01', toDay: '9999-12-31' };
  }
}

export function emptyTotals(fromDay: string, toDay: string): PeriodTotals {
  return {
    fromDay,
    toDay,
    events: 0,
    totalTokens: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    reasoningTokens: 0,
    costUsd: 0,
    reportedCostUsd: 0,
    unpricedTokens: 0,
    weightedCostUsd: 0,
    weightedTokens: 0,
    estimatedTokens: 0,
    peakTokens: 0,
  };
}

export function addToTotals(t: PeriodTotals, row: UsageRowLike): void {
  t.events += row.events;
  t.inputTokens += row.inputTokens;
  t.outputTokens += row.outputTokens;
  t.cacheReadTokens += row.cacheReadTokens;
  t.cacheWriteTokens += row.cacheWriteTokens;
  t.cacheWrite1hTokens += row.cacheWrite1hTokens ?? 0;
  t.reasoningTokens += row.reasoningTokens;
  t.totalTokens += totalTokens(row);
  t.costUsd += row.costUsd;
  t.reportedCostUsd += row.reportedCostUsd ?? 0;
  t.unpricedTokens += row.unpricedTokens;
  t.weightedCostUsd += row.weightedCostUsd;
  t.weightedTokens += row.weightedTokens;
  t.estimatedTokens += row.estimatedTokens;
  t.peakTokens += row.peakTokens;
}

/** Sums the rows whose day falls in [fromDay, toDay]. */
export function periodTotals(rows: readonly UsageRowLike[], fromDay: string, toDay: string): PeriodTotals {
  const totals = emptyTotals(fromDay, toDay);
  for (const row of rows) if (row.day >= fromDay && row.day <= toDay) addToTotals(totals, row);
  return totals;
}

/** Totals per key (model, source, ...), largest first. */
export function totalsBy<R extends UsageRowLike>(
  rows: readonly R[],
  keyOf: (row: R) => string,
  fromDay: string,
  toDay: string,
): Array<PeriodTotals & { key: string }> {
  const groups = new Map<string, PeriodTotals & { key: string }>();
  for (const row of rows) {
    if (row.day < fromDay || row.day > toDay) continue;
    const key = keyOf(row);
    let totals = groups.get(key);
    if (!totals) groups.set(key, (totals = { ...emptyTotals(fromDay, toDay), key }));
    addToTotals(totals, row);
  }
  return [...groups.values()].sort((a, b) => b.totalTokens - a.totalTokens || a.key.localeCompare(b.key));
}

/** Models whose tokens have no known price in the period, most tokens first. */
export function unpricedModels(rows: readonly UsageRowLike[], fromDay: string, toDay: string): Array<{ model: string; tokens: number }> {
  return totalsBy(rows, (r) => r.model, fromDay, toDay)
    .filter((t) => t.unpricedTokens > 0)
    .map((t) => ({ model: t.key, tokens: t.unpricedTokens }));
}

/** Words for where a limit was set, as the tooltip and summaries show them. */
export function budgetSourceLabel(source: string): string {
  switch (source) {
    case 'workspace':
      return 'set by this workspace';
    case 'workspaceFolder':
      return 'set by this folder';
    case 'team':
      return 'set by your team';
    case 'user':
      return 'set in your user settings';
    default:
      return 'default';
  }
}

export type RowsBetween = (fromDay: string, toDay: string) => UsageRowLike[];

/**
 * Usage as it stands now, for the parts that decide on it (budget checks, spike alerts, chat models'
 * estimates): the settings in force, the rollup rows and the clock. The UI's usage service provides
 * it, so capture and the core never depend on the UI.
 */
export interface UsageReader {
  readonly settings: Settings;
  rows(fromDay: string, toDay: string): UsageRowLike[];
  readonly now: () => number;
}

/** Peak-weighted use of each budget period, in the budget's unit. */
export function budgetStatuses(
  settings: Pick<Settings, 'budget' | 'timeZone' | 'weekStart'>,
  rows: RowsBetween,
  now: number,
): BudgetStatus[] {
  if (settings.budget.limits.length === 0) return [];
  const used = (period: 'day' | 'week' | 'month') => {
    const { fromDay, toDay } = rangeDays(period, now, settings);
    const t = periodTotals(rows(fromDay, toDay), fromDay, toDay);
    return settings.budget.unit === 'usd' ? t.weightedCostUsd : t.weightedTokens;
  };
  return evaluateBudget(settings.budget, { day: used('day'), week: used('week'), month: used('month') });
}

/** Everything the status-bar meter shows, from the rollups, the settings and the clock. */
export function buildMeterInput(args: {
  settings: Settings;
  rows: RowsBetween;
  now: number;
  problems: string[];
  notes?: string[];
  /** Until when "Allow 1 Hour Over Budget" is in effect (epoch ms). */
  overrideUntil?: number;
}): MeterInput {
  const { settings, rows, now } = args;
  const totalsFor = (period: 'day' | 'week' | 'month') => {
    const { fromDay, toDay } = rangeDays(period, now, settings);
    return { range: { fromDay, toDay }, totals: periodTotals(rows(fromDay, toDay), fromDay, toDay) };
  };
  const day = totalsFor('day');
  const month = totalsFor('month');
  const schedule = settings.peak;
  const peakEnabled = settings.peakEnabled && schedule.hasWindows;
  const next = peakEnabled ? schedule.nextChange(now) : undefined;
  return {
    now,
    display: settings.display,
    defaultPeriod: settings.period,
    unit: settings.budget.unit,
    periods: { day: day.totals, week: totalsFor('week').totals, month: month.totals },
    todayByModel: totalsBy(rows(day.range.fromDay, day.range.toDay), (r) => r.model, day.range.fromDay, day.range.toDay),
    budgets: budgetStatuses(settings, rows, now).map((s) => ({ ...s, sourceLabel: budgetSourceLabel(s.source) })),
    peak: {
      enabled: peakEnabled,
      peakNow: peakEnabled && schedule.isPeak(now),
      // Off-peak, the tooltip names the weight the next peak window will have.
      multiplier: !peakEnabled
        ? 1
        : schedule.isPeak(now)
          ? schedule.multiplierAt(now)
          : next?.peak
            ? next.multiplier
            : schedule.data.multiplier,
      nextChange: next ? { at: next.at, peak: next.peak } : undefined,
      timeZone: schedule.timeZone,
      description: settings.peakLabel ? `${schedule.describe()} — ${settings.peakLabel}` : schedule.describe(),
    },
    formatClock: (ts) => formatClock(ts, now, settings.timeZone),
    problems: args.problems,
    notes: args.notes ?? [],
    prices: { asOf: settings.prices.catalog.asOf, origin: settings.prices.catalog.origin },
    unpricedModels: unpricedModels(rows(month.range.fromDay, month.range.toDay), month.range.fromDay, month.range.toDay),
    overrideUntil: args.overrideUntil ?? 0,
  };
}
