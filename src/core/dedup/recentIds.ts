import { base64Of, float64sOf, int32sOf } from '../packedArrays';
import { EMPTY_TABLE_SLOTS, Horizon, slotsFor } from './window';

/**
 * Ids of recently counted events, so the same request reported twice (two windows, a gateway and a
 * log, a retried API call) is counted once.
 */
export class RecentIds {
  private readonly horizon = new Horizon();
  /** Ids with their events' times. */
  private readonly table = new IdTable();

  /** True the first time an id is seen within the window. */
  admit(id: string, ts: number): boolean {
    const { table, horizon } = this;
    table.makeRoom(horizon.cutoff);
    const slot = table.find(id);
    if (table.holds(slot) && table.timeAt(slot) >= horizon.cutoff) return false;
    // Too old to be remembered: an old record re-read after a rebuild is counted (the rebuild
    // starts empty), and one seen twice that far apart cannot be told apart anyway.
    if (ts < horizon.cutoff) return true;
    horizon.advance(ts);
    table.add(slot, ts);
    return true;
  }

  /** The ids still within the window, packed (see SavedIds). */
  toJSON(): SavedIds {
    const { ids, ends, times } = this.table.since(this.horizon.cutoff);
    return { ids, ends: base64Of(ends), times: base64Of(times) };
  }

  /** Restores what toJSON saved, or the list of [id, time] that earlier versions saved; damaged state restores nothing. */
  static fromJSON(saved: unknown): RecentIds {
    const set = new RecentIds();
    if (Array.isArray(saved)) {
      for (const entry of saved)
        if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number') set.remember(entry[0], entry[1]);
      return set;
    }
    const { ids, ends: endsText, times: timesText } = (saved ?? {}) as Partial<Record<keyof SavedIds, unknown>>;
    const ends = int32sOf(endsText);
    const times = float64sOf(timesText);
    if (typeof ids !== 'string' || !ends || !times || ends.length !== times.length) return set;
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      if (ends[i] < start || ends[i] > ids.length) return new RecentIds();
      set.remember(ids.slice(start, ends[i]), times[i]);
      start = ends[i];
    }
    return set;
  }

  private remember(id: string, ts: number): void {
    const { table, horizon } = this;
    table.makeRoom(horizon.cutoff);
    const slot = table.find(id);
    horizon.advance(ts);
    table.add(slot, ts);
  }
}

/**
 * Remembered ids as saved: their characters one after another (`ids`), where each one ends, and
 * their times, the numbers as base64 (packedArrays.ts). A JSON list of [id, time] cost a good part
 * of saving the rollups after a recount, and of reading them back at the first new event.
 */
export interface SavedIds {
  ids: string;
  /** Int32 per id. */
  ends: string;
  /** Float64 per id. */
  times: string;
}

/**
 * Ids with their times: the entries in the order they were remembered, in typed arrays (the ids'
 * characters one after another in one array), found through an open-addressing index of hashes and
 * entry numbers. Keeping the ids as strings instead kept a million small objects alive on the heap
 * through a recount of a long log, each one copied by the garbage collector as it aged.
 *
 * Most ids are new: finding one reads the string once (its characters are copied where its entry
 * would keep them as they are hashed), looks in one slot of the index (a hash and an entry side by
 * side), and adding it writes after the last entry. An id older than the window stays until the
 * index is half full, and a lookup treats it as absent; then the entries still within the window
 * are kept, in order, and the index is rebuilt for them alone.
 */
class IdTable {
  /** Per slot, the hash of its id (0 when empty) and the number of its entry. */
  private index = new Int32Array(EMPTY_TABLE_SLOTS * 2);
  private hashes = new Int32Array(EMPTY_TABLE_SLOTS / 2);
  private times = new Float64Array(EMPTY_TABLE_SLOTS / 2);
  /** Entry n's characters are chars[starts[n]] to chars[starts[n + 1]]; the id last found is at starts[count]. */
  private starts = new Int32Array(EMPTY_TABLE_SLOTS / 2 + 1);
  /** The UTF-16 code units of the ids, one after another. */
  private chars = new Uint16Array(EMPTY_TABLE_SLOTS * 16);
  private count = 0;
  /** The hash and length of the id last found. */
  private foundHash = 0;
  private foundLength = 0;

  /** Makes room for an id to be added after the next find: when the index is half full, only the entries at or after `cutoff` are kept. */
  makeRoom(cutoff: number): void {
    if (this.count * 4 >= this.index.length) this.keepSince(cutoff);
  }

  /** The slot holding `id`, or the empty slot where it would go; `add` remembers it there. */
  find(id: string): number {
    const start = this.starts[this.count];
    const length = id.length;
    if (start + length > this.chars.length) {
      const grown = new Uint16Array(Math.max(this.chars.length * 2, start + length));
      grown.set(this.chars.subarray(0, start));
      this.chars = grown;
    }
    const { chars, index } = this;
    // FNV-1a over the UTF-16 code units, then mixed so the low bits spread; never 0 (an empty slot).
    let h = 0x811c9dc5;
    for (let i = 0; i < length; i++) {
      const code = id.charCodeAt(i);
      chars[start + i] = code;
      h = Math.imul(h ^ code, 0x01000193);
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    const hash = h ^ (h >>> 13) || 1;
    this.foundHash = hash;
    this.foundLength = length;
    const mask = index.length / 2 - 1;
    let slot = hash & mask;
    while (index[slot * 2] !== 0 && !(index[slot * 2] === hash && this.isEntryAt(index[slot * 2 + 1], start, length)))
      slot = (slot + 1) & mask;
    return slot;
  }

  /** Whether `slot` (from find) holds its id. */
  holds(slot: number): boolean {
    return this.index[slot * 2] !== 0;
  }

  timeAt(slot: number): number {
    return this.times[this.index[slot * 2 + 1]];
  }

  /** Remembers the id last found at `ts`, in the slot find gave for it. */
  add(slot: number, ts: number): void {
    if (this.holds(slot)) {
      this.times[this.index[slot * 2 + 1]] = ts;
      return;
    }
    const entry = this.count++;
    this.hashes[entry] = this.foundHash;
    this.times[entry] = ts;
    this.starts[entry + 1] = this.starts[entry] + this.foundLength;
    this.index[slot * 2] = this.foundHash;
    this.index[slot * 2 + 1] = entry;
  }

  /** The ids remembered at or after `cutoff`, in order: their characters one after another, where each ends, and their times. */
  since(cutoff: number): { ids: string; ends: Int32Array; times: Float64Array } {
    const { times, starts, count } = this;
    let live = 0;
    for (let entry = 0; entry < count; entry++) if (times[entry] >= cutoff) live++;
    const keptEnds = new Int32Array(live);
    const keptTimes = new Float64Array(live);
    // The characters of each run of entries kept one after another are decoded at once (as UCS-2,
    // which keeps a lone surrogate as it is): most entries are one run, and a string per id cost
    // most of saving the rollups.
    const runs: string[] = [];
    let length = 0;
    let kept = 0;
    for (let entry = 0; entry < count;) {
      if (!(times[entry] >= cutoff)) {
        entry++;
        continue;
      }
      const runStart = entry;
      for (; entry < count && times[entry] >= cutoff; entry++) {
        length += starts[entry + 1] - starts[entry];
        keptEnds[kept] = length;
        keptTimes[kept++] = times[entry];
      }
      const from = starts[runStart];
      runs.push(Buffer.from(this.chars.buffer, this.chars.byteOffset + from * 2, (starts[entry] - from) * 2).toString('ucs2'));
    }
    return { ids: runs.join(''), ends: keptEnds, times: keptTimes };
  }

  /** Whether entry `entry`'s id is the `length` characters at `at` in `chars`. */
  private isEntryAt(entry: number, at: number, length: number): boolean {
    const start = this.starts[entry];
    if (this.starts[entry + 1] - start !== length) return false;
    const { chars } = this;
    for (let i = 0; i < length; i++) if (chars[start + i] !== chars[at + i]) return false;
    return true;
  }

  /** Keeps only the entries at or after `cutoff`, in order, and rebuilds the index for them. */
  private keepSince(cutoff: number): void {
    const { hashes, times, starts, chars, count } = this;
    let live = 0;
    let liveChars = 0;
    for (let entry = 0; entry < count; entry++)
      if (times[entry] >= cutoff) {
        live++;
        liveChars += starts[entry + 1] - starts[entry];
      }
    const slots = slotsFor(live);
    // The index is rebuilt when the entries fill half its slots: they never need more room than that.
    const capacity = slots / 2;
    const index = (this.index = new Int32Array(slots * 2));
    const keptHashes = (this.hashes = new Int32Array(capacity));
    const keptTimes = (this.times = new Float64Array(capacity));
    const keptStarts = (this.starts = new Int32Array(capacity + 1));
    // As long as the ids were, for as many as will come before the next rebuild.
    const keptChars = (this.chars = new Uint16Array(Math.max(liveChars * (capacity / Math.max(live, 1)), capacity * 16)));
    const mask = slots - 1;
    let entry = 0;
    // The characters of entries kept one after another are copied together, as a run: the entries
    // are in the order they came, so most of them are one run (an id at a time cost more).
    let runFrom = 0;
    let runTo = 0;
    for (let from = 0; from < count; from++) {
      if (!(times[from] >= cutoff)) continue;
      if (starts[from] !== runTo) {
        keptChars.set(chars.subarray(runFrom, runTo), keptStarts[entry] - (runTo - runFrom));
        runFrom = starts[from];
      }
      runTo = starts[from + 1];
      const hash = hashes[from];
      keptHashes[entry] = hash;
      keptTimes[entry] = times[from];
      keptStarts[entry + 1] = keptStarts[entry] + (runTo - starts[from]);
      let slot = hash & mask;
      while (index[slot * 2] !== 0) slot = (slot + 1) & mask;
      index[slot * 2] = hash;
      index[slot * 2 + 1] = entry++;
    }
    keptChars.set(chars.subarray(runFrom, runTo), keptStarts[entry] - (runTo - runFrom));
    this.count = entry;
  }
}
