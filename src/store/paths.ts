import * as os from 'node:os';
import * as path from 'node:path';

export const EXTENSION_ID = 'tokenmeter.token-meter';

/**
 * Where the extension keeps usage (VS Code's global storage for this extension), so the CLI reads
 * and the headless gateway writes the same files. TOKEN_METER_DATA_DIR overrides it, e.g. for
 * VSCodium, Insiders or code-server, whose global storage lives elsewhere.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.TOKEN_METER_DATA_DIR) return path.resolve(env.TOKEN_METER_DATA_DIR);
  let userDir: string;
  if (platform === 'win32') {
    userDir = path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), 'Code', 'User');
    return path.win32.join(userDir, 'globalStorage', EXTENSION_ID);
  }
  if (platform === 'darwin') {
    userDir = path.posix.join(home, 'Library', 'Application Support', 'Code', 'User');
  } else {
    userDir = path.posix.join(env.XDG_CONFIG_HOME || path.posix.join(home, '.config'), 'Code', 'User');
  }
  return path.posix.join(userDir, 'globalStorage', EXTENSION_ID);
}

/**
 * Everything Token Meter keeps in its data directory. Each module names its file from here, so the
 * start-up permission sweep (privateFiles.ts) knows every entry that is ours.
 */
export const DATA_FILES = {
  /** The event log: one folder of append-only segments. */
  events: 'events',
  rollups: 'rollups.json',
  /** The gateway's port and path secret. */
  gateway: 'gateway.json',
  logsState: 'logs-state.json',
  logsJournal: 'logs-journal.jsonl',
  logsLock: 'logs.lock',
  syncState: 'sync-state.json',
  syncLock: 'sync.lock',
  /** Prompt-hygiene findings: one append-only file a UTC day, pruned by deleting whole old days. */
  hygieneFindings: 'hygiene-findings',
  /** The single findings file of earlier versions: read, and deleted once all of it has expired. */
  hygieneFindingsLegacy: 'hygiene-findings.jsonl',
  budgetOverride: 'budget-override.json',
  /** The providers' latest rate-limit readings and a week of their history. */
  limits: 'limits.json',
  /** The price catalog the last refresh brought, and when it was asked for. */
  prices: 'prices',
  /** Which Claude Code settings file the status line was connected in, and what it had before. */
  claudeStatusLine: 'claude-statusline.json',
} as const;

export const DATA_DIR_ENTRIES: readonly string[] = Object.values(DATA_FILES);

/**
 * Records of usage kept beside the event log that "Clear Local Data" deletes with it: what was
 * found in prompts, and the providers' limit readings. State that is not a record of usage (the
 * gateway's secret, log-reading positions, the price cache, locks) stays.
 */
export const USAGE_RECORD_ENTRIES: readonly string[] = [DATA_FILES.hygieneFindings, DATA_FILES.hygieneFindingsLegacy, DATA_FILES.limits];

/** The lock that makes one process at a time read assistants' logs into a data directory. */
export function logLockPath(dataDir: string): string {
  return path.join(dataDir, DATA_FILES.logsLock);
}
