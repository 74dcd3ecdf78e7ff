import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_DIR_ENTRIES } from './paths';

/**
 * Token Meter's files hold usage history, the gateway's path secret and team sync state: only
 * their owner may read them. Every file is created 0600 and every folder 0700, and on start the
 * data directory is swept so that files left by older versions (or another umask) are tightened.
 *
 * Why not the `write-file-atomic` package: its synchronous write registers a `signal-exit`
 * handler on every call, which replaces `process.emit` and `process.reallyExit` for the whole
 * process — in VS Code's extension host that is every extension's process. What we need (a temp
 * file created 0600, fsync, rename) is a dozen lines.
 */

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates a folder (and missing parents) readable by its owner only. */
export function mkdirPrivate(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Replaces `file` with `data` so that a reader, a crash or a full disk leaves either the old or the
 * new content, never a mix: a temporary file beside it, fsync, then rename over it. Our files are
 * 0600; `mode` keeps another program's file (Claude Code's settings) as its owner had it.
 */
export function writeFileAtomicSync(file: string, data: string, mode: number = PRIVATE_FILE_MODE): void {
  mkdirPrivate(path.dirname(file));
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx', mode);
    // The umask may have narrowed the mode further; the file keeps exactly the mode asked for.
    if (mode !== PRIVATE_FILE_MODE) fs.fchmodSync(fd, mode);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, file);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Appends `text` (whole records, each ending in a newline) to `file`, created 0600. A write the
 * disk cuts short is cut back off the file, so a failed append never leaves half a record for the
 * next one to be glued to.
 */
export function appendRecordsSync(file: string, text: string): void {
  const fd = fs.openSync(file, 'a', PRIVATE_FILE_MODE);
  try {
    const size = fs.fstatSync(fd).size;
    const bytes = Buffer.from(text);
    let written = 0;
    try {
      while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    } catch (error) {
      if (written > 0) fs.ftruncateSync(fd, size);
      throw error;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether a name in the data directory is one of Token Meter's (or a temporary file of one). */
export function isDataDirEntry(name: string): boolean {
  return DATA_DIR_ENTRIES.some((known) => name === known || (name.startsWith(`${known}.`) && name.endsWith('.tmp')));
}

/**
 * Tightens the data directory on start: our folders to 0700 and our files to 0600 wherever group or
 * others could reach them. Only Token Meter's own entries are touched (a data directory pointed at
 * a folder that holds other things keeps that folder's mode and the other things as they are), and
 * symbolic links are never followed. Returns what could not be fixed, worded for people.
 */
export function securePrivateTree(dataDir: string): string[] {
  const problems: string[] = [];
  // Only what others could read or write is changed; an owner's stricter mode (0400) is kept.
  const fix = (p: string, stat: fs.Stats, mode: number) => {
    if ((stat.mode & 0o077) === 0) return;
    try {
      fs.chmodSync(p, mode);
    } catch (error) {
      problems.push(`Could not make ${p} private (mode ${mode.toString(8)}): ${(error as Error).message}`);
    }
  };
  const visit = (p: string) => {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
    } catch {
      return; // removed meanwhile
    }
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      fix(p, stat, PRIVATE_DIR_MODE);
      for (const child of readdirOrEmpty(p)) visit(path.join(p, child));
    } else if (stat.isFile()) {
      fix(p, stat, PRIVATE_FILE_MODE);
    }
  };
  mkdirPrivate(dataDir);
  const entries = readdirOrEmpty(dataDir);
  const ours = entries.filter(isDataDirEntry);
  if (ours.length === entries.length) fix(dataDir, fs.statSync(dataDir), PRIVATE_DIR_MODE);
  for (const name of ours) visit(path.join(dataDir, name));
  return problems;
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
