import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { LogFile, LogRecord } from './types';

/**
 * Parses line files on worker threads, one per core, for a first read of a long history. The
 * scanner stays synchronous: it blocks on a shared counter (Atomics.wait) until the next file's
 * result is in, and takes results in the files' order, so delivery, de-duplication and crash
 * safety are exactly those of a read on one thread.
 */

export interface ParseJob {
  file: LogFile;
  /** The adapter's source. */
  source: string;
  offset: number;
  size: number;
  /** The reader's saved state, as LineReader.save() gave it. */
  saved: unknown;
  /** Whether the file is quiet, so records still held back are to be counted. */
  flush: boolean;
}

export type ParseResult =
  | {
      ok: true;
      /** Records of the lines read. */
      records: LogRecord[];
      /** Records the reader held back, flushed because the file was quiet (`flushed`). */
      held: LogRecord[];
      offset: number;
      /** The reader's state after the lines and the flush. */
      saved: unknown;
      /** The reader's state after the lines, still holding what it held back. */
      savedHolding: unknown;
      malformed: number;
      flushed: boolean;
    }
  | { ok: false; error: string };

export interface ParseRequest {
  id: number;
  job: ParseJob;
}

export interface ParseReply {
  id: number;
  /** The ParseResult as JSON. */
  result: string;
}

export interface ParseWorkerData {
  port: MessagePort;
  /** Int32Array over a SharedArrayBuffer: index 0 counts replies. */
  replies: SharedArrayBuffer;
}

/** How many files may be parsed ahead of the one being delivered, to bound memory. */
const AHEAD = 16;
const YOUNG_GENERATION_MB = 4;
/** A worker that answers nothing for this long is taken for dead. */
const STALL_MS = 60_000;

interface Slot {
  worker: Worker;
  port: MessagePort;
  job: number | undefined;
}

export class ParsePool {
  private readonly slots: Slot[] = [];
  private readonly replies = new Int32Array(new SharedArrayBuffer(4));

  constructor(workerFile: string, size: number) {
    for (let i = 0; i < size; i++) {
      const { port1, port2 } = new MessageChannel();
      const data: ParseWorkerData = { port: port2, replies: this.replies.buffer as SharedArrayBuffer };
      // Parsing makes only short-lived garbage: a small young generation keeps each worker's memory low.
      const worker = new Worker(workerFile, {
        workerData: data,
        transferList: [port2],
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      });
      worker.unref();
      this.slots.push({ worker, port: port1, job: undefined });
    }
  }

  /** Each job's result, in the jobs' order. */
  *parse(jobs: readonly ParseJob[]): Generator<ParseResult> {
    const done = new Map<number, ParseResult>();
    let next = 0;
    for (let wanted = 0; wanted < jobs.length; wanted++) {
      let waitedSince = Date.now();
      while (!done.has(wanted)) {
        for (const slot of this.slots) {
          if (slot.job === undefined && next < jobs.length && next < wanted + AHEAD) {
            slot.job = next;
            slot.port.postMessage({ id: next, job: jobs[next] } satisfies ParseRequest);
            next++;
          }
        }
        const seen = Atomics.load(this.replies, 0);
        let received = false;
        for (const slot of this.slots) {
          const message = slot.job === undefined ? undefined : receiveMessageOnPort(slot.port);
          if (!message) continue;
          const reply = message.message as ParseReply;
          done.set(reply.id, JSON.parse(reply.result) as ParseResult);
          slot.job = undefined;
          received = true;
        }
        if (received) {
          waitedSince = Date.now();
          continue;
        }
        if (Date.now() - waitedSince > STALL_MS) throw new Error('a log parsing worker stopped answering');
        Atomics.wait(this.replies, 0, seen, 1000);
      }
      const result = done.get(wanted)!;
      done.delete(wanted);
      yield result;
    }
  }

  dispose(): void {
    for (const slot of this.slots) {
      slot.port.close();
      void slot.worker.terminate();
    }
    this.slots.length = 0;
  }
}
