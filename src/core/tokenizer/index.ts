import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Token counts identical to OpenAI's tiktoken for `o200k_base` and `cl100k_base`.
 *
 * Each encoding has a hand-written pre-tokenizer (preTokenizer.ts: the same cuts as tiktoken's
 * regex, in one pass over the string), caches of the counts of lines and of pieces
 * (pieceCounter.ts: lines, words and indentation repeat constantly) and tiktoken's byte-pair
 * merge for the pieces not seen before (bytePairEncoding.ts). gpt-tokenizer's own counting was
 * too slow for the goal (1.3–1.4× tiktoken on cl100k_base, see bench/tokenizer.bench.ts); its
 * rank tables are kept. They load on first use, never at extension activation.
 */

export type EncodingName = 'o200k_base' | 'cl100k_base';

export interface Tokenizer {
  readonly encoding: EncodingName;
  /** Tokens in `text`, treating special-token strings such as `<|endoftext|>` as plain text. */
  count(text: string): number;
}

type CountFn = (text: string) => number;

const CL100K_MODELS = /^(gpt-4(?!o|\.\d)|gpt-3\.5|text-embedding-3|text-embedding-ada-002|davinci-002|babbage-002)/;

/**
 * Which encoding a model uses. Claude, Gemini and unknown models are counted with o200k_base as
 * an approximation; counts made for them are marked estimated by the callers.
 */
export function encodingForModel(model: string): EncodingName {
  const name = model.toLowerCase().replace(/^(?:[a-z0-9_-]+\/)+/, '');
  return CL100K_MODELS.test(name) ? 'cl100k_base' : 'o200k_base';
}

function loadCounterFactory(encoding: EncodingName): () => CountFn {
  // Bundled builds ship each encoding as its own file beside the bundle (dist/encodings/);
  // running from source (tests, benchmarks) loads the same module from src/.
  const bundled = path.join(__dirname, 'encodings', `${encoding}.js`);
  const modulePath = fs.existsSync(bundled) ? bundled : path.join(__dirname, 'encodings', encoding);
  // A computed path keeps esbuild from inlining multi-megabyte rank tables into the main bundle.
  const loaded = require(modulePath) as { createCounter: () => CountFn };
  return loaded.createCounter;
}

const loadedFactories = new Map<EncodingName, () => CountFn>();
const shared = new Map<EncodingName, Tokenizer>();

/** A tokenizer with its own, empty piece cache (benchmarks measure from a cold cache). */
export function createTokenizer(encoding: EncodingName): Tokenizer {
  let createCounter = loadedFactories.get(encoding);
  if (!createCounter) {
    createCounter = loadCounterFactory(encoding);
    loadedFactories.set(encoding, createCounter);
  }
  return { encoding, count: createCounter() };
}

/** The shared tokenizer for an encoding, loading its rank table on the first call. */
export function getTokenizer(encoding: EncodingName): Tokenizer {
  let tokenizer = shared.get(encoding);
  if (!tokenizer) {
    tokenizer = createTokenizer(encoding);
    shared.set(encoding, tokenizer);
  }
  return tokenizer;
}

export function isTokenizerLoaded(encoding?: EncodingName): boolean {
  return encoding ? loadedFactories.has(encoding) : loadedFactories.size > 0;
}

export function countTokens(text: string, model: string): number {
  return getTokenizer(encodingForModel(model)).count(text);
}

export interface ChatMessageLike {
  role: string;
  content: string;
  name?: string;
}

/**
 * OpenAI's documented chat format overhead for the o200k/cl100k models: every message costs
 * 3 tokens of framing (plus 1 when it has a name) and the reply is primed with 3 more.
 */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;

/**
 * Counts a conversation that grows turn by turn without recounting the turns already counted:
 * each message's tokens are remembered by position and content.
 */
export class ConversationCounter {
  private counted: Array<{ role: string; name: string | undefined; content: string; tokens: number }> = [];

  constructor(private readonly tokenizer: Tokenizer) {}

  count(messages: readonly ChatMessageLike[]): number {
    const next: typeof this.counted = [];
    let total = REPLY_PRIMING;
    let reusable = true;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      const previous = this.counted[i];
      let tokens: number;
      if (reusable && previous && previous.content === m.content && previous.role === m.role && previous.name === m.name) {
        tokens = previous.tokens;
      } else {
        // Once a message differs (an edit, a removed turn), the rest is counted afresh.
        reusable = false;
        tokens =
          TOKENS_PER_MESSAGE +
          this.tokenizer.count(m.role) +
          this.tokenizer.count(m.content) +
          (m.name ? TOKENS_PER_NAME + this.tokenizer.count(m.name) : 0);
      }
      next.push({ role: m.role, name: m.name, content: m.content, tokens });
      total += tokens;
    }
    this.counted = next;
    return total;
  }
}
