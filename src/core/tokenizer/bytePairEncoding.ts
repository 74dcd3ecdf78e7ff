/**
 * tiktoken's byte-pair merge, counting only: how many tokens one pre-tokenized piece becomes.
 *
 * Bytes are handled as "byte strings" (one char per UTF-8 byte, as latin1 decodes them), so ASCII
 * text — most of any prompt — is its own byte string with no encoding at all. The merge works on
 * token ranks: two adjacent parts are always tokens, and which token (if any) joins them is looked
 * up once per pair of ranks and remembered in a small integer hash table, instead of hashing a
 * fresh substring for every candidate pair.
 */

/** Ranks as gpt-tokenizer ships them: per rank, the token's text when it is valid UTF-8, else its bytes. */
export type RawRanks = readonly (string | readonly number[])[];

export interface Encoding {
  /** Rank of every token, keyed by its byte string. */
  readonly ranks: ReadonlyMap<string, number>;
  /** Byte string of every rank (empty at unused ranks). */
  readonly tokenBytes: readonly string[];
  /** Rank of each single byte (every byte is a token in these encodings). */
  readonly byteRanks: Int32Array;
}

export function loadEncoding(raw: RawRanks): Encoding {
  const ranks = new Map<string, number>();
  const tokenBytes: string[] = new Array<string>(raw.length).fill('');
  // forEach skips the holes the table has at unused ranks.
  raw.forEach((token, rank) => {
    const bytes = typeof token === 'string' ? byteString(token) : String.fromCharCode(...token);
    ranks.set(bytes, rank);
    tokenBytes[rank] = bytes;
  });
  const byteRanks = new Int32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const rank = ranks.get(String.fromCharCode(byte));
    if (rank === undefined) throw new Error(`byte ${byte} is not a token`);
    byteRanks[byte] = rank;
  }
  return { ranks, tokenBytes, byteRanks };
}

/** The UTF-8 bytes of `text`, one char per byte; ASCII text is returned as is. */
function byteString(text: string): string {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) < 0x80) i++;
  if (i === text.length) return text;
  let bytes = text.slice(0, i);
  for (; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      bytes += text[i];
      continue;
    }
    if (c < 0x800) {
      bytes += String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c < 0xe000) {
      const low = c < 0xdc00 && i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (low >= 0xdc00 && low < 0xe000) {
        const codePoint = ((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        bytes += String.fromCharCode(
          0xf0 | (codePoint >> 18),
          0x80 | ((codePoint >> 12) & 0x3f),
          0x80 | ((codePoint >> 6) & 0x3f),
          0x80 | (codePoint & 0x3f),
        );
        i++;
        continue;
      }
      c = 0xfffd; // a lone surrogate becomes U+FFFD, as it does on the way into tiktoken
    }
    bytes += String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return bytes;
}

const NO_RANK = 0x7fffffff;
const EMPTY = -1;
/** Int32 slots per entry of the pair table. */
const ENTRY = 4;
/**
 * Pieces up to this many bytes merge by scanning a small array for the lowest rank, as tiktoken
 * does; longer ones (a minified line, a run of one letter) use a heap, so a piece of n bytes costs
 * n log n rather than n².
 */
const SCANNED_PIECE_BYTES = 128;
const tokens = new Int32Array(SCANNED_PIECE_BYTES);
const pairRanks = new Int32Array(SCANNED_PIECE_BYTES);

/** Counts the tokens of pieces; remembers which pairs of tokens merge (one per tokenizer: its cache starts cold). */
export class BytePairCounter {
  /**
   * Open-addressing hash table of merged pairs, one 16-byte entry per slot (left token, right
   * token, the token they join into or NO_RANK) so a lookup touches one cache line.
   */
  private capacityBits = 16;
  private pairs = new Int32Array(ENTRY << this.capacityBits).fill(EMPTY);
  private size = 0;

  constructor(private readonly encoding: Encoding) {}

  /** Tokens in one pre-tokenized piece of text. */
  countPiece(piece: string): number {
    return this.count(byteString(piece));
  }

  /** Tokens in one piece given as a byte string. */
  private count(bytes: string): number {
    const n = bytes.length;
    if (n <= 1) return n;
    if (this.encoding.ranks.has(bytes)) return 1;
    if (n > SCANNED_PIECE_BYTES) return this.countLong(bytes);
    const byteRanks = this.encoding.byteRanks;
    // Part k is token tokens[k]; pairRanks[k] is the token parts k and k+1 join into, or NO_RANK.
    for (let i = 0; i < n; i++) tokens[i] = byteRanks[bytes.charCodeAt(i)];
    for (let i = 0; i < n - 1; i++) pairRanks[i] = this.pairRank(tokens[i], tokens[i + 1]);
    let parts = n;
    for (;;) {
      // The lowest rank merges first; among equal ranks the leftmost (tiktoken's order).
      let lowest = NO_RANK;
      let at = -1;
      for (let k = 0; k < parts - 1; k++) {
        if (pairRanks[k] < lowest) {
          lowest = pairRanks[k];
          at = k;
        }
      }
      if (at < 0) return parts;
      tokens[at] = lowest;
      parts--;
      for (let k = at + 1; k < parts; k++) {
        tokens[k] = tokens[k + 1];
        pairRanks[k] = pairRanks[k + 1];
      }
      pairRanks[at] = at + 1 < parts ? this.pairRank(lowest, tokens[at + 1]) : NO_RANK;
      if (at > 0) pairRanks[at - 1] = this.pairRank(tokens[at - 1], lowest);
    }
  }

  /**
   * The same merge order with a binary heap of candidate pairs keyed by (rank, start). A popped
   * pair is still current when the pair now starting there joins into the same token.
   */
  private countLong(bytes: string): number {
    const n = bytes.length;
    const byteRanks = this.encoding.byteRanks;
    const token = new Int32Array(n);
    const next = new Int32Array(n);
    const previous = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      token[i] = byteRanks[bytes.charCodeAt(i)];
      next[i] = i + 1;
      previous[i] = i - 1;
    }
    const heap: number[] = [];
    const rankOfPairAt = (start: number): number => (next[start] < n ? this.pairRank(token[start], token[next[start]]) : NO_RANK);
    const push = (start: number): void => {
      const rank = rankOfPairAt(start);
      if (rank === NO_RANK) return;
      // (rank, start) packed in one double: start < 2^32, rank < 2^21.
      const key = rank * 0x1_0000_0000 + start;
      let i = heap.length;
      heap.push(key);
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent] <= key) break;
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = key;
    };
    const pop = (): number => {
      const top = heap[0];
      const last = heap.pop()!;
      const size = heap.length;
      if (size > 0) {
        let i = 0;
        for (;;) {
          let child = 2 * i + 1;
          if (child >= size) break;
          if (child + 1 < size && heap[child + 1] < heap[child]) child++;
          if (heap[child] >= last) break;
          heap[i] = heap[child];
          i = child;
        }
        heap[i] = last;
      }
      return top;
    };
    for (let i = 0; i < n - 1; i++) push(i);
    let parts = n;
    while (heap.length > 0) {
      const key = pop();
      const start = key % 0x1_0000_0000;
      const rank = (key - start) / 0x1_0000_0000;
      if (previous[start] === -2 || rankOfPairAt(start) !== rank) continue; // merged away, or changed since
      const right = next[start];
      token[start] = rank;
      next[start] = next[right];
      if (next[right] < n) previous[next[right]] = start;
      previous[right] = -2;
      parts--;
      push(start);
      if (start > 0) push(previous[start]);
    }
    return parts;
  }

  /** The token that tokens `left` and `right` join into, or NO_RANK. */
  private pairRank(left: number, right: number): number {
    const pairs = this.pairs;
    const mask = (1 << this.capacityBits) - 1;
    let slot = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right, 0x85ebca77)) >>> (32 - this.capacityBits);
    for (;;) {
      const at = slot * ENTRY;
      const stored = pairs[at];
      if (stored === EMPTY) break;
      if (stored === left && pairs[at + 1] === right) return pairs[at + 2];
      slot = (slot + 1) & mask;
    }
    const { ranks, tokenBytes } = this.encoding;
    const rank = ranks.get(tokenBytes[left] + tokenBytes[right]) ?? NO_RANK;
    const at = slot * ENTRY;
    pairs[at] = left;
    pairs[at + 1] = right;
    pairs[at + 2] = rank;
    if (++this.size * 2 > 1 << this.capacityBits) this.grow();
    return rank;
  }

  private grow(): void {
    const old = this.pairs;
    this.capacityBits++;
    const mask = (1 << this.capacityBits) - 1;
    const pairs = new Int32Array(ENTRY << this.capacityBits).fill(EMPTY);
    for (let at = 0; at < old.length; at += ENTRY) {
      const left = old[at];
      if (left === EMPTY) continue;
      let slot = (Math.imul(left, 0x9e3779b1) ^ Math.imul(old[at + 1], 0x85ebca77)) >>> (32 - this.capacityBits);
      while (pairs[slot * ENTRY] !== EMPTY) slot = (slot + 1) & mask;
      pairs.set(old.subarray(at, at + ENTRY), slot * ENTRY);
    }
    this.pairs = pairs;
  }
}
