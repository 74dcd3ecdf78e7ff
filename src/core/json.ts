/**
 * Forgiving readers for fields of untrusted JSON (API responses, assistants' logs, settings):
 * each says what it found or undefined, never throws, and never trusts a cast.
 */

export type Json = Record<string, unknown>;

export function isJsonObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown): Json | undefined {
  return isJsonObject(value) ? value : undefined;
}

/** A non-empty string. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
