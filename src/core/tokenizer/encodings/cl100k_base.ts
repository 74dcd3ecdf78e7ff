// Bundled as its own file (dist/encodings/cl100k_base.js) so the rank table loads on first use only.
import rawRanks = require('gpt-tokenizer/cjs/bpeRanks/cl100k_base');
import { loadEncoding } from '../bytePairEncoding';
import { createPieceCounter } from '../pieceCounter';
import { cl100kPieceEnd, segmentEnd } from '../preTokenizer';

const encoding = loadEncoding(rawRanks.default);

/** A counter of ordinary text (special-token strings count as plain text) with its own, empty piece cache. */
export function createCounter(): (text: string) => number {
  return createPieceCounter(segmentEnd, cl100kPieceEnd, encoding);
}
