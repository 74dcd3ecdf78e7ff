import { randomUUID } from 'node:crypto';
import { makeEventId, MAX_STRING, MAX_TOKENS_PER_EVENT, type UsageEvent, type UsageSource } from '../../core/events';
import { estimateTokens } from '../../core/tokenizer/estimate';
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
  if (reported?.cacheWrite1hTokens) event.cacheWrite1hTokens = Math.min(reported.cacheWrite1hTokens, event.cacheWriteTokens);
  if (facts.serviceTier) event.serviceTier = facts.serviceTier;
  if (facts.reportedCostUsd !== undefined) event.reportedCostUsd = facts.reportedCostUsd;
  if (responseId) event.requestId = responseId;
  const fingerprint = promptFingerprint(request.promptText);
  if (fingerprint) event.promptFingerprint = fingerprint;
  return event;
}
