import { serviceTierOf } from '../../core/events';
import {
  jsonMeter,
  num,
  obj,
  sseJsonMeter,
  str,
  type MeteredRoute,
  type MeterLimits,
  type ReportedUsage,
  type ResponseFacts,
  type ResponseMeter,
} from './meter';

/**
 * Anthropic's Messages API (and the free count_tokens endpoint). input_tokens excludes cache reads
 * and writes, which Anthropic reports separately — the same convention as UsageEvent.
 */

function messagesUsage(usage: unknown, previous: ReportedUsage | undefined): ReportedUsage | undefined {
  const u = obj(usage);
  if (!u) return previous;
  const writes = num(u.cache_creation_input_tokens) ?? previous?.cacheWriteTokens ?? 0;
  // cache_creation splits the writes by TTL; the 1-hour ones are billed at 2× input, 5-minute at 1.25×.
  const writes1h = num(obj(u.cache_creation)?.ephemeral_1h_input_tokens) ?? previous?.cacheWrite1hTokens ?? 0;
  return {
    inputTokens: num(u.input_tokens) ?? previous?.inputTokens ?? 0,
    cacheWriteTokens: writes,
    cacheWrite1hTokens: Math.min(writes1h, writes),
    cacheReadTokens: num(u.cache_read_input_tokens) ?? previous?.cacheReadTokens ?? 0,
    // message_delta carries the cumulative output count; message_start only a placeholder.
    outputTokens: num(u.output_tokens) ?? previous?.outputTokens ?? 0,
  };
}

/** Fast mode is reported as usage.speed; the tier as usage.service_tier (priority, batch). */
function noteServiceTier(usage: unknown, facts: ResponseFacts): void {
  const u = obj(usage);
  if (!u) return;
  facts.serviceTier = serviceTierOf(u.speed) ?? serviceTierOf(u.service_tier) ?? facts.serviceTier;
}

/** message_start brings id, model and input usage; message_delta the final output count. */
function messagesStreamMeter(limits?: Partial<MeterLimits>): ResponseMeter {
  let sawFinalUsage = false;
  return sseJsonMeter(
    (payload, event, facts, addText) => {
      const type = str(payload.type) ?? event;
      if (type === 'message_start') {
        const message = obj(payload.message);
        facts.responseId = str(message?.id);
        facts.model = str(message?.model);
        facts.usage = messagesUsage(message?.usage, undefined);
        noteServiceTier(message?.usage, facts);
      } else if (type === 'message_delta') {
        facts.usage = messagesUsage(payload.usage, facts.usage);
        noteServiceTier(payload.usage, facts);
        sawFinalUsage = true;
      } else if (type === 'content_block_delta') {
        const delta = obj(payload.delta);
        addText(str(delta?.text) ?? str(delta?.partial_json) ?? str(delta?.thinking) ?? '');
      } else if (type === 'error') {
        facts.streamError = true;
      }
    },
    (facts) => {
      // Without message_delta the output count is message_start's placeholder: not a real report.
      if (!sawFinalUsage && facts.usage) facts.usage = { ...facts.usage, outputTokens: undefined };
    },
    limits,
  );
}

export function matchAnthropicRoute(method: string, pathname: string): MeteredRoute | undefined {
  if (method !== 'POST') return undefined;
  if (/\/v1\/messages\/count_tokens$/.test(pathname)) {
    return {
      provider: 'anthropic',
      api: 'count_tokens',
      billable: false,
      createMeter: (_streaming, limits) => jsonMeter(() => undefined, limits),
    };
  }
  if (!/\/v1\/messages$/.test(pathname)) return undefined;
  return {
    provider: 'anthropic',
    api: 'messages',
    billable: true,
    createMeter: (streaming, limits) =>
      streaming
        ? messagesStreamMeter(limits)
        : jsonMeter((body, facts) => {
            facts.responseId = str(body.id);
            facts.model = str(body.model);
            facts.usage = messagesUsage(body.usage, undefined);
            noteServiceTier(body.usage, facts);
            if (Array.isArray(body.content)) {
              for (const block of body.content) facts.outputText += str(obj(block)?.text) ?? '';
            }
          }, limits),
  };
}
