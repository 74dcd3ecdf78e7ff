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
  /** Each chunk is decoded before the next is read, so one buffer serves the whole read. */
  private buffer: Buffer | undefined;

  constructor(private readonly onEvent: (e: UsageEvent) => void) {}

  nextChunkBytes(most: number): number {
    return most;
  }

  allocate(size: number): Buffer {
    if (!this.buffer || this.buffer.length < size) this.buffer = Buffer.allocUnsafe(size);
    return this.buffer.subarray(0, size);
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
  /** Chunks read and not yet counted (default 4, about 16 MB of the log): handed to the worker, or left for this thread. */
  chunksAhead?: number;
}

/** About 60,000 compact lines: less than that is decoded sooner than a worker starts. */
export const DEFAULT_DECODE_WORKER_MIN_BYTES = 6 * 1024 * 1024;
const DEFAULT_CHUNKS_AHEAD = 4;
/**
 * Chunks the worker holds at a time; later ones are left for this thread to take while it waits.
 * Two, so that the worker has the next chunk to start on while this thread still counts: with one,
 * it sat idle for a third of a 1,000,000-event recount while the counting thread, the slower of the
 * two, decoded a quarter of the chunks itself.
 */
const WORKER_AHEAD = 2;
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

interface PendingChunk {
  kind: 'chunk';
  /** The request's id once the chunk is handed to the worker. */
  id: number | undefined;
  bytes: Buffer;
  length: number;
  format: SegmentFormat;
  now: number;
  done: (tally: ChunkTally) => void;
  /** Decoded here ahead of its turn (while this thread waited for the worker): delivered in its turn. */
  decoded?: { events: UsageEvent[]; tally: ChunkTally };
}

type Pending = { kind: 'step'; step: () => void } | PendingChunk;

/**
 * Decodes chunks on one worker thread, a few chunks ahead of the one being counted. The worker is
 * handed at most WORKER_AHEAD chunks at a time; while this thread waits for one of them it decodes
 * a later chunk itself (delivered in its turn), so when counting is cheaper than decoding both
 * threads decode. The chunks' bytes are shared with the worker (never copied), so if the worker
 * fails (dies, stops answering, answers with an error) the chunks it had are decoded here instead,
 * with the same results: a worker's failure costs time, never events, and is never thrown.
 */
export class DecodePool implements ChunkDecoding {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private readonly signals = new Int32Array(new SharedArrayBuffer(12));
  private readonly here: DecodeHere;
  /** Decodes the chunks this thread takes ahead of their turn. */
  private readonly ahead = new ChunkDecoder();
  /** Chunks and steps not yet done, in order. */
  private readonly queue: Pending[] = [];
  private readonly replies = new Map<number, DecodeReply>();
  /** Chunks in the queue. */
  private chunks = 0;
  /** Chunks handed to the worker and not answered yet. */
  private handedOut = 0;
  private nextId = 0;
  /** Chunks decoded on this thread (while the worker started, while this thread waited for it, or after it failed). */
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
    // Until the worker has started (which takes longer than decoding a few chunks), this thread
    // decodes them itself; nothing was handed out yet, so nothing is pending before them.
    if (!this.worker || (this.nextId === 0 && Atomics.load(this.signals, READY) === 0)) {
      this.finish();
      this.decodedHere++;
      this.here.chunk(bytes, length, format, now, done);
      return;
    }
    this.queue.push({ kind: 'chunk', id: undefined, bytes, length, format, now, done });
    this.chunks++;
    this.handOut();
    while (this.chunks > this.chunksAhead) this.doNext();
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

  /** Takes the worker's replies that are in, and hands it the next chunks, up to WORKER_AHEAD. */
  private handOut(): boolean {
    let received = false;
    for (let message = this.port && receiveMessageOnPort(this.port); message; message = receiveMessageOnPort(this.port!)) {
      const reply = message.message as DecodeReply;
      this.replies.set(reply.id, reply);
      this.handedOut--;
      received = true;
    }
    for (const next of this.queue) {
      if (!this.worker || this.handedOut >= WORKER_AHEAD) break;
      if (next.kind !== 'chunk' || next.id !== undefined || next.decoded) continue;
      next.id = this.nextId++;
      const request: DecodeRequest = {
        id: next.id,
        bytes: next.bytes.buffer as SharedArrayBuffer,
        length: next.length,
        format: next.format,
        now: next.now,
      };
      this.port!.postMessage(request);
      this.handedOut++;
    }
    return received;
  }

  /** Does the oldest pending chunk or step, waiting for the worker's reply when it is a chunk handed to it. */
  private doNext(): void {
    const next = this.queue[0];
    if (next.kind === 'chunk' && next.id !== undefined && !next.decoded) this.awaitReply(next.id);
    this.queue.shift();
    if (next.kind === 'step') {
      next.step();
      return;
    }
    this.chunks--;
    const reply = next.id === undefined ? undefined : this.replies.get(next.id);
    if (next.id !== undefined) this.replies.delete(next.id);
    if (next.decoded) {
      for (const event of next.decoded.events) this.onEvent(event);
      next.done(next.decoded.tally);
    } else if (reply?.outcome === 'decoded') {
      unpackEvents(reply.events, next.format, this.onEvent);
      next.done(reply.tally);
    } else {
      this.decodedHere++;
      this.here.chunk(next.bytes, next.length, next.format, next.now, next.done);
    }
  }

  /**
   * Waits until the worker's reply to request `id` is in, decoding chunks not handed to it
   * meanwhile; stops the worker when it fails (its chunks are then decoded here).
   */
  private awaitReply(id: number): void {
    let waitedSince = Date.now();
    while (this.worker) {
      const seen = Atomics.load(this.signals, SIGNALS);
      if (this.handOut()) waitedSince = Date.now();
      const reply = this.replies.get(id);
      if (reply) {
        if (reply.outcome === 'failed') this.stopWorker();
        return;
      }
      if (this.decodeAhead()) {
        waitedSince = Date.now();
        continue;
      }
      if (Atomics.load(this.signals, EXITED) === 1 || Date.now() - waitedSince > this.stallMs) break;
      Atomics.wait(this.signals, SIGNALS, seen, Math.min(1000, this.stallMs));
    }
    this.stopWorker();
  }

  /** Decodes here the first chunk nobody has taken yet, to be delivered in its turn; false when there is none. */
  private decodeAhead(): boolean {
    const next = this.queue.find((p): p is PendingChunk => p.kind === 'chunk' && p.id === undefined && !p.decoded);
    if (!next) return false;
    const events: UsageEvent[] = [];
    const tally = this.ahead.decode(next.bytes.toString('utf8', 0, next.length), next.format, next.now, (e) => events.push(e));
    next.decoded = { events, tally };
    this.decodedHere++;
    return true;
  }

  private stopWorker(): void {
    this.port?.close();
    void this.worker?.terminate();
    this.port = undefined;
    this.worker = undefined;
  }
}
