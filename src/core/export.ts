import { totalTokens } from './events';
import type { RollupRow } from './rollups';

/** Exports write rollup rows: daily aggregates only, never prompt text or per-request detail. */
export type ExportRow = Omit<RollupRow, 'weightedTokens' | 'peakCostUsd' | 'cacheWrite1hTokens' | 'reportedCostUsd'> &
  Partial<Pick<RollupRow, 'cacheWrite1hTokens' | 'reportedCostUsd'>>;

const COLUMNS = [
  'day',
  'provider',
  'model',
  'source',
  'project',
  'events',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'cacheWrite5mTokens',
  'cacheWrite1hTokens',
  'reasoningTokens',
  'totalTokens',
  'estimatedTokens',
  'peakTokens',
  'costUsd',
  'providerReportedCostUsd',
  'weightedCostUsd',
  'unpricedTokens',
] as const;

function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  // Quote anything a spreadsheet could misread, and neutralise leading formula characters.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function exportRecord(row: ExportRow): Record<(typeof COLUMNS)[number], string | number | null> {
  const allUnpriced = row.unpricedTokens > 0 && row.unpricedTokens === totalTokens(row);
  return {
    day: row.day,
    provider: row.provider,
    model: row.model,
    source: row.source,
    project: row.project,
    events: row.events,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    cacheWrite5mTokens: row.cacheWriteTokens - (row.cacheWrite1hTokens ?? 0),
    cacheWrite1hTokens: row.cacheWrite1hTokens ?? 0,
    reasoningTokens: row.reasoningTokens,
    totalTokens: totalTokens(row),
    estimatedTokens: row.estimatedTokens,
    peakTokens: row.peakTokens,
    // An unknown price is exported as empty/null, never as 0.
    costUsd: allUnpriced ? null : roundUsd(row.costUsd),
    providerReportedCostUsd: roundUsd(row.reportedCostUsd ?? 0),
    weightedCostUsd: allUnpriced ? null : roundUsd(row.weightedCostUsd),
    unpricedTokens: row.unpricedTokens,
  };
}

function sortRows(rows: ExportRow[]): ExportRow[] {
  return [...rows].sort(
    (a, b) =>
      a.day.localeCompare(b.day) ||
      a.model.localeCompare(b.model) ||
      a.source.localeCompare(b.source) ||
      a.project.localeCompare(b.project),
  );
}

export function usageToCsv(rows: ExportRow[]): string {
  const lines = [COLUMNS.join(',')];
  for (const row of sortRows(rows)) {
    const record = exportRecord(row);
    lines.push(COLUMNS.map((c) => csvCell(record[c])).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function usageToJson(rows: ExportRow[], meta: { fromDay: string; toDay: string; timeZone: string; generatedAt: string }): string {
  return JSON.stringify({ ...meta, rows: sortRows(rows).map(exportRecord) }, null, 2) + '\n';
}
