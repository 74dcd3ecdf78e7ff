import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UsageEvent, UsageSink } from '../core/events';
import { Rollups, type RollupContext, type RollupSections, type RollupSnapshot, type SavedRollupSections } from '../core/rollups';
import { addDays } from '../core/time';
import type { DecodeWorkerOptions } from './decodePool';
import { EVENTS_DIR, SegmentReader, SegmentWriter, segmentDay, type SegmentPosition } from './eventLog';
import { DATA_FILES, USAGE_RECORD_ENTRIES } from './paths';
import { mkdirPrivate, securePrivateTree, writeFileAtomicSync } from './privateFiles';

/**
 * The local usage store: the append-only event log plus rollups kept beside it. Any number of
 * processes open the same data directory; each appends to its own segments and reads everyone's,
 * so every window shows the same totals shortly after a write anywhere.
 */

const SNAPSHOT_FILE = DATA_FILES.rollups;
/**
 * rollups.json, version 4: a first line of JSON with the segment positions and the rows, then the
 * de-duplication state and minute activity as one JSON text a line each, parsed only when needed
 * (see RollupSections), their numbers packed as base64. Version 3 (the same, with JSON lists of
 * numbers) and version 2 (one JSON object) are still read. An older Token Meter, which knows only
 * those, recounts from the event log instead of misreading version 4.
 */
const SNAPSHOT_VERSION = 4;
const SNAPSHOT_VERSION_UNPACKED = 3;
const SNAPSHOT_VERSION_ONE_OBJECT = 2;
const POLL_MS = 1000;
const WATCH_DEBOUNCE_MS = 50;
const SNAPSHOT_EVERY_MS = 5000;

interface SnapshotFile {
  version: number;
  segments: Record<string, SegmentPosition>;
  rollups: RollupSnapshot;
}

type SnapshotHead = { version: number; segments: Record<string, SegmentPosition> } & Omit<
  RollupSections,
  'recentIds' | 'recentMatches' | 'activity'
>;

const SECTION_LINES = ['recentIds', 'recentMatches', 'activity'] as const;

export interface UsageStoreOptions {
  dataDir: string;
  context: RollupContext;
  /** Days of events kept; older segment files and rollup days are deleted. */
  retentionDays?: number;
  now?: () => number;
  /**
   * Problems worth telling the user about (torn or unreadable lines, unreadable segments, a disk
   * that refuses writes, files that could not be made private), each reported once.
   */
  onProblem?: (message: string) => void;
  /**
   * The disk refusing usage events, and taking them again: worth more attention than other
   * problems, since usage waits in memory meanwhile. Defaults to onProblem.
   */
  onWriteProblem?: (message: string) => void;
  /**
   * Recounts a large event log away from this thread (a worker), for an editor that must not
   * freeze: resolves once `rollups.json` holds the recount made under the context with this
   * fingerprint. Without it, or for a log smaller than `backgroundRecountBytes`, recounting is
   * done here and now.
   */
  recountInBackground?: (fingerprint: string) => Promise<void>;
  /** Event logs at least this large are recounted in the background (default 6 MB). */
  backgroundRecountBytes?: number;
  /**
   * Decode a long read of the event log (a recount, a large catch-up) on a worker thread while this
   * thread counts: the bundled dist/decodeWorker.js (bundledDecodeWorker()). Short reads never start it.
   */
  decodeWorker?: DecodeWorkerOptions;
}

/** About 60,000 events in compact lines (16 MB held as many in JSON lines): a recount that short stays on this thread. */
const DEFAULT_BACKGROUND_RECOUNT_BYTES = 6 * 1024 * 1024;

export class UsageStore implements UsageSink {
  private rollupTable: Rollups;
  private readonly writer: SegmentWriter;
  private readonly reader: SegmentReader;
  private readonly eventsDir: string;
  private readonly snapshotPath: string;
  private readonly now: () => number;
  private snapshotDirty = false;
  /** Reported once until a save succeeds again. */
  private snapshotFailing = false;
  private lastSnapshotAt = 0;
  private lastRetentionDay = '';
  private readonly listeners = new Set<() => void>();
  /** Set while a background recount runs; the totals are not read until it is done. */
  private recounting: Promise<void> | undefined;
  private watcher: fs.FSWatcher | undefined;
  private poller: ReturnType<typeof setInterval> | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;

  private constructor(private readonly options: UsageStoreOptions) {
    this.now = options.now ?? Date.now;
    this.eventsDir = path.join(options.dataDir, EVENTS_DIR);
    this.snapshotPath = path.join(options.dataDir, SNAPSHOT_FILE);
    this.writer = new SegmentWriter(this.eventsDir, this.now, options.onWriteProblem ?? options.onProblem);
    this.reader = new SegmentReader(this.eventsDir, options.onProblem ?? (() => {}), this.now, { decodeWorker: options.decodeWorker });
    this.rollupTable = new Rollups(options.context);
  }

  /**
   * Opens a data directory: makes Token Meter's files in it private (0600, folders 0700), loads the
   * rollup snapshot when it is current, else rebuilds, then catches up.
   */
  static open(options: UsageStoreOptions): UsageStore {
    for (const problem of securePrivateTree(options.dataDir)) options.onProblem?.(problem);
    mkdirPrivate(path.join(options.dataDir, EVENTS_DIR));
    const store = new UsageStore(options);
    if (!store.loadSnapshot()) store.rebuild();
    // The totals are saved with the next periodic save (or at dispose), not before the first answer:
    // after a recount, writing them out would delay the first figures shown.
    store.lastSnapshotAt = store.now();
    store.refresh();
    return store;
  }

  /** A writer for a process that only appends (a log import) without reading the store. */
  static writerFor(dataDir: string, onProblem?: (message: string) => void): SegmentWriter {
    return new SegmentWriter(path.join(dataDir, EVENTS_DIR), Date.now, onProblem);
  }

  get rollups(): Rollups {
    return this.rollupTable;
  }

  /**
   * Appends one event to this process's segment; it is counted on the next refresh. Never throws
   * on a failed write: the event waits in memory and the failure is reported once.
   */
  record(event: UsageEvent): void {
    this.writer.append(event);
  }

  /** Segments that could not be read on the last refresh: the totals leave them out. */
  get unreadableSegments(): string[] {
    return [...this.reader.unreadable];
  }

  /** Appends a batch in one write (a log import); counted on the next refresh. Throws StoreWriteError, writing nothing, when the disk refuses. */
  recordMany(events: readonly UsageEvent[]): void {
    this.writer.appendMany(events);
  }

  /**
   * Appends a batch and counts it here at once, for a bulk import in a process that reads the store
   * too (the CLI's report), so what it wrote is not read back. When this store has not read its own
   * segment up to where the batch starts, the batch is counted on the next refresh instead.
   */
  recordCounted(events: readonly UsageEvent[]): void {
    const before = this.writer.segment;
    this.writer.appendMany(events);
    const after = this.writer.segment;
    if (!after || this.recounting) return;
    const readUpTo = this.reader.positions.get(after.name)?.offset ?? 0;
    if (readUpTo !== (before?.name === after.name ? before.size : 0)) return;
    const count = this.counter();
    for (const e of events) count(e);
    this.reader.positions.set(after.name, { offset: after.size, ino: after.ino });
    if (events.length > 0) this.snapshotDirty = true;
  }

  /** Reads what any process appended since the last call. True when totals changed. */
  refresh(): boolean {
    if (this.recounting) return false;
    this.applyRetention();
    const result = this.reader.readNew(this.counter());
    if (!result.consistent) {
      this.rebuild();
      this.maybeWriteSnapshot();
      return true;
    }
    if (result.eventsRead > 0) this.snapshotDirty = true;
    this.maybeWriteSnapshot();
    return result.eventsRead > 0;
  }

  /** Prices, zone or peak schedule changed: recount everything under the new context. */
  setContext(context: RollupContext): void {
    const unchanged = context.fingerprint === this.rollupTable.context.fingerprint;
    this.options.context = context;
    if (unchanged) return;
    this.rebuild();
    this.maybeWriteSnapshot(true);
  }

  /** Calls `onChange` whenever totals change, within about a second of a write in any process. */
  watch(onChange: () => void): { dispose(): void } {
    this.listeners.add(onChange);
    if (!this.poller) this.startWatching();
    return {
      dispose: () => {
        this.listeners.delete(onChange);
        if (this.listeners.size === 0) this.stopWatching();
      },
    };
  }

  /** Deletes every recorded event and the rollups ("Clear Local Data"). */
  /** Deletes every record of usage on this machine: the event log, the totals, and USAGE_RECORD_ENTRIES. */
  clear(): void {
    this.writer.close();
    for (const name of this.reader.listSegments()) fs.rmSync(path.join(this.eventsDir, name), { force: true });
    for (const entry of USAGE_RECORD_ENTRIES) fs.rmSync(path.join(this.options.dataDir, entry), { recursive: true, force: true });
    fs.rmSync(this.snapshotPath, { force: true });
    this.reader.reset();
    this.rollupTable = new Rollups(this.options.context);
    this.notify();
  }

  dispose(): void {
    this.stopWatching();
    this.maybeWriteSnapshot(true);
    this.writer.close();
  }

  /**
   * Counts the events of one read, except those older than the retention cutoff, which is taken once
   * per read: asking the clock and the day per event cost about a twentieth of a recount, and a read
   * ends in seconds.
   */
  private counter(): (e: UsageEvent) => void {
    const cutoffDay = this.retentionCutoffDay();
    return (e) => {
      if (!this.isExpired(e.ts, cutoffDay)) this.rollupTable.add(e);
    };
  }

  /** The first day kept under the retention setting; undefined without one. */
  private retentionCutoffDay(): string | undefined {
    const days = this.options.retentionDays;
    return days ? addDays(this.options.context.dayOf(this.now()), -days) : undefined;
  }

  private isExpired(ts: number, cutoff: string | undefined): boolean {
    if (cutoff === undefined) return false;
    // Days only grow with time: an instant at or after one already kept is kept too.
    const kept = this.keptFrom;
    if (kept !== undefined && kept.cutoff === cutoff && ts >= kept.ts) return false;
    if (this.options.context.dayOf(ts) < cutoff) return true;
    if (kept === undefined || kept.cutoff !== cutoff || ts < kept.ts) this.keptFrom = { cutoff, ts };
    return false;
  }

  /** The earliest instant found inside the retention period for this cutoff day. */
  private keptFrom: { cutoff: string; ts: number } | undefined;

  /** Once a day: delete segments wholly older than the retention period, and their rollup days. */
  private applyRetention(): void {
    const cutoff = this.retentionCutoffDay();
    if (cutoff === undefined || cutoff === this.lastRetentionDay) return;
    this.lastRetentionDay = cutoff;
    // A segment holds events written on its UTC day; a day of margin covers every time zone.
    const deleteBefore = addDays(cutoff, -1);
    for (const name of this.listableSegments()) {
      const day = segmentDay(name);
      if (day === undefined || day >= deleteBefore) continue;
      try {
        fs.rmSync(path.join(this.eventsDir, name), { force: true });
        this.reader.positions.delete(name);
      } catch (error) {
        this.options.onProblem?.(`Could not delete ${EVENTS_DIR}/${name}, older than the retention period: ${(error as Error).message}`);
      }
    }
    this.rollupTable.dropDaysBefore(cutoff);
  }

  /** Whether a background recount has started (or is still running) in place of a rebuild. */
  get isRecounting(): boolean {
    return this.recounting !== undefined;
  }

  /** Resolves when no background recount is running. */
  async whenCounted(): Promise<void> {
    while (this.recounting) await this.recounting;
  }

  /** Recounts everything from the event log; the result is saved, so the next start need not recount. */
  private rebuild(): void {
    if (!this.startBackgroundRecount()) this.rebuildHere();
  }

  private rebuildHere(): void {
    this.reader.reset();
    this.rollupTable = new Rollups(this.options.context);
    const { eventsRead } = this.reader.readNew(this.counter());
    // Nothing counted and no saved totals to replace (a first start): nothing worth an fsync.
    this.snapshotDirty = eventsRead > 0 || fs.existsSync(this.snapshotPath);
  }

  /** The segments, or none when the folder cannot be listed (the reader reports that once). */
  private listableSegments(): string[] {
    try {
      return this.reader.listSegments();
    } catch {
      return [];
    }
  }

  private eventLogBytes(): number {
    let bytes = 0;
    for (const name of this.listableSegments()) {
      try {
        bytes += fs.statSync(path.join(this.eventsDir, name)).size;
      } catch {
        // removed meanwhile
      }
    }
    return bytes;
  }

  /**
   * Hands a large recount to `recountInBackground`. Until it is done the totals stay as they were
   * (empty at first start) and nothing is read; then its snapshot is loaded and the rest caught up.
   * A failed or stale background recount falls back to recounting here.
   */
  private startBackgroundRecount(): boolean {
    const recount = this.options.recountInBackground;
    if (!recount || this.recounting) return this.recounting !== undefined;
    if (this.eventLogBytes() < (this.options.backgroundRecountBytes ?? DEFAULT_BACKGROUND_RECOUNT_BYTES)) return false;
    const fingerprint = this.options.context.fingerprint;
    const done = (next: 'load' | 'recount-again' | 'recount-here') => {
      this.recounting = undefined;
      if (next === 'recount-again') this.rebuild();
      else if (next === 'recount-here') this.rebuildHere();
      this.refresh();
      this.notify();
    };
    this.recounting = recount(fingerprint).then(
      // Settings that changed meanwhile need a recount of their own.
      () => done(this.options.context.fingerprint !== fingerprint ? 'recount-again' : this.loadSnapshot() ? 'load' : 'recount-here'),
      (error: unknown) => {
        this.options.onProblem?.(`Recounting usage in the background failed (${(error as Error).message}); recounting here instead.`);
        done('recount-here');
      },
    );
    return true;
  }

  private loadSnapshot(): boolean {
    let bytes: Buffer;
    let head: Partial<SnapshotHead & SnapshotFile>;
    const lineEnds: number[] = [];
    try {
      bytes = fs.readFileSync(this.snapshotPath);
      for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) lineEnds.push(at);
      head = JSON.parse(bytes.toString('utf8', 0, lineEnds[0] ?? bytes.length)) as typeof head;
    } catch {
      return false;
    }
    if (typeof head?.segments !== 'object' || head.segments === null) return false;
    let rollups: Rollups | undefined;
    if ((head.version === SNAPSHOT_VERSION || head.version === SNAPSHOT_VERSION_UNPACKED) && lineEnds.length === SECTION_LINES.length) {
      const sections: Partial<SavedRollupSections> = { ...head };
      SECTION_LINES.forEach((name, i) => (sections[name] = () => bytes.toString('utf8', lineEnds[i] + 1, lineEnds[i + 1] ?? bytes.length)));
      rollups = Rollups.fromSections(sections, this.options.context);
    } else if (head.version === SNAPSHOT_VERSION_ONE_OBJECT) rollups = Rollups.fromJSON(head.rollups, this.options.context);
    if (!rollups) return false;
    this.rollupTable = rollups;
    this.reader.restore(head.segments);
    return true;
  }

  /** Writes the snapshot atomically (temp file, fsync, rename), at most every few seconds. */
  private maybeWriteSnapshot(force = false): void {
    // While a background recount runs, its snapshot is the one that will be current.
    if (!this.snapshotDirty || this.recounting) return;
    const now = this.now();
    if (!force && now - this.lastSnapshotAt < SNAPSHOT_EVERY_MS) return;
    const { recentIds, recentMatches, activity, ...rows } = this.rollupTable.toSections();
    const head: SnapshotHead = { version: SNAPSHOT_VERSION, segments: Object.fromEntries(this.reader.positions), ...rows };
    const text = [JSON.stringify(head), recentIds, recentMatches, activity].join('\n');
    this.lastSnapshotAt = now;
    try {
      writeFileAtomicSync(this.snapshotPath, text);
      this.snapshotDirty = false;
      this.snapshotFailing = false;
    } catch (error) {
      if (this.snapshotFailing) return;
      this.snapshotFailing = true;
      this.options.onProblem?.(
        `Could not save usage totals to ${this.snapshotPath}: ${(error as Error).message}. They will be recounted from the event log.`,
      );
    }
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private refreshAndNotify(): void {
    try {
      if (this.refresh()) this.notify();
    } catch (error) {
      this.options.onProblem?.(`Could not read usage events: ${(error as Error).message}`);
    }
  }

  private startWatching(): void {
    try {
      this.watcher = fs.watch(this.eventsDir, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.refreshAndNotify(), WATCH_DEBOUNCE_MS);
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // Some file systems cannot be watched; the poll below still delivers changes within a second.
    }
    this.poller = setInterval(() => this.refreshAndNotify(), POLL_MS);
    this.poller.unref?.();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.poller);
    this.poller = undefined;
    clearTimeout(this.debounce);
  }
}
