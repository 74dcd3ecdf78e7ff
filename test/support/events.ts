import { makeEventId, type UsageEvent } from '../../src/core/events';
import type { RollupContext } from '../../src/core/rollups';
import { PriceBook } from '../../src/core/pricing';
import { dayKey } from '../../src/core/time';

/** The fields a UsageEvent may leave out, as the event log's tests check them one by one. */
export const OPTIONAL_EVENT_FIELDS = [
  'project',
  'cacheWrite1hTokens',
  'serviceTier',
  'reportedCostUsd',
  'requestId',
  'promptFingerprint',
  'latencyMs',
  'status',
] as const;

let counter = 0;

/** A valid event with sensible defaults; every call gets a fresh id unless one is given. */
export function usageEvent(patch: Partial<UsageEvent> = {}): UsageEvent {
  counter += 1;
  return {
    id: makeEventId('test', `${process.pid}-${counter}-${Math.random()}`),
    ts: Date.UTC(2026, 10, 23, 12),
    source: 'api',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    inputTokens: 1000,
    outputTokens: 100,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    estimated: false,
    ...patch,
  };
}

/** List prices, UTC days, and a peak weight of 2 for events stamped in the hour starting at 09:00 UTC. */
export function testContext(timeZone = 'UTC'): RollupContext {
  const prices = new PriceBook();
  return {
    dayOf: (ts) => dayKey(ts, timeZone),
    value: (e) => {
      const peak = new Date(e.ts).getUTCHours() === 9;
      return { costUsd: prices.costOf(e), peakMultiplier: peak ? 2 : 1, peak };
    },
    fingerprint: `test:${timeZone}`,
  };
}
