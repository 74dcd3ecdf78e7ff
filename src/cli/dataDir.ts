import * as fs from 'node:fs';
import { isDataDirEntry } from '../store/privateFiles';

/** How the user named the store, for messages: the flag, the environment variable, or neither. */
export function dataDirSource(explicit: boolean, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ? '--data-dir' : env.TOKEN_METER_DATA_DIR ? 'TOKEN_METER_DATA_DIR' : 'the default store';
}

/**
 * Why a folder given with --data-dir cannot be used as a Token Meter store, or undefined when it
 * can: it must be a folder, and either empty (a new store) or one that already holds Token Meter's
 * files — so a mistyped path is not silently reported as zero usage, nor filled with our files.
 */
export function dataDirProblem(dir: string, { mustExist }: { mustExist: boolean }): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return `${dir} cannot be used: ${(error as Error).message}.`;
    return mustExist ? `${dir} does not exist (to start a new store there, create the folder first).` : undefined;
  }
  if (!stat.isDirectory()) return `${dir} is not a folder.`;
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (error) {
    return `${dir} cannot be read: ${(error as Error).message}.`;
  }
  if (entries.length > 0 && !entries.some(isDataDirEntry)) {
    return `${dir} is not a Token Meter data folder (it holds other files but no events/ folder). Give the folder the extension or gateway uses, or an empty one.`;
  }
  return undefined;
}
