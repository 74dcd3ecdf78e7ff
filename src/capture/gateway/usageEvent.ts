import { randomUUID } from 'node:crypto';
import { makeEventId, MAX_STRING, MAX_TOKENS_PER_EVENT, type UsageEvent, type UsageSource } from '../../core/events';
import { countTokens } from '../../core/tokenizer';
import type { Provider, ResponseFacts } from './meter';
import { promptFingerprint, type RequestFacts } from './requestFacts';

/** One metered request/response pair, as seen by whichever capture path sent or relayed it. */
export interface MeteredExchange {
  source: UsageSource;
  provider: Provider;
  request: RequestFacts;
  facts: ResponseFacts;
  /** HTTP status of the upstream answer. */
  status: number;
  /** The response was cut short (client gone, request cancelled, connection lost). */
  aborted: boolean;
  started: number;
  now: number;
}

/**
 * Most characters one estimate tokenizes. Tokenizing costs up to ~3.5 µs a character on text the
 * segment cache has not seen (a 29 MB prompt blocked the event loop for 1.6 s; 29 MB of random
 * words for minutes), so a longer text is sampled in evenly spaced slices and the count scaled to
 * its length (64 slices of 1 Ki, spread so one file's density does not decide it): a few tens
 * of milliseconds, within about 2 % on source code, and it is an estimate either way.
 */
export const MAX_TOKENIZED_CHARS = 64 * 1024;
const SAMPLE_SLICES = 64;
/**
 * Text is counted in pieces of at most this many characters, cut before a space where there is
 * one (where the encodings' pre-tokenizer cuts too, so normal text counts exactly): BPE on one
 * long run without spaces grows faster than its length (32 Ki characters of "x": 2.2 s).
 */
const MAX_PIECE_CHARS = 1024;

function countInPieces(text: string, model: string, count: (text: string, model: string) => number): number {
  let total = 0;
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + MAX_PIECE_CHARS);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start) end = space;
    }
    total += count(text.slice(start, end), model);
    start = end;
  }
  return total;
}

export interface EstimateOptions {
  /** Length of the whole text when `text` holds only its beginning (a stream's bounded copy). */
  totalChars?: number;
  maxChars?: number;
  count?: (text: string, model: string) => number;
}

/** Tokens in a text of `totalChars`, counting at most `maxChars` of `text` and scaling. */
export function estimateTokens(text: string, model: string, options: EstimateOptions = {}): number {
  const { totalChars = text.length, maxChars = MAX_TOKENIZED_CHARS, count = countTokens } = options;
  if (text.length === 0) return 0;
  let sample = text;
  if (text.length > maxChars) {
    const slice = Math.max(1, Math.floor(maxChars / SAMPLE_SLICES));
    const step = (text.length - slice) / (SAMPLE_SLICES - 1);
    const parts: string[] = [];
    for (let i = 0; i < SAMPLE_SLICES; i++) {
      const from = Math.round(i * step);
      parts.push(text.slice(from, from + slice));
    }
    sample = parts.join('');
  }
  const tokens = countInPieces(sample, model, count);
  return sample.length === totalChars ? tokens : Math.round((tokens * totalChars) / sample.length);
}

/**
 * A string field as the event reader accepts it (validateUsageEvent): non-blank, at most
 * MAX_STRING characters. Truncated rather than dropped, so an odd model name costs its tail, not
 * the usage.
 */
function boundedString(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.length > MAX_STRING ? value.slice(0, MAX_STRING) : value;
}

/**
 * The usage record for a metered exchange, or undefined when nothing is billable. Shared by the
 * gateway and the chat-model provider so both count a request the same way: the API's own report
 * when there is one, the tokenizer's estimate (marked as such) otherwise. The id comes from the
 * provider's response id, so the same response seen by two paths is counted once. Every field is
 * within what the store's reader accepts, so a record written is never dropped when read.
 */
export function usageEventFor(exchange: MeteredExchange): UsageEvent | undefined {
  const { provider, request, facts, status } = exchange;
  // A refused or failed request (4xx/5xx with no stream) is not billed; a stream that started is.
  const reported = facts.usage;
  if (status >= 400 && !reported && facts.outputText === '') return undefined;
  const model = boundedString(facts.model) ?? boundedString(request.model) ?? 'unknown';
  // A meter that stopped early (a bound was passed) saw only part of the answer.
  let estimated = facts.meteringStopped === true;
  const estimate = (text: string, totalChars?: number) => {
    estimated = true;
    return estimateTokens(text, model, { totalChars });
  };
  const believable = (count: number | undefined) => {
    if (count === undefined || count <= MAX_TOKENS_PER_EVENT) return count;
    estimated = true;
    return MAX_TOKENS_PER_EVENT;
  };
  const inputTokens = believable(reported?.inputTokens) ?? estimate(request.promptText);
  const outputTokens = believable(reported?.outputTokens) ?? estimate(facts.outputText, facts.outputChars);
  const reasoningTokens = Math.min(believable(reported?.reasoningTokens) ?? 0, outputTokens);
  const responseId = boundedString(facts.responseId);
  const event: UsageEvent = {
    id: facts.responseId ? makeEventId(provider, facts.responseId) : makeEventId(exchange.source, randomUUID()),
    ts: exchange.now,
    source: exchange.source,
    provider,
    model,
    inputTokens,
    outputTokens,
    cacheReadTokens: believable(reported?.cacheReadTokens) ?? 0,
    cacheWriteTokens: believable(reported?.cacheWriteTokens) ?? 0,
    reasoningTokens,
    estimated,
    latencyMs: Math.max(0, exchange.now - exchange.started),
    status: exchange.aborted && status < 400 ? 499 : status,
  };
  if (responseId) event.requestId = responseId;
  const fingerprint = promptFingerprint(request.promptText);
  if (fingerprint) event.promptFingerprint = fingerprint;
  return event;
}
