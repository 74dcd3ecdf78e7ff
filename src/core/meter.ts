import { formatBudgetAmount, PERIOD_ADJECTIVES, type BudgetStatus, type BudgetUnit } from './budget';
import { formatDuration, formatMultiplier, formatPercent, formatTokens, formatUsd } from './format';
import type { PeriodTotals } from './usage';

/**
 * The status-bar meter as plain data: its text, colour level and markdown tooltip. Built from
 * rollup totals so the UI layer only renders.
 */

export type MeterTotals = Pick<
  PeriodTotals,
  'totalTokens' | 'costUsd' | 'unpricedTokens' | 'weightedCostUsd' | 'weightedTokens' | 'estimatedTokens'
> &
  Partial<Pick<PeriodTotals, 'reportedCostUsd'>>;

export interface MeterModelLine extends MeterTotals {
  key: string;
}

export type MeterPeriod = 'day' | 'week' | 'month';
export type MeterLevel = 'normal' | 'notice' | 'warning' | 'error';

export interface MeterBudget extends Omit<BudgetStatus, 'source'> {
  /** Words naming where the limit was set, e.g. "set by this workspace". */
  sourceLabel: string;
}

export interface MeterPeak {
  /** False when peak-hour pricing is off. */
  enabled: boolean;
  peakNow: boolean;
  multiplier: number;
  /** Next change of peak state, if any. */
  nextChange?: { at: number; peak: boolean };
  /** Name of the time zone the schedule is written in. */
  timeZone: string;
  /** A line describing the windows, e.g. "Mon–Fri 09:00–18:00 (America/Los_Angeles)". */
  description: string;
}

export interface MeterInput {
  now: number;
  display: 'cost' | 'tokens';
  /** The period shown when no budget is set. */
  defaultPeriod: MeterPeriod;
  unit: BudgetUnit;
  periods: Record<MeterPeriod, MeterTotals>;
  /** Today's totals per model, for the tooltip. */
  todayByModel: MeterModelLine[];
  budgets: MeterBudget[];
  peak: MeterPeak;
  /** Formats an instant as local wall-clock time for the tooltip ("18:00", "Mon 09:00"). */
  formatClock(ts: number): string;
  problems: string[];
  /** Status lines from other parts (team sync), shown as they are. */
  notes?: string[];
  /** Which prices apply: the catalog's date and whether it is the bundled or a refreshed copy. */
  prices?: { asOf: string; origin: 'bundled' | 'refreshed' };
  /** Models used this month whose price is unknown, with their tokens. */
  unpricedModels?: Array<{ model: string; tokens: number }>;
  /** Until when "Allow 1 Hour Over Budget" lets requests past hard budgets (epoch ms; 0 or past = not in effect). */
  overrideUntil?: number;
}

export interface MeterView {
  text: string;
  level: MeterLevel;
  tooltipMarkdown: string;
  accessibilityLabel: string;
}

const PERIOD_WORD: Record<MeterPeriod, string> = { day: 'today', week: 'this week', month: 'this month' };

/** Dollar amount with a marker when some tokens have no known price, so unknown is never shown as $0. */
function costText(totals: MeterTotals, weighted: boolean): string {
  const amount = weighted ? totals.weightedCostUsd : totals.costUsd;
  if (totals.unpricedTokens > 0 && totals.unpricedTokens === totals.totalTokens) return 'cost unknown';
  return totals.unpricedTokens > 0 ? `${formatUsd(amount)}+?` : formatUsd(amount);
}

function amountText(totals: MeterTotals, display: 'cost' | 'tokens', weighted: boolean): string {
  if (display === 'tokens') return `${formatTokens(weighted ? totals.weightedTokens : totals.totalTokens)} tokens`;
  return costText(totals, weighted);
}

function levelOf(budget: MeterBudget | undefined): MeterLevel {
  if (!budget) return 'normal';
  return budget.level === 'over' ? 'error' : budget.level === 'ok' ? 'normal' : budget.level;
}

/** The budget closest to (or furthest past) its limit is the one the meter shows. */
export function pressingBudget(budgets: MeterBudget[]): MeterBudget | undefined {
  return budgets.reduce<MeterBudget | undefined>((best, b) => (best === undefined || b.ratio > best.ratio ? b : best), undefined);
}

function statusText(input: MeterInput, budget: MeterBudget | undefined): string {
  const icon = budget && budget.level !== 'ok' ? (budget.level === 'over' ? '$(error)' : '$(warning)') : '$(pulse)';
  let body: string;
  if (budget) {
    const used = input.unit === 'usd' ? formatUsd(budget.used) : formatTokens(budget.used);
    const suffix = input.periods[budget.period].unpricedTokens > 0 && input.unit === 'usd' ? '+?' : '';
    body = `${used}${suffix} / ${formatBudgetAmount(budget.limit, input.unit, 'limit')} ${PERIOD_WORD[budget.period]}`;
  } else {
    body = `${amountText(input.periods[input.defaultPeriod], input.display, false)} ${PERIOD_WORD[input.defaultPeriod]}`;
  }
  const until = input.peak.nextChange ? ` until ${input.formatClock(input.peak.nextChange.at)}` : '';
  const peak = input.peak.enabled && input.peak.peakNow ? ` · peak ${formatMultiplier(input.peak.multiplier)}${until}` : '';
  return `${icon} ${body}${peak}`;
}

/** Escapes what could turn model names or messages into markup or break a table cell. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]|<>]/g, (c) => `\\${c}`);
}

/** A command link that opens "Set a Price for <model>…" for that model. */
export function setPriceLink(model: string): string {
  return `[Set a Price for ${escapeMarkdown(model)}…](command:tokenMeter.setModelPrice?${encodeURIComponent(JSON.stringify([model]))})`;
}

/** The date of the prices and, when there are any, the models without one. */
function priceLines(input: MeterInput): string[] {
  const lines: string[] = [];
  const unpriced = input.unpricedModels ?? [];
  if (unpriced.length > 0) {
    lines.push('**Without a known price this month** (their cost is unknown, not $0):', '');
    for (const u of unpriced) lines.push(`- \`${escapeMarkdown(u.model)}\` — ${formatTokens(u.tokens)} tokens — ${setPriceLink(u.model)}`);
    lines.push('');
  }
  const reported = input.periods.month.reportedCostUsd ?? 0;
  if (reported > 0)
    lines.push(`${formatUsd(reported)} of this month's cost is as the provider reported it (OpenRouter), not list price.`, '');
  if (input.prices) {
    const where =
      input.prices.origin === 'refreshed' ? 'refreshed from the @pydantic/genai-prices catalog' : 'bundled @pydantic/genai-prices catalog';
    lines.push(`Prices as of ${input.prices.asOf} (${where}).`, '');
  }
  return lines;
}

function peakLines(input: MeterInput): string[] {
  const { peak, now } = input;
  if (!peak.enabled) return ['**Peak hours:** off — usage counts at list price at any hour.'];
  const lines = [`**Peak hours:** ${escapeMarkdown(peak.description)}, ${formatMultiplier(peak.multiplier)} against budgets`];
  if (peak.nextChange) {
    const wait = formatDuration(peak.nextChange.at - now);
    const clock = input.formatClock(peak.nextChange.at);
    lines.push(peak.peakNow ? `Peak now until ${clock} · ${wait}` : `Off-peak now · peak starts ${clock} · in ${wait}`);
  } else {
    lines.push(peak.peakNow ? 'Peak now' : 'Off-peak now');
  }
  return lines;
}

function tableRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function budgetLines(input: MeterInput): string[] {
  if (input.budgets.length === 0) {
    return ['**Budget:** none set — [Set Budget…](command:tokenMeter.setBudget)'];
  }
  const lines = input.budgets.map((b) => {
    const used = input.unit === 'usd' ? formatUsd(b.used) : formatTokens(b.used);
    return `**${PERIOD_ADJECTIVES[b.period][0].toUpperCase()}${PERIOD_ADJECTIVES[b.period].slice(1)} budget:** ${used} of ${formatBudgetAmount(b.limit, input.unit, 'limit')} (${formatPercent(b.ratio)}) — ${b.sourceLabel}`;
  });
  const until = input.overrideUntil ?? 0;
  if (until > input.now) lines.push(`**Allow 1 Hour Over Budget:** hard budgets let requests through until ${input.formatClock(until)}.`);
  return lines;
}

export function buildMeterView(input: MeterInput): MeterView {
  const budget = pressingBudget(input.budgets);
  const text = statusText(input, budget);
  const md: string[] = [];
  md.push('**Token Meter**', '');
  md.push(tableRow(['', 'Tokens', 'Cost', 'Counted*']), tableRow(['---', '---:', '---:', '---:']));
  for (const period of ['day', 'week', 'month'] as const) {
    const t = input.periods[period];
    const counted = input.unit === 'usd' ? costText(t, true) : formatTokens(t.weightedTokens);
    md.push(
      tableRow([
        PERIOD_WORD[period][0].toUpperCase() + PERIOD_WORD[period].slice(1),
        formatTokens(t.totalTokens),
        costText(t, false),
        counted,
      ]),
    );
  }
  md.push('', '\\* counted against budgets: peak-hour usage weighs more.', '');
  if (input.todayByModel.length > 0) {
    md.push('**Today by model**', '', tableRow(['Model', 'Tokens', 'Cost']), tableRow(['---', '---:', '---:']));
    for (const line of input.todayByModel)
      md.push(tableRow([escapeMarkdown(line.key), formatTokens(line.totalTokens), costText(line, false)]));
    md.push('');
  }
  md.push(...budgetLines(input).flatMap((l) => [l, '']));
  md.push(...peakLines(input).flatMap((l) => [l, '']));
  const today = input.periods.day;
  if (today.totalTokens > 0) {
    const estimatedShare = today.estimatedTokens / today.totalTokens;
    md.push(
      today.estimatedTokens > 0
        ? `Estimated: ${formatPercent(estimatedShare)} of today's tokens were counted by Token Meter's tokenizer, not reported by the provider.`
        : "All of today's tokens were reported by the providers (none estimated).",
      '',
    );
    if (today.unpricedTokens > 0) {
      md.push(`+? ${formatTokens(today.unpricedTokens)} tokens today are from models without a known price.`, '');
    }
  }
  md.push(...priceLines(input));
  for (const note of input.notes ?? []) md.push(escapeMarkdown(note), '');
  for (const problem of input.problems) md.push(`$(warning) ${escapeMarkdown(problem)}`, '');
  md.push(
    '[Show usage this week](command:tokenMeter.showUsageThisWeek) · [Set budget](command:tokenMeter.setBudget) · [Settings](command:tokenMeter.openSettings)',
  );

  const level = levelOf(budget);
  const accessibilityLabel = `Token Meter: ${text.replace(/\$\([a-z-]+\) /, '')}${level === 'normal' ? '' : `, ${level === 'error' ? 'over budget' : 'approaching budget'}`}`;
  return { text, level, tooltipMarkdown: md.join('\n'), accessibilityLabel };
}
