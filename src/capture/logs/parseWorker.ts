import { workerData } from 'node:worker_threads';
import { readLineRecords } from './lineFile';
import type { ParseReply, ParseRequest, ParseResult, ParseWorkerData } from './parsePool';
import { adapterFor } from './registry';
import type { LogRecord } from './types';

/** A parse worker of ParsePool (bundled as dist/parseWorker.js): reads one line file per request. */

const { port, replies } = workerData as ParseWorkerData;
const counter = new Int32Array(replies);

/** A reader's saved state is plain JSON. */
function copyOf(saved: unknown): unknown {
  return saved === undefined ? undefined : JSON.parse(JSON.stringify(saved));
}

function parse(request: ParseRequest): ParseResult {
  const { job } = request;
  const adapter = adapterFor(job.source);
  if (!adapter) return { ok: false, error: `no adapter for ${job.source}` };
  const opened = adapter.open(job.file, job.saved);
  if (opened.kind !== 'lines') return { ok: false, error: `${job.file.path} is not a line file` };
  const records: LogRecord[] = [];
  const read = readLineRecords(job.file.path, opened.reader, job.offset, job.size, (chunk) => {
    for (const record of chunk) records.push(record);
  });
  // A copy: flushing may change what save() handed out.
  const savedHolding = copyOf(opened.reader.save());
  const flushed = job.flush && opened.reader.flush !== undefined;
  const held = flushed ? opened.reader.flush!() : [];
  return {
    ok: true,
    records,
    held,
    offset: read.offset,
    saved: flushed ? opened.reader.save() : savedHolding,
    savedHolding,
    malformed: read.malformed,
    flushed,
  };
}

port.on('message', (request: ParseRequest) => {
  let result: ParseResult;
  try {
    result = parse(request);
  } catch (error) {
    result = { ok: false, error: (error as Error).message };
  }
  // One string is copied across threads far faster than a structured clone of many small objects.
  port.postMessage({ id: request.id, result: JSON.stringify(result) } satisfies ParseReply);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
});
