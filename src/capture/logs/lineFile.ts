import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { isMalformedInput, MalformedRecordError } from './records';
import type { LineReader, LogRecord } from './types';

const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** One read buffer per thread, grown up to a chunk, so reading thousands of files allocates no more. */
let shared = Buffer.alloc(0);

function chunkBuffer(atLeast: number): Buffer {
  if (atLeast > CHUNK_BYTES) return Buffer.allocUnsafe(atLeast); // a rare line longer than a chunk: not kept
  if (shared.length < atLeast) shared = Buffer.allocUnsafe(atLeast);
  return shared;
}

/**
 * Finds the lines of a chunk that contain a needle by searching the chunk once per needle, ahead
 * of the lines asked about, rather than each line for each needle.
 */
class NeedleSearch {
  /** Per needle: where it occurs next at or after the last line asked about, -1 when nowhere. */
  private readonly next: number[];

  constructor(
    private readonly chunk: Buffer,
    private readonly needles: readonly Buffer[],
  ) {
    this.next = needles.map(() => -2);
  }

  /** Whether the line [start, end) contains a needle; lines are asked about in order. */
  within(start: number, end: number): boolean {
    let found = false;
    for (let i = 0; i < this.needles.length; i++) {
      let at = this.next[i];
      if (at !== -1 && at < start) this.next[i] = at = this.chunk.indexOf(this.needles[i], start);
      if (at !== -1 && at < end) found = true;
    }
    return found;
  }
}

export interface LinesRead {
  /** Bytes consumed: up to the last complete line. */
  offset: number;
  malformed: number;
}

/** Asks a read from the start for the hash of the file's first `length` bytes. */
export interface HeadRequest {
  length: number;
  /** Called with headHash of those bytes before any record of the file is handed over. */
  take(hash: string): void;
}

/** The identity of a file's first bytes, to notice a file rewritten in place. */
export function headHash(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex').slice(0, 16);
}

/**
 * Reads the complete lines of a JSON Lines file from `offset` up to `size` through `reader`, handing
 * over the records of each chunk as it goes. A partial last line is left for the next read.
 * Used by the scanner on its own thread and by the parse workers alike. Reading from the start, it
 * also hashes the head bytes (`head`), sparing the scanner a second open of a new file.
 */
export function readLineRecords(
  filePath: string,
  reader: LineReader,
  offset: number,
  size: number,
  onRecords: (records: LogRecord[], offset: number) => void,
  head?: HeadRequest,
): LinesRead {
  const fd = fs.openSync(filePath, 'r');
  let malformed = 0;
  try {
    let buffer = chunkBuffer(Math.min(CHUNK_BYTES, Math.max(4096, size - offset)));
    while (offset < size) {
      const length = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
      if (length <= 0) break;
      if (offset === 0 && head && length >= head.length) {
        head.take(headHash(buffer.subarray(0, head.length)));
        head = undefined;
      }
      const lastNewline = buffer.lastIndexOf(NEWLINE, length - 1);
      if (lastNewline === -1) {
        if (offset + length >= size) break; // a partial last line: wait for the rest
        buffer = chunkBuffer(buffer.length * 2); // a line longer than the buffer
        continue;
      }
      const records: LogRecord[] = [];
      const chunk = buffer.subarray(0, lastNewline + 1);
      const needles = reader.needles && new NeedleSearch(chunk, reader.needles);
      let start = 0;
      while (start <= lastNewline) {
        const end = chunk.indexOf(NEWLINE, start);
        if (end > start) {
          try {
            if (!needles || needles.within(start, end)) {
              for (const record of reader.line(chunk.toString('utf8', start, end))) records.push(record);
            } else if (chunk[start] !== OPEN_BRACE || chunk[end - 1] !== CLOSE_BRACE) {
              // Garbage or a torn line, counted as such even though its content would not matter.
              throw new MalformedRecordError('not a JSON object');
            }
          } catch (error) {
            if (!isMalformedInput(error)) throw error;
            malformed++;
          }
        }
        start = end + 1;
      }
      offset += lastNewline + 1;
      onRecords(records, offset);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { offset, malformed };
}
