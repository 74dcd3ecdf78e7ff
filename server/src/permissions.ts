import * as fs from 'node:fs';
import * as path from 'node:path';

/** Files the server creates are readable by its own user only: set at start by main.ts and admin.ts. */
export const PRIVATE_UMASK = 0o077;

/**
 * Makes `root` and everything under it private: folders 0700, files 0600; symbolic links are left
 * alone and not followed. PGlite writes its initial data directory with 0666 files whatever the
 * umask, so this runs before and after it opens one. Returns how many modes it changed.
 */
export function makePrivate(root: string): number {
  let changed = 0;
  const visit = (p: string) => {
    const stat = fs.lstatSync(p);
    if (stat.isSymbolicLink()) return;
    const wanted = stat.isDirectory() ? 0o700 : 0o600;
    if ((stat.mode & 0o777) !== wanted) {
      fs.chmodSync(p, wanted);
      changed++;
    }
    if (stat.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(root);
  return changed;
}
