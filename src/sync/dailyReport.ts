import { createHash } from 'node:crypto';
import type { RollupRow } from '../core/rollups';

/**
 * One user's day as the team endpoint receives it (PUT /v1/usage/daily/{date}, docs/team-api.md):
 * aggregates only — totals by model and source, never prompts, projects or times of day.
 */

export interface ModelUsage {
  model: string;
  source: string;
  provider: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
}

export interface DailyReport {
  clientId: string;
  revision: number;
  extensionVersion: string;
  byModel: ModelUsage[];
  peakWeightedCostUsd: number;
  peakWeightedTokens: number;
  peakShare: number;
  hygiene: Record<string, number>;
  commits?: number;
}

export type DailyTotals = Omit<DailyReport, 'clientId' | 'revision' | 'extensionVersion'>;

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/** The day's rows summed by model and source (projects are left out: they stay on this machine). */
export function dailyTotals(rows: readonly RollupRow[], hygiene: Record<string, number> = {}, commits?: number): DailyTotals {
  const byKey = new Map<string, ModelUsage>();
  let weightedCost = 0;
  let weightedTokens = 0;
  let peakTokens = 0;
  let tokens = 0;
  for (const r of rows) {
    const key = `${r.model}\u0000${r.source}`;
    let m = byKey.get(key);
    if (!m) {
      m = { model: r.model, source: r.source, provider: r.provider, requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0 };
      byKey.set(key, m);
    }
    m.requests += r.events;
    m.inputTokens += r.inputTokens;
    m.outputTokens += r.outputTokens;
    m.cacheReadTokens += r.cacheReadTokens;
    m.cacheWriteTokens += r.cacheWriteTokens;
    m.reasoningTokens += r.reasoningTokens;
    m.costUsd += r.costUsd;
    weightedCost += r.weightedCostUsd;
    weightedTokens += r.weightedTokens;
    peakTokens += r.peakTokens;
    tokens += r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens;
  }
  const byModel = [...byKey.values()]
    .map((m) => ({ ...m, costUsd: round6(m.costUsd) }))
    .sort((a, b) => a.model.localeCompare(b.model) || a.source.localeCompare(b.source));
  return {
    byModel,
    peakWeightedCostUsd: round6(weightedCost),
    peakWeightedTokens: Math.round(weightedTokens),
    peakShare: tokens > 0 ? round6(peakTokens / tokens) : 0,
    hygiene,
    ...(commits !== undefined ? { commits } : {}),
  };
}

/** Changes exactly when what would be sent for the day changes. */
export function totalsFingerprint(totals: DailyTotals): string {
  return createHash('sha256').update(JSON.stringify(totals)).digest('hex').slice(0, 32);
}
