/**
 * Text handling for prompt hygiene: normalisation, content words, shingles and paragraph hashes.
 * Everything here works on text held in memory for one analysis; only numbers come out.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;

/** One UTF-16 code unit into a 32-bit FNV-1a hash (take `>>> 0` of the result at the end). */
function fnvStep(h: number, code: number): number {
  return Math.imul(h ^ code, 0x01000193);
}

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across runs, good enough for bucketing. */
export function fnv1a(text: string, seed = FNV_OFFSET_BASIS): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = fnvStep(h, text.charCodeAt(i));
  return h >>> 0;
}

/** A second, independent 32-bit hash finaliser (murmur3 fmix32), to spread FNV's low bits. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Words that carry no topic: a repeated question is recognised by what it asks about, so "how do
 * I" versus "what is the way to" should not make two prompts look different.
 */
const STOPWORDS = new Set(
  (
    'a an the and or but if then so of to in on at by for with from into onto as is are was were be been being am do does did doing ' +
    'i me my we our you your it its this that these those there here what which who whom whose how why when where can could ' +
    'would should will shall may might must have has had having not no yes please pls thanks thank hi hello hey just also ' +
    'some any all each every more most very really about again once me us them they he she his her their let lets get got ' +
    'want need like way tell show give make help know way'
  ).split(' '),
);

/** Light suffix stripping so "lists"/"list" and "sorting"/"sort" meet; no dictionary needed. */
function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('es')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** A letter, digit or underscore at `lastIndex`: a whole code point, astral ones too. */
const WORD_CHAR_AT = /[\p{L}\p{N}_]/uy;

/**
 * Lower-cased runs of letters, digits and underscores of the text, in order: what
 * `/[\p{L}\p{N}_]+/gu` matches, found by a scan that asks the regular expression only about
 * non-ASCII characters (matching whole runs cost about 30 ns a character; prompts are mostly ASCII).
 */
export function words(text: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    let inWord: boolean;
    if (c < 0x80) inWord = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
    else {
      WORD_CHAR_AT.lastIndex = i;
      inWord = WORD_CHAR_AT.test(lower);
    }
    if (inWord) {
      if (start < 0) start = i;
      // A surrogate pair is one character: its second half goes with it.
      if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(lower.charCodeAt(i + 1))) i++;
    } else if (start >= 0) {
      out.push(lower.slice(start, i));
      start = -1;
    }
  }
  if (start >= 0) out.push(lower.slice(start));
  return out;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** The topic-bearing words of a text, stemmed, in order. */
export function contentWords(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) if (!STOPWORDS.has(w)) out.push(stem(w));
  return out;
}

/** Whitespace- and case-insensitive form, for exact-repeat fingerprints. */
export function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Whether a UTF-16 code unit is whitespace to `\s` and `String.prototype.trim`. */
function isWhitespace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * `fnv1a(normalise(text))` without building the normalised copy (a question's exact-repeat key
 * is taken on every prompt): a run of whitespace hashes as one space, and none at either end.
 */
export function normalisedHash(text: string): number {
  const lower = text.toLowerCase();
  let h = FNV_OFFSET_BASIS;
  let space = false;
  let started = false;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if (isWhitespace(c)) {
      space = started;
      continue;
    }
    if (space) {
      h = fnvStep(h, 0x20);
      space = false;
    }
    h = fnvStep(h, c);
    started = true;
  }
  return h >>> 0;
}

/**
 * Shingle hashes of a word sequence: every word and every adjacent pair. Single words make the
 * set tolerant to reordered sentences; pairs keep unrelated prompts on the same topic apart.
 * Returned sorted and without repeats.
 */
export function shingleHashes(seq: readonly string[]): Uint32Array {
  const out = new Uint32Array(seq.length * 2);
  let n = 0;
  let wordHash = seq.length > 0 ? fnv1a(seq[0]) : 0;
  for (let i = 0; i < seq.length; i++) {
    out[n++] = mix32(wordHash);
    if (i + 1 < seq.length) {
      out[n++] = mix32(fnv1a(seq[i + 1], wordHash ^ 0x9e3779b9));
      wordHash = fnv1a(seq[i + 1]);
    }
  }
  const sorted = out.subarray(0, n).sort();
  let unique = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i];
  return sorted.slice(0, unique);
}

/** Exact Jaccard similarity of two sorted, duplicate-free hash arrays. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return common / (a.length + b.length - common);
}

export interface Paragraph {
  hash: number;
  /** Offset of the block's first non-blank character in the text. */
  start: number;
  chars: number;
}

const isSpace = (code: number) => code === 32 || code === 10 || code === 13 || code === 9;

/**
 * Blank-line separated blocks of a text with their hashes, skipping blocks shorter than
 * `minChars` (a greeting or "continue" repeats without being re-sent context). Hashes the text in
 * place, without copying blocks out, since this runs over whole 100k-token agent contexts.
 */
export function paragraphs(text: string, minChars: number): Paragraph[] {
  const out: Paragraph[] = [];
  let start = 0;
  for (;;) {
    const gap = text.indexOf('\n\n', start);
    const end = gap < 0 ? text.length : gap;
    let from = start;
    let to = end;
    while (from < to && isSpace(text.charCodeAt(from))) from++;
    while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
    if (to - from >= minChars) {
      let h = FNV_OFFSET_BASIS;
      for (let i = from; i < to; i++) h = fnvStep(h, text.charCodeAt(i));
      out.push({ hash: h >>> 0, start: from, chars: to - from });
    }
    if (gap < 0) return out;
    start = gap + 2;
  }
}

/**
 * The beginning and end of a long text: what a question asks and how it signs off. Repeats and
 * filler are judged on this sample so a pasted 8k-token file costs no more than a short question.
 */
export function headAndTail(text: string, chars: number): string {
  return text.length <= 2 * chars ? text : `${text.slice(0, chars)}\n${text.slice(-chars)}`;
}
