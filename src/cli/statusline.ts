import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { CliIO } from '../cli';
import { readLink } from '../capture/claudeStatusLineLink';
import { formatStatusLine, parseStatusLineInput } from '../core/limits/statusLine';
import { systemTimeZone } from '../core/time';
import { LimitStore } from '../store/limitStore';
import { defaultDataDir } from '../store/paths';

const HELP = `Usage: token-meter statusline [options] < claude-status.json

Claude Code's status line. Claude Code runs it with a JSON object on stdin (model, workspace, cost,
context window and, on subscriptions, rate_limits); it records the 5-hour and weekly readings for
Token Meter's "what limits me now" meter and prints a compact line, e.g.
  Opus · myapp · ctx 42% · $1.37 · 5h 42% ↻14:20 · 7d 18% ↻Mon 09:00
When "Token Meter: Connect Claude Code Status Line" replaced a status line you had, that command
runs too (same stdin) and its output is printed first.

Options:
  --data-dir DIR   where readings are recorded (default: VS Code's global storage for Token Meter,
                   or $TOKEN_METER_DATA_DIR)
  --no-chain       do not run the status line you had before
  -h, --help       show this help

Exit codes: 0 printed a line (even when stdin was not Claude Code's JSON), 2 bad arguments.
`;

/** Claude Code's JSON is a few kilobytes; anything far larger is not it. */
const MAX_STDIN_BYTES = 1024 * 1024;
const CHAIN_TIMEOUT_MS = 5000;
const MAX_CHAIN_OUTPUT_BYTES = 64 * 1024;

export interface StatuslineOptions {
  stdin?: NodeJS.ReadableStream;
  now?: () => number;
  timeZone?: string;
}

function readBounded(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer | string) => {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += buffer.length;
      if (size <= MAX_STDIN_BYTES) chunks.push(buffer);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

/** Runs the user's own status line with the same stdin; its output, or '' when it fails or hangs. */
function runChained(command: string, input: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'ignore'], timeout: CHAIN_TIMEOUT_MS });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_CHAIN_OUTPUT_BYTES) chunks.push(chunk);
    });
    child.on('error', () => resolve(''));
    child.on('close', () => resolve(Buffer.concat(chunks).toString('utf8').replace(/\s+$/, '')));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

export async function statuslineCommand(argv: string[], io: CliIO, options: StatuslineOptions = {}): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { 'data-dir': { type: 'string' }, 'no-chain': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    io.stderr.write(`token-meter statusline: ${(error as Error).message}\nRun "token-meter statusline --help" for the options.\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const now = (options.now ?? Date.now)();
  const input = await readBounded(options.stdin ?? process.stdin);
  let json: unknown;
  try {
    json = JSON.parse(input);
  } catch {
    io.stderr.write('token-meter statusline: stdin is not the JSON Claude Code sends; printing what is known.\n');
  }
  const facts = parseStatusLineInput(json, now);
  try {
    new LimitStore(dataDir, () => now).record(facts.readings);
  } catch (error) {
    // The line still prints: a status line that fails shows nothing at all in Claude Code.
    io.stderr.write(`token-meter statusline: could not record the readings in ${dataDir}: ${(error as Error).message}\n`);
  }
  const previous = values['no-chain'] ? undefined : readLink(dataDir)?.previous;
  const chained = previous ? await runChained(previous.command, input) : '';
  const ours = formatStatusLine(facts, now, options.timeZone ?? systemTimeZone());
  io.stdout.write(`${[chained, ours].filter(Boolean).join(chained.includes('\n') ? '\n' : ' │ ')}\n`);
  return 0;
}
