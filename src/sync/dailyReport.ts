import { createHash } from 'node:crypto';
import type { DailyReport } from '../../server/src/protocol';
import type { RollupRow } from '../core/rollups';
import { addToTotals, emptyTotals, type PeriodTotals } from '../core/usage';

/**
 * A day's totals for the report the team endpoint receives (PUT /v1/usage/daily/{date},
 * docs/team-api.md): aggregates only — totals by model and source, never prompts, projects or times
 * of day. The report's type is the server's own (server/src/protocol.ts).
 */
export type DailyTotals = Omit<DailyReport, 'clientId' | 'revision' | 'extensionVersion'>;

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/** The day's rows summed by model and source (projects are left out: they stay on this machine). */
export function dailyTotals(rows: readonly RollupRow[], hygiene: Record<string, number> = {}, commits?: number): DailyTotals {
  const byKey = new Map<string, { model: string; source: string; provider: string; totals: PeriodTotals }>();
  const day = emptyTotals('', '');
  for (const r of rows) {
    const key = `${r.model}\u0000${r.source}`;
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { model: r.model, source: r.source, provider: r.provider, totals: emptyTotals('', '') }));
    addToTotals(entry.totals, r);
    addToTotals(day, r);
  }
  const byModel = [...byKey.values()]
    .map(({ model, source, provider, totals: t }) => ({
      model,
      source,
      provider,
      requests: t.events,
      inputTokens: t.inputTokens,
      outputTokens: t.outputTokens,
      cacheReadTokens: t.cacheReadTokens,
      cacheWriteTokens: t.cacheWriteTokens,
      ...(t.cacheWrite1hTokens > 0 ? { cacheWrite1hTokens: t.cacheWrite1hTokens } : {}),
      reasoningTokens: t.reasoningTokens,
      costUsd: round6(t.costUsd),
    }))
    .sort((a, b) => a.model.localeCompare(b.model) || a.source.localeCompare(b.source));
  return {
    byModel,
    peakWeightedCostUsd: round6(day.weightedCostUsd),
    peakWeightedTokens: Math.round(day.weightedTokens),
    peakShare: day.totalTokens > 0 ? round6(day.peakTokens / day.totalTokens) : 0,
    hygiene,
    ...(commits !== undefined ? { commits } : {}),
  };
}

/** Changes exactly when what would be sent for the day changes. */
export function totalsFingerprint(totals: DailyTotals): string {
  return createHash('sha256').update(JSON.stringify(totals)).digest('hex').slice(0, 32);
}
