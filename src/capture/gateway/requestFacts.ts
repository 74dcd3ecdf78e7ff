import { createHash } from 'node:crypto';
import { num, obj, str } from './meter';

/**
 * What the gateway needs from a request body: the model, whether it streams, and the prompt text.
 * The text lives in memory only — to estimate tokens when a provider reports none and to compute
 * a one-way fingerprint — and is never stored or logged.
 */
export interface RequestFacts {
  model?: string;
  streaming: boolean;
  promptText: string;
  /** The user's newest turn when the request ends with one; absent for an agent's tool-result step. */
  question?: string;
  /** Requested output budget (max_tokens and its variants, or the thinking budget if larger). */
  maxOutputTokens?: number;
}

/** Keys whose string values are prompt content; media payloads (base64, URLs) are not text. */
const TEXT_ROOTS = ['messages', 'input', 'prompt', 'system', 'instructions', 'tools', 'functions'];
const SKIPPED_KEYS = new Set(['data', 'image_url', 'url', 'b64_json', 'source', 'file_data', 'id', 'type', 'role', 'cache_control']);

function collectText(value: unknown, out: string[], depth = 0): void {
  if (depth > 32) return;
  if (typeof value === 'string') {
    out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collectText(item, out, depth + 1);
    return;
  }
  const o = obj(value);
  if (!o) return;
  for (const [key, child] of Object.entries(o)) {
    if (SKIPPED_KEYS.has(key)) continue;
    if (key === 'parameters' || key === 'input_schema') {
      out.push(JSON.stringify(child));
      continue;
    }
    collectText(child, out, depth + 1);
  }
}

export function readRequestFacts(body: Buffer): RequestFacts {
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = obj(JSON.parse(body.toString('utf8')));
  } catch {
    parsed = undefined;
  }
  if (!parsed) return { streaming: false, promptText: '' };
  const text: string[] = [];
  for (const root of TEXT_ROOTS) collectText(parsed[root], text);
  const facts: RequestFacts = { model: str(parsed.model), streaming: parsed.stream === true, promptText: text.join('\n') };
  const question = finalUserText(parsed.messages ?? parsed.input);
  if (question !== undefined) facts.question = question;
  const budgets = [
    num(parsed.max_tokens),
    num(parsed.max_completion_tokens),
    num(parsed.max_output_tokens),
    num(obj(parsed.thinking)?.budget_tokens),
  ].filter((n): n is number => n !== undefined);
  if (budgets.length > 0) facts.maxOutputTokens = Math.max(...budgets);
  return facts;
}

/**
 * The text of the last message when a user wrote it: a string, or its text parts. A last message
 * carrying tool results (role "tool", Anthropic's tool_result blocks, Responses function output)
 * is an agent step, not a question.
 */
function finalUserText(messages: unknown): string | undefined {
  if (typeof messages === 'string') return messages;
  if (!Array.isArray(messages)) return undefined;
  const last = obj(messages[messages.length - 1]);
  if (!last || (last.role !== undefined && last.role !== 'user')) return undefined;
  if (typeof last.content === 'string') return last.content;
  if (!Array.isArray(last.content)) return undefined;
  const parts: string[] = [];
  for (const part of last.content) {
    const p = obj(part);
    if (p?.type === 'text' || p?.type === 'input_text') parts.push(str(p.text) ?? '');
    else if (p?.type === 'tool_result' || p?.type === 'function_call_output') return undefined;
  }
  return parts.length > 0 ? parts.join('\n') : undefined;
}

/** Prompt text normalised and hashed whole up to this length; a longer one by its ends and length. */
const MAX_FINGERPRINTED_CHARS = 256 * 1024;

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ');
}

/**
 * A one-way hash of the normalised prompt, so repeats can be recognised without keeping text.
 * Normalising costs about 0.1 s a million characters, so a longer prompt is identified by its
 * first and last 128 Ki characters and its length: the same paste sent again still matches.
 */
export function promptFingerprint(text: string): string | undefined {
  const hash = createHash('sha256');
  if (text.length <= MAX_FINGERPRINTED_CHARS) {
    const normalised = normalise(text).trim();
    if (normalised === '') return undefined;
    hash.update(normalised);
  } else {
    const half = MAX_FINGERPRINTED_CHARS / 2;
    hash.update(`${text.length}\n${normalise(text.slice(0, half))}\n${normalise(text.slice(-half))}`);
  }
  return `fp_${hash.digest('hex').slice(0, 32)}`;
}
