import { formatPercent, formatTokens, formatUsd } from './format';
import { renderTable } from './table';
import { daysBetween, parseDayKey } from './time';
import { periodTotals, totalsBy, type PeriodTotals, type UsageRowLike } from './usage';

export interface SummaryRow extends UsageRowLike {
  source: string;
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

function cost(t: PeriodTotals): string {
  if (t.totalTokens > 0 && t.unpricedTokens === t.totalTokens) return 'unknown';
  return t.unpricedTokens > 0 ? `${formatUsd(t.costUsd)} +?` : formatUsd(t.costUsd);
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
  const { fromDay, toDay, rows } = input;
  const total = periodTotals(rows, fromDay, toDay);
  const out: string[] = [];
  out.push('# Token Meter — Usage This Week', '');
  out.push(`${dayLabel(fromDay)} – ${dayLabel(toDay)} ${toDay.slice(0, 4)} · days in ${input.timeZone}`, '');
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
    `**Total:** ${formatTokens(total.totalTokens)} tokens in ${total.events} requests · ${cost(total)} at list price · ${formatUsd(total.weightedCostUsd)} counted against budgets (peak-weighted)`,
    '',
  );
  for (const line of input.budgetLines) out.push(`**Budget:** ${line}`, '');
  if (total.peakTokens > 0) out.push(`Peak hours: ${formatPercent(total.peakTokens / total.totalTokens)} of this week's tokens.`, '');
  if (total.estimatedTokens > 0) out.push(`Estimated: ${formatPercent(total.estimatedTokens / total.totalTokens)} of tokens were counted by Token Meter's tokenizer.`, '');

  const byDay = new Map(totalsBy(rows, (r) => r.day, fromDay, toDay).map((t) => [t.key, t]));
  out.push('## By day', '');
  out.push(
    renderTable(
      ['Day', 'Requests', 'Tokens', 'Cost', 'Counted'],
      daysBetween(fromDay, toDay).map((day) => {
        const s = byDay.get(day);
        const label = day === input.todayKey ? `${dayLabel(day)} (today)` : dayLabel(day);
        return s ? [label, String(s.events), formatTokens(s.totalTokens), cost(s), formatUsd(s.weightedCostUsd)] : [label, '0', '0', '—', '—'];
      }),
      { markdown: true },
    ),
    '',
  );

  const modelTable = totalsBy(rows, (r) => r.model, fromDay, toDay);
  out.push('## By model', '');
  out.push(
    renderTable(
      ['Model', 'Requests', 'Input', 'Output', 'Cache read', 'Cache write', 'Cost'],
      modelTable.map((s) => [s.key, String(s.events), formatTokens(s.inputTokens), formatTokens(s.outputTokens), formatTokens(s.cacheReadTokens), formatTokens(s.cacheWriteTokens), cost(s)]),
      { markdown: true },
    ),
    '',
  );

  const sourceTable = totalsBy(rows, (r) => r.source, fromDay, toDay);
  out.push('## By source', '');
  out.push(
    renderTable(['Source', 'Requests', 'Tokens', 'Cost'], sourceTable.map((s) => [s.key, String(s.events), formatTokens(s.totalTokens), cost(s)]), { markdown: true }),
    '',
  );
  return out.join('\n');
}
