import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Token counts identical to OpenAI's tiktoken for `o200k_base` and `cl100k_base`.
 *
 * Counting is gpt-tokenizer's BPE (the fastest exact implementation measured in
 * bench/tokenizer.bench.ts) behind a cache of whole text segments: text is cut only where the
 * encodings' pre-tokenizer can never join the two sides (see `segments`), so repeated lines —
 * most of any code base and of every re-sent conversation — are counted once. Rank tables load on
 * first use, never at extension activation.
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

function loadCountFunction(encoding: EncodingName): CountFn {
  // Bundled builds ship each encoding as its own file beside the bundle (dist/encodings/);
  // running from source (tests, benchmarks) loads the same module from src/.
  const bundled = path.join(__dirname, 'encodings', `${encoding}.js`);
  const modulePath = fs.existsSync(bundled) ? bundled : path.join(__dirname, 'encodings', encoding);
  // A computed path keeps esbuild from inlining multi-megabyte rank tables into the main bundle.
  const loaded = require(modulePath) as { countOrdinary: CountFn };
  return loaded.countOrdinary;
}

/** Segments longer than this are counted directly: long unique text gains nothing from caching. */
const MAX_CACHED_SEGMENT = 2048;
const MAX_CACHE_ENTRIES = 200_000;

function isWhitespace(code: number, text: string, index: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return /\s/.test(text[index]);
}

/**
 * Where text may be cut so that counting the pieces separately gives exactly the count of the whole
 * (so each piece can be cached). Both encodings' pre-tokenizer regexes start a new piece
 * - before a space that sits between two visible characters: no piece runs on past a visible
 *   character into a space, and the space opens the next word's piece;
 * - after a newline followed by a line with visible text that does not start with "/": pieces only
 *   join across a newline when more line breaks, whitespace running into a line break, or (o200k)
 *   "/" follow it.
 * Each cut leaves whole words (with their leading space) or whole lines, which repeat constantly.
 */
function nextCut(text: string, from: number): number {
  const length = text.length;
  for (let i = from + 1; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === 32) {
      if (i + 1 < length && !isWhitespace(text.charCodeAt(i - 1), text, i - 1) && !isWhitespace(text.charCodeAt(i + 1), text, i + 1))
        return i;
    } else if (text.charCodeAt(i - 1) === 10) {
      let next = i;
      let c = code;
      while (c === 32 || c === 9) c = text.charCodeAt(++next);
      if (next < length && c !== 10 && c !== 13 && c !== 47 && !isWhitespace(c, text, next)) return i;
    }
  }
  return length;
}

/** The pieces `count` caches, in order; joined they are the text. */
export function segments(text: string): string[] {
  const out: string[] = [];
  for (let start = 0; start < text.length;) {
    const end = nextCut(text, start);
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

class CachingTokenizer implements Tokenizer {
  private readonly cache = new Map<string, number>();

  constructor(
    readonly encoding: EncodingName,
    private readonly countRaw: CountFn,
  ) {}

  count(text: string): number {
    let total = 0;
    for (let start = 0; start < text.length;) {
      const end = nextCut(text, start);
      const segment = text.slice(start, end);
      start = end;
      if (segment.length > MAX_CACHED_SEGMENT) {
        total += this.countRaw(segment);
        continue;
      }
      let n = this.cache.get(segment);
      if (n === undefined) {
        n = this.countRaw(segment);
        if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
        this.cache.set(segment, n);
      }
      total += n;
    }
    return total;
  }
}

const loadedCounters = new Map<EncodingName, CountFn>();
const shared = new Map<EncodingName, Tokenizer>();

/** A tokenizer with its own, empty segment cache (benchmarks measure from a cold cache). */
export function createTokenizer(encoding: EncodingName): Tokenizer {
  let countRaw = loadedCounters.get(encoding);
  if (!countRaw) {
    countRaw = loadCountFunction(encoding);
    loadedCounters.set(encoding, countRaw);
  }
  return new CachingTokenizer(encoding, countRaw);
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
  return encoding ? loadedCounters.has(encoding) : loadedCounters.size > 0;
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
