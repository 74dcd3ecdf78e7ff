import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  planConnect,
  planDisconnect,
  planRepoint,
  type ClaudeStatusLine,
  type ConnectPlan,
  type DisconnectPlan,
} from '../core/limits/claudeSettings';

import { DATA_FILES } from '../store/paths';
import { writeFileAtomicSync } from '../store/privateFiles';
/**
 * The files behind "Connect / Disconnect Claude Code Status Line": Claude Code's user settings
 * (in $CLAUDE_CONFIG_DIR or ~/.claude), a backup of them taken before the first change, and
 * `claude-statusline.json` in Token Meter's data directory, which remembers the user's own status
 * line so `token-meter statusline` can chain it and Disconnect can restore it.
 */

export const LINK_FILE = DATA_FILES.claudeStatusLine;
export const BACKUP_SUFFIX = '.token-meter-backup';

export function claudeConfigDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  return env.CLAUDE_CONFIG_DIR ? path.resolve(env.CLAUDE_CONFIG_DIR) : path.join(home, '.claude');
}

export function claudeSettingsFile(configDir: string): string {
  return path.join(configDir, 'settings.json');
}

export interface StatusLineLink {
  /** The user's own status line, chained while connected. */
  previous?: ClaudeStatusLine;
  settingsFile: string;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function readLink(dataDir: string): StatusLineLink | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dataDir, LINK_FILE), 'utf8')) as Partial<StatusLineLink>;
    if (typeof parsed.settingsFile !== 'string') return undefined;
    const previous = parsed.previous && typeof parsed.previous.command === 'string' ? parsed.previous : undefined;
    return { settingsFile: parsed.settingsFile, ...(previous ? { previous } : {}) };
  } catch {
    return undefined;
  }
}

/** What Connect would change, without changing anything. */
export function previewConnect(configDir: string, command: string): ConnectPlan {
  return planConnect(readText(claudeSettingsFile(configDir)), command);
}

/** Applies Connect: backup (once), remember the user's status line, then write the settings. */
export function connect(configDir: string, dataDir: string, command: string): ConnectPlan {
  const file = claudeSettingsFile(configDir);
  const text = readText(file);
  const plan = planConnect(text, command);
  if (plan.unchanged) return plan;
  const mode = text === undefined ? 0o600 : fs.statSync(file).mode & 0o777;
  if (text !== undefined) writeFileAtomicSync(`${file}${BACKUP_SUFFIX}`, text, 0o600);
  writeFileAtomicSync(
    path.join(dataDir, LINK_FILE),
    JSON.stringify({ settingsFile: file, ...(plan.previous ? { previous: plan.previous } : {}) }, null, 2),
    0o600,
  );
  writeFileAtomicSync(file, plan.text, mode);
  return plan;
}

export function previewDisconnect(configDir: string, dataDir: string): DisconnectPlan {
  return planDisconnect(readText(claudeSettingsFile(configDir)), readLink(dataDir)?.previous);
}

/** Applies Disconnect: the user's own status line back (or none), and forgets the link. */
export function disconnect(configDir: string, dataDir: string): DisconnectPlan {
  const file = claudeSettingsFile(configDir);
  const text = readText(file);
  const plan = planDisconnect(text, readLink(dataDir)?.previous);
  if (!plan.unchanged) writeFileAtomicSync(file, plan.text, fs.statSync(file).mode & 0o777);
  fs.rmSync(path.join(dataDir, LINK_FILE), { force: true });
  return plan;
}

/**
 * Keeps a connected status line working across Token Meter updates (the extension's folder, and so
 * the command, changes). Reads Claude Code's settings only when the user connected them. Returns
 * whether it rewrote them.
 */
export function repointIfConnected(configDir: string, dataDir: string, command: string): boolean {
  const link = readLink(dataDir);
  if (!link) return false;
  const file = claudeSettingsFile(configDir);
  const text = readText(file);
  const next = text === undefined ? undefined : planRepoint(text, command);
  if (next === undefined) return false;
  writeFileAtomicSync(file, next, fs.statSync(file).mode & 0o777);
  return true;
}
