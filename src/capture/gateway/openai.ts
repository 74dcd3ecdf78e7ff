import { serviceTierOf } from '../../core/events';
import {
  jsonMeter,
  num,
  obj,
  sseJsonMeter,
  str,
  usd,
  type MeteredRoute,
  type MeterLimits,
  type ReportedUsage,
  type ResponseFacts,
  type ResponseMeter,
} from './meter';

/**
 * OpenAI-style APIs: Chat Completions, Responses, Completions and Embeddings, as served by OpenAI,
 * Azure OpenAI (`/openai/deployments/<name>/chat/completions?api-version=…`) and compatible
 * servers (OpenRouter, vLLM, Ollama). Paths are matched by their ending for that reason.
 */

/** Chat Completions and Completions usage: prompt_tokens includes cached tokens, so they are split out. */
function chatUsage(usage: unknown): ReportedUsage | undefined {
  const u = obj(usage);
  if (!u) return undefined;
  const prompt = num(u.prompt_tokens) ?? 0;
  const cached = num(obj(u.prompt_tokens_details)?.cached_tokens) ?? 0;
  return {
    inputTokens: Math.max(0, prompt - cached),
    cacheReadTokens: cached,
    outputTokens: num(u.completion_tokens) ?? 0,
    reasoningTokens: num(obj(u.completion_tokens_details)?.reasoning_tokens) ?? 0,
  };
}

/** Responses API usage: input_tokens includes cached tokens. */
function responsesUsage(usage: unknown): ReportedUsage | undefined {
  const u = obj(usage);
  if (!u) return undefined;
  const input = num(u.input_tokens) ?? 0;
  const cached = num(obj(u.input_tokens_details)?.cached_tokens) ?? 0;
  return {
    inputTokens: Math.max(0, input - cached),
    cacheReadTokens: cached,
    outputTokens: num(u.output_tokens) ?? 0,
    reasoningTokens: num(obj(u.output_tokens_details)?.reasoning_tokens) ?? 0,
  };
}

/**
 * What a response body or chunk says about billing beyond tokens: a processing tier other than the
 * default (service_tier: flex, priority) and a cost the server reported itself (OpenRouter's usage.cost).
 */
function noteBilling(body: Record<string, unknown>, facts: ResponseFacts): void {
  facts.serviceTier = serviceTierOf(body.service_tier) ?? facts.serviceTier;
  const cost = usd(obj(body.usage)?.cost);
  if (cost !== undefined) facts.reportedCostUsd = cost;
}

function textOfChoices(choices: unknown, field: 'delta' | 'message' | 'text'): string {
  if (!Array.isArray(choices)) return '';
  let text = '';
  for (const choice of choices) {
    const c = obj(choice);
    if (!c) continue;
    if (field === 'text') {
      text += str(c.text) ?? '';
      continue;
    }
    const part = obj(c[field]);
    text += str(part?.content) ?? '';
    if (Array.isArray(part?.tool_calls)) {
      for (const call of part.tool_calls) text += str(obj(obj(call)?.function)?.arguments) ?? '';
    }
  }
  return text;
}

/** Streams of chat.completion.chunk / text_completion objects, usage in the final chunk if requested. */
function chunkStreamMeter(field: 'delta' | 'text', limits?: Partial<MeterLimits>): ResponseMeter {
  return sseJsonMeter(
    (chunk, event, facts, addText) => {
      if (event === 'error' || chunk.error) {
        facts.streamError = true;
        return;
      }
      facts.responseId ??= str(chunk.id);
      facts.model = str(chunk.model) ?? facts.model;
      addText(textOfChoices(chunk.choices, field));
      const usage = chatUsage(chunk.usage);
      if (usage) facts.usage = usage;
      noteBilling(chunk, facts);
    },
    undefined,
    limits,
  );
}

/** Responses API streams: typed events, the final usage in response.completed (or .incomplete). */
function responsesStreamMeter(limits?: Partial<MeterLimits>): ResponseMeter {
  return sseJsonMeter(
    (payload, _event, facts, addText) => {
      const type = str(payload.type) ?? '';
      const response = obj(payload.response);
      if (response) {
        facts.responseId ??= str(response.id);
        facts.model = str(response.model) ?? facts.model;
        const usage = responsesUsage(response.usage);
        if (usage) facts.usage = usage;
        noteBilling(response, facts);
      }
      if (type.endsWith('.delta')) addText(str(payload.delta) ?? '');
      if (type === 'error' || type === 'response.failed') facts.streamError = true;
    },
    undefined,
    limits,
  );
}

const ROUTES: Array<{ suffix: RegExp; api: string; meter: (streaming: boolean, limits?: Partial<MeterLimits>) => ResponseMeter }> = [
  {
    suffix: /\/chat\/completions$/,
    api: 'chat.completions',
    meter: (streaming, limits) =>
      streaming
        ? chunkStreamMeter('delta', limits)
        : jsonMeter((body, facts) => {
            facts.responseId = str(body.id);
            facts.model = str(body.model);
            facts.usage = chatUsage(body.usage);
            noteBilling(body, facts);
            facts.outputText = textOfChoices(body.choices, 'message');
          }, limits),
  },
  {
    suffix: /\/responses$/,
    api: 'responses',
    meter: (streaming, limits) =>
      streaming
        ? responsesStreamMeter(limits)
        : jsonMeter((body, facts) => {
            facts.responseId = str(body.id);
            facts.model = str(body.model);
            facts.usage = responsesUsage(body.usage);
            noteBilling(body, facts);
            facts.outputText = str(body.output_text) ?? '';
          }, limits),
  },
  {
    suffix: /\/completions$/,
    api: 'completions',
    meter: (streaming, limits) =>
      streaming
        ? chunkStreamMeter('text', limits)
        : jsonMeter((body, facts) => {
            facts.responseId = str(body.id);
            facts.model = str(body.model);
            facts.usage = chatUsage(body.usage);
            noteBilling(body, facts);
            facts.outputText = textOfChoices(body.choices, 'text');
          }, limits),
  },
  {
    suffix: /\/embeddings$/,
    api: 'embeddings',
    meter: (_streaming, limits) =>
      jsonMeter((body, facts) => {
        facts.model = str(body.model);
        const u = obj(body.usage);
        if (u) facts.usage = { inputTokens: num(u.prompt_tokens) ?? num(u.total_tokens) ?? 0, outputTokens: 0 };
      }, limits),
  },
];

/** The metered route for a request path (query string removed), if any. */
export function matchOpenAiRoute(method: string, pathname: string): MeteredRoute | undefined {
  if (method !== 'POST') return undefined;
  const route = ROUTES.find((r) => r.suffix.test(pathname));
  if (!route) return undefined;
  return { provider: 'openai', api: route.api, billable: true, createMeter: route.meter };
}
