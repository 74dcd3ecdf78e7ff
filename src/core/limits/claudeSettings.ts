/**
 * Connecting Token Meter to Claude Code's status line, as pure edits of the text of Claude Code's
 * user settings (`settings.json`). Connect points `statusLine` at `token-meter statusline` and
 * hands back the status line the user had, which Token Meter then runs as well (chained);
 * Disconnect puts that one back. Only the `statusLine` key changes; everything else is kept.
 */

export interface ClaudeStatusLine {
  type: string;
  command: string;
  padding?: number;
}

export interface ConnectPlan {
  /** The settings file's new text. */
  text: string;
  /** The status line the user had, to chain and to restore; undefined when there was none. */
  previous?: ClaudeStatusLine;
  /** One human line per change, shown before anything is written. */
  changes: string[];
  /** Nothing to do: Token Meter is connected already. */
  unchanged: boolean;
}

export interface DisconnectPlan {
  text: string;
  changes: string[];
  unchanged: boolean;
}

export class ClaudeSettingsError extends Error {}

/** Token Meter's own command, whichever way it is invoked (`token-meter statusline`, `node …/dist/cli.js statusline`). */
export function isTokenMeterStatusLine(command: string): boolean {
  return /(token-meter|[\\/]dist[\\/]cli\.js)["']?\s+statusline\b/.test(command);
}

function parseSettings(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ClaudeSettingsError(
      `Claude Code's settings file is not valid JSON (${(error as Error).message}); fix it or connect by hand.`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ClaudeSettingsError("Claude Code's settings file does not hold a JSON object.");
  return parsed as Record<string, unknown>;
}

function statusLineOf(settings: Record<string, unknown>): ClaudeStatusLine | undefined {
  const value = settings.statusLine as Partial<ClaudeStatusLine> | undefined;
  if (!value || typeof value !== 'object' || typeof value.command !== 'string') return undefined;
  return {
    type: typeof value.type === 'string' ? value.type : 'command',
    command: value.command,
    ...(typeof value.padding === 'number' ? { padding: value.padding } : {}),
  };
}

function serialize(settings: Record<string, unknown>): string {
  return `${JSON.stringify(settings, null, 2)}\n`;
}

export function planConnect(text: string | undefined, command: string): ConnectPlan {
  const settings = parseSettings(text);
  const current = statusLineOf(settings);
  if (current && isTokenMeterStatusLine(current.command)) return { text: text ?? '', changes: [], unchanged: true };
  const next: ClaudeStatusLine = { type: 'command', command, ...(current?.padding !== undefined ? { padding: current.padding } : {}) };
  const changes = [`statusLine.command: ${current ? `"${current.command}"` : '(none)'} → "${command}"`];
  if (current) changes.push(`Your status line "${current.command}" keeps running: Token Meter prints its output before its own.`);
  return { text: serialize({ ...settings, statusLine: next }), ...(current ? { previous: current } : {}), changes, unchanged: false };
}

/** Puts back the status line the user had (or removes Token Meter's when there was none). */
export function planDisconnect(text: string | undefined, previous: ClaudeStatusLine | undefined): DisconnectPlan {
  const settings = parseSettings(text);
  const current = statusLineOf(settings);
  if (!current || !isTokenMeterStatusLine(current.command)) return { text: text ?? '', changes: [], unchanged: true };
  const { statusLine: _ours, ...rest } = settings;
  const next = previous ? { ...rest, statusLine: previous } : rest;
  const changes = [`statusLine.command: "${current.command}" → ${previous ? `"${previous.command}"` : '(none)'}`];
  return { text: serialize(next), changes, unchanged: false };
}

/**
 * After Token Meter is updated its folder changes, and the connected command with it: points the
 * status line at the new command when (and only when) it is Token Meter's own. Undefined: nothing to do.
 */
export function planRepoint(text: string | undefined, command: string): string | undefined {
  const settings = parseSettings(text);
  const current = statusLineOf(settings);
  if (!current || !isTokenMeterStatusLine(current.command) || current.command === command) return undefined;
  return serialize({ ...settings, statusLine: { ...current, command } });
}

/** POSIX shell quoting: the command runs through Claude Code's shell. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command Claude Code runs: Token Meter's CLI under the Node that runs the extension (VS Code's
 * own binary in Node mode when that is Electron, so no separate Node is needed), and the data
 * directory the extension reads.
 */
export function statusLineCommand(options: { executable: string; cli: string; dataDir: string; electron?: boolean }): string {
  const env = options.electron ? 'ELECTRON_RUN_AS_NODE=1 ' : '';
  return `${env}${shellQuote(options.executable)} ${shellQuote(options.cli)} statusline --data-dir ${shellQuote(options.dataDir)}`;
}
