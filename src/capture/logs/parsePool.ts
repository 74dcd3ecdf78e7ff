import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { unpackRecords, type PackedRecords } from './packedRecords';
import { parseJob } from './parseJob';
import type { LogFile, LogRecord } from './types';

/**
 * Parses line files on worker threads for a first read of a long history. The scanner stays
 * synchronous and takes results in the files' order, so delivery, de-duplication and crash safety
 * are exactly those of a read on one thread. While the file it wants next is still being parsed it
 * parses a later one itself (rather than blocking), so its own core works too; only when every file
 * within the window is handed out does it block on a shared counter (Atomics.wait).
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
  /** The time usage events are checked against (none may lie in the future). */
  now: number;
  /** Reading from the start: hash this many head bytes (readLineRecords). */
  headLength?: number;
}

export type ParseResult =
  | {
      ok: true;
      /** Records of the lines read; their usage events are checked already (validateUsageEvent). */
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
      /** Why records were left out: usage events that failed validateUsageEvent. */
      invalid: string[];
      /** The hash of the head bytes, when asked for. */
      head?: string;
    }
  | { ok: false; error: string };

export interface ParseRequest {
  id: number;
  job: ParseJob;
}

/** A ParseResult as a worker sends it: its records packed (packedRecords.ts). */
export type PackedParseResult =
  | (Omit<Extract<ParseResult, { ok: true }>, 'records' | 'held'> & { records: PackedRecords; held: PackedRecords })
  | Extract<ParseResult, { ok: false }>;

export interface ParseReply {
  id: number;
  /** The PackedParseResult as JSON. */
  result: string;
}

function unpack(result: PackedParseResult): ParseResult {
  return result.ok ? { ...result, records: unpackRecords(result.records), held: unpackRecords(result.held) } : result;
}

export interface ParseWorkerData {
  port: MessagePort;
  /** Int32Array over a SharedArrayBuffer: index 0 counts replies. */
  replies: SharedArrayBuffer;
}

/**
 * How many files, and how many of their bytes, may be parsed ahead of the one being delivered:
 * enough that neither a worker nor this thread waits (a long history has many small sub-agent
 * files, and with 64 this thread ran out of files to parse and waited a sixth of a cold read), few
 * enough to bound memory (a parsed file waits here as the JSON string it came as).
 */
const AHEAD_FILES = 256;
const AHEAD_BYTES = 64 * 1024 * 1024;
/**
 * Unanswered bytes a worker is given at most beyond the wanted file: enough that it never idles
 * between replies, few enough that the files after them are left for this thread to take.
 */
const DEFAULT_WORKER_QUEUE_BYTES = 16 * 1024 * 1024;
const YOUNG_GENERATION_MB = 4;
/** A worker that answers nothing for this long is taken for dead. */
const STALL_MS = 60_000;

interface Slot {
  worker: Worker;
  port: MessagePort;
  /** Jobs handed to this worker and not answered yet. */
  pending: number;
  /** Their unread bytes, to hand the next job to the least busy worker. */
  pendingBytes: number;
}

/** A job parsed on this thread fails as one parsed on a worker does: as a result, never a throw. */
function parseHere(job: ParseJob): ParseResult {
  try {
    return parseJob(job);
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

export class ParsePool {
  private readonly slots: Slot[] = [];
  private readonly replies = new Int32Array(new SharedArrayBuffer(4));
  /** Jobs parsed on this thread while it waited for a worker. */
  parsedHere = 0;

  constructor(
    workerFile: string,
    size: number,
    private readonly workerQueueBytes = DEFAULT_WORKER_QUEUE_BYTES,
  ) {
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
      this.slots.push({ worker, port: port1, pending: 0, pendingBytes: 0 });
    }
  }

  /**
   * Each job's result, in the jobs' order. Jobs within the window ahead of the one wanted are queued
   * on the least busy worker (up to workerQueueBytes each) or, while the wanted one is not in,
   * parsed on this thread.
   */
  *parse(jobs: readonly ParseJob[]): Generator<ParseResult> {
    /** A worker's reply (JSON) or a result parsed here. */
    const done = new Map<number, string | ParseResult>();
    const bytesOf = (job: ParseJob) => Math.max(0, job.size - job.offset);
    let next = 0;
    let aheadBytes = 0;
    for (let wanted = 0; wanted < jobs.length; wanted++) {
      let waitedSince = Date.now();
      const withinWindow = () => next < jobs.length && (next <= wanted || (next < wanted + AHEAD_FILES && aheadBytes < AHEAD_BYTES));
      while (!done.has(wanted)) {
        while (withinWindow()) {
          const slot = this.slots.reduce((a, b) => (b.pendingBytes < a.pendingBytes ? b : a));
          if (slot.pendingBytes >= this.workerQueueBytes) break;
          slot.pending++;
          slot.pendingBytes += bytesOf(jobs[next]);
          aheadBytes += bytesOf(jobs[next]);
          slot.port.postMessage({ id: next, job: jobs[next] } satisfies ParseRequest);
          next++;
        }
        const seen = Atomics.load(this.replies, 0);
        let received = false;
        for (const slot of this.slots) {
          for (let message = slot.pending > 0 ? receiveMessageOnPort(slot.port) : undefined; message;) {
            const reply = message.message as ParseReply;
            done.set(reply.id, reply.result);
            slot.pending--;
            slot.pendingBytes -= bytesOf(jobs[reply.id]);
            received = true;
            message = slot.pending > 0 ? receiveMessageOnPort(slot.port) : undefined;
          }
        }
        if (received) {
          waitedSince = Date.now();
          continue;
        }
        if (withinWindow()) {
          aheadBytes += bytesOf(jobs[next]);
          done.set(next, parseHere(jobs[next]));
          this.parsedHere++;
          next++;
          waitedSince = Date.now();
          continue;
        }
        if (Date.now() - waitedSince > STALL_MS) throw new Error('a log parsing worker stopped answering');
        Atomics.wait(this.replies, 0, seen, 1000);
      }
      const result = done.get(wanted)!;
      done.delete(wanted);
      aheadBytes -= bytesOf(jobs[wanted]);
      yield typeof result === 'string' ? unpack(JSON.parse(result) as PackedParseResult) : result;
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
