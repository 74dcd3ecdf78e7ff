import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import { version } from '../package.json';

/** A CLI command: parses its own arguments, writes to the given streams and returns an exit code. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
type Command = (argv: string[], io: CliIO) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

// Commands load on demand so `token-meter --help` stays instant.
const COMMANDS: Record<string, CommandEntry> = {
  report: {
    summary: 'Print token usage and cost for a day, week or month (table or --json).',
    load: async () => (await import('./cli/report')).reportCommand,
  },
  gateway: {
    summary: 'Run the local metering gateway for OpenAI- and Anthropic-style clients.',
    load: async () => (await import('./cli/gateway')).gatewayCommand,
  },
  statusline: {
    summary: "Claude Code's status line: records its 5-hour and weekly limits, prints a compact line.",
    load: async () => (await import('./cli/statusline')).statuslineCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return [
    'Usage: token-meter <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run `token-meter <command> --help` for a command's options.",
    'Options: --help, --version',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`token-meter: unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  return command(rest, io);
}

/**
 * Standard output that never fails silently. Node's stream for a file ignores a write the disk cuts
 * short (a full disk would leave a truncated report and exit 0), so output to a file is written
 * whole or fails with an error.
 */
function standardOutput(): NodeJS.WritableStream {
  let toFile = false;
  try {
    toFile = fs.fstatSync(1).isFile();
  } catch {
    // no standard output at all (closed): Node's stream reports that
  }
  if (!toFile) return process.stdout;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      try {
        for (let written = 0; written < chunk.length;) written += fs.writeSync(1, chunk, written);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

/**
 * A reader that went away (`token-meter report | head`) ends the command quietly, as SIGPIPE ends
 * other Unix tools; any other output failure (a full disk) is an error, exit 1.
 */
function onOutputError(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  try {
    fs.writeSync(2, `token-meter: could not write the output: ${error.message}\n`);
  } finally {
    process.exit(1);
  }
}

if (require.main === module) {
  const stdout = standardOutput();
  stdout.on('error', onOutputError);
  process.stderr.on('error', onOutputError);
  main(process.argv.slice(2), { stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`token-meter: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
