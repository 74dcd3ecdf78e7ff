import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { UsageEvent } from '../../core/events';
import { LeaderLock } from '../../store/leaderLock';
import { logLockPath } from '../../store/paths';
import { mkdirPrivate } from '../../store/privateFiles';
import type { LogSource } from './discovery';
import { LogScanner, type LogScannerOptions, type ParseWorkers, type ScanProgress, type ScanSummary } from './scanner';

export interface IngestOptions {
  dataDir: string;
  sources: LogSource[];
  sink(events: UsageEvent[]): void;
  onProblem(message: string): void;
  onProgress?(progress: ScanProgress): void;
  onRateLimits?: LogScannerOptions['onRateLimits'];
  onSession?: LogScannerOptions['onSession'];
}

export type IngestResult = { summary: ScanSummary } | { busyPid: number | undefined };

/**
 * One full pass over the assistants' logs into the store (for the CLI, and the extension's first
 * scan). When another live process holds the log lock it is already doing this, so nothing is read.
 */
export function ingestLogs(options: IngestOptions): IngestResult {
  const scanner = new LogScanner({ ...options, stateDir: options.dataDir, parseWorkers: bundledParseWorkers() });
  const files = scanner.discover();
  if (files.length === 0) return { summary: { files: 0, bytes: 0, events: 0, malformedLines: 0 } };
  mkdirPrivate(options.dataDir);
  const lock = LeaderLock.tryAcquire(logLockPath(options.dataDir));
  if (!lock) return { busyPid: LeaderLock.owner(logLockPath(options.dataDir))?.pid };
  try {
    return { summary: scanner.scanAll(options.onProgress, files) };
  } finally {
    lock.release();
  }
}

/**
 * Parse workers when this runs from the bundles (dist/) where dist/parseWorker.js sits: one per core
 * but the one the scanning thread keeps busy delivering to the store (at least one). On two cores a
 * second worker only competed with that thread and cost about 20 MB more (bench/logs.bench.ts).
 */
export function bundledParseWorkers(): ParseWorkers | undefined {
  const file = path.join(__dirname, 'parseWorker.js');
  return fs.existsSync(file) ? { file, count: Math.max(1, os.availableParallelism() - 1) } : undefined;
}
