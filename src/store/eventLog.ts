import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateUsageEvent, type UsageEvent } from '../core/events';

/**
 * The event log: `events/*.jsonl` in the data directory, one UsageEvent JSON object per line.
 *
 * Every writer (a VS Code window, a headless gateway) appends only to segment files of its own,
 * named `<UTC day>_<host>_<pid>_<random>.jsonl`, so several processes write without locks; a
 * new segment starts each UTC day so retention can delete whole files. Each event is one write()
 * of a whole line, so an event whose record() returned survives a kill -9 of its process.
 */

export const EVENTS_DIR = 'events';
const SEGMENT_NAME = /^(\d{4}-\d{2}-\d{2})_(.+)_(\d+)_([a-z0-9]+)\.jsonl$/;

function utcDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

export class SegmentWriter {
  private fd: number | undefined;
  private day = '';
  private readonly tag = randomBytes(4).toString('hex');
  private readonly host = hostTag();

  constructor(
    private readonly eventsDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  append(event: UsageEvent): void {
    this.appendMany([event]);
  }

  /** One write for many events, so a bulk import costs one syscall per batch, not per event. */
  appendMany(events: readonly UsageEvent[]): void {
    if (events.length === 0) return;
    const today = utcDay(this.now());
    if (this.fd === undefined || today !== this.day) this.open(today);
    let text = '';
    for (const event of events) text += `${JSON.stringify(event)}\n`;
    const written = fs.writeSync(this.fd!, text);
    if (this.position) this.position.size += written;
  }

  /** This writer's segment and its size after the last append; undefined before the first. */
  get segment(): Readonly<{ name: string; ino: number; size: number }> | undefined {
    return this.position && { ...this.position };
  }

  private position: { name: string; ino: number; size: number } | undefined;

  private open(day: string): void {
    this.close();
    fs.mkdirSync(this.eventsDir, { recursive: true });
    this.day = day;
    const name = `${day}_${this.host}_${process.pid}_${this.tag}.jsonl`;
    this.fd = fs.openSync(path.join(this.eventsDir, name), 'a', 0o600);
    const stat = fs.fstatSync(this.fd);
    this.position = { name, ino: stat.ino, size: stat.size };
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
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
  try {
    process.kill(Number(m[3]), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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

/**
 * Reads only what was appended since the last call. A partial last line waits until its newline
 * arrives; if its writer has died (killed mid-write) it is skipped and reported once.
 */
export class SegmentReader {
  readonly positions = new Map<string, SegmentPosition>();
  private readonly reportedMalformed = new Set<string>();

  constructor(
    private readonly eventsDir: string,
    private readonly onProblem: (message: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  restore(positions: Record<string, SegmentPosition>): void {
    this.positions.clear();
    for (const [name, pos] of Object.entries(positions)) this.positions.set(name, { ...pos });
  }

  /** Segment names, oldest first (the names start with their UTC day). */
  listSegments(): string[] {
    try {
      return fs.readdirSync(this.eventsDir).filter((n) => n.endsWith('.jsonl')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  readNew(onEvent: (e: UsageEvent) => void): ReadResult {
    const names = this.listSegments();
    const present = new Set(names);
    for (const known of this.positions.keys()) {
      if (!present.has(known)) return { consistent: false, eventsRead: 0 };
    }
    let eventsRead = 0;
    for (const name of names) {
      const file = path.join(this.eventsDir, name);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        return { consistent: false, eventsRead };
      }
      const known = this.positions.get(name);
      if (known && (known.ino !== stat.ino || stat.size < known.offset)) return { consistent: false, eventsRead };
      const position = known ?? { offset: 0, ino: stat.ino };
      if (stat.size > position.offset) eventsRead += this.readSegment(name, file, position, stat.size, onEvent);
      this.positions.set(name, position);
    }
    return { consistent: true, eventsRead };
  }

  private readSegment(name: string, file: string, position: SegmentPosition, size: number, onEvent: (e: UsageEvent) => void): number {
    const fd = fs.openSync(file, 'r');
    let count = 0;
    let malformed = 0;
    let firstProblem = '';
    try {
      // Work on bytes, so a multi-byte character split across two reads is decoded whole.
      let carry: Buffer = Buffer.alloc(0);
      let consumed = position.offset;
      let readAt = position.offset;
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, size - position.offset));
      while (readAt < size) {
        const bytes = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - readAt), readAt);
        if (bytes === 0) break;
        readAt += bytes;
        const data = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, bytes)]) : buffer.subarray(0, bytes);
        const lastNewline = data.lastIndexOf(0x0a);
        if (lastNewline === -1) {
          carry = Buffer.from(data);
          continue;
        }
        const text = data.toString('utf8', 0, lastNewline);
        carry = Buffer.from(data.subarray(lastNewline + 1));
        consumed = readAt - carry.length;
        for (const line of text.split('\n')) {
          if (line === '') continue;
          const problem = this.parseLine(line, this.now(), onEvent);
          if (problem === undefined) count++;
          else {
            malformed++;
            firstProblem ||= problem;
          }
        }
      }
      position.offset = consumed;
      if (carry.length > 0 && !writerAlive(name)) {
        // The writer died mid-write: the torn record can never complete, so skip it for good.
        this.onProblem(`${EVENTS_DIR}/${name} ends with an incomplete record (its writer stopped mid-write); it was skipped. Everything before it is counted.`);
        position.offset = size;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (malformed > 0 && !this.reportedMalformed.has(name)) {
      this.reportedMalformed.add(name);
      this.onProblem(`${EVENTS_DIR}/${name}: skipped ${malformed} unreadable line${malformed === 1 ? '' : 's'} (${firstProblem}). The rest of the file is counted.`);
    }
    return count;
  }

  private parseLine(line: string, now: number, onEvent: (e: UsageEvent) => void): string | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return 'not JSON';
    }
    try {
      onEvent(validateUsageEvent(parsed, now));
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  reset(): void {
    this.positions.clear();
  }
}
