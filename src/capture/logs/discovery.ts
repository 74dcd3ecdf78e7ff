import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProblemsOnce } from './problemsOnce';
import type { LogAdapter, LogFile } from './types';

/** Where each assistant's logs are found: its adapter and the roots it writes under. */
export interface LogSource {
  adapter: LogAdapter;
  roots: string[];
}

/** Every log file under the sources' roots, by adapter. A folder that cannot be read is reported and skipped. */
export function discoverLogFiles(sources: readonly LogSource[], problems: ProblemsOnce): LogFile[] {
  const found: LogFile[] = [];
  for (const { adapter, roots } of sources) {
    for (const root of roots) walk(adapter, root, '', found, problems);
  }
  return found;
}

function walk(adapter: LogAdapter, root: string, relative: string, found: LogFile[], problems: ProblemsOnce): void {
  let entries: fs.Dirent[];
  const dir = path.join(root, relative);
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    // A root that does not exist (yet), or a directory removed while walking, is no problem.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      problems.once(
        `folder:${dir}`,
        `${adapter.label}: could not read the folder ${dir} (${(error as Error).message}); the logs in it were skipped.`,
      );
    }
    return;
  }
  for (const entry of entries) {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!adapter.descends || adapter.descends(child)) walk(adapter, root, child, found, problems);
    } else if (entry.isFile() && adapter.accepts(child)) {
      found.push({ path: path.join(root, ...child.split('/')), root, relative: child });
    }
  }
}

/** The log file at a path (a watcher saw it change), if one of the sources takes it. */
export function locateLogFile(sources: readonly LogSource[], p: string): LogFile | undefined {
  for (const { adapter, roots } of sources) {
    for (const root of roots) {
      const relative = path.relative(root, p);
      if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
      const posix = relative.split(path.sep).join('/');
      if (adapter.accepts(posix)) return { path: p, root, relative: posix };
    }
  }
  return undefined;
}

/** The adapter a discovered or located file belongs to. */
export function adapterOfFile(sources: readonly LogSource[], file: LogFile): LogAdapter {
  return sources.find((s) => s.roots.includes(file.root) && s.adapter.accepts(file.relative))!.adapter;
}
