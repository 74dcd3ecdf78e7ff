import { obj, str } from '../gateway/meter';
import { base64, parseToolInput, type LmMessage, type LmOutputPart, type LmRequest, type StreamReader } from './messages';
import type { LmModelConfig } from './models';

/** OpenAI Chat Completions (and compatible servers: Azure OpenAI, OpenRouter, vLLM, Ollama). */

type ChatMessage = Record<string, unknown>;

function toChatMessages(message: LmMessage): ChatMessage[] {
  const out: ChatMessage[] = [];
  const content: Array<Record<string, unknown>> = [];
  const toolCalls: Array<Record<string, unknown>> = [];
  for (const part of message.parts) {
    if (part.kind === 'text') content.push({ type: 'text', text: part.text });
    else if (part.kind === 'image')
      content.push({ type: 'image_url', image_url: { url: `data:${part.mimeType};base64,${base64(part.data)}` } });
    else if (part.kind === 'toolCall')
      toolCalls.push({ id: part.callId, type: 'function', function: { name: part.name, arguments: JSON.stringify(part.input) } });
    // Tool results are messages of their own, answering the assistant's call by id.
    else out.push({ role: 'tool', tool_call_id: part.callId, content: part.text });
  }
  const onlyText = content.every((c) => c.type === 'text');
  // Plain strings where possible: some compatible servers accept nothing else for system and assistant turns.
  const body = onlyText ? content.map((c) => c.text).join('') : content;
  if (message.role === 'assistant') {
    if (content.length > 0 || toolCalls.length > 0)
      out.push({
        role: 'assistant',
        content: content.length > 0 ? body : null,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      });
  } else if (content.length > 0) {
    out.push({ role: message.role, content: body });
  }
  return out;
}

export function openAiRequestBody(config: LmModelConfig, request: LmRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...request.modelOptions,
    model: config.model,
    messages: request.messages.flatMap(toChatMessages),
    stream: true,
    // Without this the stream carries no usage and the count would be an estimate.
    stream_options: { include_usage: true },
  };
  if (request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.inputSchema ?? { type: 'object', properties: {} } },
    }));
    body.tool_choice = request.toolMode === 'required' ? 'required' : 'auto';
  }
  return body;
}

export function openAiEndpoint(config: LmModelConfig): string {
  return `${config.baseUrl}/chat/completions`;
}

export function openAiHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** Tool calls arrive as fragments keyed by index: the id and name first, the arguments in pieces. */
export function openAiStreamReader(): StreamReader {
  const calls = new Map<number, { id: string; name: string; args: string }>();
  let error: string | undefined;
  const flushCalls = (): LmOutputPart[] => {
    const parts: LmOutputPart[] = [...calls.values()].map((c) => ({
      kind: 'toolCall',
      callId: c.id,
      name: c.name,
      input: parseToolInput(c.args),
    }));
    calls.clear();
    return parts;
  };
  return {
    get error() {
      return error;
    },
    event(chunk, eventName) {
      if (eventName === 'error' || chunk.error) {
        error = str(obj(chunk.error)?.message) ?? 'the upstream reported an error in the stream';
        return [];
      }
      const parts: LmOutputPart[] = [];
      for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
        const c = obj(choice);
        const delta = obj(c?.delta);
        const text = str(delta?.content);
        if (text) parts.push({ kind: 'text', text });
        for (const fragment of Array.isArray(delta?.tool_calls) ? delta.tool_calls : []) {
          const f = obj(fragment);
          const index = typeof f?.index === 'number' ? f.index : calls.size;
          const call = calls.get(index) ?? { id: '', name: '', args: '' };
          call.id = str(f?.id) ?? call.id;
          const fn = obj(f?.function);
          call.name = str(fn?.name) ?? call.name;
          call.args += str(fn?.arguments) ?? '';
          calls.set(index, call);
        }
        if (str(c?.finish_reason)) parts.push(...flushCalls());
      }
      return parts;
    },
    end: flushCalls,
  };
}
