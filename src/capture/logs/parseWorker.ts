import { workerData } from 'node:worker_threads';
import { packRecords } from './packedRecords';
import { parseJob } from './parseJob';
import type { PackedParseResult, ParseReply, ParseRequest, ParseWorkerData } from './parsePool';

/** A parse worker of ParsePool (bundled as dist/parseWorker.js): reads one line file per request. */

const { port, replies } = workerData as ParseWorkerData;
const counter = new Int32Array(replies);

function parse(request: ParseRequest): PackedParseResult {
  const result = parseJob(request.job);
  return result.ok ? { ...result, records: packRecords(result.records), held: packRecords(result.held) } : result;
}

port.on('message', (request: ParseRequest) => {
  let result: PackedParseResult;
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
