import { vendorOfModel, type UsageEvent } from '../events';
import { NameTable } from '../nameTable';
import { base64Of, float64sOf, int32sOf } from '../packedArrays';
import { canonicalModelName } from '../pricing';
import { EMPTY_TABLE_SLOTS, Horizon, slotsFor } from './window';

/** How far apart two sources may log the same request. A log line is written within seconds of the answer. */
export const CROSS_SOURCE_MATCH_MS = 2 * 60_000;

/** An unpaired sighting as earlier versions saved it: the key as `vendor\0model\0input\0output\0cacheRead\0cacheWrite`, its time, its source. */
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
  return h ^ (h >>> 16) || 1;
}

/** Per entry of a KeyTable: the key's model index and four counts, then its sightings. */
const KEY_FIELDS = 8;
const KEY_MODEL = 0;
const KEY_INPUT = 1;
const KEY_OUTPUT = 2;
const KEY_CACHE_READ = 3;
const KEY_CACHE_WRITE = 4;
/** The sources of the key's unpaired sightings kept in the entry (see `times`). */
const KEY_FIRST_SOURCE = 5;
const KEY_SECOND_SOURCE = 6;
/** 1 + the index in `lists` of the key's sightings per source, once it has had three unpaired; 0 before. */
const KEY_LIST = 7;
/** Sightings an entry holds itself, before its key needs lists. */
const INLINE_SIGHTINGS = 2;

/**
 * Keys (a vendor and model, by index, with four token counts) and their unpaired sightings, kept
 * like the ids of RecentIds (recentIds.ts): entries in the order they came, in typed arrays (a million keys cost no object
 * each), found through an index of hashes and entry numbers, rebuilt with the keys that still have
 * a sighting within the window when it is half full. A lookup reads a key's fields only for a slot
 * holding the same hash; an entry's fields share a cache line or two.
 *
 * Up to two unpaired sightings are kept in the entry itself, in the order they came (most keys have
 * one: counts rarely repeat to the token; a small request repeated from one source has two within
 * the window). A sighting older than the window is dropped when a third comes, so only a key with
 * three live sightings gets lists.
 */
class KeyTable {
  /** Per slot, the hash of its key (0 when empty) and the number of its entry. */
  private index = new Int32Array(EMPTY_TABLE_SLOTS * 2);
  /** KEY_FIELDS per entry. */
  private fields = new Int32Array((EMPTY_TABLE_SLOTS / 2) * KEY_FIELDS);
  /** The times of the sightings kept in each entry, INLINE_SIGHTINGS per entry, the first first; NaN when absent. */
  private times = new Float64Array((EMPTY_TABLE_SLOTS / 2) * INLINE_SIGHTINGS);
  /** Unpaired sightings per source, in the order the sources were first seen, of keys with more than two. */
  private lists: SourceSightings[][] = [];
  private count = 0;
  /** The key last found (hash, then its KEY_MODEL to KEY_CACHE_WRITE fields), for `insert`. */
  private foundHash = 0;
  private readonly found = new Int32Array(KEY_CACHE_WRITE + 1);

  /** Makes room for a key to be inserted after the next find: when the index is half full, only the keys with a sighting at or after `cutoff` are kept. */
  makeRoom(cutoff: number): void {
    if (this.count * 4 >= this.index.length) this.keepSince(cutoff);
  }

  /** The slot of the key with exactly this model and these counts, or the empty slot where it would go; `insert` adds it there. */
  find(model: number, input: number, output: number, cacheRead: number, cacheWrite: number): number {
    const hash = hashOf(model, input, output, cacheRead, cacheWrite);
    const { index, fields, found } = this;
    this.foundHash = hash;
    found[KEY_MODEL] = model;
    found[KEY_INPUT] = input;
    found[KEY_OUTPUT] = output;
    found[KEY_CACHE_READ] = cacheRead;
    found[KEY_CACHE_WRITE] = cacheWrite;
    const mask = index.length / 2 - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const held = index[slot * 2];
      if (held === 0) return slot;
      if (held !== hash) continue;
      const at = index[slot * 2 + 1] * KEY_FIELDS;
      if (
        fields[at + KEY_MODEL] === model &&
        fields[at + KEY_INPUT] === input &&
        fields[at + KEY_OUTPUT] === output &&
        fields[at + KEY_CACHE_READ] === cacheRead &&
        fields[at + KEY_CACHE_WRITE] === cacheWrite
      )
        return slot;
    }
  }

  /** The entry of the key in `slot` (from find), or -1 when the slot is empty. */
  entryAt(slot: number): number {
    return this.index[slot * 2] === 0 ? -1 : this.index[slot * 2 + 1];
  }

  /** Adds the key last found, not in the table, in the slot find gave for it, with one unpaired sighting. */
  insert(slot: number, ts: number, source: number): void {
    const entry = this.count++;
    const at = entry * KEY_FIELDS;
    this.fields.set(this.found, at);
    this.fields[at + KEY_FIRST_SOURCE] = source;
    this.times[entry * INLINE_SIGHTINGS] = ts;
    this.times[entry * INLINE_SIGHTINGS + 1] = Number.NaN;
    this.index[slot * 2] = this.foundHash;
    this.index[slot * 2 + 1] = entry;
  }

  /** Adds an unpaired sighting to the key of `entry`; those before `cutoff` may be forgotten meanwhile. */
  addSighting(entry: number, ts: number, source: number, cutoff: number): void {
    const at = entry * KEY_FIELDS;
    let ref = this.fields[at + KEY_LIST];
    if (ref === 0) {
      const first = entry * INLINE_SIGHTINGS;
      const { times, fields } = this;
      // Never to be paired again (the window has passed them), older sightings make room.
      if (!(times[first + 1] >= cutoff)) times[first + 1] = Number.NaN;
      if (!(times[first] >= cutoff)) this.dropFirst(entry);
      if (Number.isNaN(times[first])) {
        times[first] = ts;
        fields[at + KEY_FIRST_SOURCE] = source;
        return;
      }
      if (Number.isNaN(times[first + 1])) {
        times[first + 1] = ts;
        fields[at + KEY_SECOND_SOURCE] = source;
        return;
      }
      // A third: the entry's two become lists, as if they had been added to lists as they came.
      this.lists.push([]);
      fields[at + KEY_LIST] = ref = this.lists.length;
      const lists = this.lists[ref - 1];
      addToLists(lists, times[first], fields[at + KEY_FIRST_SOURCE], cutoff);
      addToLists(lists, times[first + 1], fields[at + KEY_SECOND_SOURCE], cutoff);
    }
    addToLists(this.lists[ref - 1], ts, source, cutoff);
  }

  /** Drops the first of the entry's own sightings; the second, if any, becomes the first. */
  private dropFirst(entry: number): void {
    const first = entry * INLINE_SIGHTINGS;
    this.times[first] = this.times[first + 1];
    this.times[first + 1] = Number.NaN;
    this.fields[entry * KEY_FIELDS + KEY_FIRST_SOURCE] = this.fields[entry * KEY_FIELDS + KEY_SECOND_SOURCE];
  }

  /**
   * Takes the earliest unpaired sighting of the key of `entry` in [from, to] from a source other than
   * `source` (between equal times, the one that came first); true when there was one. Binary
   * searches, so many identical events cost what distinct ones do.
   */
  takeTwin(entry: number, from: number, to: number, source: number): boolean {
    const at = entry * KEY_FIELDS;
    const ref = this.fields[at + KEY_LIST];
    if (ref === 0) {
      const first = entry * INLINE_SIGHTINGS;
      const { times, fields } = this;
      // NaN (none) is in no window.
      const firstFits = fields[at + KEY_FIRST_SOURCE] !== source && times[first] >= from && times[first] <= to;
      const secondFits = fields[at + KEY_SECOND_SOURCE] !== source && times[first + 1] >= from && times[first + 1] <= to;
      if (secondFits && (!firstFits || times[first + 1] < times[first])) times[first + 1] = Number.NaN;
      else if (firstFits) this.dropFirst(entry);
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

  /**
   * The unpaired sightings at or after `cutoff`: per sighting, SAVED_KEY_FIELDS of `keys` (its key's
   * model index and four counts, and its source), and its time.
   */
  sightingsSince(cutoff: number): { keys: Int32Array; times: Float64Array } {
    const { fields, times: inline } = this;
    const keys: number[] = [];
    const times: number[] = [];
    const keep = (at: number, ts: number, source: number) => {
      if (!(ts >= cutoff)) return;
      keys.push(
        fields[at + KEY_MODEL],
        fields[at + KEY_INPUT],
        fields[at + KEY_OUTPUT],
        fields[at + KEY_CACHE_READ],
        fields[at + KEY_CACHE_WRITE],
        source,
      );
      times.push(ts);
    };
    for (let entry = 0; entry < this.count; entry++) {
      const at = entry * KEY_FIELDS;
      const ref = fields[at + KEY_LIST];
      if (ref === 0) {
        keep(at, inline[entry * INLINE_SIGHTINGS], fields[at + KEY_FIRST_SOURCE]);
        keep(at, inline[entry * INLINE_SIGHTINGS + 1], fields[at + KEY_SECOND_SOURCE]);
        continue;
      }
      for (const list of this.lists[ref - 1]) for (let i = list.head; i < list.times.length; i++) keep(at, list.times[i], list.source);
    }
    return { keys: Int32Array.from(keys), times: Float64Array.from(times) };
  }

  /** Keeps only the keys with a sighting at or after `cutoff`, in order, and rebuilds the index for them. */
  private keepSince(cutoff: number): void {
    const { fields, times, lists, count } = this;
    let live = 0;
    for (let entry = 0; entry < count; entry++) if (hasSightingSince(fields, times, lists, entry, cutoff)) live++;
    const slots = slotsFor(live);
    // The index is rebuilt when the entries fill half its slots: they never need more room than that.
    const capacity = slots / 2;
    const index = (this.index = new Int32Array(slots * 2));
    this.fields = new Int32Array(capacity * KEY_FIELDS);
    this.times = new Float64Array(capacity * INLINE_SIGHTINGS);
    this.lists = [];
    this.count = 0;
    const mask = slots - 1;
    for (let from = 0; from < count; from++) {
      const at = from * KEY_FIELDS;
      if (!hasSightingSince(fields, times, lists, from, cutoff)) continue;
      const entry = this.count++;
      for (let i = 0; i < KEY_FIELDS; i++) this.fields[entry * KEY_FIELDS + i] = fields[at + i];
      for (let i = 0; i < INLINE_SIGHTINGS; i++) this.times[entry * INLINE_SIGHTINGS + i] = times[from * INLINE_SIGHTINGS + i];
      const ref = fields[at + KEY_LIST];
      if (ref !== 0) this.fields[entry * KEY_FIELDS + KEY_LIST] = this.lists.push(lists[ref - 1]);
      const hash = hashOf(
        fields[at + KEY_MODEL],
        fields[at + KEY_INPUT],
        fields[at + KEY_OUTPUT],
        fields[at + KEY_CACHE_READ],
        fields[at + KEY_CACHE_WRITE],
      );
      let slot = hash & mask;
      while (index[slot * 2] !== 0) slot = (slot + 1) & mask;
      index[slot * 2] = hash;
      index[slot * 2 + 1] = entry;
    }
  }
}

/** Whether the key of `entry` in a KeyTable's `fields`, `times` and `lists` has a sighting at or after `cutoff`. */
function hasSightingSince(fields: Int32Array, times: Float64Array, lists: SourceSightings[][], entry: number, cutoff: number): boolean {
  const ref = fields[entry * KEY_FIELDS + KEY_LIST];
  if (ref === 0) return times[entry * INLINE_SIGHTINGS] >= cutoff || times[entry * INLINE_SIGHTINGS + 1] >= cutoff;
  // Each source's sightings are in time order: its last is its newest.
  return lists[ref - 1].some((list) => list.times.length > list.head && list.times[list.times.length - 1] >= cutoff);
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
  private readonly horizon = new Horizon();
  /** Keys with their unpaired sightings. */
  private readonly keys = new KeyTable();
  /** The `vendor\0model` names keys number their model by. */
  private readonly vendorModels = new NameTable();
  /** Those numbers by the model name an event gives. */
  private readonly modelIndex = new Map<string, number>();
  private readonly sources = new NameTable();

  /** True when `e` is the second sighting of a request already counted from another source. */
  isSecondSighting(e: UsageEvent): boolean {
    let model = this.modelIndex.get(e.model);
    if (model === undefined) this.modelIndex.set(e.model, (model = this.vendorModels.numberOf(vendorAndModel(e.model))));
    const { ts, inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite } = e;
    const source = this.sources.numberOf(e.source);
    const { keys } = this;
    const cutoff = this.horizon.cutoff;
    keys.makeRoom(cutoff);
    const slot = keys.find(model, input, output, cacheRead, cacheWrite);
    const entry = keys.entryAt(slot);
    if (entry !== -1 && keys.takeTwin(entry, Math.max(ts - CROSS_SOURCE_MATCH_MS, cutoff), ts + CROSS_SOURCE_MATCH_MS, source)) return true;
    if (ts < cutoff) return false;
    this.remember(slot, ts, source);
    return false;
  }

  /** Keeps a sighting of the key last found as unpaired; `slot` is where find put it. */
  private remember(slot: number, ts: number, source: number): void {
    const { keys, horizon } = this;
    horizon.advance(ts);
    const entry = keys.entryAt(slot);
    if (entry !== -1) keys.addSighting(entry, ts, source, horizon.cutoff);
    else keys.insert(slot, ts, source);
  }

  /** The unpaired sightings still within the window, packed (see SavedSightings). */
  toJSON(): SavedSightings {
    const { keys, times } = this.keys.sightingsSince(this.horizon.cutoff);
    return { models: [...this.vendorModels.names], sources: [...this.sources.names], keys: base64Of(keys), times: base64Of(times) };
  }

  /** Restores what toJSON saved, or the MatchEntry list that earlier versions saved; damaged sightings are left out. */
  static fromJSON(saved: unknown): CrossSourceMatcher {
    const matcher = new CrossSourceMatcher();
    if (Array.isArray(saved)) {
      for (const entry of saved as unknown[]) if (Array.isArray(entry) && typeof entry[1] === 'number') matcher.horizon.advance(entry[1]);
      for (const entry of saved as unknown[]) matcher.restoreEntry(entry);
      return matcher;
    }
    const { models, sources, keys: keysText, times: timesText } = (saved ?? {}) as Partial<Record<keyof SavedSightings, unknown>>;
    const keys = int32sOf(keysText);
    const times = float64sOf(timesText);
    if (!Array.isArray(models) || !Array.isArray(sources) || !keys || !times || keys.length !== times.length * SAVED_KEY_FIELDS)
      return matcher;
    for (const ts of times) matcher.horizon.advance(ts);
    for (let i = 0; i < times.length; i++) {
      const at = i * SAVED_KEY_FIELDS;
      const [model, input, output, cacheRead, cacheWrite, source] = keys.subarray(at, at + SAVED_KEY_FIELDS);
      const modelName: unknown = models[model];
      const sourceName: unknown = sources[source];
      if (typeof modelName !== 'string' || typeof sourceName !== 'string' || Math.min(input, output, cacheRead, cacheWrite) < 0) continue;
      matcher.restore(modelName, input, output, cacheRead, cacheWrite, times[i], sourceName);
    }
    return matcher;
  }

  /** Restores a MatchEntry, unless it is damaged. */
  private restoreEntry(entry: unknown): void {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number' || typeof entry[2] !== 'string') return;
    const [name, ts, sourceName] = entry as MatchEntry;
    const fields = name.split('\u0000');
    const counts = fields.splice(-4).map(Number);
    if (fields.length < 2 || !counts.every((n) => Number.isSafeInteger(n) && n >= 0 && n <= MAX_KEY_COUNT)) return;
    const [input, output, cacheRead, cacheWrite] = counts;
    this.restore(fields.join('\u0000'), input, output, cacheRead, cacheWrite, ts, sourceName);
  }

  /** Remembers a saved sighting of the `vendor\0model` name with these counts, from the source named. */
  private restore(
    vendorModel: string,
    input: number,
    output: number,
    cacheRead: number,
    cacheWrite: number,
    ts: number,
    source: string,
  ): void {
    this.keys.makeRoom(this.horizon.cutoff);
    const slot = this.keys.find(this.vendorModels.numberOf(vendorModel), input, output, cacheRead, cacheWrite);
    this.remember(slot, ts, this.sources.numberOf(source));
  }
}

/** Per sighting in SavedSightings.keys: the model's index in `models`, four counts, the source's index in `sources`. */
const SAVED_KEY_FIELDS = 6;

/**
 * Unpaired sightings as saved: the `vendor\0model` names and sources they name by index, and per
 * sighting its key and source (Int32s, see SAVED_KEY_FIELDS) and its time (a Float64), as base64
 * (packedArrays.ts). A JSON list of MatchEntry cost a good part of saving the rollups after a
 * recount, and of reading them back at the first new event.
 */
export interface SavedSightings {
  models: string[];
  sources: string[];
  keys: string;
  times: string;
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
