import { validateUsageEvent } from '../../core/events';
import { readLineRecords } from './lineFile';
import type { ParseJob, ParseResult } from './parsePool';
import { adapterFor } from './registry';
import type { LogRecord } from './types';

/**
 * Parses one line file as a ParsePool job: on a parse worker (dist/parseWorker.js), or on the pool's
 * own thread when it would otherwise wait for a worker.
 */

/** A reader's saved state is plain JSON. */
function copyOf(saved: unknown): unknown {
  return saved === undefined ? undefined : JSON.parse(JSON.stringify(saved));
}

/**
 * Records whose usage events pass validateUsageEvent, checked here rather than on the delivering
 * thread, which every other file waits for; the reasons of those that do not are kept.
 */
function validRecords(records: LogRecord[], now: number, invalid: string[]): LogRecord[] {
  const valid: LogRecord[] = [];
  for (const record of records) {
    if (record.kind !== 'usage') {
      valid.push(record);
      continue;
    }
    try {
      valid.push({ ...record, event: validateUsageEvent(record.event, now) });
    } catch (error) {
      invalid.push((error as Error).message);
    }
  }
  return valid;
}

export function parseJob(job: ParseJob): ParseResult {
  const adapter = adapterFor(job.source);
  if (!adapter) return { ok: false, error: `no adapter for ${job.source}` };
  const opened = adapter.open(job.file, job.saved);
  if (opened.kind !== 'lines') return { ok: false, error: `${job.file.path} is not a line file` };
  let records: LogRecord[] = [];
  let head: string | undefined;
  const read = readLineRecords(
    job.file.path,
    opened.reader,
    job.offset,
    job.size,
    (chunk) => {
      for (const record of chunk) records.push(record);
    },
    job.headLength === undefined ? undefined : { length: job.headLength, take: (hash) => (head = hash) },
  );
  const invalid: string[] = [];
  records = validRecords(records, job.now, invalid);
  // A copy: flushing may change what save() handed out.
  const savedHolding = copyOf(opened.reader.save());
  const flushed = job.flush && opened.reader.flush !== undefined;
  const held = flushed ? validRecords(opened.reader.flush!(), job.now, invalid) : [];
  return {
    ok: true,
    records,
    held,
    offset: read.offset,
    saved: flushed ? opened.reader.save() : savedHolding,
    savedHolding,
    malformed: read.malformed,
    flushed,
    invalid,
    ...(head === undefined ? {} : { head }),
  };
}
