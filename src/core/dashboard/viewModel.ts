import { formatBudgetAmount, type BudgetLevel, type BudgetPeriod } from '../budget';
import { formatCount, formatPercent, formatTokens, formatUsd } from '../format';
import type { LimitsSection } from '../limits/dashboard';
import type { RollupRow } from '../rollups';
import type { Settings } from '../settings';
import { addDays, dayKey, daysBetween, parseDayKey, startOfDay, WEEKDAY_LABELS, weekdayOf } from '../time';
import {
  budgetSourceLabel,
  budgetStatuses,
  periodTotals,
  rangeDays,
  totalsBy,
  unpricedModels,
  type PeriodTotals,
  type UsageRowLike,
} from '../usage';

/**
 * The "Show My Usage This Week" dashboard as plain JSON: every number and every sentence the webview
 * shows is made here, from rollup rows, settings and the clock. The webview only draws it.
 */

export type DashboardRow = UsageRowLike & Pick<RollupRow, 'source' | 'project' | 'peakCostUsd'>;

/** The week's prompt-hygiene findings, when that feature is on. */
export interface HygieneSummary {
  findings: number;
  tokens: number;
  costUsd: number;
}

/** Commits in the open git repositories during the shown week, or why they could not be counted. */
export type CommitCount =
  { available: true; commits: number; repositories: number; byAuthor: boolean } | { available: false; reason: string };

/** The settings the dashboard reads. */
export type DashboardSettings = Pick<Settings, 'budget' | 'timeZone' | 'weekStart' | 'display' | 'peakEnabled' | 'peak'> & {
  gateway: Pick<Settings['gateway'], 'enabled'>;
  logCapture: Pick<Settings['logCapture'], 'enabled'>;
  prices: Pick<Settings['prices'], 'catalog'>;
};

export interface DashboardInput {
  settings: DashboardSettings;
  now: number;
  /** 0 = the current week, -1 = last week, … */
  weekOffset: number;
  rows(fromDay: string, toDay: string): DashboardRow[];
  hygiene?: HygieneSummary;
  commits?: CommitCount;
  /** Settings and store problems, worded for people. */
  problems?: string[];
  /** The providers' own limit windows over the past week. */
  limits?: LimitsSection;
}

export interface DayBar {
  day: string;
  /** "Mon 23". */
  label: string;
  isToday: boolean;
  isFuture: boolean;
  events: number;
  peakTokens: number;
  offPeakTokens: number;
  /** List-price cost of the priced part. */
  peakCostUsd: number;
  offPeakCostUsd: number;
  unpricedTokens: number;
  tokensText: string;
  costText: string;
  peakTokensText: string;
  peakCostText: string;
}

export interface BreakdownLine {
  key: string;
  label: string;
  events: number;
  tokens: number;
  costUsd: number;
  tokensText: string;
  costText: string;
  /** Share of the week's tokens, 0–1. */
  share: number;
  shareText: string;
}

export interface BudgetProgress {
  period: BudgetPeriod;
  title: string;
  sourceLabel: string;
  unit: 'usd' | 'tokens';
  used: number;
  limit: number;
  ratio: number;
  level: BudgetLevel;
  usedText: string;
  limitText: string;
  ratioText: string;
  /** Calendar days left in the period, today included. */
  daysLeft: number;
  daysLeftText: string;
  /** What the period ends at if the rate so far goes on. */
  projected: number;
  projectedText: string;
  projectedRatio: number;
  projectedRatioText: string;
}

export interface WeekFigures {
  tokens: number;
  costUsd: number;
  costPerDayUsd: number;
  /** Days the per-day cost is spread over: the days gone by, today included, or 7 for a past week. */
  days: number;
  daysText: string;
  tokensText: string;
  costText: string;
  costPerDayText: string;
}

export interface DashboardView {
  week: {
    fromDay: string;
    toDay: string;
    offset: number;
    /** "Mon 23 Nov – Sun 29 Nov 2026". */
    label: string;
    /** "This week", "Last week", "3 weeks ago". */
    relative: string;
    timeZone: string;
    canGoNext: boolean;
  };
  /** The measure the chart opens with (the status bar's display setting). */
  initialMeasure: 'cost' | 'tokens';
  empty: boolean;
  /** Sentences for a week with no usage: where data will come from and how to turn capture on. */
  emptyState: string[];
  totals: {
    events: number;
    /** "12 requests". */
    eventsText: string;
    tokens: number;
    costUsd: number;
    weightedCostUsd: number;
    unpricedTokens: number;
    tokensText: string;
    costText: string;
    weightedCostText: string;
    /** Share of input-side tokens read from the prompt cache. */
    cacheReadShare: number;
    cacheReadShareText: string;
    estimatedShare: number;
    estimatedShareText: string;
    peakShare: number;
    peakShareText: string;
  };
  days: DayBar[];
  /** The per-day budget line on the chart, in each measure; absent when no budget applies to it. */
  budgetLine: { measure: 'cost' | 'tokens'; perDay: number; label: string } | undefined;
  peak: { enabled: boolean; description: string };
  byModel: BreakdownLine[];
  bySource: BreakdownLine[];
  byProject: BreakdownLine[];
  budgets: BudgetProgress[];
  comparison: {
    thisWeek: WeekFigures;
    previousWeek: WeekFigures;
    tokensChangeText: string;
    costChangeText: string;
    costPerDayChangeText: string;
  };
  hygiene: { enabled: false; text: string } | { enabled: true; findings: number; tokens: number; costUsd: number; text: string };
  outcomes: { available: false; text: string } | { available: true; commits: number; costPerCommitUsd: number | null; text: string };
  /** Which prices apply, and the models of the shown week without one (each can be given a price). */
  prices: { text: string; unpriced: Array<{ model: string; tokensText: string }> };
  limits?: LimitsSection;
  problems: string[];
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mon 23 Nov". */
export function dayLabel(key: string): string {
  const { month, day } = parseDayKey(key);
  return `${WEEKDAY_LABELS[weekdayOf(key)]} ${day} ${MONTH_NAMES[month - 1]}`;
}

/** Names people know for the capture sources; others (an extension's own id) are shown as recorded. */
const SOURCE_LABELS: Record<string, string> = {
  gateway: 'Gateway',
  'lm-provider': 'Chat provider',
  'claude-code': 'Claude Code',
  codex: 'Codex',
  'copilot-chat': 'Copilot Chat',
  'gemini-cli': 'Gemini CLI',
  api: 'Other extensions (API)',
};

/** Dollars, marked when some tokens have no known price, so an unknown cost never reads as $0. */
export function costText(t: Pick<PeriodTotals, 'costUsd' | 'unpricedTokens' | 'totalTokens'>): string {
  if (t.totalTokens > 0 && t.unpricedTokens === t.totalTokens) return 'unknown';
  return t.unpricedTokens > 0 ? `${formatUsd(t.costUsd)} +?` : formatUsd(t.costUsd);
}

function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** "+12%", "−30%", "new" or "—", comparing this week's figure with the one before. */
function changeText(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? 'no change' : 'new this week';
  const ratio = current / previous - 1;
  if (Math.abs(ratio) < 0.005) return 'no change';
  return `${ratio > 0 ? '+' : '−'}${formatPercent(Math.abs(ratio))}`;
}

function breakdown(
  rows: DashboardRow[],
  keyOf: (row: DashboardRow) => string,
  labelOf: (key: string) => string,
  week: PeriodTotals,
): BreakdownLine[] {
  return totalsBy(rows, keyOf, week.fromDay, week.toDay).map((t) => ({
    key: t.key,
    label: labelOf(t.key),
    events: t.events,
    tokens: t.totalTokens,
    costUsd: t.costUsd,
    tokensText: formatTokens(t.totalTokens),
    costText: costText(t),
    share: share(t.totalTokens, week.totalTokens),
    shareText: formatPercent(share(t.totalTokens, week.totalTokens)),
  }));
}

/** Fraction of a span of local days that has passed at `now`, in real hours (a DST week has 167 or 169). */
function elapsedFraction(fromDay: string, toDay: string, now: number, timeZone: string): number {
  const start = startOfDay(fromDay, timeZone);
  const end = startOfDay(addDays(toDay, 1), timeZone);
  return Math.min(1, Math.max(0, (now - start) / (end - start)));
}

function budgetProgress(input: DashboardInput, rowsBetween: (from: string, to: string) => DashboardRow[]): BudgetProgress[] {
  const { settings, now } = input;
  const { unit } = settings.budget;
  const today = dayKey(now, settings.timeZone);
  const titles: Record<BudgetPeriod, string> = { day: 'Today', week: 'This week', month: 'This month' };
  return budgetStatuses(settings, rowsBetween, now).map((s) => {
    const { fromDay, toDay } = rangeDays(s.period, now, settings);
    const elapsed = elapsedFraction(fromDay, toDay, now, settings.timeZone);
    const projected = elapsed > 0 ? s.used / elapsed : s.used;
    const daysLeft = daysBetween(today, toDay).length;
    return {
      period: s.period,
      title: titles[s.period],
      sourceLabel: budgetSourceLabel(s.source),
      unit,
      used: s.used,
      limit: s.limit,
      ratio: s.ratio,
      level: s.level,
      usedText: formatBudgetAmount(s.used, unit),
      limitText: formatBudgetAmount(s.limit, unit, 'limit'),
      ratioText: formatPercent(s.ratio),
      daysLeft,
      daysLeftText: formatCount(daysLeft, 'day'),
      projected,
      projectedText: formatBudgetAmount(projected, unit),
      projectedRatio: projected / s.limit,
      projectedRatioText: formatPercent(projected / s.limit),
    };
  });
}

function weekFigures(totals: PeriodTotals, days: number): WeekFigures {
  const perDay = totals.costUsd / days;
  const marker = totals.unpricedTokens > 0 ? ' +?' : '';
  return {
    tokens: totals.totalTokens,
    costUsd: totals.costUsd,
    costPerDayUsd: perDay,
    days,
    daysText: `${days} d`,
    tokensText: formatTokens(totals.totalTokens),
    costText: costText(totals),
    costPerDayText: totals.totalTokens > 0 && totals.unpricedTokens === totals.totalTokens ? 'unknown' : `${formatUsd(perDay)}${marker}`,
  };
}

function emptyStateLines(settings: DashboardSettings, relative: string): string[] {
  const lines = [`No usage recorded ${relative === 'This week' ? 'this week yet' : `in this week (${relative.toLowerCase()})`}.`];
  lines.push(
    'Token Meter counts tokens from three places: its local gateway (point your tools’ OpenAI or Anthropic base URL at it), the session logs that Claude Code, Codex, Copilot Chat and Gemini CLI write, and other extensions that report through its API.',
  );
  lines.push(
    settings.gateway.enabled
      ? 'The gateway is on: run “Token Meter: Show Gateway Base URLs” to copy its addresses. New VS Code terminals already use it.'
      : 'The gateway is off: set “tokenMeter.gateway.enabled” to true (or run “Token Meter: Show Gateway Base URLs”) to meter API calls made from your terminals and scripts.',
  );
  lines.push(
    settings.logCapture.enabled
      ? 'Reading assistants’ session logs is on: usage appears here a few seconds after an assistant answers.'
      : 'Reading assistants’ session logs is off: set “tokenMeter.logCapture.enabled” to true to count Claude Code, Codex, Copilot Chat and Gemini CLI.',
  );
  lines.push('Nothing you type is stored: only token counts, models and costs.');
  return lines;
}

function relativeWeek(offset: number): string {
  if (offset === 0) return 'This week';
  if (offset === -1) return 'Last week';
  return offset < 0 ? `${-offset} weeks ago` : `In ${offset} weeks`;
}

/** Days of the current week gone by (today included), or 7 for a week that is over. */
function daysElapsed(fromDay: string, toDay: string, today: string): number {
  if (today > toDay) return 7;
  if (today < fromDay) return 1;
  return daysBetween(fromDay, today).length;
}

/** The week `weekOffset` weeks from the current one (never later than it), in the user's zone and week. */
export function shownWeek(
  settings: Pick<Settings, 'timeZone' | 'weekStart'>,
  now: number,
  weekOffset: number,
): { offset: number; fromDay: string; toDay: string } {
  const offset = Math.min(0, Math.trunc(weekOffset));
  const fromDay = addDays(rangeDays('week', now, settings).fromDay, 7 * offset);
  return { offset, fromDay, toDay: addDays(fromDay, 6) };
}

export function buildDashboard(input: DashboardInput): DashboardView {
  const { settings, now } = input;
  const { offset, fromDay, toDay } = shownWeek(settings, now, input.weekOffset);
  const previousFrom = addDays(fromDay, -7);
  const today = dayKey(now, settings.timeZone);

  // One read covering the shown week and the one before it, for the comparison.
  const rows = input.rows(previousFrom, toDay);
  const week = periodTotals(rows, fromDay, toDay);
  const previous = periodTotals(rows, previousFrom, addDays(fromDay, -1));
  const weekRows = rows.filter((r) => r.day >= fromDay);
  const relative = relativeWeek(offset);

  return {
    week: {
      fromDay,
      toDay,
      offset,
      label: `${dayLabel(fromDay)} – ${dayLabel(toDay)} ${toDay.slice(0, 4)}`,
      relative,
      timeZone: settings.timeZone,
      canGoNext: offset < 0,
    },
    initialMeasure: settings.display,
    empty: week.events === 0,
    emptyState: week.events === 0 ? emptyStateLines(settings, relative) : [],
    totals: totalsView(week),
    days: dayBars(weekRows, fromDay, toDay, today),
    budgetLine: budgetLine(settings),
    peak: { enabled: settings.peakEnabled && settings.peak.hasWindows, description: settings.peak.describe() },
    byModel: breakdown(
      weekRows,
      (r) => r.model,
      (k) => k,
      week,
    ),
    bySource: breakdown(
      weekRows,
      (r) => r.source,
      (k) => SOURCE_LABELS[k] ?? k,
      week,
    ),
    byProject: breakdown(
      weekRows,
      (r) => r.project,
      (k) => (k === '' ? '(no project)' : k),
      week,
    ),
    budgets: budgetProgress(input, (from, to) => (from >= previousFrom && to <= toDay ? rows : input.rows(from, to))),
    comparison: comparisonView(weekFigures(week, daysElapsed(fromDay, toDay, today)), weekFigures(previous, 7)),
    hygiene: hygieneView(input.hygiene),
    outcomes: outcomesView(input.commits, week),
    prices: pricesView(settings, weekRows, week),
    ...(input.limits ? { limits: input.limits } : {}),
    problems: input.problems ?? [],
  };
}

/** One bar a day of the shown week, split by peak hours. */
function dayBars(weekRows: readonly DashboardRow[], fromDay: string, toDay: string, today: string): DayBar[] {
  const byDay = new Map(totalsBy(weekRows, (r) => r.day, fromDay, toDay).map((t) => [t.key, t]));
  const peakCostByDay = new Map<string, number>();
  for (const row of weekRows) peakCostByDay.set(row.day, (peakCostByDay.get(row.day) ?? 0) + row.peakCostUsd);
  return daysBetween(fromDay, toDay).map((day) => {
    const t = byDay.get(day) ?? periodTotals([], day, day);
    const peakCost = peakCostByDay.get(day) ?? 0;
    return {
      day,
      label: `${WEEKDAY_LABELS[weekdayOf(day)]} ${parseDayKey(day).day}`,
      isToday: day === today,
      isFuture: day > today,
      events: t.events,
      peakTokens: t.peakTokens,
      offPeakTokens: t.totalTokens - t.peakTokens,
      peakCostUsd: peakCost,
      offPeakCostUsd: t.costUsd - peakCost,
      unpricedTokens: t.unpricedTokens,
      tokensText: formatTokens(t.totalTokens),
      costText: t.events === 0 ? '—' : costText(t),
      peakTokensText: formatTokens(t.peakTokens),
      peakCostText: t.peakTokens === 0 ? '—' : formatUsd(peakCost),
    };
  });
}

/** The daily budget, or else the weekly one spread over seven days, as a line across the day chart. */
function budgetLine(settings: DashboardSettings): DashboardView['budgetLine'] {
  const dailyLimit = settings.budget.limits.find((l) => l.period === 'day');
  const weeklyLimit = settings.budget.limits.find((l) => l.period === 'week');
  const measure: 'cost' | 'tokens' = settings.budget.unit === 'usd' ? 'cost' : 'tokens';
  if (dailyLimit) return { measure, perDay: dailyLimit.limit, label: `Daily budget (${budgetSourceLabel(dailyLimit.source)})` };
  if (weeklyLimit) return { measure, perDay: weeklyLimit.limit / 7, label: `Weekly budget ÷ 7 (${budgetSourceLabel(weeklyLimit.source)})` };
  return undefined;
}

function totalsView(week: PeriodTotals): DashboardView['totals'] {
  const inputSide = week.inputTokens + week.cacheReadTokens + week.cacheWriteTokens;
  return {
    events: week.events,
    eventsText: formatCount(week.events, 'request'),
    tokens: week.totalTokens,
    costUsd: week.costUsd,
    weightedCostUsd: week.weightedCostUsd,
    unpricedTokens: week.unpricedTokens,
    tokensText: formatTokens(week.totalTokens),
    costText: costText(week),
    weightedCostText: formatUsd(week.weightedCostUsd),
    cacheReadShare: share(week.cacheReadTokens, inputSide),
    cacheReadShareText: formatPercent(share(week.cacheReadTokens, inputSide)),
    estimatedShare: share(week.estimatedTokens, week.totalTokens),
    estimatedShareText: formatPercent(share(week.estimatedTokens, week.totalTokens)),
    peakShare: share(week.peakTokens, week.totalTokens),
    peakShareText: formatPercent(share(week.peakTokens, week.totalTokens)),
  };
}

function comparisonView(thisWeek: WeekFigures, previousWeek: WeekFigures): DashboardView['comparison'] {
  return {
    thisWeek,
    previousWeek,
    tokensChangeText: changeText(thisWeek.tokens, previousWeek.tokens),
    costChangeText: changeText(thisWeek.costUsd, previousWeek.costUsd),
    costPerDayChangeText: changeText(thisWeek.costPerDayUsd, previousWeek.costPerDayUsd),
  };
}

function pricesView(settings: DashboardSettings, weekRows: readonly UsageRowLike[], week: PeriodTotals): DashboardView['prices'] {
  const catalog = settings.prices.catalog;
  const reported =
    week.reportedCostUsd > 0 ? ` ${formatUsd(week.reportedCostUsd)} of this week's cost is as the provider reported it (OpenRouter).` : '';
  return {
    text: `Prices as of ${catalog.asOf} (${catalog.origin === 'refreshed' ? 'refreshed from' : 'bundled'} @pydantic/genai-prices catalog).${reported}`,
    unpriced: unpricedModels(weekRows, week.fromDay, week.toDay).map((u) => ({
      model: u.model,
      tokensText: `${formatTokens(u.tokens)} tokens without a known price`,
    })),
  };
}

function hygieneView(hygiene: HygieneSummary | undefined): DashboardView['hygiene'] {
  if (!hygiene) return { enabled: false, text: 'Prompt-hygiene findings: not enabled.' };
  return {
    enabled: true,
    ...hygiene,
    text:
      hygiene.findings === 0
        ? 'No prompt-hygiene findings this week: no repeated or oversized prompts seen.'
        : `${formatCount(hygiene.findings, 'prompt-hygiene finding')} this week, costing ${formatTokens(hygiene.tokens)} tokens (${formatUsd(hygiene.costUsd)}).`,
  };
}

function outcomesView(commits: CommitCount | undefined, week: PeriodTotals): DashboardView['outcomes'] {
  if (!commits) return { available: false, text: 'Commits: counting…' };
  if (!commits.available) return { available: false, text: `Commits: ${commits.reason}` };
  const byYou = commits.byAuthor ? ' by you' : '';
  const where = `in ${formatCount(commits.repositories, 'open repository', 'open repositories')}`;
  if (commits.commits === 0)
    return { available: true, commits: 0, costPerCommitUsd: null, text: `No commits${byYou} this week ${where} — rough signal only.` };
  const allUnpriced = week.totalTokens > 0 && week.unpricedTokens === week.totalTokens;
  const perCommit = allUnpriced ? null : week.costUsd / commits.commits;
  const perCommitText = perCommit === null ? 'unknown' : `${formatUsd(perCommit)}${week.unpricedTokens > 0 ? ' +?' : ''}`;
  return {
    available: true,
    commits: commits.commits,
    costPerCommitUsd: perCommit,
    text: `${formatCount(commits.commits, 'commit')}${byYou} ${where}: ${perCommitText} and ${formatTokens(week.totalTokens / commits.commits)} tokens per commit — a rough signal, not a measure of work.`,
  };
}
