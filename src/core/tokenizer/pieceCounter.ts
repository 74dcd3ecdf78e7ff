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

/**
 * Counts text with two caches: of segments (whole words with their leading space, whole lines:
 * text counted again, as a conversation is every turn, costs one lookup per word or line) and,
 * inside segments not seen before, of pre-tokenizer pieces (identifiers, words, indentation repeat
 * constantly, so few pieces reach the byte-pair merge).
 */
export function createPieceCounter(segmentEnd: EndFinder, pieceEnd: EndFinder, encoding: Encoding): (text: string) => number {
  const segments = new CountCache();
  const pieces = new CountCache();
  const bytePairs = new BytePairCounter(encoding);

  const countPieces = (segment: string): number => {
    const length = segment.length;
    let total = 0;
    for (let start = 0; start < length;) {
      const end = pieceEnd(segment, start);
      // One ASCII character is always one token.
      if (end - start === 1 && segment.charCodeAt(start) < 0x80) {
        total++;
        start = end;
        continue;
      }
      const piece = end - start === length ? segment : segment.slice(start, end);
      start = end;
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
      const segment = text.slice(start, end);
      start = end;
      let tokens = segments.get(segment);
      if (tokens === undefined) {
        tokens = countPieces(segment);
        segments.set(segment, tokens);
      }
      total += tokens;
    }
    return total;
  };
}
