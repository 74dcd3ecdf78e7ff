import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateUsageEvent, type UsageEvent } from '../../core/events';
import { adapterOfFile, discoverLogFiles, locateLogFile, type LogSource } from './discovery';
import { headHash, readLineRecords, type HeadRequest } from './lineFile';
import { ParsePool, type ParseJob, type ParseResult } from './parsePool';
import { ProblemsOnce } from './problemsOnce';
import { isMalformedInput } from './records';
import { ScanLedger, SinkError, type FileState } from './scanLedger';
import type { DocumentReader, LineReader, LogAdapter, LogFile, LogRecord, RateLimitSnapshot, SessionContext } from './types';

/**
 * Reads assistants' logs incrementally and hands their usage to a sink, exactly once.
 *
 * A partial last line waits for its newline; a file replaced, truncated or rewritten in place is
 * read again from the start. Files rewritten whole (documents) remember which of their records were
 * already counted. What was read and counted is kept crash-safe by the ScanLedger.
 */

export interface ScanProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface ScanSummary {
  files: number;
  bytes: number;
  events: number;
  malformedLines: number;
}

export interface LogScannerOptions {
  sources: LogSource[];
  /** Directory for `logs-state.json` and the journal (the usage data directory). */
  stateDir: string;
  /** Persists events; must be durable when it returns (the store's segment writer is). */
  sink(events: UsageEvent[]): void;
  onRateLimits?(snapshot: RateLimitSnapshot): void;
  onSession?(source: string, session: SessionContext, event: UsageEvent): void;
  /** Worded for people; each problem is reported once. */
  onProblem(message: string): void;
  now?: () => number;
  /** How long a file must be quiet before a held-back streamed record is counted. */
  quietMs?: number;
  /** Parse line files on worker threads when a full scan has much to read (the bundled dist/parseWorker.js). */
  parseWorkers?: ParseWorkers;
}

export interface ParseWorkers {
  /** The worker script. */
  file: string;
  count: number;
  /** Read on this thread below this many unread bytes (default 32 MB). */
  minBytes?: number;
  /** Unanswered bytes each worker is given at most (ParsePool's default when absent). */
  queueBytes?: number;
}

interface ReadPlan {
  kind: 'lines' | 'document';
  file: LogFile;
  adapter: LogAdapter;
  state: FileState;
  stat: fs.Stats;
}

interface FileRead {
  bytes: number;
  events: number;
  malformed: number;
}

const NOTHING_READ: FileRead = { bytes: 0, events: 0, malformed: 0 };

const HEAD_BYTES = 256;
const DEFAULT_QUIET_MS = 400;
/** A document still being written fails to parse; only a file left like that for this long is a problem. */
const DOCUMENT_SETTLE_MS = 5000;

/** Below this much to read, starting workers costs more than it saves. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

export class LogScanner {
  private readonly ledger: ScanLedger;
  private readonly problems: ProblemsOnce;
  private readonly lineReaders = new Map<string, LineReader>();
  private readonly documentReaders = new Map<string, DocumentReader>();
  /** Files with records held back, and when they last grew. */
  private readonly holding = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: LogScannerOptions) {
    this.now = options.now ?? Date.now;
    this.problems = new ProblemsOnce(options.onProblem);
    this.ledger = new ScanLedger({ stateDir: options.stateDir, sink: options.sink, now: this.now, problems: this.problems });
  }

  /** Every log file under the configured roots, by adapter. */
  discover(): LogFile[] {
    return discoverLogFiles(this.options.sources, this.problems);
  }

  /**
   * Reads everything new under every root. `progress` is called after each file. Throws SinkError
   * when the store refuses usage; what was saved before stays saved, the rest is read next time.
   */
  scanAll(progress?: (p: ScanProgress) => void, files: LogFile[] = this.discover()): ScanSummary {
    return this.rollingBackOnSinkError(() => this.scanAllFiles(files, progress));
  }

  private scanAllFiles(files: LogFile[], progress?: (p: ScanProgress) => void): ScanSummary {
    const stats = files.map((f) => statOrUndefined(f.path));
    const sizes = stats.map((stat) => stat?.size ?? 0);
    const total: ScanProgress = { filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: sizes.reduce((a, b) => a + b, 0) };
    const summary: ScanSummary = { files: files.length, bytes: 0, events: 0, malformedLines: 0 };
    const done = (i: number, result: FileRead) => {
      summary.bytes += result.bytes;
      summary.events += result.events;
      summary.malformedLines += result.malformed;
      total.filesDone += 1;
      total.bytesDone += sizes[i];
      this.ledger.save(false);
      progress?.({ ...total });
    };
    const workers = this.options.parseWorkers;
    const unread = files.reduce((sum, file, i) => sum + Math.max(0, sizes[i] - (this.ledger.files.get(file.path)?.offset ?? 0)), 0);
    if (workers && workers.count > 0 && unread >= (workers.minBytes ?? PARALLEL_MIN_BYTES))
      this.scanInParallel(files, stats, workers, done);
    // Each file as stat'ed above: a warm read of a long history is mostly these stat calls, made once.
    else files.forEach((file, i) => done(i, this.readFile(file, stats[i])));
    summary.events += this.flushQuiet();
    this.ledger.forgetOldIds();
    this.ledger.save(true);
    return summary;
  }

  /**
   * Line files are parsed on worker threads; everything else (delivery, de-duplication, state,
   * documents) happens here in the files' order, as in a read on this thread.
   */
  private scanInParallel(
    files: LogFile[],
    stats: Array<fs.Stats | undefined>,
    workers: ParseWorkers,
    done: (i: number, result: FileRead) => void,
  ): void {
    // The workers start up while this thread looks at the files.
    const pool = new ParsePool(workers.file, Math.min(workers.count, files.length), workers.queueBytes);
    try {
      const plans = files.map((file, i) => this.plan(file, stats[i]));
      const jobs: ParseJob[] = [];
      for (const plan of plans) {
        if (plan?.kind !== 'lines') continue;
        const quiet = this.now() - plan.stat.mtimeMs >= (this.options.quietMs ?? DEFAULT_QUIET_MS);
        jobs.push({
          file: plan.file,
          source: plan.adapter.source,
          offset: plan.state.offset,
          size: plan.stat.size,
          saved: plan.state.saved,
          flush: quiet,
          now: this.now(),
          headLength: this.headRequest(plan.state)?.length,
        });
      }
      const results = pool.parse(jobs);
      plans.forEach((plan, i) => {
        if (plan?.kind !== 'lines') return done(i, plan ? this.read(plan) : NOTHING_READ);
        const parsed = results.next().value as ParseResult;
        // A file a worker could not read is read here, which reports why.
        done(i, parsed.ok ? this.finishRead(plan, () => this.applyParsed(plan, parsed)) : this.read(plan));
      });
    } finally {
      pool.dispose();
    }
  }

  /**
   * Reads the given files (a watcher saw them change). Unknown paths are matched to an adapter first.
   * When the store refuses usage this is reported once and the records are read again next time.
   */
  scanPaths(paths: Iterable<string>): number {
    try {
      return this.rollingBackOnSinkError(() => this.scanGivenPaths(paths));
    } catch (error) {
      if (!(error instanceof SinkError)) throw error;
      this.problems.once(
        'sink',
        `Usage read from assistants' logs could not be saved (${error.message}); it is read again once the store takes writes.`,
      );
      return 0;
    }
  }

  private scanGivenPaths(paths: Iterable<string>): number {
    let events = 0;
    for (const p of paths) {
      const file = locateLogFile(this.options.sources, p);
      if (file) events += this.readFile(file).events;
    }
    events += this.flushQuiet();
    this.ledger.save(false);
    return events;
  }

  /** Paths worth polling: known files written to in the last day. */
  hotPaths(): string[] {
    const since = this.now() - 24 * 3600_000;
    return [...this.ledger.files].filter(([, s]) => s.mtimeMs >= since).map(([p]) => p);
  }

  /** Directories that hold known log files, for watchers. */
  knownDirectories(): string[] {
    return [...new Set([...this.ledger.files.keys()].map((p) => path.dirname(p)))];
  }

  private readFile(file: LogFile, stat = statOrUndefined(file.path)): FileRead {
    const plan = this.plan(file, stat);
    return plan ? this.read(plan) : NOTHING_READ;
  }

  /** What reading a file takes: undefined when it is gone or unchanged. Notes a new, replaced or rewritten file. */
  private plan(file: LogFile, stat: fs.Stats | undefined): ReadPlan | undefined {
    if (!stat) {
      this.forget(file.path);
      return undefined;
    }
    const adapter = adapterOfFile(this.options.sources, file);
    let state = this.ledger.files.get(file.path);
    if (state && state.size === stat.size && state.mtimeMs === stat.mtimeMs && state.ino === stat.ino) return undefined;
    try {
      const rewritten =
        state !== undefined && state.offset > 0 && state.head !== this.headOf(file.path, Math.min(state.headLength, stat.size));
      if (!state || state.ino !== stat.ino || state.dev !== stat.dev || stat.size < state.offset || rewritten) {
        // New, replaced, truncated or rewritten in place: read it from the start with a fresh reader.
        this.lineReaders.delete(file.path);
        this.documentReaders.delete(file.path);
        state = {
          source: adapter.source,
          dev: stat.dev,
          ino: stat.ino,
          size: 0,
          mtimeMs: 0,
          offset: 0,
          head: '',
          headLength: 0,
          ...(state?.counted ? { counted: state.counted } : {}),
        };
        this.ledger.files.set(file.path, state);
      }
      const kind = this.readerKind(file, adapter, state);
      const headLength = Math.min(HEAD_BYTES, stat.size);
      if (kind === 'lines' && state.offset === 0) {
        // Read from the start: the read hashes the head (readLineRecords), no second open needed.
        state.headLength = headLength;
        state.head = '';
      } else if (rewritten === false && state.offset > 0 && state.headLength === headLength) {
        // Unchanged, as just checked.
      } else {
        state.headLength = headLength;
        state.head = this.headOf(file.path, headLength);
      }
      return { kind, file, adapter, state, stat };
    } catch (error) {
      this.problems.once(`read:${file.path}`, `${adapter.label}: could not read ${file.path}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private read(plan: ReadPlan): FileRead {
    return this.finishRead(plan, () =>
      plan.kind === 'lines'
        ? this.readLines(plan.file, plan.adapter, plan.state, plan.stat)
        : this.readDocument(plan.file, plan.adapter, plan.state, plan.stat),
    );
  }

  private finishRead(plan: ReadPlan, reading: () => { bytes: number; events: number }): FileRead {
    const { file, adapter, state } = plan;
    const before = { malformed: state.malformed ?? 0 };
    let result: { bytes: number; events: number };
    try {
      result = reading();
    } catch (error) {
      if (error instanceof SinkError) throw error;
      if (!(error as NodeJS.ErrnoException).code) {
        // Not an I/O error nor malformed input (that is counted above): a bug, said as one.
        this.problems.once(
          `bug:${file.path}`,
          `${adapter.label}: Token Meter failed while reading ${file.path}: ${(error as Error).stack ?? String(error)}. This is a bug in Token Meter; please report it. The rest of the logs were read.`,
        );
        return NOTHING_READ;
      }
      this.problems.once(`read:${file.path}`, `${adapter.label}: could not read ${file.path}: ${(error as Error).message}`);
      return NOTHING_READ;
    }
    this.ledger.touch();
    const malformed = (state.malformed ?? 0) - before.malformed;
    if (malformed > 0) {
      this.problems.once(
        `malformed:${file.path}`,
        `${adapter.label}: skipped ${state.malformed} malformed line${state.malformed === 1 ? '' : 's'} in ${file.path}; the rest of the file was read.`,
      );
    }
    return { ...result, malformed };
  }

  /** A hash of a file's first `length` bytes. */
  private headOf(p: string, length: number): string {
    const fd = fs.openSync(p, 'r');
    try {
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, buffer.length, 0);
      return headHash(buffer);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** For a read from the start that plan() left the head to: the head it is to hash. */
  private headRequest(state: FileState): HeadRequest | undefined {
    return state.offset === 0 && state.head === '' ? { length: state.headLength, take: (hash) => (state.head = hash) } : undefined;
  }

  /** Hashes the head here when a read from the start could not (a short first read). */
  private ensureHead(file: LogFile, state: FileState): void {
    if (state.head === '' && state.offset > 0) state.head = this.headOf(file.path, state.headLength);
  }

  private readerKind(file: LogFile, adapter: LogAdapter, state: FileState): 'lines' | 'document' {
    if (this.lineReaders.has(file.path)) return 'lines';
    if (this.documentReaders.has(file.path)) return 'document';
    const opened = adapter.open(file, state.saved);
    if (opened.kind === 'lines') this.lineReaders.set(file.path, opened.reader);
    else this.documentReaders.set(file.path, opened.reader);
    return opened.kind;
  }

  private readLines(file: LogFile, adapter: LogAdapter, state: FileState, stat: fs.Stats): { bytes: number; events: number } {
    const reader = this.lineReaders.get(file.path)!;
    let events = 0;
    const startOffset = state.offset;
    const read = readLineRecords(
      file.path,
      reader,
      state.offset,
      stat.size,
      (records, offset) => {
        state.offset = offset;
        events += this.deliver(adapter, records);
      },
      this.headRequest(state),
    );
    this.ensureHead(file, state);
    if (read.malformed > 0) state.malformed = (state.malformed ?? 0) + read.malformed;
    state.size = stat.size;
    state.mtimeMs = stat.mtimeMs;
    if (reader.flush) {
      // Someone may still be writing the last record; a file quiet for a while is finished.
      if (this.now() - stat.mtimeMs >= (this.options.quietMs ?? DEFAULT_QUIET_MS)) events += this.deliver(adapter, reader.flush());
      else this.holding.set(file.path, this.now());
    }
    state.saved = reader.save();
    return { bytes: state.offset - startOffset, events };
  }

  /** Takes a worker's reading of a line file as readLines would have made it. */
  private applyParsed(plan: ReadPlan, parsed: Extract<ParseResult, { ok: true }>): { bytes: number; events: number } {
    const { file, adapter, state, stat } = plan;
    const startOffset = state.offset;
    for (const reason of parsed.invalid) this.invalidRecord(adapter, reason);
    if (parsed.head !== undefined) state.head = parsed.head;
    let events = this.deliver(adapter, parsed.records, true);
    state.offset = parsed.offset;
    this.ensureHead(file, state);
    if (parsed.malformed > 0) state.malformed = (state.malformed ?? 0) + parsed.malformed;
    state.size = stat.size;
    state.mtimeMs = stat.mtimeMs;
    // The worker read the file as it was when the scan began. Records it held back are counted only
    // if nobody has written to the file since; if someone has, the rest is read here and now, as a
    // read on this thread (which looks at the file just before reading it) would have read it.
    // Before held-back records are judged complete, what came before goes to the sink, as a read on
    // this thread would have delivered it by now.
    if (parsed.held.length > 0) this.ledger.flushToSink();
    const current = statOrUndefined(file.path);
    const unchanged = current !== undefined && current.ino === stat.ino && current.size === stat.size && current.mtimeMs === stat.mtimeMs;
    const flushed = parsed.flushed && unchanged;
    if (flushed) events += this.deliver(adapter, parsed.held, true);
    state.saved = flushed ? parsed.saved : parsed.savedHolding;
    const opened = adapter.open(file, state.saved);
    if (opened.kind !== 'lines') return { bytes: state.offset - startOffset, events };
    this.lineReaders.set(file.path, opened.reader);
    if (current && !unchanged && current.ino === stat.ino && current.size >= state.offset) {
      events += this.readLines(file, adapter, state, current).events;
    } else if (opened.reader.flush && !flushed) {
      this.holding.set(file.path, this.now());
    }
    return { bytes: state.offset - startOffset, events };
  }

  private readDocument(file: LogFile, adapter: LogAdapter, state: FileState, stat: fs.Stats): { bytes: number; events: number } {
    const reader = this.documentReaders.get(file.path)!;
    let records: LogRecord[];
    try {
      records = reader.read(fs.readFileSync(file.path, 'utf8'));
    } catch (error) {
      if (!isMalformedInput(error)) throw error;
      if (this.now() - stat.mtimeMs < DOCUMENT_SETTLE_MS) return { bytes: 0, events: 0 }; // mid-write; read it next time
      state.size = stat.size;
      state.mtimeMs = stat.mtimeMs;
      state.malformed = (state.malformed ?? 0) + 1;
      this.problems.once(
        `document:${file.path}:${stat.mtimeMs}`,
        `${adapter.label}: ${file.path} is not a readable session (${(error as Error).message}); it was skipped.`,
      );
      return { bytes: 0, events: 0 };
    }
    const already = new Set(state.counted ?? []);
    const fresh = records.filter((r) => r.kind !== 'usage' || !already.has(r.event.id));
    const events = this.deliver(adapter, fresh);
    for (const r of records) if (r.kind === 'usage') already.add(r.event.id);
    state.counted = [...already];
    state.size = stat.size;
    state.mtimeMs = stat.mtimeMs;
    state.offset = stat.size;
    return { bytes: stat.size, events };
  }

  private invalidRecord(adapter: LogAdapter, reason: string): void {
    this.problems.once(`invalid:${adapter.source}`, `${adapter.label}: a record was skipped: ${reason}`);
  }

  /**
   * Validates (unless a parse worker did already) and de-duplicates records, and gives their new
   * events to the ledger for the sink; returns how many events were new.
   */
  private deliver(adapter: LogAdapter, records: LogRecord[], validated = false): number {
    let fresh = 0;
    for (const record of records) {
      if (record.kind === 'rate-limits') {
        this.options.onRateLimits?.(record.snapshot);
        continue;
      }
      let event: UsageEvent;
      if (validated) event = record.event;
      else {
        try {
          event = validateUsageEvent(record.event, this.now());
        } catch (error) {
          this.invalidRecord(adapter, (error as Error).message);
          continue;
        }
      }
      if (record.session) this.options.onSession?.(adapter.source, record.session, event);
      if (this.ledger.count(event)) fresh++;
    }
    this.ledger.flushFullBatch();
    return fresh;
  }

  /** Counts records held back in files that have been quiet long enough. */
  flushQuiet(): number {
    let events = 0;
    const quietMs = this.options.quietMs ?? DEFAULT_QUIET_MS;
    for (const [p, lastGrew] of this.holding) {
      if (this.now() - lastGrew < quietMs) continue;
      this.holding.delete(p);
      const reader = this.lineReaders.get(p);
      const state = this.ledger.files.get(p);
      const adapter = state && this.options.sources.find((s) => s.adapter.source === state.source)?.adapter;
      if (!reader?.flush || !state || !adapter) continue;
      events += this.deliver(adapter, reader.flush());
      state.saved = reader.save();
      this.ledger.touch();
    }
    this.ledger.flushToSink();
    return events;
  }

  /** Saves positions: now when forced, else at most every two seconds (ScanLedger.save). */
  save(force: boolean): void {
    this.ledger.save(force);
  }

  /** Whether held-back records are waiting for their file to go quiet. */
  get holdingRecords(): boolean {
    return this.holding.size > 0;
  }

  private forget(p: string): void {
    this.ledger.forget(p);
    this.lineReaders.delete(p);
    this.documentReaders.delete(p);
    this.holding.delete(p);
  }

  private rollingBackOnSinkError<T>(scan: () => T): T {
    try {
      return scan();
    } catch (error) {
      if (error instanceof SinkError) this.rollBack();
      throw error;
    }
  }

  /**
   * After the store refused a batch: forget what was read since the last save, and the readers that
   * read it, so the refused records are read again next time.
   */
  private rollBack(): void {
    this.ledger.rollBack();
    this.lineReaders.clear();
    this.documentReaders.clear();
    this.holding.clear();
  }
}
