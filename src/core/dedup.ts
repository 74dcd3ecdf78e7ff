import { vendorOfModel, type UsageEvent } from './events';
import { canonicalModelName } from './pricing';

/**
 * Which counted events are the same request: the same id seen again (RecentIds), or the same request
 * seen by two sources that share no id (CrossSourceMatcher).
 *
 * Both remember what they saw for DEDUP_WINDOW_MS before the newest event they remembered. A verdict
 * depends only on the events and their order: something older than the window is forgotten at once,
 * whenever its memory is actually freed, so the same events give the same verdicts whether or not
 * the rollups were saved and restored in between.
 */

/** How long an event id is remembered for de-duplication. Capture sources only re-see recent records. */
export const DEDUP_WINDOW_MS = 7 * 24 * 3600_000;

/**
 * What de-duplication remembers, in two generations: a new one is started when the newest time is
 * more than the window past the start of the current one, and the generation before is dropped
 * whole, everything in it being older than the window by then. Memory is freed without a lookup per
 * expired entry.
 */
class Generations<Table extends { readonly capacity: number }> {
  /** What was remembered since `currentSince`. */
  current: Table;
  /** What was remembered in the generation before. */
  previous: Table;
  private currentSince = Number.NEGATIVE_INFINITY;
  /** The newest time remembered. */
  newest = 0;

  constructor(private readonly table: (capacity?: number) => Table) {
    this.current = table();
    this.previous = table();
  }

  /** Times before this are older than the window. */
  get cutoff(): number {
    return this.newest - DEDUP_WINDOW_MS;
  }

  /** Notes the time of what is about to be remembered, starting a new generation when one is due. */
  advance(ts: number): void {
    if (ts <= this.newest) return;
    this.newest = ts;
    if (ts - this.currentSince > DEDUP_WINDOW_MS) {
      this.previous = this.current;
      // About as many come in a window as came in the last one: sized for them, the table need not grow.
      this.current = this.table(this.previous.capacity);
      this.currentSince = ts;
    }
  }
}

/**
 * Ids of recently counted events, so the same request reported twice (two windows, a gateway and a
 * log, a retried API call) is counted once.
 */
export class RecentIds {
  /** Ids with their events' times. */
  private readonly memory = new Generations((capacity) => new IdTable(capacity));

  /** True the first time an id is seen within the window. */
  admit(id: string, ts: number): boolean {
    const { memory } = this;
    const cutoff = memory.cutoff;
    const hash = hashOfId(id);
    const seenAt = memory.current.timeOf(id, hash) ?? memory.previous.timeOf(id, hash);
    if (seenAt !== undefined && seenAt >= cutoff) return false;
    // Too old to be remembered: an old record re-read after a rebuild is counted (the rebuild
    // starts empty), and one seen twice that far apart cannot be told apart anyway.
    if (ts < cutoff) return true;
    this.remember(id, hash, ts);
    return true;
  }

  private remember(id: string, hash: number, ts: number): void {
    this.memory.advance(ts);
    this.memory.current.set(id, hash, ts);
  }

  toJSON(): Array<[string, number]> {
    const { cutoff, previous, current } = this.memory;
    const out: Array<[string, number]> = [];
    for (const generation of [previous, current]) generation.forEach((id, ts) => ts >= cutoff && out.push([id, ts]));
    return out;
  }

  static fromJSON(entries: Array<[string, number]>): RecentIds {
    const set = new RecentIds();
    for (const [id, ts] of entries) set.remember(id, hashOfId(id), ts);
    return set;
  }
}

/** A 32-bit hash of an id's characters (FNV-1a, then mixed so the low bits spread), never 0. */
function hashOfId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) | 1;
}

/**
 * Ids with their times in an open-addressing hash table over typed arrays: a lookup compares an id's
 * string only in a slot holding the same hash, where a Map of strings reads the string of every entry
 * in a bucket (a memory read each, which made remembering ids much of the cost of a recount).
 */
class IdTable {
  private hashes: Int32Array;
  private times: Float64Array;
  private ids: string[];
  private size = 0;

  /** `capacity` a power of two. */
  constructor(capacity = 1024) {
    this.hashes = new Int32Array(capacity);
    this.times = new Float64Array(capacity);
    this.ids = new Array<string>(capacity).fill('');
  }

  get capacity(): number {
    return this.hashes.length;
  }

  /** The time remembered for `id` (whose hashOfId is `hash`), or undefined. */
  timeOf(id: string, hash: number): number | undefined {
    const { hashes, ids } = this;
    const mask = hashes.length - 1;
    for (let slot = hash & mask; hashes[slot] !== 0; slot = (slot + 1) & mask)
      if (hashes[slot] === hash && ids[slot] === id) return this.times[slot];
    return undefined;
  }

  set(id: string, hash: number, ts: number): void {
    // At most half full, so a search ends at an empty slot within a few steps.
    if (this.size * 2 >= this.hashes.length) this.grow();
    const { hashes, ids } = this;
    const mask = hashes.length - 1;
    let slot = hash & mask;
    while (hashes[slot] !== 0 && !(hashes[slot] === hash && ids[slot] === id)) slot = (slot + 1) & mask;
    if (hashes[slot] === 0) this.size++;
    hashes[slot] = hash;
    ids[slot] = id;
    this.times[slot] = ts;
  }

  forEach(visit: (id: string, ts: number) => void): void {
    for (let slot = 0; slot < this.hashes.length; slot++) if (this.hashes[slot] !== 0) visit(this.ids[slot], this.times[slot]);
  }

  private grow(): void {
    const { hashes, ids, times } = this;
    this.hashes = new Int32Array(hashes.length * 2);
    this.times = new Float64Array(hashes.length * 2);
    this.ids = new Array<string>(hashes.length * 2).fill('');
    this.size = 0;
    for (let slot = 0; slot < hashes.length; slot++) if (hashes[slot] !== 0) this.set(ids[slot], hashes[slot], times[slot]);
  }
}

/** How far apart two sources may log the same request. A log line is written within seconds of the answer. */
export const CROSS_SOURCE_MATCH_MS = 2 * 60_000;

/** An unpaired sighting as saved: the key as `vendor\0model\0input\0output\0cacheRead\0cacheWrite`, its time, its source. */
export type MatchEntry = [key: string, ts: number, source: string];

/** One source's unpaired sightings of a key, by time from `head` on (those before it are taken or expired). */
interface SourceSightings {
  readonly source: string;
  times: number[];
  head: number;
}

/** A vendor and model (by its index in the matcher) with four token counts, and its unpaired sightings. */
class MatchKey {
  /**
   * Unpaired sightings per source, in the order the sources were first seen. Until a key has a
   * second sighting (most never do: counts rarely repeat to the token) it is `onlyTs` from `onlySource`.
   */
  lists: SourceSightings[] | undefined = undefined;

  constructor(
    readonly model: number,
    readonly input: number,
    readonly output: number,
    readonly cacheRead: number,
    readonly cacheWrite: number,
    public onlyTs: number,
    public onlySource: string,
  ) {}

  /** Adds an unpaired sighting; those before `cutoff` may be forgotten meanwhile. */
  add(ts: number, source: string, cutoff: number): void {
    let lists = this.lists;
    if (!lists) {
      if (Number.isNaN(this.onlyTs)) {
        this.onlyTs = ts;
        this.onlySource = source;
        return;
      }
      lists = this.lists = [{ source: this.onlySource, times: [this.onlyTs], head: 0 }];
    }
    let list: SourceSightings | undefined;
    for (let i = 0; i < lists.length; i++) if (lists[i].source === source) list = lists[i];
    if (!list) {
      lists.push({ source, times: [ts], head: 0 });
      return;
    }
    // Sightings mostly arrive in time order, so this is usually a push.
    const times = list.times;
    let i = times.length;
    while (i > list.head && times[i - 1] > ts) i--;
    if (i === times.length) times.push(ts);
    else times.splice(i, 0, ts);
    // A key seen again and again (identical counts) is never dropped with its table: its expired
    // sightings are cut off whenever its list has doubled in length, which keeps this linear.
    if (times.length >= 64 && (times.length & (times.length - 1)) === 0) {
      list.head = firstAtOrAfter(times, list.head, cutoff);
      if (list.head * 2 >= times.length) {
        list.times = times.slice(list.head);
        list.head = 0;
      }
    }
  }

  /**
   * Takes the earliest unpaired sighting in [from, to] from a source other than `source` (between
   * equal times, from the source seen first); true when there was one. Binary searches, so many
   * identical events cost what distinct ones do.
   */
  takeTwin(from: number, to: number, source: string): boolean {
    const lists = this.lists;
    if (!lists) {
      // NaN (taken) is in no window.
      if (this.onlySource === source || !(this.onlyTs >= from && this.onlyTs <= to)) return false;
      this.onlyTs = Number.NaN;
      return true;
    }
    let best: SourceSightings | undefined;
    let bestIndex = 0;
    for (let i = 0; i < lists.length; i++) {
      const list = lists[i];
      if (list.source === source) continue;
      const index = firstAtOrAfter(list.times, list.head, from);
      if (index === list.times.length || list.times[index] > to) continue;
      if (!best || list.times[index] < best.times[bestIndex]) {
        best = list;
        bestIndex = index;
      }
    }
    if (!best) return false;
    best.times.splice(bestIndex, 1);
    if (best.head === best.times.length) lists.splice(lists.indexOf(best), 1);
    return true;
  }

  /** Its unpaired sightings, some maybe older than the window. */
  sightings(): Array<[ts: number, source: string]> {
    if (!this.lists) return Number.isNaN(this.onlyTs) ? [] : [[this.onlyTs, this.onlySource]];
    const out: Array<[number, string]> = [];
    for (const list of this.lists) for (let i = list.head; i < list.times.length; i++) out.push([list.times[i], list.source]);
    return out;
  }
}

/** A 32-bit hash of a key's model and counts, never 0. */
function hashOf(model: number, input: number, output: number, cacheRead: number, cacheWrite: number): number {
  let h = Math.imul(model + 1, 0x9e3779b1) ^ input;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) ^ output;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ cacheRead;
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f) ^ cacheWrite;
  h = Math.imul(h ^ (h >>> 15), 0x165667b1);
  return (h ^ (h >>> 16)) | 1;
}

/**
 * Keys in an open-addressing hash table over a typed array of hashes: a lookup reads a key's fields
 * only in a slot holding the same hash. Keys are never removed: the table is dropped whole.
 */
class KeyTable {
  private hashes: Int32Array;
  private keys: Array<MatchKey | undefined>;
  private size = 0;

  /** `capacity` a power of two. */
  constructor(capacity = 1024) {
    this.hashes = new Int32Array(capacity);
    this.keys = new Array<MatchKey | undefined>(capacity).fill(undefined);
  }

  get capacity(): number {
    return this.hashes.length;
  }

  /** The key with exactly this model and these counts (whose hashOf is `hash`), or undefined. */
  find(hash: number, model: number, input: number, output: number, cacheRead: number, cacheWrite: number): MatchKey | undefined {
    const { hashes, keys } = this;
    const mask = hashes.length - 1;
    for (let slot = hash & mask; hashes[slot] !== 0; slot = (slot + 1) & mask) {
      if (hashes[slot] !== hash) continue;
      const key = keys[slot]!;
      if (
        key.model === model &&
        key.input === input &&
        key.output === output &&
        key.cacheRead === cacheRead &&
        key.cacheWrite === cacheWrite
      )
        return key;
    }
    return undefined;
  }

  /** Adds a key not in the table. */
  add(hash: number, key: MatchKey): void {
    // At most half full, so a search ends at an empty slot within a few steps.
    if (this.size * 2 >= this.hashes.length) this.grow();
    const mask = this.hashes.length - 1;
    let slot = hash & mask;
    while (this.hashes[slot] !== 0) slot = (slot + 1) & mask;
    this.hashes[slot] = hash;
    this.keys[slot] = key;
    this.size++;
  }

  values(): MatchKey[] {
    return this.keys.filter((key): key is MatchKey => key !== undefined);
  }

  private grow(): void {
    const { hashes, keys } = this;
    this.hashes = new Int32Array(hashes.length * 2);
    this.keys = new Array<MatchKey | undefined>(hashes.length * 2).fill(undefined);
    this.size = 0;
    for (let slot = 0; slot < hashes.length; slot++) if (hashes[slot] !== 0) this.add(hashes[slot], keys[slot]!);
  }
}

/**
 * The fallback for requests whose two sightings share no provider id (a Codex session log and the
 * gateway, say): the same vendor (from the model's family, never a client's provider label), model
 * and every token count, from two different sources, within CROSS_SOURCE_MATCH_MS. Identical counts
 * to the token from different sources that close together are, in practice, one request. Each
 * sighting pairs with at most one other: the earliest unpaired one in the window.
 *
 * Keys are found by a numeric hash of the model's index and the counts, every field compared on a
 * hit, so a sighting costs no key string.
 */
export class CrossSourceMatcher {
  /**
   * Keys with their unpaired sightings. A key found only in the previous generation is added to the
   * current one when it is seen again, so every key dropped with a generation has only sightings
   * older than the window.
   */
  private readonly memory = new Generations((capacity) => new KeyTable(capacity));
  /** Indexes of `vendor\0model` names, by the model name an event gives and by that name itself. */
  private readonly modelIndex = new Map<string, number>();
  private readonly vendorModelIndex = new Map<string, number>();
  private readonly vendorModels: string[] = [];

  /** True when `e` is the second sighting of a request already counted from another source. */
  isSecondSighting(e: UsageEvent): boolean {
    this.restore();
    let model = this.modelIndex.get(e.model);
    if (model === undefined) this.modelIndex.set(e.model, (model = this.indexOf(vendorAndModel(e.model))));
    const { ts, source, inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite } = e;
    const hash = hashOf(model, input, output, cacheRead, cacheWrite);
    const key =
      this.memory.current.find(hash, model, input, output, cacheRead, cacheWrite) ??
      this.memory.previous.find(hash, model, input, output, cacheRead, cacheWrite);
    const cutoff = this.memory.cutoff;
    if (key && key.takeTwin(Math.max(ts - CROSS_SOURCE_MATCH_MS, cutoff), ts + CROSS_SOURCE_MATCH_MS, source)) return true;
    if (ts < cutoff) return false;
    this.remember(hash, key, model, input, output, cacheRead, cacheWrite, ts, source);
    return false;
  }

  /** Keeps a sighting as unpaired; `key` is its key when known (in either generation). */
  private remember(
    hash: number,
    key: MatchKey | undefined,
    model: number,
    input: number,
    output: number,
    cacheRead: number,
    cacheWrite: number,
    ts: number,
    source: string,
  ): void {
    const { memory } = this;
    memory.advance(ts);
    if (!key) {
      memory.current.add(hash, new MatchKey(model, input, output, cacheRead, cacheWrite, ts, source));
      return;
    }
    if (memory.current.find(hash, model, input, output, cacheRead, cacheWrite) !== key) memory.current.add(hash, key);
    key.add(ts, source, memory.cutoff);
  }

  private indexOf(vendorModel: string): number {
    let index = this.vendorModelIndex.get(vendorModel);
    if (index === undefined) {
      this.vendorModelIndex.set(vendorModel, (index = this.vendorModels.length));
      this.vendorModels.push(vendorModel);
    }
    return index;
  }

  toJSON(): MatchEntry[] {
    const { cutoff, previous, current } = this.memory;
    if (this.restored) return this.restored.filter(([, ts]) => ts >= cutoff);
    const out: MatchEntry[] = [];
    // A key seen in both generations is in both tables.
    for (const key of new Set([...previous.values(), ...current.values()])) {
      const name = `${this.vendorModels[key.model]}\u0000${key.input}\u0000${key.output}\u0000${key.cacheRead}\u0000${key.cacheWrite}`;
      for (const [ts, source] of key.sightings()) if (ts >= cutoff) out.push([name, ts, source]);
    }
    return out;
  }

  /**
   * Opening the store with current rollups needs no matching until a new event comes: the saved
   * sightings are indexed on first use, and saved again as they are if none came.
   */
  static fromJSON(entries: MatchEntry[]): CrossSourceMatcher {
    const matcher = new CrossSourceMatcher();
    matcher.restored = entries;
    for (const [, ts] of entries) if (ts > matcher.memory.newest) matcher.memory.newest = ts;
    return matcher;
  }

  private restored: MatchEntry[] | undefined;

  private restore(): void {
    const entries = this.restored;
    if (!entries) return;
    this.restored = undefined;
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number' || typeof entry[2] !== 'string') continue;
      const [name, ts, source] = entry;
      const fields = name.split('\u0000');
      const counts = fields.splice(-4).map(Number);
      if (fields.length < 2 || !counts.every((n) => Number.isSafeInteger(n) && n >= 0)) continue;
      const model = this.indexOf(fields.join('\u0000'));
      const [input, output, cacheRead, cacheWrite] = counts;
      const hash = hashOf(model, input, output, cacheRead, cacheWrite);
      const key =
        this.memory.current.find(hash, model, input, output, cacheRead, cacheWrite) ??
        this.memory.previous.find(hash, model, input, output, cacheRead, cacheWrite);
      this.remember(hash, key, model, input, output, cacheRead, cacheWrite, ts, source);
    }
  }
}

/** A user has a handful of model names; recounting a long event log asks for each a million times. */
const vendorAndModelNames = new Map<string, string>();

/** The model's vendor (not the client's provider label) and its name without date tags. */
function vendorAndModel(model: string): string {
  let key = vendorAndModelNames.get(model);
  if (key === undefined) {
    if (vendorAndModelNames.size >= 1024) vendorAndModelNames.clear();
    vendorAndModelNames.set(model, (key = `${vendorOfModel(model)}\u0000${canonicalModelName(model)}`));
  }
  return key;
}

/** Index of the first element of the ascending `sorted[from…]` that is ≥ `value` (its length when none is). */
function firstAtOrAfter(sorted: number[], from: number, value: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
