import type { ActivityPoint } from './activity';

/**
 * Subscription windows from per-minute activity. Claude's plans meter usage in 5-hour session
 * blocks: a block starts with the first request after the previous block ended and lasts five
 * hours whatever happens inside it, so parallel sessions share one block. All arithmetic is on
 * epoch milliseconds; midnight and daylight-saving changes only matter when times are shown.
 */

export const BLOCK_MS = 5 * 3600_000;
export const WEEK_MS = 7 * 86_400_000;
export const BURN_WINDOW_MS = 15 * 60_000;

export interface Block {
  start: number;
  /** When the block resets: start + 5 hours. */
  end: number;
  tokens: number;
  lastActivity: number;
}

export function sessionBlocks(series: readonly ActivityPoint[], blockMs = BLOCK_MS): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  for (const [ts, tokens] of series) {
    if (!current || ts >= current.end) {
      current = { start: ts, end: ts + blockMs, tokens: 0, lastActivity: ts };
      blocks.push(current);
    }
    current.tokens += tokens;
    current.lastActivity = ts;
  }
  return blocks;
}

/** The block still running at `now`, if any. */
export function currentBlock(blocks: readonly Block[], now: number): Block | undefined {
  const last = blocks.at(-1);
  return last && last.start <= now && now < last.end ? last : undefined;
}

/** Tokens per minute over the last 15 minutes (or since the block began, if later). */
export function burnRate(series: readonly ActivityPoint[], now: number, since = Number.NEGATIVE_INFINITY): number {
  const from = Math.max(now - BURN_WINDOW_MS, since);
  const minutes = Math.max(1, (now - from) / 60_000);
  let tokens = 0;
  for (const [ts, t] of series) if (ts >= from && ts <= now) tokens += t;
  return tokens / minutes;
}

/**
 * A limit guessed from the user's own finished windows: the 90th percentile, so a window that hit
 * the real limit counts and an idle one does not drag it down. Needs three windows to say anything.
 */
export function estimateLimit(finishedTotals: readonly number[]): number | undefined {
  const used = finishedTotals.filter((t) => t > 0).sort((a, b) => a - b);
  if (used.length < 3) return undefined;
  return used[Math.min(used.length - 1, Math.ceil(0.9 * used.length) - 1)];
}

export interface Projection {
  /** When the limit is reached at the current rate; undefined when the rate is zero or it is already reached. */
  runsOutAt?: number;
  /** True when that is before the window resets. */
  beforeReset: boolean;
}

export function project(used: number, limit: number, ratePerMinute: number, now: number, resetAt: number): Projection {
  if (used >= limit) return { runsOutAt: now, beforeReset: now < resetAt };
  if (ratePerMinute <= 0) return { beforeReset: false };
  const runsOutAt = now + ((limit - used) / ratePerMinute) * 60_000;
  return { runsOutAt, beforeReset: runsOutAt < resetAt };
}

/** Tokens in the rolling week ending at `now`, and the totals of the full weeks before it. */
export function weeklyUsage(series: readonly ActivityPoint[], now: number, pastWeeks = 4): { current: number; past: number[] } {
  const past = new Array<number>(pastWeeks).fill(0);
  let current = 0;
  for (const [ts, tokens] of series) {
    const age = now - ts;
    if (age < 0) continue;
    const week = Math.floor(age / WEEK_MS);
    if (week === 0) current += tokens;
    else if (week <= pastWeeks) past[week - 1] += tokens;
  }
  return { current, past };
}
