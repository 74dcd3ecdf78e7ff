import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { isMalformedInput } from './records';
import type { LineReader, LogRecord } from './types';

const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** One read buffer per thread, grown up to a chunk, so reading thousands of files allocates no more. */
let shared = Buffer.alloc(0);

function chunkBuffer(atLeast: number): Buffer {
  if (atLeast > CHUNK_BYTES) return Buffer.allocUnsafe(atLeast); // a rare line longer than a chunk: not kept
  if (shared.length < atLeast) shared = Buffer.allocUnsafe(atLeast);
  return shared;
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
      let start = 0;
      while (start <= lastNewline) {
        const end = buffer.indexOf(NEWLINE, start);
        if (end > start) {
          try {
            const found = reader.lineBytes
              ? reader.lineBytes(buffer.subarray(start, end))
              : reader.line(buffer.toString('utf8', start, end));
            for (const record of found) records.push(record);
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
