import { totalTokens, type TokenField } from './events';
import { formatPercent, formatTokens, formatUsd } from './format';
import { renderTable } from './table';
import { daysBetween, parseDayKey } from './time';

/** The fields of a rollup row the summary reads (structural, so any row type with them fits). */
export interface SummaryRow extends Record<TokenField, number> {
  day: string;
  model: string;
  source: string;
  events: number;
  costUsd: number;
  unpricedTokens: number;
  weightedCostUsd: number;
  estimatedTokens: number;
  peakTokens: number;
}

export interface WeekSummaryInput {
  fromDay: string;
  toDay: string;
  todayKey: string;
  timeZone: string;
  rows: SummaryRow[];
  /** One line per active budget, already worded ("Weekly: $13.10 of $50 (26%) — set by this workspace"). */
  budgetLines: string[];
}

interface Sums {
  tokens: number;
  costUsd: number;
  unpricedTokens: number;
  weightedCostUsd: number;
  estimatedTokens: number;
  peakTokens: number;
  events: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

function emptySums(): Sums {
  return { tokens: 0, costUsd: 0, unpricedTokens: 0, weightedCostUsd: 0, estimatedTokens: 0, peakTokens: 0, events: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
}

function addRow(sums: Sums, row: SummaryRow): void {
  sums.tokens += totalTokens(row);
  sums.costUsd += row.costUsd;
  sums.unpricedTokens += row.unpricedTokens;
  sums.weightedCostUsd += row.weightedCostUsd;
  sums.estimatedTokens += row.estimatedTokens;
  sums.peakTokens += row.peakTokens;
  sums.events += row.events;
  sums.input += row.inputTokens;
  sums.output += row.outputTokens;
  sums.cacheRead += row.cacheReadTokens;
  sums.cacheWrite += row.cacheWriteTokens;
}

function groupBy(rows: SummaryRow[], key: (row: SummaryRow) => string): Map<string, Sums> {
  const groups = new Map<string, Sums>();
  for (const row of rows) {
    const k = key(row);
    let sums = groups.get(k);
    if (!sums) groups.set(k, (sums = emptySums()));
    addRow(sums, row);
  }
  return groups;
}

function cost(s: Sums): string {
  if (s.tokens > 0 && s.unpricedTokens === s.tokens) return 'unknown';
  return s.unpricedTokens > 0 ? `${formatUsd(s.costUsd)} +?` : formatUsd(s.costUsd);
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function dayLabel(key: string): string {
  const { year, month, day } = parseDayKey(key);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return `${DAY_NAMES[weekday]} ${day} ${MONTH_NAMES[month - 1]}`;
}

/** A readable Markdown summary of one week: totals, per day, per model and per source. */
export function renderWeekSummary(input: WeekSummaryInput): string {
  const rows = input.rows.filter((r) => r.day >= input.fromDay && r.day <= input.toDay);
  const total = emptySums();
  for (const row of rows) addRow(total, row);
  const out: string[] = [];
  out.push('# Token Meter — Usage This Week', '');
  out.push(`${dayLabel(input.fromDay)} – ${dayLabel(input.toDay)} ${input.toDay.slice(0, 4)} · days in ${input.timeZone}`, '');
  if (total.events === 0) {
    out.push(
      'No usage recorded this week yet.',
      '',
      'Token Meter records requests made through its API by other extensions and, as capture paths are',
      'enabled, through its local gateway and the session logs that assistants write. Nothing you type',
      'is stored: only token counts, models and costs.',
    );
    return out.join('\n') + '\n';
  }
  out.push(
    `**Total:** ${formatTokens(total.tokens)} tokens in ${total.events} requests · ${cost(total)} at list price · ${formatUsd(total.weightedCostUsd)} counted against budgets (peak-weighted)`,
    '',
  );
  for (const line of input.budgetLines) out.push(`**Budget:** ${line}`, '');
  if (total.peakTokens > 0) out.push(`Peak hours: ${formatPercent(total.peakTokens / total.tokens)} of this week's tokens.`, '');
  if (total.estimatedTokens > 0) out.push(`Estimated: ${formatPercent(total.estimatedTokens / total.tokens)} of tokens were counted by Token Meter's tokenizer.`, '');

  const byDay = groupBy(rows, (r) => r.day);
  out.push('## By day', '');
  out.push(
    renderTable(
      ['Day', 'Requests', 'Tokens', 'Cost', 'Counted'],
      daysBetween(input.fromDay, input.toDay).map((day) => {
        const s = byDay.get(day) ?? emptySums();
        const label = day === input.todayKey ? `${dayLabel(day)} (today)` : dayLabel(day);
        return [label, String(s.events), formatTokens(s.tokens), s.events ? cost(s) : '—', s.events ? formatUsd(s.weightedCostUsd) : '—'];
      }),
      { markdown: true },
    ),
    '',
  );

  const modelTable = [...groupBy(rows, (r) => r.model)].sort((a, b) => b[1].tokens - a[1].tokens);
  out.push('## By model', '');
  out.push(
    renderTable(
      ['Model', 'Requests', 'Input', 'Output', 'Cache read', 'Cache write', 'Cost'],
      modelTable.map(([model, s]) => [model, String(s.events), formatTokens(s.input), formatTokens(s.output), formatTokens(s.cacheRead), formatTokens(s.cacheWrite), cost(s)]),
      { markdown: true },
    ),
    '',
  );

  const sourceTable = [...groupBy(rows, (r) => r.source)].sort((a, b) => b[1].tokens - a[1].tokens);
  out.push('## By source', '');
  out.push(
    renderTable(['Source', 'Requests', 'Tokens', 'Cost'], sourceTable.map(([source, s]) => [source, String(s.events), formatTokens(s.tokens), cost(s)]), { markdown: true }),
    '',
  );
  return out.join('\n');
}
