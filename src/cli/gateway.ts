import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIO } from '../cli';
import { GatewayHost, GatewayPortInUseError } from '../capture/gateway/host';
import { recordLimitHeaders } from '../capture/gateway/limitHeaders';
import { listPriceContext } from '../core/settings';
import { describeSetting, validateSetting } from '../core/settingsSchema';
import { systemTimeZone } from '../core/time';
import { LimitStore } from '../store/limitStore';
import { defaultDataDir } from '../store/paths';
import { bundledDecodeWorker } from '../store/decodePool';
import { UsageStore } from '../store/usageStore';
import { dataDirProblem, dataDirSource } from './dataDir';
import { loadCachedCatalog } from '../sync/priceRefresh';

const HELP = `Usage: token-meter gateway [options]

Runs the local metering gateway on 127.0.0.1. Point OpenAI- and Anthropic-style clients at the
base URLs it prints; requests pass through unchanged and their token usage is recorded in the
Token Meter store that the VS Code extension reads.

Options:
  --port N                  port on 127.0.0.1 (default: the saved one, else 4870)
  --openai-upstream URL     where OpenAI-style requests go (default https://api.openai.com);
                            any OpenAI-compatible base URL works (Azure, OpenRouter, vLLM, Ollama)
  --anthropic-upstream URL  where Anthropic requests go (default https://api.anthropic.com)
  --data-dir DIR            the store and gateway.json (default: VS Code's global storage for
                            Token Meter, or $TOKEN_METER_DATA_DIR); created if missing,
                            else an empty folder or one that holds a Token Meter store
  -h, --help                show this help

Stops on Ctrl+C (SIGINT) or SIGTERM. Exit codes: 0 stopped cleanly, 2 bad arguments,
1 could not start (for example the port is used by another program).
`;

function parseUpstream(value: string | undefined, fallback: string, flag: string): string {
  const url = value ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${flag} must be a URL such as https://api.openai.com (got "${url}").`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${flag} must be an http:// or https:// URL.`);
  return url;
}

interface CliGatewayOptions {
  port: number | undefined;
  dataDir: string;
  upstreams: { openai: string; anthropic: string };
}

export async function gatewayCommand(argv: string[], io: CliIO, stopSignal?: AbortSignal): Promise<number> {
  let options: CliGatewayOptions;
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        'openai-upstream': { type: 'string' },
        'anthropic-upstream': { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const port = values.port === undefined ? undefined : Number(values.port);
    // The port is shared (gateway.json) with VS Code windows and terminals, so it must be a fixed one,
    // in the range tokenMeter.gateway.port allows; 0 ("any free port") would tell them nothing.
    if (port !== undefined && validateSetting('gateway.port', port).problem)
      throw new Error(`--port must be ${describeSetting('gateway.port')}.`);
    const dataDir = values['data-dir'] !== undefined ? path.resolve(values['data-dir']) : defaultDataDir();
    const dataDirIssue = dataDirProblem(dataDir, { mustExist: false });
    if (dataDirIssue) throw new Error(`${dataDirSource(values['data-dir'] !== undefined)}: ${dataDirIssue}`);
    options = {
      port,
      dataDir,
      upstreams: {
        openai: parseUpstream(values['openai-upstream'], 'https://api.openai.com', '--openai-upstream'),
        anthropic: parseUpstream(values['anthropic-upstream'], 'https://api.anthropic.com', '--anthropic-upstream'),
      },
    };
  } catch (error) {
    io.stderr.write(`token-meter gateway: ${(error as Error).message}\nRun "token-meter gateway --help" for the options.\n`);
    return 2;
  }

  // The prices the extension last refreshed, if any (the headless gateway itself never downloads them).
  const saved = loadCachedCatalog(options.dataDir);
  if (saved.problem) io.stderr.write(`token-meter gateway: ${saved.problem}\n`);
  let store: UsageStore;
  try {
    store = UsageStore.open({
      dataDir: options.dataDir,
      context: listPriceContext(systemTimeZone()),
      onProblem: (m) => io.stderr.write(`token-meter gateway: ${m}\n`),
      decodeWorker: bundledDecodeWorker(),
    });
  } catch (error) {
    io.stderr.write(`token-meter gateway: could not open the store in ${options.dataDir}: ${(error as Error).message}\n`);
    return 1;
  }
  // One teardown for every way out: start refused, a follower's early return, or Ctrl+C.
  let host: GatewayHost | undefined;
  let served = false;
  try {
    host = await GatewayHost.start({
      dataDir: options.dataDir,
      port: options.port,
      upstreams: options.upstreams,
      sink: store,
      onResponseHeaders: recordLimitHeaders(new LimitStore(options.dataDir), (m) => io.stderr.write(`token-meter gateway: ${m}\n`)),
    });
    announce(host, options, io);
    if (host.role === 'follower') return 0;
    io.stdout.write('Press Ctrl+C to stop.\n');
    await untilStopped(stopSignal);
    served = true;
  } catch (error) {
    if (host) throw error;
    io.stderr.write(
      `token-meter gateway: ${error instanceof GatewayPortInUseError ? error.message : `could not start: ${(error as Error).message}`}\n`,
    );
    return 1;
  } finally {
    await host?.dispose();
    store.dispose();
  }
  if (served) io.stdout.write('Token Meter gateway stopped.\n');
  return 0;
}

/** Where the gateway listens (or which one runs already), and the variables that point clients at it. */
function announce(host: GatewayHost, options: CliGatewayOptions, io: CliIO): void {
  const urls = host.urls;
  if (host.role === 'follower') {
    io.stdout.write(`A Token Meter gateway is already running on port ${host.state.port} (a VS Code window or another process); use it:\n`);
  } else {
    io.stdout.write(`Token Meter gateway listening on http://127.0.0.1:${host.state.port} (usage recorded in ${options.dataDir})\n`);
    io.stdout.write(`Forwarding to ${options.upstreams.openai} and ${options.upstreams.anthropic}.\n`);
  }
  io.stdout.write(`\nexport OPENAI_BASE_URL=${urls.openai}\nexport ANTHROPIC_BASE_URL=${urls.anthropic}\n\n`);
}

/** Resolves on Ctrl+C, SIGTERM or the caller's stop signal. */
function untilStopped(stopSignal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    stopSignal?.addEventListener('abort', stop, { once: true });
  });
}
