import { createHash } from 'node:crypto';
import { obj, str } from './meter';

/**
 * What the gateway needs from a request body: the model, whether it streams, and the prompt text.
 * The text lives in memory only — to estimate tokens when a provider reports none and to compute
 * a one-way fingerprint — and is never stored or logged.
 */
export interface RequestFacts {
  model?: string;
  streaming: boolean;
  promptText: string;
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
  return { model: str(parsed.model), streaming: parsed.stream === true, promptText: text.join('\n') };
}

/** A one-way hash of the normalised prompt, so repeats can be recognised without keeping text. */
export function promptFingerprint(text: string): string | undefined {
  const normalised = text.toLowerCase().replace(/\s+/g, ' ').trim();
  if (normalised === '') return undefined;
  return `fp_${createHash('sha256').update(normalised).digest('hex').slice(0, 32)}`;
}
