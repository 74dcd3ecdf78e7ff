import * as crypto from 'node:crypto';

/**
 * Where a usage record came from. Known sources are listed so the UI can name them; other extensions
 * recording through the API may use their own lowercase identifiers.
 */
export const KNOWN_SOURCES = ['gateway', 'lm-provider', 'claude-code', 'codex', 'copilot-chat', 'gemini-cli', 'api'] as const;
export type KnownSource = (typeof KNOWN_SOURCES)[number];
export type UsageSource = KnownSource | (string & {});

/**
 * One model request's token usage.
 *
 * Token kinds do not overlap, so `totalTokens()` is their plain sum:
 * - `inputTokens`: prompt tokens billed at the normal input price (cache reads and writes excluded;
 *   OpenAI's `prompt_tokens` includes cached tokens, so adapters subtract them).
 * - `cacheReadTokens` / `cacheWriteTokens`: prompt tokens served from / written to the prompt cache.
 * - `cacheWrite1hTokens`: the part of `cacheWriteTokens` written with the 1-hour TTL (billed higher);
 *   the rest are 5-minute writes. Absent (older events, providers that do not say) means none.
 * - `outputTokens`: all generated tokens, reasoning included (that is how providers bill them).
 * - `reasoningTokens`: the part of `outputTokens` spent on hidden reasoning; informational only.
 */
export interface UsageEvent {
  /** Stable identifier: the same request always gets the same id, so it is never counted twice. */
  id: string;
  /** When the request completed, epoch milliseconds. */
  ts: number;
  source: UsageSource;
  /** 'openai' | 'anthropic' | 'google' | 'azure' | ... lowercase. */
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens?: number;
  reasoningTokens: number;
  /** The provider's processing tier when the response named a non-standard one ('fast', 'priority', 'flex'). */
  serviceTier?: string;
  /** The cost in USD as the provider itself reported it (OpenRouter's `usage.cost`); it wins over list prices. */
  reportedCostUsd?: number;
  /** True when any count came from our tokenizer rather than the provider's report. */
  estimated: boolean;
  /** Workspace folder / project name the request belongs to, when known. */
  project?: string;
  /** The provider's own response or message id, used to match the same request seen by two sources. */
  requestId?: string;
  /** A hash of the normalised prompt; never the text itself. */
  promptFingerprint?: string;
  latencyMs?: number;
  /** HTTP status of the upstream answer, when the request went over HTTP. */
  status?: number;
}

export class UsageEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageEventError';
  }
}

const TOKEN_FIELDS = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const;
export type TokenField = (typeof TOKEN_FIELDS)[number];
export const TOKEN_KINDS: readonly TokenField[] = TOKEN_FIELDS;

export function totalTokens(e: Pick<UsageEvent, TokenField>): number {
  return e.inputTokens + e.outputTokens + e.cacheReadTokens + e.cacheWriteTokens;
}

/**
 * The vendor that bills a model, from its name: what identifies "the same request" across sources,
 * whatever provider label a client gave it (a Codex `model_provider`, a proxy's name).
 */
export function vendorOfModel(model: string): string {
  const name = model.toLowerCase();
  if (/claude|anthropic/.test(name)) return 'anthropic';
  if (/gemini|gemma|google/.test(name)) return 'google';
  if (/grok|xai/.test(name)) return 'xai';
  return 'openai';
}

/** The processing tier a response named ('fast', 'flex', 'priority'), or undefined for the standard one. */
export function serviceTierOf(value: unknown): string | undefined {
  const tier = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return tier === '' || tier === 'default' || tier === 'standard' || tier === 'auto' ? undefined : tier.slice(0, 32);
}

/** Derives a stable id from a source and the provider's request id (or any unique key of the record). */
export function makeEventId(source: string, key: string): string {
  return `${source}:${sha256Hex(key).slice(0, 24)}`;
}

/** crypto.hash (Node ≥ 20.12) is several times faster than createHash for one short string; a long log import makes an id per request. */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** Longest string field a stored event may have; writers truncate to it (see the gateway's usageEvent.ts). */
export const MAX_STRING = 512;
/** Far above any real single request; guards against unit mix-ups (e.g. a byte count passed as tokens). */
export const MAX_TOKENS_PER_EVENT = 100_000_000;
/** The earliest time a stored event may have; anything before is a unit mix-up (seconds for milliseconds). */
export const EARLIEST_EVENT_TS = Date.UTC(2020, 0, 1);

function requireString(obj: Record<string, unknown>, field: string, optional = false): string | undefined {
  const value = obj[field];
  if (value === undefined || value === null) {
    if (optional) return undefined;
    throw new UsageEventError(`"${field}" is required and must be a non-empty string.`);
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UsageEventError(`"${field}" must be a non-empty string (got ${describe(value)}).`);
  }
  if (value.length > MAX_STRING) {
    throw new UsageEventError(`"${field}" is longer than ${MAX_STRING} characters.`);
  }
  return value;
}

function requireCount(obj: Record<string, unknown>, field: string): number {
  const value = obj[field] ?? 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new UsageEventError(`"${field}" must be a whole number of tokens, 0 or more (got ${describe(value)}).`);
  }
  if (value > MAX_TOKENS_PER_EVENT) {
    throw new UsageEventError(`"${field}" is ${value}, more than any single request can use (${MAX_TOKENS_PER_EVENT}).`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * Checks untrusted input (API callers, files on disk) and returns a clean UsageEvent.
 * Missing token kinds default to 0; `id` may be omitted when `requestId` is given.
 * Throws UsageEventError with a message that names the offending field.
 */
export function validateUsageEvent(input: unknown, now: number = Date.now()): UsageEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new UsageEventError(`A usage event must be an object (got ${describe(input)}).`);
  }
  const obj = input as Record<string, unknown>;
  const source = requireString(obj, 'source')!;
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(source)) {
    throw new UsageEventError(`"source" must be a lowercase identifier such as "api" or "my-extension" (got ${describe(source)}).`);
  }
  const requestId = requireString(obj, 'requestId', true);
  let id = requireString(obj, 'id', true);
  if (id === undefined) {
    if (requestId === undefined) {
      throw new UsageEventError('Either "id" or "requestId" is required so the same request is never counted twice.');
    }
    id = makeEventId(source, requestId);
  }
  const ts = obj.ts ?? now;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < EARLIEST_EVENT_TS || ts > now + 24 * 3600_000) {
    throw new UsageEventError(`"ts" must be a time in epoch milliseconds, not in the future (got ${describe(ts)}).`);
  }
  const event: UsageEvent = {
    id,
    ts: Math.round(ts),
    source,
    provider: requireString(obj, 'provider')!.toLowerCase(),
    model: requireString(obj, 'model')!,
    inputTokens: requireCount(obj, 'inputTokens'),
    outputTokens: requireCount(obj, 'outputTokens'),
    cacheReadTokens: requireCount(obj, 'cacheReadTokens'),
    cacheWriteTokens: requireCount(obj, 'cacheWriteTokens'),
    reasoningTokens: requireCount(obj, 'reasoningTokens'),
    estimated: false,
  };
  if (event.reasoningTokens > event.outputTokens) {
    throw new UsageEventError(
      `"reasoningTokens" (${event.reasoningTokens}) is part of "outputTokens" and cannot exceed it (${event.outputTokens}).`,
    );
  }
  const writes1h = requireCount(obj, 'cacheWrite1hTokens');
  if (writes1h > event.cacheWriteTokens) {
    throw new UsageEventError(
      `"cacheWrite1hTokens" (${writes1h}) is part of "cacheWriteTokens" and cannot exceed it (${event.cacheWriteTokens}).`,
    );
  }
  if (writes1h > 0) event.cacheWrite1hTokens = writes1h;
  const serviceTier = requireString(obj, 'serviceTier', true);
  if (serviceTier !== undefined) event.serviceTier = serviceTier.toLowerCase();
  if (obj.reportedCostUsd !== undefined && obj.reportedCostUsd !== null) {
    if (typeof obj.reportedCostUsd !== 'number' || !Number.isFinite(obj.reportedCostUsd) || obj.reportedCostUsd < 0) {
      throw new UsageEventError(`"reportedCostUsd" must be a cost in USD, 0 or more (got ${describe(obj.reportedCostUsd)}).`);
    }
    event.reportedCostUsd = obj.reportedCostUsd;
  }
  if (obj.estimated !== undefined) {
    if (typeof obj.estimated !== 'boolean')
      throw new UsageEventError(`"estimated" must be true or false (got ${describe(obj.estimated)}).`);
    event.estimated = obj.estimated;
  }
  const project = requireString(obj, 'project', true);
  if (project !== undefined) event.project = project;
  if (requestId !== undefined) event.requestId = requestId;
  const fingerprint = requireString(obj, 'promptFingerprint', true);
  if (fingerprint !== undefined) {
    if (!/^[A-Za-z0-9:_-]{8,128}$/.test(fingerprint)) {
      throw new UsageEventError('"promptFingerprint" must be a hash (8–128 letters, digits, ":", "_" or "-"), never prompt text.');
    }
    event.promptFingerprint = fingerprint;
  }
  for (const field of ['latencyMs', 'status'] as const) {
    const value = obj[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new UsageEventError(`"${field}" must be a number, 0 or more (got ${describe(value)}).`);
    }
    event[field] = Math.round(value);
  }
  return event;
}

/** Anything that accepts finished usage records: the store, a test collector, a forwarding client. */
export interface UsageSink {
  record(event: UsageEvent): void;
}
