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
class Generations<Table> {
  /** What was remembered since `currentSince`. */
  current: Table;
  /** What was remembered in the generation before. */
  previous: Table;
  private currentSince = Number.NEGATIVE_INFINITY;
  /** The newest time remembered. */
  newest = 0;

  /** `table(sizedLike)` makes an empty table sized for as much as `sizedLike` holds. */
  constructor(private readonly table: (sizedLike?: Table) => Table) {
    this.current = table();
    this.previous = table();
  }

  /** Times before this are older than the window. */
  get cutoff(): number {
    return this.newest - DEDUP_WINDOW_MS;
  }

  /**
   * Notes the time of what is about to be remembered, starting a new generation when one is due;
   * then the generation dropped is returned, for what in it is still within the window to be kept.
   */
  advance(ts: number): Table | undefined {
    if (ts <= this.newest) return undefined;
    this.newest = ts;
    if (ts - this.currentSince <= DEDUP_WINDOW_MS) return undefined;
    const dropped = this.previous;
    this.previous = this.current;
    // About as many come in a window as came in the last one: sized for them, the table need not grow.
    this.current = this.table(this.previous);
    this.currentSince = ts;
    return dropped;
  }
}

/**
 * Ids of recently counted events, so the same request reported twice (two windows, a gateway and a
 * log, a retried API call) is counted once.
 */
export class RecentIds {
  /** Ids with their events' times. */
  private readonly memory = new Generations((sizedLike?: IdTable) => new IdTable(sizedLike));

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

const EMPTY_TABLE_SLOTS = 1024;

/**
 * Ids with their times in an open-addressing hash table over typed arrays, the ids' characters
 * copied into one array: a lookup compares characters only in a slot holding the same hash, and
 * the hashes are an array of their own, so a search for an id not there (most are new) reads only
 * that small array. Keeping the ids as strings instead kept a million small objects alive on the
 * heap through a recount of a long log, each one copied by the garbage collector as it aged, which
 * made remembering ids much of the cost of the recount.
 */
class IdTable {
  private hashes: Int32Array;
  private times: Float64Array;
  /** Where each slot's id starts in `chars`, and its length. */
  private starts: Int32Array;
  private lengths: Int32Array;
  /** The UTF-16 code units of the ids, one after another. */
  private chars: Uint16Array;
  private charsUsed = 0;
  private size = 0;

  constructor(sizedLike?: IdTable) {
    const slots = sizedLike?.hashes.length ?? EMPTY_TABLE_SLOTS;
    this.hashes = new Int32Array(slots);
    this.times = new Float64Array(slots);
    this.starts = new Int32Array(slots);
    this.lengths = new Int32Array(slots);
    this.chars = new Uint16Array(Math.max(sizedLike?.charsUsed ?? 0, slots * 8));
  }

  /** The time remembered for `id` (whose hashOfId is `hash`), or undefined. */
  timeOf(id: string, hash: number): number | undefined {
    const slot = this.slotOf(id, hash);
    return this.hashes[slot] === 0 ? undefined : this.times[slot];
  }

  set(id: string, hash: number, ts: number): void {
    // At most half full, so a search ends at an empty slot within a few steps.
    if (this.size * 2 >= this.hashes.length) this.grow();
    const slot = this.slotOf(id, hash);
    if (this.hashes[slot] === 0) {
      this.size++;
      this.hashes[slot] = hash;
      this.starts[slot] = this.append(id);
      this.lengths[slot] = id.length;
    }
    this.times[slot] = ts;
  }

  forEach(visit: (id: string, ts: number) => void): void {
    for (let slot = 0; slot < this.hashes.length; slot++) {
      if (this.hashes[slot] === 0) continue;
      const start = this.starts[slot];
      let id = '';
      // In pieces: an id restored from a damaged file may be longer than a call takes arguments.
      for (let at = start; at < start + this.lengths[slot]; at += 4096)
        id += String.fromCharCode(...this.chars.subarray(at, Math.min(at + 4096, start + this.lengths[slot])));
      visit(id, this.times[slot]);
    }
  }

  /** The slot holding `id`, or the empty slot where it would go. */
  private slotOf(id: string, hash: number): number {
    const { hashes } = this;
    const mask = hashes.length - 1;
    let slot = hash & mask;
    while (hashes[slot] !== 0 && !(hashes[slot] === hash && this.holds(slot, id))) slot = (slot + 1) & mask;
    return slot;
  }

  private holds(slot: number, id: string): boolean {
    const length = id.length;
    if (this.lengths[slot] !== length) return false;
    const { chars } = this;
    const start = this.starts[slot];
    for (let i = 0; i < length; i++) if (chars[start + i] !== id.charCodeAt(i)) return false;
    return true;
  }

  /** Copies the id's characters to the end of `chars`; where they start. */
  private append(id: string): number {
    const start = this.charsUsed;
    if (start + id.length > this.chars.length) {
      const grown = new Uint16Array(Math.max(this.chars.length * 2, start + id.length));
      grown.set(this.chars.subarray(0, start));
      this.chars = grown;
    }
    const { chars } = this;
    for (let i = 0; i < id.length; i++) chars[start + i] = id.charCodeAt(i);
    this.charsUsed = start + id.length;
    return start;
  }

  /** Twice the slots; the characters stay where they are. */
  private grow(): void {
    const { hashes, times, starts, lengths } = this;
    const slots = hashes.length * 2;
    this.hashes = new Int32Array(slots);
    this.times = new Float64Array(slots);
    this.starts = new Int32Array(slots);
    this.lengths = new Int32Array(slots);
    const mask = slots - 1;
    for (let from = 0; from < hashes.length; from++) {
      if (hashes[from] === 0) continue;
      let slot = hashes[from] & mask;
      while (this.hashes[slot] !== 0) slot = (slot + 1) & mask;
      this.hashes[slot] = hashes[from];
      this.times[slot] = times[from];
      this.starts[slot] = starts[from];
      this.lengths[slot] = lengths[from];
    }
  }
}

/** How far apart two sources may log the same request. A log line is written within seconds of the answer. */
export const CROSS_SOURCE_MATCH_MS = 2 * 60_000;

/** An unpaired sighting as saved: the key as `vendor\0model\0input\0output\0cacheRead\0cacheWrite`, its time, its source. */
export type MatchEntry = [key: string, ts: number, source: string];

/** One source's unpaired sightings of a key, by time from `head` on (those before it are taken or expired). */
interface SourceSightings {
  /** The source's index in the matcher. */
  readonly source: number;
  times: number[];
  head: number;
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

/** What KeyTable.find gives for a key not in the table. */
const NO_SLOT = -1;
/** Per slot of a KeyTable, after its hash: the key's model index and four counts, then its sightings. */
const KEY_SLOT = 8;
const KEY_MODEL = 0;
const KEY_INPUT = 1;
const KEY_OUTPUT = 2;
const KEY_CACHE_READ = 3;
const KEY_CACHE_WRITE = 4;
/** The sources of the key's unpaired sightings kept in the slot (see `times`). */
const KEY_FIRST_SOURCE = 5;
const KEY_SECOND_SOURCE = 6;
/** 1 + the index in `lists` of the key's sightings per source, once it has had three unpaired; 0 before. */
const KEY_LIST = 7;
/** Sightings a slot holds itself, before its key needs lists. */
const INLINE_SIGHTINGS = 2;

/**
 * Keys (a vendor and model, by index, with four token counts) and their unpaired sightings, in an
 * open-addressing hash table over a typed array: a lookup reads a key's fields only in a slot
 * holding the same hash, a slot's fields share a cache line or two, and a million keys cost no
 * object each (see IdTable). A slot is named by its index; its fields start at `slot * KEY_SLOT`.
 *
 * Up to two unpaired sightings are kept in the slot itself, in the order they came (most keys have
 * one: counts rarely repeat to the token; a small request repeated from one source has two within
 * the window). A sighting older than the window is dropped when a third comes, so only a key with
 * three live sightings gets lists. Keys are never removed: the table is dropped whole.
 */
class KeyTable {
  /** Each slot's key's hash, 0 when the slot is empty: an array of its own, so a search for a key not there reads only it. */
  private hashes: Int32Array;
  /** The other fields of each key, KEY_SLOT per slot. */
  private slots: Int32Array;
  /** The times of the sightings kept in each slot, INLINE_SIGHTINGS per slot, the first first; NaN when absent. */
  private times: Float64Array;
  /** Unpaired sightings per source, in the order the sources were first seen, of keys with more than two. */
  private readonly lists: SourceSightings[][] = [];
  private size = 0;

  constructor(sizedLike?: KeyTable) {
    const slots = sizedLike ? sizedLike.slotCount : EMPTY_TABLE_SLOTS;
    this.hashes = new Int32Array(slots);
    this.slots = new Int32Array(slots * KEY_SLOT);
    this.times = new Float64Array(slots * INLINE_SIGHTINGS);
  }

  private get slotCount(): number {
    return this.times.length / INLINE_SIGHTINGS;
  }

  /** The slot of the key with exactly this model and these counts (whose hashOf is `hash`), or NO_SLOT. */
  find(hash: number, model: number, input: number, output: number, cacheRead: number, cacheWrite: number): number {
    const { slots, hashes } = this;
    const mask = this.slotCount - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const held = hashes[slot];
      if (held === 0) return NO_SLOT;
      const at = slot * KEY_SLOT;
      if (
        held === hash &&
        slots[at + KEY_MODEL] === model &&
        slots[at + KEY_INPUT] === input &&
        slots[at + KEY_OUTPUT] === output &&
        slots[at + KEY_CACHE_READ] === cacheRead &&
        slots[at + KEY_CACHE_WRITE] === cacheWrite
      )
        return slot;
    }
  }

  /** Adds a key not in the table, with one unpaired sighting (or none when `ts` is NaN); its slot. */
  insert(
    hash: number,
    model: number,
    input: number,
    output: number,
    cacheRead: number,
    cacheWrite: number,
    ts: number,
    source: number,
  ): number {
    // At most half full, so a search ends at an empty slot within a few steps.
    if (this.size * 2 >= this.slotCount) this.grow();
    const slot = this.emptySlot(hash);
    const { slots } = this;
    const at = slot * KEY_SLOT;
    this.size++;
    this.hashes[slot] = hash;
    slots[at + KEY_MODEL] = model;
    slots[at + KEY_INPUT] = input;
    slots[at + KEY_OUTPUT] = output;
    slots[at + KEY_CACHE_READ] = cacheRead;
    slots[at + KEY_CACHE_WRITE] = cacheWrite;
    slots[at + KEY_FIRST_SOURCE] = source;
    slots[at + KEY_LIST] = 0;
    this.times[slot * INLINE_SIGHTINGS] = ts;
    this.times[slot * INLINE_SIGHTINGS + 1] = Number.NaN;
    return slot;
  }

  /** Moves into this table (where they are not) the keys of `from` with a sighting at or after `cutoff`. */
  keepLiveKeys(from: KeyTable, cutoff: number): void {
    for (let slot = 0; slot < from.slotCount; slot++)
      if (from.hashes[slot] !== 0 && from.hasSightingSince(slot, cutoff)) this.moveIn(from, slot);
  }

  private hasSightingSince(slot: number, cutoff: number): boolean {
    const ref = this.slots[slot * KEY_SLOT + KEY_LIST];
    if (ref === 0) return this.times[slot * INLINE_SIGHTINGS] >= cutoff || this.times[slot * INLINE_SIGHTINGS + 1] >= cutoff;
    // Each source's sightings are in time order: its last is its newest.
    return this.lists[ref - 1].some((list) => list.times.length > list.head && list.times[list.times.length - 1] >= cutoff);
  }

  /** Moves a key, with its sightings, from `from`'s `slot` into this table (where it is not yet); `from` is being dropped, so its slot is left as it is. */
  private moveIn(from: KeyTable, slot: number): void {
    const at = slot * KEY_SLOT;
    const fields = from.slots;
    const moved = this.insert(
      from.hashes[slot],
      fields[at + KEY_MODEL],
      fields[at + KEY_INPUT],
      fields[at + KEY_OUTPUT],
      fields[at + KEY_CACHE_READ],
      fields[at + KEY_CACHE_WRITE],
      from.times[slot * INLINE_SIGHTINGS],
      fields[at + KEY_FIRST_SOURCE],
    );
    this.times[moved * INLINE_SIGHTINGS + 1] = from.times[slot * INLINE_SIGHTINGS + 1];
    this.slots[moved * KEY_SLOT + KEY_SECOND_SOURCE] = fields[at + KEY_SECOND_SOURCE];
    const ref = fields[at + KEY_LIST];
    if (ref !== 0) {
      this.lists.push(from.lists[ref - 1]);
      this.slots[moved * KEY_SLOT + KEY_LIST] = this.lists.length;
    }
  }

  /** Adds an unpaired sighting to the key in `slot`; those before `cutoff` may be forgotten meanwhile. */
  addSighting(slot: number, ts: number, source: number, cutoff: number): void {
    const at = slot * KEY_SLOT;
    let ref = this.slots[at + KEY_LIST];
    if (ref === 0) {
      const first = slot * INLINE_SIGHTINGS;
      const { times, slots } = this;
      // Never to be paired again (the window has passed them), older sightings make room.
      if (!(times[first + 1] >= cutoff)) times[first + 1] = Number.NaN;
      if (!(times[first] >= cutoff)) this.dropFirst(slot);
      if (Number.isNaN(times[first])) {
        times[first] = ts;
        slots[at + KEY_FIRST_SOURCE] = source;
        return;
      }
      if (Number.isNaN(times[first + 1])) {
        times[first + 1] = ts;
        slots[at + KEY_SECOND_SOURCE] = source;
        return;
      }
      // A third: the slot's two become lists, as if they had been added to lists as they came.
      this.lists.push([]);
      slots[at + KEY_LIST] = ref = this.lists.length;
      const lists = this.lists[ref - 1];
      addToLists(lists, times[first], slots[at + KEY_FIRST_SOURCE], cutoff);
      addToLists(lists, times[first + 1], slots[at + KEY_SECOND_SOURCE], cutoff);
    }
    addToLists(this.lists[ref - 1], ts, source, cutoff);
  }

  /** Drops the first of the slot's own sightings; the second, if any, becomes the first. */
  private dropFirst(slot: number): void {
    const first = slot * INLINE_SIGHTINGS;
    this.times[first] = this.times[first + 1];
    this.times[first + 1] = Number.NaN;
    this.slots[slot * KEY_SLOT + KEY_FIRST_SOURCE] = this.slots[slot * KEY_SLOT + KEY_SECOND_SOURCE];
  }

  /**
   * Takes the earliest unpaired sighting of the key in `slot` in [from, to] from a source other than
   * `source` (between equal times, the one that came first); true when there was one. Binary
   * searches, so many identical events cost what distinct ones do.
   */
  takeTwin(slot: number, from: number, to: number, source: number): boolean {
    const at = slot * KEY_SLOT;
    const ref = this.slots[at + KEY_LIST];
    if (ref === 0) {
      const first = slot * INLINE_SIGHTINGS;
      const { times, slots } = this;
      // NaN (none) is in no window.
      const firstFits = slots[at + KEY_FIRST_SOURCE] !== source && times[first] >= from && times[first] <= to;
      const secondFits = slots[at + KEY_SECOND_SOURCE] !== source && times[first + 1] >= from && times[first + 1] <= to;
      if (secondFits && (!firstFits || times[first + 1] < times[first])) times[first + 1] = Number.NaN;
      else if (firstFits) this.dropFirst(slot);
      else return false;
      return true;
    }
    const lists = this.lists[ref - 1];
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

  /** Every key's unpaired sightings (some maybe older than the window), with its model and counts. */
  forEachSighting(visit: (model: number, counts: Int32Array, ts: number, source: number) => void): void {
    const { slots, times } = this;
    for (let slot = 0; slot < this.slotCount; slot++) {
      if (this.hashes[slot] === 0) continue;
      const at = slot * KEY_SLOT;
      const model = slots[at + KEY_MODEL];
      const counts = slots.subarray(at + KEY_INPUT, at + KEY_CACHE_WRITE + 1);
      const ref = slots[at + KEY_LIST];
      if (ref === 0) {
        const first = slot * INLINE_SIGHTINGS;
        if (!Number.isNaN(times[first])) visit(model, counts, times[first], slots[at + KEY_FIRST_SOURCE]);
        if (!Number.isNaN(times[first + 1])) visit(model, counts, times[first + 1], slots[at + KEY_SECOND_SOURCE]);
        continue;
      }
      for (const list of this.lists[ref - 1])
        for (let i = list.head; i < list.times.length; i++) visit(model, counts, list.times[i], list.source);
    }
  }

  private emptySlot(hash: number): number {
    const mask = this.slotCount - 1;
    let slot = hash & mask;
    while (this.hashes[slot] !== 0) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const { hashes, slots, times } = this;
    const count = this.slotCount;
    this.hashes = new Int32Array(hashes.length * 2);
    this.slots = new Int32Array(slots.length * 2);
    this.times = new Float64Array(times.length * 2);
    for (let from = 0; from < count; from++) {
      if (hashes[from] === 0) continue;
      const at = from * KEY_SLOT;
      const slot = this.emptySlot(hashes[from]);
      this.hashes[slot] = hashes[from];
      this.slots.set(slots.subarray(at, at + KEY_SLOT), slot * KEY_SLOT);
      this.times.set(times.subarray(from * INLINE_SIGHTINGS, (from + 1) * INLINE_SIGHTINGS), slot * INLINE_SIGHTINGS);
    }
  }
}

/** Adds an unpaired sighting to a key's lists; those before `cutoff` may be forgotten meanwhile. */
function addToLists(lists: SourceSightings[], ts: number, source: number, cutoff: number): void {
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

/** Counts above this cannot be kept (a table holds them in 31 bits); no event has them (MAX_TOKENS_PER_EVENT). */
const MAX_KEY_COUNT = 0x7fffffff;

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
   * Keys with their unpaired sightings, each key in one generation: it stays where it was first
   * remembered, and when that generation is dropped, a key with a sighting still within the window
   * moves to the one that stays (a sweep once per generation, rather than a move each time an older
   * key is seen again).
   */
  private readonly memory = new Generations((sizedLike?: KeyTable) => new KeyTable(sizedLike));
  /** Indexes of `vendor\0model` names, by the model name an event gives and by that name itself. */
  private readonly modelIndex = new Map<string, number>();
  private readonly vendorModelIndex = new Map<string, number>();
  private readonly vendorModels: string[] = [];
  private readonly sourceIndex = new Map<string, number>();
  private readonly sources: string[] = [];

  /** True when `e` is the second sighting of a request already counted from another source. */
  isSecondSighting(e: UsageEvent): boolean {
    this.restore();
    let model = this.modelIndex.get(e.model);
    if (model === undefined) this.modelIndex.set(e.model, (model = this.indexOf(vendorAndModel(e.model))));
    const { ts, inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite } = e;
    const source = this.sourceOf(e.source);
    const hash = hashOf(model, input, output, cacheRead, cacheWrite);
    const { current, previous } = this.memory;
    let table = current;
    let slot = current.find(hash, model, input, output, cacheRead, cacheWrite);
    if (slot === NO_SLOT) {
      table = previous;
      slot = previous.find(hash, model, input, output, cacheRead, cacheWrite);
    }
    const cutoff = this.memory.cutoff;
    if (slot !== NO_SLOT && table.takeTwin(slot, Math.max(ts - CROSS_SOURCE_MATCH_MS, cutoff), ts + CROSS_SOURCE_MATCH_MS, source))
      return true;
    if (ts < cutoff) return false;
    this.remember(hash, slot === NO_SLOT ? undefined : table, slot, model, input, output, cacheRead, cacheWrite, ts, source);
    return false;
  }

  /** Keeps a sighting as unpaired; `table` and `slot` are where its key is when it has one (in either generation). */
  private remember(
    hash: number,
    table: KeyTable | undefined,
    slot: number,
    model: number,
    input: number,
    output: number,
    cacheRead: number,
    cacheWrite: number,
    ts: number,
    source: number,
  ): void {
    const { memory } = this;
    const dropped = memory.advance(ts);
    if (dropped) {
      memory.previous.keepLiveKeys(dropped, memory.cutoff);
      // The key is now in the previous generation (its slot may have changed), or was dropped with no sighting left.
      if (table) {
        table = memory.previous;
        slot = table.find(hash, model, input, output, cacheRead, cacheWrite);
        if (slot === NO_SLOT) table = undefined;
      }
    }
    if (table) table.addSighting(slot, ts, source, memory.cutoff);
    else memory.current.insert(hash, model, input, output, cacheRead, cacheWrite, ts, source);
  }

  private indexOf(vendorModel: string): number {
    let index = this.vendorModelIndex.get(vendorModel);
    if (index === undefined) {
      this.vendorModelIndex.set(vendorModel, (index = this.vendorModels.length));
      this.vendorModels.push(vendorModel);
    }
    return index;
  }

  private sourceOf(name: string): number {
    let index = this.sourceIndex.get(name);
    if (index === undefined) {
      this.sourceIndex.set(name, (index = this.sources.length));
      this.sources.push(name);
    }
    return index;
  }

  toJSON(): MatchEntry[] {
    const { cutoff, previous, current } = this.memory;
    if (this.restored) return this.restored.filter(([, ts]) => ts >= cutoff);
    const out: MatchEntry[] = [];
    // Each key is in one generation.
    for (const generation of [previous, current])
      generation.forEachSighting((model, [input, output, cacheRead, cacheWrite], ts, source) => {
        if (ts >= cutoff)
          out.push([
            `${this.vendorModels[model]}\u0000${input}\u0000${output}\u0000${cacheRead}\u0000${cacheWrite}`,
            ts,
            this.sources[source],
          ]);
      });
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
      const [name, ts, sourceName] = entry;
      const fields = name.split('\u0000');
      const counts = fields.splice(-4).map(Number);
      if (fields.length < 2 || !counts.every((n) => Number.isSafeInteger(n) && n >= 0 && n <= MAX_KEY_COUNT)) continue;
      const model = this.indexOf(fields.join('\u0000'));
      const [input, output, cacheRead, cacheWrite] = counts;
      const hash = hashOf(model, input, output, cacheRead, cacheWrite);
      const { current, previous } = this.memory;
      let table: KeyTable | undefined = current;
      let slot = current.find(hash, model, input, output, cacheRead, cacheWrite);
      if (slot === NO_SLOT) {
        table = previous;
        slot = previous.find(hash, model, input, output, cacheRead, cacheWrite);
      }
      this.remember(
        hash,
        slot === NO_SLOT ? undefined : table,
        slot,
        model,
        input,
        output,
        cacheRead,
        cacheWrite,
        ts,
        this.sourceOf(sourceName),
      );
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
