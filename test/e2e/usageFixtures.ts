import { makeEventId, totalTokens, validateUsageEvent, type UsageEvent } from '../../src/core/events';
import { encodeCompact } from '../../src/store/eventCodec';
import { dayKey, startOfDay } from '../../src/core/time';

/**
 * Usage placed in the extension's store before VS Code starts, and the figures the UI must show
 * for it. Days are pinned to UTC through the `tokenMeter.timeZone` setting so "today" does not
 * depend on the machine's zone.
 */

export const SEED_TIME_ZONE = 'UTC';
export const SEED_MODEL = 'claude-sonnet-4-5';
/** The seed file's place inside the extension's global storage directory. */
export const SEED_FILE = 'events/seed.jsonl';

/**
 * Prices given through `tokenMeter.pricing.overrides`, which win over built-in prices; the expected
 * cost below follows from them whatever the built-in price list says.
 */
export const SEED_PRICE_OVERRIDE = { model: SEED_MODEL, input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };

type TokenCounts = Pick<UsageEvent, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'reasoningTokens'>;

const TODAYS_REQUESTS: TokenCounts[] = [
  { inputTokens: 100_000, outputTokens: 20_000, cacheReadTokens: 200_000, cacheWriteTokens: 0, reasoningTokens: 0 },
  { inputTokens: 50_000, outputTokens: 30_000, cacheReadTokens: 0, cacheWriteTokens: 10_000, reasoningTokens: 5_000 },
];

export interface SeededUsage {
  events: UsageEvent[];
  /** Content of the seed file, in the format its name says: JSON lines (`.jsonl`) or compact lines (`.ev1`). */
  fileContent: string;
  totalTokens: number;
  costUsd: number;
}

/** A minute ago, or midnight when the day is younger than that: a time today. */
function earlierToday(now: number): number {
  return Math.max(startOfDay(dayKey(now, SEED_TIME_ZONE), SEED_TIME_ZONE), now - 60_000);
}

/** The events with their seed file's content, their tokens and their cost at SEED_PRICE_OVERRIDE. */
function seeded(events: UsageEvent[], line: (e: UsageEvent) => string): SeededUsage {
  const p = SEED_PRICE_OVERRIDE;
  return {
    events,
    fileContent: events.map(line).join('\n') + '\n',
    totalTokens: events.reduce((sum, e) => sum + totalTokens(e), 0),
    costUsd: events.reduce(
      (sum, e) =>
        sum +
        (e.inputTokens * p.input + e.outputTokens * p.output + e.cacheReadTokens * p.cacheRead + e.cacheWriteTokens * p.cacheWrite) / 1e6,
      0,
    ),
  };
}

/** Today's requests, stamped a minute ago (or at midnight, when the day is younger than that). */
export function seedTodaysUsage(now: number): SeededUsage {
  const ts = earlierToday(now);
  const events = TODAYS_REQUESTS.map((counts, i) =>
    validateUsageEvent(
      {
        id: makeEventId('api', `e2e-seed-${i}`),
        ts,
        source: 'api',
        provider: 'anthropic',
        model: SEED_MODEL,
        estimated: false,
        ...counts,
      },
      now,
    ),
  );
  return seeded(events, (e) => JSON.stringify(e));
}

/** The large seed's file: compact lines, as the extension writes them. */
export const LARGE_SEED_FILE = 'events/large-seed.ev1';

/**
 * Today's usage as a log long enough (over 6 MB) that the extension recounts it in its background
 * recount worker, which decodes it on a decode worker of its own (src/store/decodePool.ts). Every
 * request has the same counts from one source: each has its own id, so none is a duplicate.
 */
export function seedLargeLog(now: number, requests = 90_000): SeededUsage {
  const ts = earlierToday(now);
  const events = Array.from({ length: requests }, (_, i) =>
    validateUsageEvent(
      {
        id: makeEventId('api', `e2e-large-seed-${i}`),
        ts,
        source: 'api',
        provider: 'anthropic',
        model: SEED_MODEL,
        estimated: false,
        project: 'a-project-name-that-makes-the-log-long',
        // $0.010002 each at SEED_PRICE_OVERRIDE: the day's cost, shown to the cent, moves if one request is lost.
        inputTokens: 3334,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
      now,
    ),
  );
  return seeded(events, encodeCompact);
}
