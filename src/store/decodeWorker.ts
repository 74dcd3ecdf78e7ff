import { workerData } from 'node:worker_threads';
import { ChunkDecoder } from './eventCodec';
import { EXITED, READY, SIGNALS, type DecodeReply, type DecodeRequest, type DecodeWorkerData } from './decodePool';
import { EventPacker } from './packedEvents';

/** The decode worker of DecodePool (bundled as dist/decodeWorker.js): decodes one chunk of the event log per request. */

const { port, signals } = workerData as DecodeWorkerData;
const counter = new Int32Array(signals);
const decoder = new ChunkDecoder();

function signal(): void {
  Atomics.add(counter, SIGNALS, 1);
  Atomics.notify(counter, SIGNALS);
}

/** Lines in the chunk: at most one event each. */
function linesIn(bytes: Buffer): number {
  let lines = 0;
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) lines++;
  return lines;
}

port.on('message', (request: DecodeRequest) => {
  let reply: DecodeReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const bytes = Buffer.from(request.bytes, 0, request.length);
    const packer = new EventPacker(linesIn(bytes));
    let packable = true;
    const tally = decoder.decode(bytes.toString('utf8'), request.format, request.now, (e) => {
      packable &&= packer.add(e);
    });
    if (packable) {
      const finished = packer.finish();
      transfer = finished.transfer;
      reply = { id: request.id, outcome: 'decoded', events: finished.packed, tally };
    } else reply = { id: request.id, outcome: 'unpackable' };
  } catch (error) {
    reply = { id: request.id, outcome: 'failed', error: (error as Error).message };
  }
  port.postMessage(reply, transfer);
  signal();
});

// The reading thread blocks while it waits: it learns that this thread is gone from this flag, not from an event.
process.on('exit', () => {
  Atomics.store(counter, EXITED, 1);
  signal();
});
Atomics.store(counter, READY, 1);
