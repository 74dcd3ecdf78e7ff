import * as path from 'node:path';
import { vendorOfModel } from '../../core/events';
import { asObject, asString, type Json } from '../../core/json';

/** Small, forgiving readers for fields of untrusted log records: logs change shape between versions. */

export { asObject, asString, type Json };

/** A token count: a whole number of 0 or more, else 0. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

/** Epoch milliseconds from an ISO string, epoch ms or epoch seconds; undefined when unreadable. */
export function timestampOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    return value < 1e12 ? value * 1000 : value;
  }
  if (typeof value === 'string' && value !== '') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** The provider that bills a model, from its name; assistants that route several vendors' models don't say. */
export const providerOfModel = vendorOfModel;

/** A project's name from its working directory, on any platform's path style. */
export function projectOfDirectory(directory: string | undefined): string | undefined {
  if (!directory) return undefined;
  const trimmed = directory.replace(/[\\/]+$/, '');
  const name = trimmed.includes('\\') ? path.win32.basename(trimmed) : path.posix.basename(trimmed);
  return name || undefined;
}

/** Parses one line of JSON; undefined for a line that is not a JSON object. */
export function parseLine(text: string): Json | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export class MalformedRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedRecordError';
  }
}

/**
 * Whether an adapter's failure is about its input (not JSON, or a record it cannot use), which is
 * counted and skipped; anything else is a bug in Token Meter and is reported as one.
 */
export function isMalformedInput(error: unknown): boolean {
  return error instanceof SyntaxError || error instanceof MalformedRecordError;
}

/** Parses a line that must be a JSON object; throws MalformedRecordError so the scanner can count it. */
export function requireLine(text: string): Json {
  const record = parseLine(text);
  if (!record) throw new MalformedRecordError('not a JSON object');
  return record;
}
