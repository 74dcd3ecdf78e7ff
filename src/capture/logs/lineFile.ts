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

/**
 * Reads the complete lines of a JSON Lines file from `offset` up to `size` through `reader`, handing
 * over the records of each chunk as it goes. A partial last line is left for the next read.
 * Used by the scanner on its own thread and by the parse workers alike.
 */
export function readLineRecords(
  filePath: string,
  reader: LineReader,
  offset: number,
  size: number,
  onRecords: (records: LogRecord[], offset: number) => void,
): LinesRead {
  const fd = fs.openSync(filePath, 'r');
  let malformed = 0;
  try {
    let buffer = chunkBuffer(Math.min(CHUNK_BYTES, Math.max(4096, size - offset)));
    while (offset < size) {
      const length = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
      if (length <= 0) break;
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
