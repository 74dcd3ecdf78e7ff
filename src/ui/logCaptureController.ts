import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { UsageEvent } from '../core/events';
import { formatDuration } from '../core/format';
import type { LogCaptureSettings } from '../core/settings';
import { logLockPath } from '../store/paths';
import type { LiveCapture } from '../capture/logs/liveCapture';
import type { LogSource } from '../capture/logs/discovery';
import { allRoots, logSources } from '../capture/logs/sources';
import type { RateLimitSnapshot, SessionContext } from '../capture/logs/types';
import type { LogWorkerInput, LogWorkerMessage } from '../capture/logs/worker';
import { LeaderLock } from '../store/leaderLock';
import type { ProblemReporter } from './problems';
import type { UsageService } from './usageService';

/** What the assistants' logs say about the agent sessions running now. */
export interface AgentActivity {
  /** The provider's own rate-limit windows, by source (Codex records them). */
  rateLimits: Map<string, RateLimitSnapshot>;
  /** The latest request of each source's most recent session, per project. */
  sessions: Map<string, { source: string; session: SessionContext; event: UsageEvent }>;
}

const LOCK_RETRY_MS = 15_000;
/** A first read shorter than this finishes before a progress notification would be worth showing. */
const PROGRESS_AFTER_MS = 1000;

/**
 * Reads the assistants' logs for this machine into the store. One window does it (the log lock);
 * the others see the results through the shared store and take over when that window closes.
 * The first read of a long history runs in a worker thread with progress; then a watcher keeps up.
 */
export class LogCaptureController implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<AgentActivity>();
  readonly onDidChangeActivity = this.changed.event;
  readonly activity: AgentActivity = { rateLimits: new Map(), sessions: new Map() };
  private lock: LeaderLock | undefined;
  private worker: Worker | undefined;
  private live: LiveCapture | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(
    private readonly extensionPath: string,
    private readonly dataDir: string,
    private readonly usage: UsageService,
    private readonly problems: ProblemReporter,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** Starts, restarts or stops reading to match the settings (called when they change). */
  apply(settings: LogCaptureSettings): void {
    const { sources, problems } = logSources(settings);
    for (const problem of problems) this.problems.report(problem, { openSettings: true });
    this.stop();
    if (sources.length > 0) this.start(sources);
  }

  private start(sources: LogSource[]): void {
    const generation = ++this.generation;
    // Should another process take the lock over (this one looked dead or silent), follow it instead.
    this.lock = LeaderLock.tryAcquire(logLockPath(this.dataDir), {
      onLost: () => generation === this.generation && this.restartAsFollower(sources),
    });
    if (!this.lock) {
      // Another window reads the logs; its events reach this window through the store.
      this.retry = setTimeout(() => generation === this.generation && this.start(sources), LOCK_RETRY_MS);
      return;
    }
    const started = Date.now();
    const input: LogWorkerInput = { dataDir: this.dataDir, sources: sources.map((s) => ({ source: s.adapter.source, roots: s.roots })) };
    const worker = new Worker(path.join(this.extensionPath, 'dist', 'logWorker.js'), { workerData: input });
    this.worker = worker;
    let reportProgress: ((done: number, total: number) => void) | undefined;
    let finishProgress: (() => void) | undefined;
    const progressTimer = setTimeout(() => {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t("Token Meter: reading your assistants' logs") },
        (progress) =>
          new Promise<void>((resolve) => {
            let reported = 0;
            reportProgress = (done, total) => {
              const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
              if (percent > reported) progress.report({ increment: percent - reported, message: vscode.l10n.t('{0}%', percent) });
              reported = Math.max(reported, percent);
            };
            finishProgress = resolve;
          }),
      );
    }, PROGRESS_AFTER_MS);
    const finish = () => {
      clearTimeout(progressTimer);
      finishProgress?.();
      if (this.worker === worker) this.worker = undefined;
    };
    worker.on('message', (message: LogWorkerMessage) => {
      switch (message.type) {
        case 'progress':
          reportProgress?.(message.bytesDone, message.bytesTotal);
          break;
        case 'problem':
          this.problems.report(message.message, { notify: false });
          break;
        case 'rate-limits':
          this.noteRateLimits(message.snapshot);
          break;
        case 'session':
          this.noteSession(message.source, message.session, message.event);
          break;
        case 'done':
          finish();
          this.output.info(
            `Read ${message.files} assistant log files (${(message.bytes / 1e6).toFixed(1)} MB, ${message.events} new requests) in ${formatDuration(Date.now() - started)}.`,
          );
          if (generation === this.generation) this.goLive(sources);
          break;
      }
    });
    worker.on('error', (error) => {
      finish();
      this.problems.report(`Reading assistants' logs stopped: ${error.message}`, { notify: false });
    });
  }

  /** After the first read: follow the logs from this thread, a few bytes at a time. */
  private goLive(sources: LogSource[]): void {
    // Following the logs loads with the first read's end, not at activation (esbuild wraps modules required here).
    const { LogScanner } = require('../capture/logs/scanner') as typeof import('../capture/logs/scanner');
    const { LiveCapture } = require('../capture/logs/liveCapture') as typeof import('../capture/logs/liveCapture');
    const scanner = new LogScanner({
      stateDir: this.dataDir,
      sources,
      sink: (events) => this.usage.recordMany(events),
      onProblem: (message) => this.problems.report(message, { notify: false }),
      onRateLimits: (snapshot) => this.noteRateLimits(snapshot),
      onSession: (source, session, event) => this.noteSession(source, session, event),
    });
    this.live = new LiveCapture({
      scanner,
      roots: allRoots(sources),
      onError: (error) => this.problems.report(`Reading assistants' logs: ${(error as Error).message}`, { notify: false }),
    });
    this.live.start();
  }

  private restartAsFollower(sources: LogSource[]): void {
    this.output.warn("Another window took over reading the assistants' logs; this one follows it.");
    this.stop();
    this.start(sources);
  }

  private noteRateLimits(snapshot: RateLimitSnapshot): void {
    if ((this.activity.rateLimits.get(snapshot.source)?.ts ?? 0) > snapshot.ts) return;
    this.activity.rateLimits.set(snapshot.source, snapshot);
    this.changed.fire(this.activity);
  }

  private noteSession(source: string, session: SessionContext, event: UsageEvent): void {
    const key = `${source}\u0000${event.project ?? ''}`;
    if ((this.activity.sessions.get(key)?.event.ts ?? 0) > event.ts) return;
    this.activity.sessions.set(key, { source, session, event });
    this.changed.fire(this.activity);
  }

  private stop(): void {
    this.generation++;
    if (this.retry !== undefined) clearTimeout(this.retry);
    void this.worker?.terminate();
    this.worker = undefined;
    this.live?.dispose();
    this.live = undefined;
    this.lock?.release();
    this.lock = undefined;
  }

  dispose(): void {
    this.stop();
    this.changed.dispose();
  }
}
