import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogScanner } from './scanner';

/**
 * Keeps a scanner current while assistants write: file-system watches for speed, a short poll of
 * recently written files for the places watches miss (network drives, editors that replace files,
 * platforms that coalesce events), and a periodic walk for new sessions in new directories.
 */

export interface LiveCaptureOptions {
  scanner: LogScanner;
  /** Root directories of every enabled adapter (watched for new sub-directories). */
  roots: string[];
  pollMs?: number;
  rediscoverMs?: number;
  /** Errors while reading are reported, never thrown out of a timer. */
  onError(error: unknown): void;
}

const DEBOUNCE_MS = 40;

export class LiveCapture {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private readonly changed = new Set<string>();
  private readonly timers: Array<ReturnType<typeof setInterval>> = [];
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private rediscoverSoon = false;
  private disposed = false;

  constructor(private readonly options: LiveCaptureOptions) {}

  start(): void {
    this.watchDirectories();
    this.timers.push(setInterval(() => this.poll(), this.options.pollMs ?? 500));
    this.timers.push(setInterval(() => this.rediscover(), this.options.rediscoverMs ?? 10_000));
  }

  private watchDirectories(): void {
    for (const dir of [...this.options.roots, ...this.options.scanner.knownDirectories()]) {
      if (this.watchers.has(dir) || !fs.existsSync(dir)) continue;
      try {
        const watcher = fs.watch(dir, (_event, name) => this.onEvent(dir, name?.toString()));
        watcher.on('error', () => {
          watcher.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, watcher);
      } catch {
        // out of watch handles, or the directory just went away: the poll still covers it
      }
    }
  }

  private onEvent(dir: string, name: string | undefined): void {
    if (this.disposed) return;
    if (!name) {
      this.rediscoverSoon = true;
    } else {
      const changedPath = path.join(dir, name);
      if (this.options.roots.includes(dir)) this.rediscoverSoon = true; // perhaps a new project directory
      this.changed.add(changedPath);
    }
    if (this.debounce === undefined) this.debounce = setTimeout(() => this.drain(), DEBOUNCE_MS);
  }

  private drain(): void {
    this.debounce = undefined;
    const paths = [...this.changed];
    this.changed.clear();
    this.guard(() => {
      this.options.scanner.scanPaths(paths);
      if (this.rediscoverSoon) this.rediscover();
    });
  }

  private poll(): void {
    this.guard(() => this.options.scanner.scanPaths(this.options.scanner.hotPaths()));
  }

  private rediscover(): void {
    this.rediscoverSoon = false;
    this.guard(() => {
      this.options.scanner.scanAll();
      this.watchDirectories();
    });
  }

  private guard(work: () => void): void {
    if (this.disposed) return;
    try {
      work();
    } catch (error) {
      this.options.onError(error);
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers) clearInterval(timer);
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
