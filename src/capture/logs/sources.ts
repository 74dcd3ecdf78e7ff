import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LogCaptureSettings } from '../../core/settings';
import { LOG_ADAPTERS } from './registry';
import type { LogSource } from './discovery';
import type { LogAdapter, LogEnvironment } from './types';

export function currentEnvironment(): LogEnvironment {
  return { env: process.env, home: os.homedir(), platform: process.platform };
}

function expandHome(dir: string, home: string): string {
  return dir === '~' || dir.startsWith('~/') ? path.join(home, dir.slice(1)) : dir;
}

/**
 * The roots inside a folder the user names: the assistant's home (~/.claude, ~/.codex) means the
 * folders it writes logs in; any other folder is read as it is.
 */
export function rootsIn(adapter: LogAdapter, dir: string): string[] {
  const inside = (adapter.rootsInHome?.(dir) ?? []).filter((root) => fs.existsSync(root));
  return inside.length > 0 ? inside : [dir];
}

/** The adapters to run and their roots, from settings; unknown assistant names are reported. */
export function logSources(
  settings: LogCaptureSettings,
  environment: LogEnvironment = currentEnvironment(),
): { sources: LogSource[]; problems: string[] } {
  const problems = Object.keys(settings.sources)
    .filter((name) => !LOG_ADAPTERS.some((a) => a.source === name))
    .map(
      (name) =>
        `tokenMeter.logCapture.sources: "${name}" is not an assistant Token Meter reads (known: ${LOG_ADAPTERS.map((a) => a.source).join(', ')}).`,
    );
  if (!settings.enabled) return { sources: [], problems };
  const sources: LogSource[] = [];
  for (const adapter of LOG_ADAPTERS) {
    const own = settings.sources[adapter.source];
    if (own?.enabled === false) continue;
    const extra = (own?.roots ?? []).flatMap((dir) => rootsIn(adapter, path.resolve(expandHome(dir, environment.home))));
    const roots = own?.replaceDefaultRoots ? extra : [...adapter.defaultRoots(environment), ...extra];
    sources.push({ adapter, roots: [...new Set(roots)] });
  }
  return { sources, problems };
}

/** Every root directory of every source, for watchers. */
export function allRoots(sources: readonly LogSource[]): string[] {
  return sources.flatMap((s) => s.roots);
}
