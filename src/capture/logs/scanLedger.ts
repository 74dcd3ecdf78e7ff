import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UsageEvent } from '../../core/events';
import { DEDUP_WINDOW_MS } from '../../core/dedup/window';
import { DATA_FILES } from '../../store/paths';
import { appendRecordsSync, writeFileAtomicSync } from '../../store/privateFiles';
import type { ProblemsOnce } from './problemsOnce';

/**
 * What the log scanner has read and counted, kept so that a kill -9 loses nothing and counts nothing
 * twice.
 *
 * Per file: the identity (device, inode, first bytes), the byte position after the last complete
 * line, and the adapter's own state, in `logs-state.json`. Events go to the sink first, then their
 * ids to a small journal; the state file is saved from time to time and the journal emptied after
 * it. After a crash the journal tells which re-read records were already counted. Only a kill
 * landing exactly between a batch's two writes could count that batch again.
 */

/** The sink could not save a batch of usage (a full disk); nothing of that batch was saved. */
export class SinkError extends Error {}

export interface FileState {
  source: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  /** Lines: bytes consumed. */
  offset: number;
  /** Hash of the first `headLength` bytes, to notice a file rewritten in place. */
  head: string;
  headLength: number;
  saved?: unknown;
  /** Documents: ids of the events already counted. */
  counted?: string[];
  malformed?: number;
}

interface StateFile {
  version: number;
  files: Record<string, FileState>;
}

export interface ScanLedgerOptions {
  /** Directory for `logs-state.json` and the journal (the usage data directory). */
  stateDir: string;
  /** Persists events; must be durable when it returns (the store's segment writer is). */
  sink(events: UsageEvent[]): void;
  now: () => number;
  problems: ProblemsOnce;
}

const STATE_VERSION = 1;
const SAVE_EVERY_MS = 2000;
/** How many new events may wait before they are handed to the sink in one batch. */
const SINK_BATCH = 4096;

export class ScanLedger {
  /** By path: where reading stopped. */
  readonly files = new Map<string, FileState>();
  /** Ids counted by this process, so a record seen in two files (or twice) is counted once. */
  private readonly counted = new Map<string, number>();
  /** New events not handed to the sink yet (flushToSink). */
  private unsaved: UsageEvent[] = [];
  private readonly statePath: string;
  private readonly journalPath: string;
  private lastSave = 0;
  private dirty = false;

  constructor(private readonly options: ScanLedgerOptions) {
    this.statePath = path.join(options.stateDir, DATA_FILES.logsState);
    this.journalPath = path.join(options.stateDir, DATA_FILES.logsJournal);
    this.load();
  }

  /** A file's state changed and is to be saved. */
  touch(): void {
    this.dirty = true;
  }

  forget(p: string): void {
    if (this.files.delete(p)) this.dirty = true;
  }

  /** Takes an event for the sink unless its id was counted already; says whether it was new. */
  count(event: UsageEvent): boolean {
    if (this.counted.has(event.id)) return false;
    this.counted.set(event.id, event.ts);
    this.unsaved.push(event);
    return true;
  }

  /** Hands waiting events to the sink once a batch's worth has gathered. */
  flushFullBatch(): void {
    if (this.unsaved.length >= SINK_BATCH) this.flushToSink();
  }

  /**
   * Hands the events accepted so far to the sink, then their ids to the journal. Runs before every
   * state save, at the end of every scan, and whenever SINK_BATCH events wait, so a store is written
   * once per few thousand events rather than once per file.
   */
  flushToSink(): void {
    if (this.unsaved.length === 0) return;
    const batch = this.unsaved;
    this.unsaved = [];
    try {
      this.options.sink(batch);
    } catch (error) {
      for (const event of batch) this.counted.delete(event.id);
      throw new SinkError((error as Error).message);
    }
    this.options.problems.clear('sink');
    try {
      appendRecordsSync(this.journalPath, `${JSON.stringify(batch.map((e) => [e.id, e.ts]))}\n`);
    } catch (error) {
      // The events are saved; only a crash before the next state save could count them twice.
      this.options.problems.once(
        'journal',
        `Could not write ${this.journalPath}: ${(error as Error).message}. Usage read from assistants' logs is saved, but a crash now could count some of it twice.`,
      );
    }
  }

  /** Ids older than the store's own de-duplication window are only re-seen by a full re-import. */
  forgetOldIds(): void {
    const cutoff = this.options.now() - DEDUP_WINDOW_MS;
    for (const [id, ts] of this.counted) if (ts < cutoff) this.counted.delete(id);
  }

  /**
   * Saves positions (at most every two seconds unless forced), then empties the journal. A save the
   * disk refuses is reported once and tried again later; the journal keeps what it protects.
   */
  save(force: boolean): void {
    if (!this.dirty || (!force && this.options.now() - this.lastSave < SAVE_EVERY_MS)) return;
    // Positions are saved only past events the sink has: a crash after this save loses none of them.
    this.flushToSink();
    const state: StateFile = { version: STATE_VERSION, files: Object.fromEntries(this.files) };
    this.lastSave = this.options.now();
    try {
      writeFileAtomicSync(this.statePath, JSON.stringify(state));
    } catch (error) {
      this.options.problems.once(
        'save',
        `Could not save log capture state to ${this.statePath}: ${(error as Error).message}. It is tried again; until then a restart reads some logs again (counting each record once).`,
      );
      return;
    }
    this.options.problems.clear('save');
    this.dirty = false;
    try {
      fs.truncateSync(this.journalPath, 0);
    } catch {
      // No journal yet: nothing to empty.
    }
  }

  /**
   * After the store refused a batch: forget what was read since the last save and take positions
   * and counted ids from disk again, so the refused records are read again next time.
   */
  rollBack(): void {
    for (const event of this.unsaved) this.counted.delete(event.id);
    this.unsaved = [];
    this.files.clear();
    this.dirty = false;
    this.load();
  }

  private load(): void {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.statePath, 'utf8')) as StateFile;
      if (parsed.version === STATE_VERSION && typeof parsed.files === 'object' && parsed.files !== null) {
        for (const [p, s] of Object.entries(parsed.files)) this.files.set(p, s);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.options.problems.say(
          `Log capture state (${this.statePath}) was unreadable; assistants' logs are read again, counting each record once.`,
        );
      }
    }
    let journal = '';
    try {
      journal = fs.readFileSync(this.journalPath, 'utf8');
    } catch {
      return;
    }
    for (const line of journal.split('\n')) {
      try {
        for (const [id, ts] of JSON.parse(line) as Array<[string, number]>) this.counted.set(id, ts);
      } catch {
        // a torn last line of the journal: its batch's events were written, their ids were not
      }
    }
  }
}
