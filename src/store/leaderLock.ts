import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { PRIVATE_FILE_MODE } from './privateFiles';
import { processAlive } from './processes';

/**
 * One process at a time does a shared job (reading assistants' logs) for every window on this
 * machine. The holder touches the lock file every few seconds; a lock left by a dead process, or not
 * touched for `staleMs`, is taken over.
 *
 * Waiters take over one at a time: a takeover holds `<lock>.takeover` (created exclusively) for the
 * few milliseconds it lasts, checks under it that the lock is still the very file judged stale, and
 * only then renames it aside (the rename counts only if it moved that file: same inode and text).
 * Without that turn-taking, a waiter that moved a fresh lock aside by mistake left the path empty
 * while it put the lock back, and a third waiter could create its own lock there: two holders. The
 * holder also checks on every heartbeat that the file still names it, and steps down (`onLost`) if
 * it does not.
 */

const HEARTBEAT_MS = 5000;
const DEFAULT_STALE_MS = 15_000;
/** A takeover lasts milliseconds; one older than this was abandoned by a process that died in it. */
const ABANDONED_TAKEOVER_MS = 10_000;

interface LockOwner {
  pid: number;
  host: string;
  since: number;
  /** Tells this holder from another lock of the same process. */
  id?: string;
}

interface StaleLock {
  ino: number;
  text: string;
}

/** The file's identity (inode and text) and when it was last touched; undefined when it is gone. */
function readLockFile(file: string): (StaleLock & { mtimeMs: number }) | undefined {
  try {
    const { ino, mtimeMs } = fs.statSync(file);
    return { ino, mtimeMs, text: fs.readFileSync(file, 'utf8') };
  } catch {
    return undefined;
  }
}

/** Whether a lock file is still the very file judged stale. The inode alone does not tell (see removeIfSame). */
function isSameLock(current: StaleLock | undefined, stale: StaleLock): boolean {
  return current !== undefined && current.ino === stale.ino && current.text === stale.text;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    return JSON.parse(text) as LockOwner;
  } catch {
    return undefined;
  }
}

export interface LeaderLockOptions {
  staleMs?: number;
  /** How often the holder touches the lock and checks it is still its own. */
  heartbeatMs?: number;
  /** Called once when a heartbeat finds the lock taken by someone else; the job must stop. */
  onLost?: () => void;
}

export class LeaderLock {
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private released = false;
  private lost = false;

  private constructor(
    readonly file: string,
    private readonly id: string,
    private readonly onLost: (() => void) | undefined,
    heartbeatMs: number,
  ) {
    this.heartbeat = setInterval(() => this.touch(), heartbeatMs);
    this.heartbeat.unref();
  }

  /** The lock, or undefined when a live process holds it. */
  static tryAcquire(file: string, options: LeaderLockOptions = {}): LeaderLock | undefined {
    const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
    for (let attempt = 0; attempt < 2; attempt++) {
      const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: Date.now(), id: randomUUID() };
      try {
        const fd = fs.openSync(file, 'wx', PRIVATE_FILE_MODE);
        try {
          fs.writeFileSync(fd, JSON.stringify(owner));
        } catch (writeError) {
          // A full disk: leave no half-written lock behind for others to wait on.
          fs.rmSync(file, { force: true });
          throw writeError;
        } finally {
          fs.closeSync(fd);
        }
        return new LeaderLock(file, owner.id!, options.onLost, options.heartbeatMs ?? HEARTBEAT_MS);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const stale = LeaderLock.staleLock(file, staleMs);
        if (stale === undefined) return undefined;
        if (!LeaderLock.takeOver(file, stale)) return undefined;
      }
    }
    return undefined;
  }

  /** Who holds the lock, for messages; undefined when nobody does. */
  static owner(file: string): LockOwner | undefined {
    try {
      return parseOwner(fs.readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
  }

  /**
   * What identifies the lock file when its holder is gone or silent (its inode and its text, which
   * names the holder and when it started); undefined while it is held.
   */
  private static staleLock(file: string, staleMs: number): StaleLock | undefined {
    const lock = readLockFile(file);
    if (!lock) return undefined; // gone already: the next attempt creates it
    const age = Date.now() - lock.mtimeMs;
    const owner = parseOwner(lock.text);
    const dead = owner !== undefined && owner.host === os.hostname() && !processAlive(owner.pid);
    // Unreadable for a second: a writer died mid-write.
    return dead || age > staleMs || (owner === undefined && age > 1000) ? { ino: lock.ino, text: lock.text } : undefined;
  }

  /**
   * Removes the stale lock file, in turn with other waiters: false when another waiter is taking over
   * or already has, or the lock is no longer the file judged stale.
   */
  private static takeOver(file: string, stale: StaleLock): boolean {
    const turn = `${file}.takeover`;
    const token = `${process.pid} ${randomUUID()}`;
    try {
      fs.writeFileSync(turn, token, { flag: 'wx', mode: PRIVATE_FILE_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      LeaderLock.clearAbandonedTurn(turn);
      return false;
    }
    try {
      return isSameLock(readLockFile(file), stale) && LeaderLock.removeIfSame(file, stale);
    } finally {
      try {
        if (fs.readFileSync(turn, 'utf8') === token) fs.rmSync(turn, { force: true });
      } catch {
        // already cleared as abandoned
      }
    }
  }

  /** Clears a takeover turn left by a process that died during its takeover; the next attempt proceeds. */
  private static clearAbandonedTurn(turn: string): void {
    try {
      if (Date.now() - fs.statSync(turn).mtimeMs > ABANDONED_TAKEOVER_MS) fs.rmSync(turn, { force: true });
    } catch {
      // gone already
    }
  }

  /**
   * Removes the lock file only if it is still the stale one. Renaming is atomic, so of two waiters
   * only one moves that file; one that moved a fresh lock by mistake puts it back. The inode alone
   * does not tell: a file system hands a freed inode to the next file, often the new lock itself.
   */
  private static removeIfSame(file: string, stale: StaleLock): boolean {
    const aside = `${file}.${process.pid}.${randomUUID()}.stale`;
    try {
      fs.renameSync(file, aside);
    } catch {
      return false; // another waiter moved it first
    }
    if (isSameLock(readLockFile(aside), stale)) {
      fs.rmSync(aside, { force: true });
      return true;
    }
    try {
      fs.linkSync(aside, file);
    } catch {
      // A third process took the free slot meanwhile; the holder we displaced notices at its heartbeat.
    }
    fs.rmSync(aside, { force: true });
    return false;
  }

  /** False once released, or once a heartbeat found the lock in someone else's name. */
  get held(): boolean {
    return !this.released && !this.lost;
  }

  private touch(): void {
    const owner = LeaderLock.owner(this.file);
    if (owner && (owner.pid !== process.pid || owner.id !== this.id)) {
      this.stepDown();
      return;
    }
    const now = new Date();
    try {
      fs.utimesSync(this.file, now, now);
    } catch {
      // removed under us (Clear Local Data): the next acquire recreates it
    }
  }

  private stepDown(): void {
    this.lost = true;
    clearInterval(this.heartbeat);
    this.onLost?.();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    const owner = LeaderLock.owner(this.file);
    if (owner?.pid === process.pid && owner.id === this.id) fs.rmSync(this.file, { force: true });
  }
}
