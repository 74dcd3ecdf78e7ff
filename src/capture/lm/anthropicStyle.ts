import { obj, str } from '../gateway/meter';
import { base64, parseToolInput, type LmInputPart, type LmMessage, type LmOutputPart, type LmRequest, type StreamReader } from './messages';
import type { LmModelConfig } from './models';

/** Anthropic Messages API. */

export const ANTHROPIC_VERSION = '2023-06-01';

function contentBlock(part: LmInputPart): Record<string, unknown> {
  switch (part.kind) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image':
      return { type: 'image', source: { type: 'base64', media_type: part.mimeType, data: base64(part.data) } };
    case 'toolCall':
      return { type: 'tool_use', id: part.callId, name: part.name, input: part.input };
    case 'toolResult':
      return { type: 'tool_result', tool_use_id: part.callId, content: part.text };
  }
}

/** System text goes to `system`; turns of the same role are merged, as the API wants them alternating. */
function toMessages(messages: readonly LmMessage[]): {
  system: string;
  messages: Array<{ role: string; content: Array<Record<string, unknown>> }>;
} {
  const system: string[] = [];
  const out: Array<{ role: string; content: Array<Record<string, unknown>> }> = [];
  for (const message of messages) {
    if (message.role === 'system') {
      for (const part of message.parts) if (part.kind === 'text') system.push(part.text);
      continue;
    }
    const blocks = message.parts.filter((p) => p.kind !== 'text' || p.text !== '').map(contentBlock);
    if (blocks.length === 0) continue;
    const last = out[out.length - 1];
    if (last?.role === message.role) last.content.push(...blocks);
    else out.push({ role: message.role, content: blocks });
  }
  return { system: system.join('\n\n'), messages: out };
}

export function anthropicRequestBody(config: LmModelConfig, request: LmRequest): Record<string, unknown> {
  const { system, messages } = toMessages(request.messages);
  const body: Record<string, unknown> = {
    max_tokens: config.maxOutputTokens,
    ...request.modelOptions,
    model: config.model,
    messages,
    stream: true,
  };
  if (system) body.system = system;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({
      name: t.name,
      description: t.description,
      input_schema: t.inputSchema ?? { type: 'object', properties: {} },
    }));
    body.tool_choice = { type: request.toolMode === 'required' ? 'any' : 'auto' };
  }
  return body;
}

export function anthropicEndpoint(config: LmModelConfig): string {
  return `${config.baseUrl}/v1/messages`;
}

export function anthropicHeaders(apiKey: string | undefined): Record<string, string> {
  return { 'anthropic-version': ANTHROPIC_VERSION, ...(apiKey ? { 'x-api-key': apiKey } : {}) };
}

/** A tool_use block opens with its id and name; its input arrives as input_json_delta pieces until the block stops. */
export function anthropicStreamReader(): StreamReader {
  const tools = new Map<number, { id: string; name: string; json: string }>();
  let error: string | undefined;
  return {
    get error() {
      return error;
    },
    event(payload, eventName) {
      const type = str(payload.type) ?? eventName;
      const index = typeof payload.index === 'number' ? payload.index : -1;
      if (type === 'error') {
        const e = obj(payload.error);
        error = [str(e?.type), str(e?.message)].filter(Boolean).join(': ') || 'the upstream reported an error in the stream';
      } else if (type === 'content_block_start') {
        const block = obj(payload.content_block);
        if (block?.type === 'tool_use') tools.set(index, { id: str(block.id) ?? '', name: str(block.name) ?? '', json: '' });
        else if (block?.type === 'text' && str(block.text)) return [{ kind: 'text', text: str(block.text)! }];
      } else if (type === 'content_block_delta') {
        const delta = obj(payload.delta);
        if (delta?.type === 'text_delta' && str(delta.text)) return [{ kind: 'text', text: str(delta.text)! }];
        const tool = tools.get(index);
        if (delta?.type === 'input_json_delta' && tool) tool.json += str(delta.partial_json) ?? '';
      } else if (type === 'content_block_stop') {
        const tool = tools.get(index);
        if (tool) {
          tools.delete(index);
          return [{ kind: 'toolCall', callId: tool.id, name: tool.name, input: parseToolInput(tool.json) }];
        }
      }
      return [];
    },
    end(): LmOutputPart[] {
      // Servers that end the stream without content_block_stop still meant their calls.
      const parts: LmOutputPart[] = [...tools.values()].map((t) => ({
        kind: 'toolCall',
        callId: t.id,
        name: t.name,
        input: parseToolInput(t.json),
      }));
      tools.clear();
      return parts;
    },
  };
}
