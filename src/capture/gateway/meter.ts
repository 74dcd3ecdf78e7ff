import type { TokenField } from '../../core/events';
import { SseParser } from './sse';

/** Token counts an API reported for one request (any kind missing means "not reported"). */
export type ReportedUsage = Partial<Record<TokenField | 'cacheWrite1hTokens', number>>;

/** What a response told us, gathered while its bytes pass through. */
export interface ResponseFacts {
  /** The provider's response/message id. */
  responseId?: string;
  /** The model as reported by the response (more precise than the request's alias). */
  model?: string;
  usage?: ReportedUsage;
  /** A non-standard processing tier the response named ('fast', 'flex', 'priority'). */
  serviceTier?: string;
  /** The cost the provider reported for the request (OpenRouter's usage.cost), USD. */
  reportedCostUsd?: number;
  /** Text generated so far, kept in memory only to estimate output tokens when no usage arrives. */
  outputText: string;
  /** An error event arrived inside an otherwise successful stream. */
  streamError?: boolean;
}

/**
 * Reads one API's response for metering. Implementations parse a copy of the bytes; they never
 * change what the client receives.
 */
export interface ResponseMeter {
  /** Raw (decompressed) body bytes, in arrival order. */
  feed(chunk: Uint8Array): void;
  /** The body ended (or was cut short); returns what was learned. */
  finish(): ResponseFacts;
}

export type Provider = 'openai' | 'anthropic';

/** One metered API route of a provider, e.g. OpenAI Chat Completions. */
export interface MeteredRoute {
  provider: Provider;
  /** 'chat.completions' | 'responses' | 'completions' | 'embeddings' | 'messages' | 'count_tokens' */
  api: string;
  /** False for free endpoints (token counting) that are recognised but never recorded as usage. */
  billable: boolean;
  /** A meter for this request's response; `streaming` says whether it is an SSE stream. */
  createMeter(streaming: boolean): ResponseMeter;
}

/** Parses a JSON body kept whole (non-streaming responses), tolerating garbage. */
export function parseJsonBody(chunks: Uint8Array[]): unknown {
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

/** A reported amount of money: a finite number, 0 or more, kept exact (not rounded like counts). */
export function usd(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** An SSE parser that hands over each event's JSON object; `[DONE]` and data that is not a JSON object are skipped. */
export function jsonSseParser(onJson: (payload: Record<string, unknown>, eventName: string) => void): SseParser {
  return new SseParser(({ event, data }) => {
    if (data === '[DONE]') return;
    let payload: Record<string, unknown> | undefined;
    try {
      payload = obj(JSON.parse(data));
    } catch {
      return;
    }
    if (payload) onJson(payload, event);
  });
}

/** A meter for JSON bodies: buffers (up to a cap) and reads them once at the end. */
export function jsonMeter(read: (body: Record<string, unknown>, facts: ResponseFacts) => void, maxBytes = 64 * 1024 * 1024): ResponseMeter {
  const chunks: Uint8Array[] = [];
  let size = 0;
  return {
    feed(chunk) {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    },
    finish() {
      const facts: ResponseFacts = { outputText: '' };
      const body = obj(parseJsonBody(chunks));
      if (body) read(body, facts);
      return facts;
    },
  };
}

/**
 * A meter for SSE streams of JSON events: `onEvent` reads each parsed payload into the facts;
 * `onFinish` may adjust them once the stream has ended. Unparseable events are skipped.
 */
export function sseJsonMeter(
  onEvent: (payload: Record<string, unknown>, eventName: string, facts: ResponseFacts) => void,
  onFinish?: (facts: ResponseFacts) => void,
): ResponseMeter {
  const facts: ResponseFacts = { outputText: '' };
  const parser = jsonSseParser((payload, event) => onEvent(payload, event, facts));
  return {
    feed: (chunk) => parser.feed(chunk),
    finish: () => {
      parser.end();
      onFinish?.(facts);
      return facts;
    },
  };
}
