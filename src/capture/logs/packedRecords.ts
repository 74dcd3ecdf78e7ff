import type { UsageEvent } from '../../core/events';
import type { LogRecord, SessionContext } from './types';

/**
 * Log records as a parse worker hands them to the scanning thread: each usage event (and its
 * session) as the list of its values, under the list of its keys (a shape) shared by every event
 * written alike. Serialized as JSON this is about half the size of the records themselves, and both
 * threads spend far less on it: the keys are written and parsed once per shape, not once per event.
 * Unpacked, each object has its keys in the order it had when packed.
 */
export interface PackedRecords {
  shapes: string[][];
  /** Usage: [event shape, session shape or -1, ...event values, ...session values]; rate limits: [-1, snapshot]. */
  rows: unknown[][];
}

const RATE_LIMITS = -1;
const NO_SESSION = -1;

export function packRecords(records: readonly LogRecord[]): PackedRecords {
  const shapes: string[][] = [];
  const shapeIndex = new Map<string, number>();
  const shapeOf = (keys: string[]) => {
    const name = keys.join(',');
    let index = shapeIndex.get(name);
    if (index === undefined) {
      index = shapes.push(keys) - 1;
      shapeIndex.set(name, index);
    }
    return index;
  };
  const rows: unknown[][] = [];
  for (const record of records) {
    if (record.kind === 'rate-limits') {
      rows.push([RATE_LIMITS, record.snapshot]);
      continue;
    }
    const eventKeys = Object.keys(record.event);
    const sessionKeys = record.session ? Object.keys(record.session) : undefined;
    const row: unknown[] = [shapeOf(eventKeys), sessionKeys ? shapeOf(sessionKeys) : NO_SESSION];
    const event = record.event as unknown as Record<string, unknown>;
    for (const key of eventKeys) row.push(event[key]);
    if (sessionKeys) {
      const session = record.session as unknown as Record<string, unknown>;
      for (const key of sessionKeys) row.push(session[key]);
    }
    rows.push(row);
  }
  return { shapes, rows };
}

export function unpackRecords(packed: PackedRecords): LogRecord[] {
  const records: LogRecord[] = [];
  for (const row of packed.rows) {
    if (row[0] === RATE_LIMITS) {
      records.push({ kind: 'rate-limits', snapshot: row[1] as Extract<LogRecord, { kind: 'rate-limits' }>['snapshot'] });
      continue;
    }
    const eventKeys = packed.shapes[row[0] as number];
    const event: Record<string, unknown> = {};
    let at = 2;
    for (const key of eventKeys) event[key] = row[at++];
    if (row[1] === NO_SESSION) {
      records.push({ kind: 'usage', event: event as unknown as UsageEvent });
      continue;
    }
    const session: Record<string, unknown> = {};
    for (const key of packed.shapes[row[1] as number]) session[key] = row[at++];
    records.push({ kind: 'usage', event: event as unknown as UsageEvent, session: session as unknown as SessionContext });
  }
  return records;
}
