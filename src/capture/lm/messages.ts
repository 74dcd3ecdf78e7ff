/**
 * A chat request in neutral form, free of VS Code types, so translating it for each API style and
 * reading the answers back can be tested without an editor.
 */

export type LmRole = 'system' | 'user' | 'assistant';

export type LmInputPart =
  | { kind: 'text'; text: string }
  | { kind: 'image'; mimeType: string; data: Uint8Array }
  | { kind: 'toolCall'; callId: string; name: string; input: object }
  | { kind: 'toolResult'; callId: string; text: string };

export interface LmMessage {
  role: LmRole;
  parts: LmInputPart[];
}

export interface LmTool {
  name: string;
  description: string;
  inputSchema?: object;
}

export interface LmRequest {
  messages: LmMessage[];
  tools: LmTool[];
  /** 'required': the model must call one of the tools. */
  toolMode: 'auto' | 'required';
  /** Upstream options passed through as they are (temperature, top_p, …). */
  modelOptions: Record<string, unknown>;
}

/** What the upstream sends back, in arrival order. */
export type LmOutputPart = { kind: 'text'; text: string } | { kind: 'toolCall'; callId: string; name: string; input: object };

/** Reads one API style's SSE payloads into output parts; an upstream error event becomes `error`. */
export interface StreamReader {
  /** One parsed SSE event. */
  event(payload: Record<string, unknown>, eventName: string): LmOutputPart[];
  /** The stream ended normally (not cut short): tool calls still being assembled are complete. */
  end(): LmOutputPart[];
  /** The upstream's error message, when it sent an error event inside the stream. */
  readonly error: string | undefined;
}

/** Parses a tool call's accumulated JSON arguments; an empty or broken string becomes {}. */
export function parseToolInput(json: string): object {
  if (json.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === 'object' && parsed !== null ? parsed : { value: parsed };
  } catch {
    return {};
  }
}

export function base64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}
