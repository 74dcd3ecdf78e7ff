import { BytePairCounter, type Encoding } from './bytePairEncoding';

/** Where the pre-tokenizer piece (or the cacheable segment) starting at `i` ends. */
export type EndFinder = (text: string, i: number) => number;

/** Segments and pieces longer than this are counted without caching; long unique text gains nothing from it. */
const MAX_CACHED_LENGTH = 16 * 1024;
/** A cache is emptied when it would hold more entries or characters than this. */
const MAX_CACHE_ENTRIES = 200_000;
const MAX_CACHED_CHARS = 8 * 1024 * 1024;

class CountCache {
  private readonly counts = new Map<string, number>();
  private chars = 0;

  get(key: string): number | undefined {
    return this.counts.get(key);
  }

  set(key: string, count: number): void {
    if (key.length > MAX_CACHED_LENGTH) return;
    if (this.counts.size >= MAX_CACHE_ENTRIES || this.chars + key.length > MAX_CACHED_CHARS) {
      this.counts.clear();
      this.chars = 0;
    }
    this.counts.set(key, count);
    this.chars += key.length;
  }
}

/** Hashes of segments seen once, direct-mapped: 2^18 slots. */
const SEEN_BITS = 18;

/**
 * Counts text with two caches: of segments (whole lines: text counted again, as a conversation is
 * every turn, costs one lookup per line) and of pre-tokenizer pieces (identifiers, words and
 * indentation repeat constantly, so few pieces reach the byte-pair merge). A segment enters its
 * cache the second time it is seen: most lines of a text seen once are unique, and copying and
 * hashing each into a Map would cost a cold count more than the cache saves it.
 */
export function createPieceCounter(segmentEnd: EndFinder, pieceEnd: EndFinder, encoding: Encoding): (text: string) => number {
  const segments = new CountCache();
  const seenOnce = new Int32Array(1 << SEEN_BITS);
  const pieces = new CountCache();
  const bytePairs = new BytePairCounter(encoding);

  /** Tokens of text[start, end), which is whole pieces. */
  const countPieces = (text: string, start: number, end: number): number => {
    let total = 0;
    while (start < end) {
      const pieceStop = pieceEnd(text, start);
      // One ASCII character is always one token.
      if (pieceStop - start === 1 && text.charCodeAt(start) < 0x80) {
        total++;
        start = pieceStop;
        continue;
      }
      const piece = text.slice(start, pieceStop);
      start = pieceStop;
      let tokens = pieces.get(piece);
      if (tokens === undefined) {
        tokens = bytePairs.countPiece(piece);
        pieces.set(piece, tokens);
      }
      total += tokens;
    }
    return total;
  };

  return (text: string): number => {
    let total = 0;
    for (let start = 0; start < text.length;) {
      const end = segmentEnd(text, start);
      // FNV-1a of the segment, to recognise one seen before without copying it.
      let hash = 0x811c9dc5;
      for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
      const slot = hash >>> (32 - SEEN_BITS);
      if (seenOnce[slot] !== hash) {
        seenOnce[slot] = hash;
        total += countPieces(text, start, end);
      } else {
        const segment = text.slice(start, end);
        let tokens = segments.get(segment);
        if (tokens === undefined) {
          tokens = countPieces(text, start, end);
          segments.set(segment, tokens);
        }
        total += tokens;
      }
      start = end;
    }
    return total;
  };
}
