import { formatPercent } from '../format';
import { ageWords } from './meter';
import { isCurrent, providerLabel, SOURCE_LABELS, windowLabel, type LimitReading } from './reading';

/**
 * The dashboard's Limits section: each window's readings over the past week as a line (percent
 * used), with a table of the latest reading of every window beside it.
 */

export const LIMITS_CHART_MS = 7 * 86_400_000;

export interface LimitSeries {
  /** "Claude 5-hour". */
  label: string;
  /** [epoch ms, percent used 0–100+]. */
  points: Array<[number, number]>;
}

export interface LimitRow {
  label: string;
  usedText: string;
  resetText: string;
  sourceText: string;
  ageText: string;
  current: boolean;
}

export interface LimitsSection {
  from: number;
  to: number;
  series: LimitSeries[];
  rows: LimitRow[];
  /** One sentence: what the section shows, or how to get readings. */
  text: string;
}

export interface LimitsSectionInput {
  now: number;
  latest: readonly LimitReading[];
  /** By "provider\0account\0window": [observedAt, usedRatio]. */
  history: Readonly<Record<string, ReadonlyArray<readonly [number, number]>>>;
  formatClock: (ts: number) => string;
}

const NO_READINGS =
  "No limit readings yet. They come from Anthropic's and OpenAI's response headers through the gateway, from Claude Code's status line (\"Token Meter: Connect Claude Code Status Line\"), from Codex's records, and from GitHub for Copilot (tokenMeter.copilotQuota.enabled).";

export function buildLimitsSection(input: LimitsSectionInput): LimitsSection {
  const from = input.now - LIMITS_CHART_MS;
  const series: LimitSeries[] = [];
  for (const [key, points] of Object.entries(input.history)) {
    const [provider, , window] = key.split('\u0000');
    if (!provider || !window) continue;
    const kept = points.filter((p) => p[0] >= from && p[0] <= input.now).map((p): [number, number] => [p[0], Math.round(p[1] * 1000) / 10]);
    if (kept.length > 0) series.push({ label: `${providerLabel(provider)} ${windowLabel(window)}`, points: kept });
  }
  series.sort((a, b) => a.label.localeCompare(b.label));
  const rows = [...input.latest]
    .sort((a, b) => `${a.provider}${a.window}`.localeCompare(`${b.provider}${b.window}`))
    .map((r) => {
      const current = isCurrent(r, input.now);
      return {
        label: `${providerLabel(r.provider)} ${windowLabel(r.window)}`,
        usedText: r.usedRatio !== undefined ? formatPercent(r.usedRatio) : (r.status ?? '—'),
        resetText: r.resetsAt === undefined ? '—' : current ? input.formatClock(r.resetsAt) : `reset ${input.formatClock(r.resetsAt)}`,
        sourceText: SOURCE_LABELS[r.source],
        ageText: ageWords(r.observedAt, input.now),
        current,
      };
    });
  const text =
    rows.length === 0
      ? NO_READINGS
      : "Each window's share used over the past 7 days, as the providers reported it, with the latest reading of each.";
  return { from, to: input.now, series, rows, text };
}
