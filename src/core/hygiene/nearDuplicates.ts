import { jaccard, mix32 } from './text';

/**
 * Near-duplicate lookup over recent prompt fingerprints without a linear scan.
 *
 * A fingerprint is a MinHash signature: SIGNATURE_SIZE independent hash functions, each keeping
 * its smallest value over the prompt's shingles, so two prompts agree in a share of positions
 * equal (in expectation) to their Jaccard similarity. Locality-sensitive hashing splits the
 * signature into BANDS bands of ROWS values; prompts sharing any whole band are candidates, so a
 * lookup examines only the prompts in the buckets it lands in. Candidates are confirmed by exact
 * Jaccard on the shingle hashes when both prompts are short (where a sketch is noisiest), by the
 * share of equal signature positions otherwise. No text is kept: hashes only.
 */

export const SIGNATURE_SIZE = 64;
const ROWS = 3;
/** 21 bands of 3: prompts half alike share a band ~94% of the time, a tenth alike ~2%. */
const BANDS = Math.floor(SIGNATURE_SIZE / ROWS);
/** Below this many shingles the exact hash set is kept to confirm matches. */
const EXACT_SET_LIMIT = 256;

/** Per-function salts and odd multipliers: each (salt, multiplier) pair is one hash function. */
const SALTS = Uint32Array.from({ length: SIGNATURE_SIZE }, (_, i) => mix32(0x9e3779b9 + i));
const MULTIPLIERS = Uint32Array.from({ length: SIGNATURE_SIZE }, (_, i) => mix32(0x7f4a7c15 ^ i) | 1);

export interface Fingerprint {
  signature: Uint32Array;
  /** Sorted shingle hashes, kept only for short prompts. */
  shingles?: Uint32Array;
}

export function fingerprintOf(shingles: Uint32Array): Fingerprint {
  const signature = new Uint32Array(SIGNATURE_SIZE);
  // Four hash functions per pass over the shingles, their minimums kept in locals: a pasted
  // question has ~800 shingles, and this loop is most of a repeat check (SIGNATURE_SIZE % 4 === 0).
  for (let i = 0; i < SIGNATURE_SIZE; i += 4) {
    const salt0 = SALTS[i];
    const salt1 = SALTS[i + 1];
    const salt2 = SALTS[i + 2];
    const salt3 = SALTS[i + 3];
    const multiplier0 = MULTIPLIERS[i];
    const multiplier1 = MULTIPLIERS[i + 1];
    const multiplier2 = MULTIPLIERS[i + 2];
    const multiplier3 = MULTIPLIERS[i + 3];
    let min0 = 0xffffffff;
    let min1 = 0xffffffff;
    let min2 = 0xffffffff;
    let min3 = 0xffffffff;
    for (let s = 0; s < shingles.length; s++) {
      const h = shingles[s];
      const v0 = hashOf(h, salt0, multiplier0);
      const v1 = hashOf(h, salt1, multiplier1);
      const v2 = hashOf(h, salt2, multiplier2);
      const v3 = hashOf(h, salt3, multiplier3);
      if (v0 < min0) min0 = v0;
      if (v1 < min1) min1 = v1;
      if (v2 < min2) min2 = v2;
      if (v3 < min3) min3 = v3;
    }
    signature[i] = min0;
    signature[i + 1] = min1;
    signature[i + 2] = min2;
    signature[i + 3] = min3;
  }
  return { signature, shingles: shingles.length <= EXACT_SET_LIMIT ? shingles : undefined };
}

/** One of the signature's hash functions (a salt and an odd multiplier) applied to a shingle. */
function hashOf(shingle: number, salt: number, multiplier: number): number {
  const v = Math.imul(shingle ^ salt, multiplier);
  return (v ^ (v >>> 15)) >>> 0;
}

export function similarity(a: Fingerprint, b: Fingerprint): number {
  if (a.shingles && b.shingles) return jaccard(a.shingles, b.shingles);
  let equal = 0;
  for (let i = 0; i < SIGNATURE_SIZE; i++) if (a.signature[i] === b.signature[i]) equal++;
  return equal / SIGNATURE_SIZE;
}

interface Entry {
  id: number;
  ts: number;
  key: number;
  fingerprint: Fingerprint;
  bands: number[];
}

export interface NearMatch {
  ts: number;
  key: number;
  similarity: number;
}

export class NearDuplicateIndex {
  private readonly buckets = new Map<number, Entry[]>();
  private readonly entries: Entry[] = [];
  private head = 0;
  private nextId = 0;
  /** Candidates compared by the last lookup: shows the lookup is not a scan. */
  lastCandidates = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  /** Earlier prompts at least `threshold` similar, at or after `since`. */
  lookup(fingerprint: Fingerprint, threshold: number, since: number): NearMatch[] {
    const seen = new Set<number>();
    const matches: NearMatch[] = [];
    for (const band of bandKeys(fingerprint.signature)) {
      for (const entry of this.buckets.get(band) ?? []) {
        if (seen.has(entry.id)) continue;
        seen.add(entry.id);
        if (entry.ts < since) continue;
        const s = similarity(fingerprint, entry.fingerprint);
        if (s >= threshold) matches.push({ ts: entry.ts, key: entry.key, similarity: s });
      }
    }
    this.lastCandidates = seen.size;
    return matches;
  }

  /** Adds a prompt; the oldest goes once `capacity` is reached. `key` is the caller's tag (an exact hash). */
  add(fingerprint: Fingerprint, ts: number, key: number): void {
    const entry: Entry = { id: this.nextId++, ts, key, fingerprint, bands: bandKeys(fingerprint.signature) };
    this.entries.push(entry);
    for (const band of entry.bands) {
      const bucket = this.buckets.get(band);
      if (bucket) bucket.push(entry);
      else this.buckets.set(band, [entry]);
    }
    while (this.size > this.capacity) this.evictOldest();
  }

  private evictOldest(): void {
    const entry = this.entries[this.head++];
    for (const band of entry.bands) {
      const bucket = this.buckets.get(band)!;
      const at = bucket.indexOf(entry);
      bucket.splice(at, 1);
      if (bucket.length === 0) this.buckets.delete(band);
    }
    // Compact the queue now and then instead of shifting on every eviction.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }
}

function bandKeys(signature: Uint32Array): number[] {
  const keys: number[] = [];
  for (let band = 0; band < BANDS; band++) {
    let h = band + 1;
    for (let row = 0; row < ROWS; row++) h = mix32(h ^ signature[band * ROWS + row]);
    keys.push(h);
  }
  return keys;
}
