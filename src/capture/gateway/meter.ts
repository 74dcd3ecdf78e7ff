import type { TokenField } from '../../core/events';
import { SseParser } from './sse';
import { asObject, asString } from '../../core/json';

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
  /**
   * Text generated so far, kept in memory only to estimate output tokens when no usage arrives.
   * Streams keep at most `MeterLimits.maxTextChars` of it; `outputChars` then counts the whole.
   */
  outputText: string;
  /** Characters of generated text seen, when more than `outputText` holds. */
  outputChars?: number;
  /** An error event arrived inside an otherwise successful stream. */
  streamError?: boolean;
  /** The meter stopped reading before the body ended (a bound was passed): what it reports is partial. */
  meteringStopped?: boolean;
}

/**
 * Bounds on the meter's copy of a response, so a hostile or broken upstream cannot make the
 * gateway buffer, decompress or parse without end. Past any of them the meter stops reading that
 * body (its usage is then estimated); the client still receives every byte.
 */
export interface MeterLimits {
  /** Decoded (decompressed) body bytes read; JSON bodies are buffered up to this. */
  maxDecodedBytes: number;
  /** Longest SSE line, and most data one SSE event may carry, in characters. */
  maxLineChars: number;
  /** Generated text kept for estimating output tokens; past this only its length is counted. */
  maxTextChars: number;
}

/**
 * Far above real answers: 64 MiB is about 250,000 streamed tokens of SSE framing or a batch of
 * 2,000 base64 embeddings; real SSE events are a few KiB; 4 Mi characters are about a million tokens.
 */
export const DEFAULT_METER_LIMITS: Readonly<MeterLimits> = Object.freeze({
  maxDecodedBytes: 64 * 1024 * 1024,
  maxLineChars: 4 * 1024 * 1024,
  maxTextChars: 4 * 1024 * 1024,
});

export function meterLimits(overrides?: Partial<MeterLimits>): MeterLimits {
  return { ...DEFAULT_METER_LIMITS, ...overrides };
}

/**
 * Reads one API's response for metering. Implementations parse a copy of the bytes; they never
 * change what the client receives.
 */
export interface ResponseMeter {
  /** Raw (decompressed) body bytes, in arrival order; ignored once `stopped`. */
  feed(chunk: Uint8Array): void;
  /** True once a bound was passed: the meter reads nothing more, so its feeder may stop decoding. */
  readonly stopped: boolean;
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
  createMeter(streaming: boolean, limits?: Partial<MeterLimits>): ResponseMeter;
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

export const obj = asObject;
export const str = asString;

/** An SSE parser that hands over each event's JSON object; `[DONE]` and data that is not a JSON object are skipped. */
export function jsonSseParser(onJson: (payload: Record<string, unknown>, eventName: string) => void, maxLineChars?: number): SseParser {
  return new SseParser(({ event, data }) => {
    if (data === '[DONE]') return;
    let payload: Record<string, unknown> | undefined;
    try {
      payload = obj(JSON.parse(data));
    } catch {
      return;
    }
    if (payload) onJson(payload, event);
  }, maxLineChars);
}

/** A meter for JSON bodies: buffers (up to `maxDecodedBytes`) and reads them once at the end. */
export function jsonMeter(
  read: (body: Record<string, unknown>, facts: ResponseFacts) => void,
  limits?: Partial<MeterLimits>,
): ResponseMeter {
  const { maxDecodedBytes } = meterLimits(limits);
  let chunks: Uint8Array[] = [];
  let size = 0;
  let stopped = false;
  return {
    get stopped() {
      return stopped;
    },
    feed(chunk) {
      if (stopped) return;
      size += chunk.length;
      if (size > maxDecodedBytes) {
        // A cut JSON body cannot be parsed: keeping any of it would only hold memory.
        stopped = true;
        chunks = [];
        return;
      }
      chunks.push(chunk);
    },
    finish() {
      const facts: ResponseFacts = { outputText: '' };
      if (stopped) {
        facts.meteringStopped = true;
        return facts;
      }
      const body = obj(parseJsonBody(chunks));
      if (body) read(body, facts);
      return facts;
    },
  };
}

/** Appends generated text to `facts`, keeping at most `maxTextChars` and counting the rest. */
export type TextSink = (text: string) => void;

/**
 * A meter for SSE streams of JSON events: `onEvent` reads each parsed payload into the facts (and
 * generated text into `addText`); `onFinish` may adjust them once the stream has ended.
 * Unparseable events are skipped.
 */
export function sseJsonMeter(
  onEvent: (payload: Record<string, unknown>, eventName: string, facts: ResponseFacts, addText: TextSink) => void,
  onFinish?: (facts: ResponseFacts) => void,
  limits?: Partial<MeterLimits>,
): ResponseMeter {
  const { maxDecodedBytes, maxLineChars, maxTextChars } = meterLimits(limits);
  const facts: ResponseFacts = { outputText: '' };
  let textChars = 0;
  const addText: TextSink = (text) => {
    if (text === '') return;
    textChars += text.length;
    if (facts.outputText.length < maxTextChars) facts.outputText += text.slice(0, maxTextChars - facts.outputText.length);
    if (textChars > facts.outputText.length) facts.outputChars = textChars;
  };
  const parser = jsonSseParser((payload, event) => onEvent(payload, event, facts, addText), maxLineChars);
  let size = 0;
  let stopped = false;
  return {
    get stopped() {
      return stopped || parser.overflowed;
    },
    feed: (chunk) => {
      if (stopped) return;
      size += chunk.length;
      if (size > maxDecodedBytes) stopped = true;
      else parser.feed(chunk);
    },
    finish: () => {
      if (stopped || parser.overflowed) facts.meteringStopped = true;
      else parser.end();
      onFinish?.(facts);
      return facts;
    },
  };
}
