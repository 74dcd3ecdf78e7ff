import * as fs from 'node:fs';
import * as path from 'node:path';
import { readingKey, type LimitReading, type LimitSourceKind } from '../core/limits/reading';

import { DATA_FILES } from './paths';
import { writeFileAtomicSync } from './privateFiles';
/**
 * The providers' own limit readings, in `limits.json` in the shared data directory: the latest
 * reading per provider + account + window, and a week of history (one point per window per
 * quarter hour, or on every change) for the dashboard's Limits chart. Whoever sees a reading (the
 * gateway, `token-meter statusline`, the Copilot poller) records it; every window reads it.
 * Nothing here is a token or a credential: readings carry figures, and an account key that is a
 * short hash of a non-secret identifier.
 */

export const LIMITS_FILE = DATA_FILES.limits;
const VERSION = 1;
export const HISTORY_MS = 7 * 86_400_000;
const HISTORY_STEP_MS = 15 * 60_000;
const MAX_HISTORY_POINTS = 6000;
/** An unchanged reading is re-written at most this often (it only refreshes "as of …"). */
const REFRESH_UNCHANGED_MS = 60_000;
/** The file is never read past this size: it is ours, but a damaged one must not be buffered whole. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** [observedAt, usedRatio]. */
export type HistoryPoint = [number, number];

export interface LimitsData {
  latest: LimitReading[];
  /** By readingKey. */
  history: Record<string, HistoryPoint[]>;
}

const SOURCES = new Set<LimitSourceKind>(['anthropic-headers', 'openai-headers', 'claude-code', 'codex', 'github', 'user', 'estimate']);

function isReading(value: unknown): value is LimitReading {
  const r = value as Partial<LimitReading> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.provider === 'string' &&
    typeof r.account === 'string' &&
    typeof r.window === 'string' &&
    typeof r.observedAt === 'number' &&
    SOURCES.has(r.source as LimitSourceKind) &&
    (r.usedRatio === undefined || typeof r.usedRatio === 'number') &&
    (r.resetsAt === undefined || typeof r.resetsAt === 'number') &&
    (r.detail === undefined || typeof r.detail === 'string')
  );
}

function sameFigures(a: LimitReading, b: LimitReading): boolean {
  return (
    a.usedRatio === b.usedRatio &&
    a.resetsAt === b.resetsAt &&
    a.status === b.status &&
    a.binding === b.binding &&
    a.source === b.source &&
    a.detail === b.detail
  );
}

export class LimitStore {
  readonly file: string;

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.file = path.join(dataDir, LIMITS_FILE);
  }

  /** What is on disk; a missing or damaged file reads as empty (it is rebuilt from the next readings). */
  read(): LimitsData {
    try {
      if (fs.statSync(this.file).size > MAX_FILE_BYTES) return { latest: [], history: {} };
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { version?: unknown; latest?: unknown; history?: unknown };
      if (parsed.version !== VERSION) return { latest: [], history: {} };
      const latest = Array.isArray(parsed.latest) ? parsed.latest.filter(isReading) : [];
      const history: Record<string, HistoryPoint[]> = {};
      if (parsed.history && typeof parsed.history === 'object') {
        for (const [key, points] of Object.entries(parsed.history as Record<string, unknown>)) {
          if (Array.isArray(points))
            history[key] = points.filter(
              (p): p is HistoryPoint => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number',
            );
        }
      }
      return { latest, history };
    } catch {
      return { latest: [], history: {} };
    }
  }

  latest(): LimitReading[] {
    return this.read().latest;
  }

  /**
   * Merges a batch of readings from one response or report. Readings older than what is stored are
   * ignored; a batch from a source that names its binding window clears that flag on the account's
   * other windows from the same source. Writes only when something changed. Returns whether it wrote.
   */
  record(readings: readonly LimitReading[]): boolean {
    if (readings.length === 0) return false;
    const now = this.now();
    const data = this.read();
    const latest = new Map(data.latest.map((r) => [readingKey(r), r]));
    let changed = false;
    const claimsBinding = readings.some((r) => r.binding);
    if (claimsBinding) {
      for (const [key, r] of latest) {
        const batchMate = readings.find((n) => n.provider === r.provider && n.account === r.account && n.source === r.source);
        if (batchMate && r.binding && !readings.some((n) => readingKey(n) === key)) {
          const { binding: _cleared, ...rest } = r;
          latest.set(key, rest);
          changed = true;
        }
      }
    }
    for (const reading of readings) {
      const key = readingKey(reading);
      const before = latest.get(key);
      if (before && before.observedAt > reading.observedAt) continue;
      if (before && sameFigures(before, reading) && reading.observedAt - before.observedAt < REFRESH_UNCHANGED_MS) continue;
      latest.set(key, reading);
      changed = true;
      if (reading.usedRatio === undefined) continue;
      const points = (data.history[key] ??= []);
      const last = points[points.length - 1];
      if (!last || last[1] !== reading.usedRatio || reading.observedAt - last[0] >= HISTORY_STEP_MS)
        points.push([reading.observedAt, reading.usedRatio]);
    }
    if (!changed) return false;
    this.write(this.pruned({ latest: [...latest.values()], history: data.history }, now));
    return true;
  }

  private pruned(data: LimitsData, now: number): LimitsData {
    const since = now - HISTORY_MS;
    const latest = data.latest.filter((r) => (r.resetsAt ?? r.observedAt) >= since);
    const all: Array<[string, HistoryPoint]> = [];
    for (const [key, points] of Object.entries(data.history)) for (const p of points) if (p[0] >= since) all.push([key, p]);
    all.sort((a, b) => a[1][0] - b[1][0]);
    const kept = all.slice(-MAX_HISTORY_POINTS);
    const history: Record<string, HistoryPoint[]> = {};
    for (const [key, p] of kept) (history[key] ??= []).push(p);
    return { latest, history };
  }

  private write(data: LimitsData): void {
    writeFileAtomicSync(this.file, JSON.stringify({ version: VERSION, ...data }));
  }
}
