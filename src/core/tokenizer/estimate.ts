import { countTokens } from './index';

/**
 * Token estimates of texts too large to count exactly on a hot path (the gateway's request path, a
 * hygiene check, a pre-send check): bounded work, within a few per cent, and always an estimate.
 */

/**
 * Most characters one estimate tokenizes. Tokenizing costs up to ~3.5 µs a character on text the
 * segment cache has not seen (a 29 MB prompt blocked the event loop for 1.6 s; 29 MB of random
 * words for minutes), so a longer text is sampled in evenly spaced slices and the count scaled to
 * its length (64 slices of 1 Ki, spread so one file's density does not decide it): a few tens
 * of milliseconds, within about 2 % on source code, and it is an estimate either way.
 */
export const MAX_TOKENIZED_CHARS = 64 * 1024;
const SAMPLE_SLICES = 64;
/**
 * Text is counted in pieces of at most this many characters, cut before a space where there is
 * one (where the encodings' pre-tokenizer cuts too, so normal text counts exactly): BPE on one
 * long run without spaces grows faster than its length (n log n; 32 Ki characters of "x" take
 * about 0.1 s).
 */
const MAX_PIECE_CHARS = 1024;

function countInPieces(text: string, model: string, count: (text: string, model: string) => number): number {
  let total = 0;
  for (let start = 0; start < text.length;) {
    let end = Math.min(text.length, start + MAX_PIECE_CHARS);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start) end = space;
    }
    total += count(text.slice(start, end), model);
    start = end;
  }
  return total;
}

export interface EstimateOptions {
  /** Length of the whole text when `text` holds only its beginning (a stream's bounded copy). */
  totalChars?: number;
  maxChars?: number;
  count?: (text: string, model: string) => number;
}

/** Tokens in a text of `totalChars`, counting at most `maxChars` of `text` and scaling. */
export function estimateTokens(text: string, model: string, options: EstimateOptions = {}): number {
  const { totalChars = text.length, maxChars = MAX_TOKENIZED_CHARS, count = countTokens } = options;
  if (text.length === 0) return 0;
  let sample = text;
  if (text.length > maxChars) {
    const slice = Math.max(1, Math.floor(maxChars / SAMPLE_SLICES));
    const step = (text.length - slice) / (SAMPLE_SLICES - 1);
    const parts: string[] = [];
    for (let i = 0; i < SAMPLE_SLICES; i++) {
      const from = Math.round(i * step);
      parts.push(text.slice(from, from + slice));
    }
    sample = parts.join('');
  }
  const tokens = countInPieces(sample, model, count);
  return sample.length === totalChars ? tokens : Math.round((tokens * totalChars) / sample.length);
}
