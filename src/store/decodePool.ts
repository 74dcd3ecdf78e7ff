import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { UsageEvent } from '../core/events';
import { ChunkDecoder, type ChunkTally, type SegmentFormat } from './eventCodec';
import { unpackEvents, type PackedEvents } from './packedEvents';

/**
 * Decoding the event log's chunks, in the order they were read: on the reading thread (DecodeHere),
 * or, for a long read, on a worker thread (DecodePool) while the reading thread counts the events
 * of the chunks before. Either way the reader stays synchronous and sees the same events, tallies
 * and steps in the same order.
 */
export interface ChunkDecoding {
  /** How many bytes to read for the next chunk, at most `most`. */
  nextChunkBytes(most: number): number;
  /** A buffer to read a chunk into. */
  allocate(size: number): Buffer;
  /**
   * Decodes the whole lines `bytes[0, length)`: calls onEvent with their events, then `done` with
   * their tally, after everything handed in before.
   */
  chunk(bytes: Buffer, length: number, format: SegmentFormat, now: number, done: (tally: ChunkTally) => void): void;
  /** Runs `step` after everything handed in before. */
  inTurn(step: () => void): void;
  /** Runs everything still pending. */
  finish(): void;
  dispose(): void;
}

export class DecodeHere implements ChunkDecoding {
  private readonly decoder = new ChunkDecoder();

  constructor(private readonly onEvent: (e: UsageEvent) => void) {}

  nextChunkBytes(most: number): number {
    return most;
  }

  allocate(size: number): Buffer {
    return Buffer.allocUnsafe(size);
  }

  chunk(bytes: Buffer, length: number, format: SegmentFormat, now: number, done: (tally: ChunkTally) => void): void {
    done(this.decoder.decode(bytes.toString('utf8', 0, length), format, now, this.onEvent));
  }

  inTurn(step: () => void): void {
    step();
  }

  finish(): void {}

  dispose(): void {}
}

export interface DecodeWorkerOptions {
  /** The bundled worker, dist/decodeWorker.js. */
  file: string;
  /** A read of fewer unread bytes than this decodes on its own thread, starting no worker (default 6 MB). */
  minBytes?: number;
  /** Chunks handed to the worker and not yet counted (default 4, about 16 MB of the log). */
  chunksAhead?: number;
}

/** About 60,000 compact lines: less than that is decoded sooner than a worker starts. */
export const DEFAULT_DECODE_WORKER_MIN_BYTES = 6 * 1024 * 1024;
const DEFAULT_CHUNKS_AHEAD = 4;
/**
 * The first chunks handed to the worker are small and grow from this to the reader's size: until
 * the first reply is in this thread has nothing to count, so it should come soon.
 */
const FIRST_CHUNK_BYTES = 256 * 1024;
/** A worker that answers nothing for this long is taken for dead (a chunk takes it well under a second). */
const STALL_MS = 10_000;

/** The decode worker when this runs from the bundles (dist/), where dist/decodeWorker.js sits. */
export function bundledDecodeWorker(): DecodeWorkerOptions | undefined {
  const file = path.join(__dirname, 'decodeWorker.js');
  return fs.existsSync(file) ? { file } : undefined;
}

export interface DecodeWorkerData {
  port: MessagePort;
  /** Int32Array over it: SIGNALS counts replies (and the worker's exit), READY is 1 once it takes requests, EXITED once it exits. */
  signals: SharedArrayBuffer;
}

export const SIGNALS = 0;
export const READY = 1;
export const EXITED = 2;

export interface DecodeRequest {
  id: number;
  /** The chunk's bytes, shared, not copied: the reading thread keeps them until the reply is in. */
  bytes: SharedArrayBuffer;
  length: number;
  format: SegmentFormat;
  now: number;
}

export type DecodeReply = { id: number } & (
  | { outcome: 'decoded'; events: PackedEvents; tally: ChunkTally }
  /** An event packing cannot carry exactly: the reading thread decodes this chunk itself. */
  | { outcome: 'unpackable' }
  | { outcome: 'failed'; error: string }
);

type Pending =
  | { kind: 'step'; step: () => void }
  | {
      kind: 'chunk';
      /** The request's id; undefined when the chunk was never handed to the worker. */
      id: number | undefined;
      bytes: Buffer;
      length: number;
      format: SegmentFormat;
      now: number;
      done: (tally: ChunkTally) => void;
    };

/**
 * Decodes chunks on one worker thread, a few chunks ahead of the one being counted. The chunks'
 * bytes are shared with the worker (never copied), so if the worker fails (dies, stops answering,
 * answers with an error) the chunks it had are decoded here instead, with the same results: a
 * worker's failure costs time, never events, and is never thrown.
 */
export class DecodePool implements ChunkDecoding {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private readonly signals = new Int32Array(new SharedArrayBuffer(12));
  private readonly here: DecodeHere;
  /** Chunks and steps not yet done, in order. */
  private readonly queue: Pending[] = [];
  private readonly replies = new Map<number, DecodeReply>();
  private inFlight = 0;
  private nextId = 0;
  /** Chunks decoded on this thread (while the worker started, or after it failed). */
  decodedHere = 0;

  constructor(
    file: string,
    private readonly onEvent: (e: UsageEvent) => void,
    private readonly chunksAhead = DEFAULT_CHUNKS_AHEAD,
    private readonly stallMs = STALL_MS,
  ) {
    this.here = new DecodeHere(onEvent);
    // A missing worker file would only be noticed after the stall time.
    if (!fs.existsSync(file)) return;
    try {
      const { port1, port2 } = new MessageChannel();
      const data: DecodeWorkerData = { port: port2, signals: this.signals.buffer as SharedArrayBuffer };
      this.worker = new Worker(file, { workerData: data, transferList: [port2] });
      // A worker that fails (to start, or later) is seen here by its silence and replaced by this
      // thread; its error, delivered to this thread's event loop afterwards, is nobody's to throw.
      this.worker.on('error', () => {});
      this.worker.unref();
      this.port = port1;
    } catch {
      this.stopWorker();
    }
  }

  nextChunkBytes(most: number): number {
    return this.worker ? Math.min(most, FIRST_CHUNK_BYTES * 2 ** Math.min(this.nextId, 8)) : most;
  }

  allocate(size: number): Buffer {
    return this.worker ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafe(size);
  }

  chunk(bytes: Buffer, length: number, format: SegmentFormat, now: number, done: (tally: ChunkTally) => void): void {
    while (this.worker && this.inFlight >= this.chunksAhead) this.doNext();
    // Until the worker has started (which takes longer than decoding a few chunks), this thread
    // decodes them itself; nothing was handed out yet, so nothing is pending before them.
    if (!this.worker || (this.nextId === 0 && Atomics.load(this.signals, READY) === 0)) {
      this.finish();
      this.decodedHere++;
      this.here.chunk(bytes, length, format, now, done);
      return;
    }
    const id = this.nextId++;
    this.port!.postMessage({ id, bytes: bytes.buffer as SharedArrayBuffer, length, format, now } satisfies DecodeRequest);
    this.inFlight++;
    this.queue.push({ kind: 'chunk', id, bytes, length, format, now, done });
  }

  inTurn(step: () => void): void {
    if (this.queue.length === 0) step();
    else this.queue.push({ kind: 'step', step });
  }

  finish(): void {
    while (this.queue.length > 0) this.doNext();
  }

  dispose(): void {
    this.stopWorker();
    this.queue.length = 0;
    this.replies.clear();
  }

  /** Does the oldest pending chunk or step, waiting for the worker's reply when it is a chunk. */
  private doNext(): void {
    const next = this.queue.shift()!;
    if (next.kind === 'step') {
      next.step();
      return;
    }
    this.inFlight--;
    const reply = next.id === undefined ? undefined : this.replyTo(next.id);
    if (reply?.outcome === 'decoded') {
      unpackEvents(reply.events, next.format, this.onEvent);
      next.done(reply.tally);
      return;
    }
    this.decodedHere++;
    this.here.chunk(next.bytes, next.length, next.format, next.now, next.done);
  }

  /** The worker's reply to request `id`, or undefined when the worker failed (it is stopped then). */
  private replyTo(id: number): DecodeReply | undefined {
    let waitedSince = Date.now();
    while (this.worker) {
      const seen = Atomics.load(this.signals, SIGNALS);
      let received = false;
      for (let message = receiveMessageOnPort(this.port!); message; message = receiveMessageOnPort(this.port!)) {
        const reply = message.message as DecodeReply;
        this.replies.set(reply.id, reply);
        received = true;
      }
      const reply = this.replies.get(id);
      if (reply) {
        this.replies.delete(id);
        if (reply.outcome === 'failed') this.stopWorker();
        return reply;
      }
      if (received) waitedSince = Date.now();
      if (Atomics.load(this.signals, EXITED) === 1 || Date.now() - waitedSince > this.stallMs) break;
      Atomics.wait(this.signals, SIGNALS, seen, Math.min(1000, this.stallMs));
    }
    this.stopWorker();
    return undefined;
  }

  private stopWorker(): void {
    this.port?.close();
    void this.worker?.terminate();
    this.port = undefined;
    this.worker = undefined;
  }
}
