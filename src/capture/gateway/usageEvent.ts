import { randomUUID } from 'node:crypto';
import { makeEventId, type UsageEvent, type UsageSource } from '../../core/events';
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
 * The usage record for a metered exchange, or undefined when nothing is billable. Shared by the
 * gateway and the chat-model provider so both count a request the same way: the API's own report
 * when there is one, the tokenizer's estimate (marked as such) otherwise. The id comes from the
 * provider's response id, so the same response seen by two paths is counted once.
 */
export function usageEventFor(exchange: MeteredExchange): UsageEvent | undefined {
  const { provider, request, facts, status } = exchange;
  // A refused or failed request (4xx/5xx with no stream) is not billed; a stream that started is.
  const reported = facts.usage;
  if (status >= 400 && !reported && facts.outputText === '') return undefined;
  const model = facts.model ?? request.model ?? 'unknown';
  let estimated = false;
  const estimate = (text: string) => {
    estimated = true;
    return countTokens(text, model);
  };
  const inputTokens = reported?.inputTokens ?? estimate(request.promptText);
  const outputTokens = reported?.outputTokens ?? estimate(facts.outputText);
  const reasoningTokens = Math.min(reported?.reasoningTokens ?? 0, outputTokens);
  const event: UsageEvent = {
    id: facts.responseId ? makeEventId(provider, facts.responseId) : makeEventId(exchange.source, randomUUID()),
    ts: exchange.now,
    source: exchange.source,
    provider,
    model,
    inputTokens,
    outputTokens,
    cacheReadTokens: reported?.cacheReadTokens ?? 0,
    cacheWriteTokens: reported?.cacheWriteTokens ?? 0,
    reasoningTokens,
    estimated,
    latencyMs: exchange.now - exchange.started,
    status: exchange.aborted && status < 400 ? 499 : status,
  };
  if (reported?.cacheWrite1hTokens) event.cacheWrite1hTokens = Math.min(reported.cacheWrite1hTokens, event.cacheWriteTokens);
  if (facts.serviceTier) event.serviceTier = facts.serviceTier;
  if (facts.reportedCostUsd !== undefined) event.reportedCostUsd = facts.reportedCostUsd;
  if (facts.responseId) event.requestId = facts.responseId;
  const fingerprint = promptFingerprint(request.promptText);
  if (fingerprint) event.promptFingerprint = fingerprint;
  return event;
}
