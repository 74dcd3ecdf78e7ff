import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { UsageEvent } from '../core/events';
import { DecodeHere, DecodePool, DEFAULT_DECODE_WORKER_MIN_BYTES, type ChunkDecoding, type DecodeWorkerOptions } from './decodePool';
import { COMPACT_SEGMENT_EXTENSION, encodeCompact, JSON_SEGMENT_EXTENSION, segmentFormatOf } from './eventCodec';
import { DATA_FILES } from './paths';
import { mkdirPrivate, PRIVATE_FILE_MODE } from './privateFiles';
import { processAlive } from './processes';

/**
 * The event log: `events/*.ev1` in the data directory, one UsageEvent per line in the compact format
 * of eventCodec.ts (`*.jsonl` segments, one JSON object per line, written by earlier versions, are
 * still read).
 *
 * Every writer (a VS Code window, a headless gateway) appends only to segment files of its own,
 * named `<UTC day>_<host>_<pid>_<random>.ev1`, so several processes write without locks; a
 * new segment starts each UTC day so retention can delete whole files. Each event is one write()
 * of a whole line, so an event whose record() returned survives a kill -9 of its process.
 *
 * When the disk refuses a write (full, over quota, over `ulimit -f`), what it took of the record is
 * cut back off, so the file never holds half a record before later ones. `append` (the gateway's
 * path) then never throws: the event waits in a bounded queue in memory, the failure is reported
 * once, and the queue is written, in order, as soon as the disk takes writes again. Events held
 * in memory are the one exception to the kill -9 guarantee, and the report says so.
 * `appendMany` (a log import) is all or nothing: it throws, and the importer reads those records
 * again later.
 */

export const EVENTS_DIR = DATA_FILES.events;
const SEGMENT_NAME = /^(\d{4}-\d{2}-\d{2})_(.+)_(\d+)_([a-z0-9]+)\.(?:ev1|jsonl)$/;
/** Events kept in memory while writes fail; past this, further events are counted and dropped. */
export const MAX_HELD_EVENTS = 10_000;
const RETRY_MS = 2000;

function utcDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** A batch the disk did not take; nothing of it is in the file. */
export class StoreWriteError extends Error {}

type WriteOutcome = { ok: true } | { ok: false; error: Error; keptBytes: number };

export class SegmentWriter {
  private fd: number | undefined;
  private day = '';
  /** Random part of this writer's segment names; made with the first segment, not at construction. */
  private tag: string | undefined;
  /** Bytes of whole records in the open segment: where a failed write is cut back to. */
  private size = 0;
  /** Lines not yet on disk, oldest first (only while writes fail). */
  private held: string[] = [];
  private dropped = 0;
  /** Why writing fails, while it does; reported once per failure. */
  private failure: string | undefined;
  private retry: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly eventsDir: string,
    private readonly now: () => number = Date.now,
    private readonly onProblem: (message: string) => void = () => {},
  ) {}

  /** Records one event; never throws on a failed write (see the class comment). */
  append(event: UsageEvent): void {
    if (this.held.length >= MAX_HELD_EVENTS) {
      if (this.dropped++ === 0) {
        this.onProblem(
          `${MAX_HELD_EVENTS} events are already waiting in memory to be saved; until ${this.eventsDir} takes writes again, further events are not kept.`,
        );
      }
      return;
    }
    this.held.push(`${encodeCompact(event)}\n`);
    // While writes fail, only the retry timer tries again: one attempt per event would rewrite
    // the whole queue each time.
    if (this.failure === undefined) this.flushHeld();
  }

  /**
   * One write for many events, so a bulk import costs one syscall per batch, not per event. All or
   * nothing: on failure nothing of the batch is in the file and a StoreWriteError is thrown.
   */
  appendMany(events: readonly UsageEvent[]): void {
    if (events.length === 0) return;
    if (!this.flushHeld()) throw new StoreWriteError(`could not save usage to ${this.eventsDir}: ${this.failure}`);
    let text = '';
    for (const event of events) text += `${encodeCompact(event)}\n`;
    const outcome = this.write(Buffer.from(text), () => 0);
    if (!outcome.ok) throw new StoreWriteError(`could not save usage to ${this.eventsDir}: ${describe(outcome.error)}`);
  }

  /** Writes the held events, oldest first; true when none is left waiting. */
  private flushHeld(): boolean {
    if (this.held.length === 0) return true;
    const bytes = Buffer.from(this.held.join(''));
    // A cut-short write keeps the whole lines it got in, so they are not written twice.
    const outcome = this.write(bytes, (written) => bytes.lastIndexOf(0x0a, written - 1) + 1);
    if (outcome.ok) {
      const saved = this.held.length;
      this.held = [];
      this.recovered(saved);
      return true;
    }
    if (outcome.keptBytes > 0) this.held.splice(0, countNewlines(bytes, outcome.keptBytes));
    this.failed(outcome.error);
    return false;
  }

  /** Appends `bytes` at the end of today's segment; on failure cuts the file back to `keep(written)` bytes of them. */
  private write(bytes: Buffer, keep: (written: number) => number): WriteOutcome {
    let written = 0;
    try {
      const today = utcDay(this.now());
      if (this.fd === undefined || today !== this.day) this.open(today);
      while (written < bytes.length) written += fs.writeSync(this.fd!, bytes, written, bytes.length - written);
      this.size += bytes.length;
      return { ok: true };
    } catch (error) {
      const keptBytes = written > 0 ? keep(written) : 0;
      if (written > keptBytes) this.cutBack(this.size + keptBytes);
      this.size += keptBytes;
      return { ok: false, error: error as Error, keptBytes };
    }
  }

  /** Removes a torn tail; if even that fails, later events go to a fresh segment rather than after it. */
  private cutBack(size: number): void {
    try {
      fs.ftruncateSync(this.fd!, size);
    } catch {
      this.closeSegment();
      this.tag = undefined;
    }
  }

  private failed(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = describe(error);
    this.onProblem(
      `Could not save usage to ${this.eventsDir}: ${this.failure}. Metering goes on: new events wait in memory (up to ${MAX_HELD_EVENTS}) and are saved as soon as the disk takes writes again; they are lost if this process ends before that.`,
    );
    this.retry = setInterval(() => this.flushHeld(), RETRY_MS);
    this.retry.unref?.();
  }

  private recovered(saved: number): void {
    if (this.failure === undefined) return;
    this.failure = undefined;
    clearInterval(this.retry);
    this.retry = undefined;
    const lost = this.dropped > 0 ? ` ${this.dropped} events that came while ${MAX_HELD_EVENTS} were waiting could not be kept.` : '';
    this.dropped = 0;
    this.onProblem(
      `Usage is being saved again: ${saved} event${saved === 1 ? '' : 's'} held in memory ${saved === 1 ? 'was' : 'were'} written to ${this.eventsDir}.${lost}`,
    );
  }

  /** This writer's open segment and the size of its whole records; undefined while none is open. */
  get segment(): Readonly<{ name: string; ino: number; size: number }> | undefined {
    return this.fd !== undefined && this.segmentId ? { ...this.segmentId, size: this.size } : undefined;
  }

  private segmentId: { name: string; ino: number } | undefined;

  private open(day: string): void {
    this.closeSegment();
    mkdirPrivate(this.eventsDir);
    this.day = day;
    this.tag ??= newTag();
    const name = `${day}_${hostTag()}_${process.pid}_${this.tag}${COMPACT_SEGMENT_EXTENSION}`;
    this.fd = fs.openSync(path.join(this.eventsDir, name), 'a', PRIVATE_FILE_MODE);
    const stat = fs.fstatSync(this.fd);
    this.size = stat.size;
    this.segmentId = { name, ino: stat.ino };
  }

  /** Closes the segment, after a last try to save held events (reported when they are lost). */
  close(): void {
    if (this.held.length > 0 && !this.flushHeld()) {
      this.onProblem(
        `${this.held.length} event${this.held.length === 1 ? '' : 's'} could not be saved to ${this.eventsDir} (${this.failure}) and ${this.held.length === 1 ? 'is' : 'are'} lost.`,
      );
      this.held = [];
    }
    clearInterval(this.retry);
    this.retry = undefined;
    this.closeSegment();
  }

  private closeSegment(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already unusable; nothing more can be written to it
      }
    }
    this.fd = undefined;
  }
}

function newTag(): string {
  return randomBytes(4).toString('hex');
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'ENOSPC'
      ? ' (the disk is full)'
      : code === 'EFBIG'
        ? ' (over the file size limit)'
        : code === 'EDQUOT'
          ? ' (over the disk quota)'
          : '';
  return `${error.message}${hint}`;
}

function countNewlines(bytes: Buffer, end: number): number {
  let count = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < end; i = bytes.indexOf(0x0a, i + 1)) count++;
  return count;
}

/** This machine's name as it appears in segment file names. */
function hostTag(): string {
  return os.hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'host';
}

/** Whether the process that owns a segment can still append to it. */
function writerAlive(fileName: string): boolean {
  const m = SEGMENT_NAME.exec(fileName);
  if (!m) return false;
  if (m[2] !== hostTag()) return true; // another machine's writer: assume alive
  return processAlive(Number(m[3]));
}

/** The UTC day a segment was started, from its name; undefined for files seeded by hand. */
export function segmentDay(fileName: string): string | undefined {
  return SEGMENT_NAME.exec(fileName)?.[1];
}

export interface SegmentPosition {
  /** Bytes consumed: everything up to the last complete line (or a skipped torn tail). */
  offset: number;
  /** File identity, to notice a segment replaced under the same name. */
  ino: number;
}

export interface ReadResult {
  /** False when a segment was removed, replaced or truncated: totals must be rebuilt from scratch. */
  consistent: boolean;
  eventsRead: number;
}

const CHUNK = 4 * 1024 * 1024;

export interface SegmentReaderOptions {
  /** Decode long reads on a worker thread (see decodePool.ts). */
  decodeWorker?: DecodeWorkerOptions;
  /** Bytes read at a time (default 4 MB). */
  chunkBytes?: number;
}

function statOf(file: string): fs.Stats | Error {
  try {
    return fs.statSync(file);
  } catch (error) {
    return error as Error;
  }
}

/**
 * Reads only what was appended since the last call. A partial last line waits until its newline
 * arrives; if its writer has died (killed mid-write) it is skipped and reported once. A long read
 * may be decoded on a worker thread (options.decodeWorker): the events, their order, the positions
 * and the problems reported are those of a read on this thread.
 */
export class SegmentReader {
  readonly positions = new Map<string, SegmentPosition>();
  /** Segments (or the events folder itself) that could not be read on the last try. */
  readonly unreadable = new Set<string>();
  private readonly reportedMalformed = new Set<string>();

  constructor(
    private readonly eventsDir: string,
    private readonly onProblem: (message: string) => void,
    private readonly now: () => number = Date.now,
    private readonly options: SegmentReaderOptions = {},
  ) {}

  restore(positions: Record<string, SegmentPosition>): void {
    this.positions.clear();
    for (const [name, pos] of Object.entries(positions)) this.positions.set(name, { ...pos });
  }

  /** Segment names, oldest first (the names start with their UTC day). */
  listSegments(): string[] {
    try {
      return fs
        .readdirSync(this.eventsDir)
        .filter((n) => n.endsWith(COMPACT_SEGMENT_EXTENSION) || n.endsWith(JSON_SEGMENT_EXTENSION))
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /**
   * Reads what was appended to every segment since the last call. A segment that cannot be read is
   * named once through onProblem and left out (listed in `unreadable`); the others are counted.
   */
  readNew(onEvent: (e: UsageEvent) => void): ReadResult {
    let names: string[];
    try {
      names = this.listSegments();
    } catch (error) {
      this.unreadableOnce(
        EVENTS_DIR,
        `${this.eventsDir} could not be listed (${(error as Error).message}); no usage could be read from it.`,
      );
      return { consistent: true, eventsRead: 0 };
    }
    this.unreadable.delete(EVENTS_DIR);
    const present = new Set(names);
    for (const known of this.positions.keys()) {
      if (!present.has(known)) return { consistent: false, eventsRead: 0 };
    }
    // Every segment's size first: how much is unread decides where it is decoded.
    const stats = names.map((name) => statOf(path.join(this.eventsDir, name)));
    const decoding = this.decodingFor(stats, names, onEvent);
    const read: ReadResult = { consistent: true, eventsRead: 0 };
    // Everything read is counted before returning, also when a later segment is found replaced.
    const finished = (consistent: boolean): ReadResult => {
      decoding.finish();
      read.consistent = consistent;
      return read;
    };
    try {
      for (const [i, name] of names.entries()) {
        const stat = stats[i];
        if (stat instanceof Error) {
          if ((stat as NodeJS.ErrnoException).code === 'ENOENT') return finished(false); // removed meanwhile
          decoding.inTurn(() => this.segmentUnreadable(name, stat));
          continue;
        }
        if (!stat.isFile()) {
          decoding.inTurn(() => this.segmentUnreadable(name, new Error('it is not a file')));
          continue;
        }
        const known = this.positions.get(name);
        if (known && (known.ino !== stat.ino || stat.size < known.offset)) return finished(false);
        const position = known ?? { offset: 0, ino: stat.ino };
        this.positions.set(name, position);
        if (stat.size > position.offset) this.readSegment(name, position, stat.size, decoding, read);
        else decoding.inTurn(() => this.unreadable.delete(name));
      }
      return finished(true);
    } finally {
      decoding.dispose();
    }
  }

  /** Decoding on a worker thread for a long read when one is configured, else on this thread. */
  private decodingFor(stats: (fs.Stats | Error)[], names: string[], onEvent: (e: UsageEvent) => void): ChunkDecoding {
    const worker = this.options.decodeWorker;
    if (!worker) return new DecodeHere(onEvent);
    let unread = 0;
    for (const [i, stat] of stats.entries()) {
      if (!(stat instanceof Error)) unread += Math.max(0, stat.size - (this.positions.get(names[i])?.offset ?? 0));
    }
    return unread === 0 || unread < (worker.minBytes ?? DEFAULT_DECODE_WORKER_MIN_BYTES)
      ? new DecodeHere(onEvent)
      : new DecodePool(worker.file, onEvent, worker.chunksAhead);
  }

  private segmentUnreadable(name: string, error: Error): void {
    this.unreadableOnce(
      name,
      `${path.join(this.eventsDir, name)} could not be read (${error.message}); the usage in it is left out until it can be.`,
    );
  }

  private unreadableOnce(key: string, message: string): void {
    if (this.unreadable.has(key)) return;
    this.unreadable.add(key);
    this.onProblem(message);
  }

  /**
   * Reads a segment from `position` and hands its lines to `decoding`, chunk by chunk; the position
   * moves past every line counted (also when a read fails midway), as each chunk is counted.
   */
  private readSegment(name: string, position: SegmentPosition, size: number, decoding: ChunkDecoding, read: ReadResult): void {
    let fd: number;
    try {
      fd = fs.openSync(path.join(this.eventsDir, name), 'r');
    } catch (error) {
      decoding.inTurn(() => this.segmentUnreadable(name, error as Error));
      return;
    }
    const format = segmentFormatOf(name);
    const segment = { malformed: 0, firstProblem: '' };
    let readFailed = false;
    try {
      // Work on bytes, so a multi-byte character split across two reads is decoded whole.
      let carry: Buffer = Buffer.alloc(0);
      let readAt = position.offset;
      const chunkBytes = this.options.chunkBytes ?? CHUNK;
      while (readAt < size) {
        const data = decoding.allocate(carry.length + Math.min(decoding.nextChunkBytes(chunkBytes), size - readAt));
        carry.copy(data);
        let bytes: number;
        try {
          bytes = fs.readSync(fd, data, carry.length, data.length - carry.length, readAt);
        } catch (error) {
          decoding.inTurn(() => this.segmentUnreadable(name, error as Error));
          readFailed = true;
          break;
        }
        if (bytes === 0) break;
        readAt += bytes;
        const filled = carry.length + bytes;
        const lastNewline = data.lastIndexOf(0x0a, filled - 1);
        carry = Buffer.from(data.subarray(lastNewline + 1, filled));
        if (lastNewline === -1) continue;
        const offset = readAt - carry.length;
        decoding.chunk(data, lastNewline + 1, format, this.now(), (tally) => {
          read.eventsRead += tally.events;
          segment.malformed += tally.malformed;
          segment.firstProblem ||= tally.firstProblem;
          position.offset = offset;
        });
      }
      if (!readFailed && carry.length > 0 && !writerAlive(name)) {
        decoding.inTurn(() => {
          // The writer died mid-write: the torn record can never complete, so skip it for good.
          this.onProblem(
            `${EVENTS_DIR}/${name} ends with an incomplete record (its writer stopped mid-write); it was skipped. Everything before it is counted.`,
          );
          position.offset = size;
        });
      }
      if (!readFailed) decoding.inTurn(() => this.unreadable.delete(name));
    } finally {
      fs.closeSync(fd);
    }
    decoding.inTurn(() => {
      if (segment.malformed === 0 || this.reportedMalformed.has(name)) return;
      this.reportedMalformed.add(name);
      this.onProblem(
        `${EVENTS_DIR}/${name}: skipped ${segment.malformed} unreadable line${segment.malformed === 1 ? '' : 's'} (${segment.firstProblem}). The rest of the file is counted.`,
      );
    });
  }

  reset(): void {
    this.positions.clear();
    this.unreadable.clear();
  }
}
