import * as fs from 'node:fs';
import * as os from 'node:os';
import { PRIVATE_FILE_MODE } from './privateFiles';

/**
 * One process at a time does a shared job (reading assistants' logs) for every window on this
 * machine. The holder touches the lock file every few seconds; a lock left by a dead process, or not
 * touched for `staleMs`, is taken over.
 */

const HEARTBEAT_MS = 5000;
const DEFAULT_STALE_MS = 15_000;

interface LockOwner {
  pid: number;
  host: string;
  since: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LeaderLock {
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private released = false;

  private constructor(readonly file: string) {
    this.heartbeat = setInterval(() => this.touch(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** The lock, or undefined when a live process holds it. */
  static tryAcquire(file: string, staleMs: number = DEFAULT_STALE_MS): LeaderLock | undefined {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx', PRIVATE_FILE_MODE);
        const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: Date.now() };
        try {
          fs.writeFileSync(fd, JSON.stringify(owner));
        } catch (writeError) {
          // A full disk: leave no half-written lock behind for others to wait on.
          fs.rmSync(file, { force: true });
          throw writeError;
        } finally {
          fs.closeSync(fd);
        }
        return new LeaderLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (!LeaderLock.isStale(file, staleMs)) return undefined;
        fs.rmSync(file, { force: true });
      }
    }
    return undefined;
  }

  /** Who holds the lock, for messages; undefined when nobody does. */
  static owner(file: string): LockOwner | undefined {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    } catch {
      return undefined;
    }
  }

  private static isStale(file: string, staleMs: number): boolean {
    try {
      const age = Date.now() - fs.statSync(file).mtimeMs;
      const owner = LeaderLock.owner(file);
      if (owner && owner.host === os.hostname() && !processAlive(owner.pid)) return true;
      return age > staleMs || (owner === undefined && age > 1000); // unreadable for a second: a writer died mid-write
    } catch {
      return true;
    }
  }

  private touch(): void {
    const now = new Date();
    try {
      fs.utimesSync(this.file, now, now);
    } catch {
      // removed under us (Clear Local Data): the next acquire recreates it
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    if (LeaderLock.owner(this.file)?.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}
