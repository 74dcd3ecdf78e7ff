import { BytePairCounter, type Encoding } from './bytePairEncoding';

/** Where the pre-tokenizer piece starting at `i` ends. */
export type PieceEnd = (text: string, i: number) => number;

/** Pieces longer than this are counted without caching: long unique text gains nothing from it. */
const MAX_CACHED_PIECE = 256;
const MAX_CACHE_ENTRIES = 200_000;

/**
 * Counts text piece by piece with a cache of the pieces' token counts: words, identifiers and
 * indentation repeat constantly, so most pieces cost one Map lookup.
 */
export function createPieceCounter(pieceEnd: PieceEnd, encoding: Encoding): (text: string) => number {
  const cache = new Map<string, number>();
  const bytePairs = new BytePairCounter(encoding);
  return (text: string): number => {
    const length = text.length;
    let total = 0;
    for (let start = 0; start < length;) {
      const end = pieceEnd(text, start);
      // One ASCII character is always one token.
      if (end - start === 1 && text.charCodeAt(start) < 0x80) {
        total++;
        start = end;
        continue;
      }
      const piece = text.slice(start, end);
      start = end;
      let tokens = cache.get(piece);
      if (tokens === undefined) {
        tokens = bytePairs.countPiece(piece);
        if (piece.length <= MAX_CACHED_PIECE) {
          if (cache.size >= MAX_CACHE_ENTRIES) cache.clear();
          cache.set(piece, tokens);
        }
      }
      total += tokens;
    }
    return total;
  };
}
