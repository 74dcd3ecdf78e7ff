import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

/**
 * A throwaway Postgres cluster for tests and the benchmark: initdb in a temp dir, postgres on a free
 * loopback port, removed on stop. Uses the machine's Postgres binaries and, where there are none,
 * installs Debian's `postgresql` with apt-get (as root or with passwordless sudo). When none can be
 * had, `start` returns the reason, and callers skip loudly.
 * TOKEN_METER_TEST_DATABASE_URL points at an existing server instead (it must allow CREATE DATABASE).
 */

export interface PostgresCluster {
  /** URL of the maintenance database; `createDatabase` makes a fresh one per suite. */
  adminUrl: string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

function listVersionDirs(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(root, v, 'bin'));
}

function findBinDir(): string | undefined {
  // Listed afresh each time: an apt-get install adds /usr/lib/postgresql/<version>/bin.
  const dirs = ['/usr/local/bin', ...listVersionDirs('/usr/lib/postgresql'), '/usr/bin'];
  return dirs.find((dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'postgres')));
}

function canSudo(): boolean {
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

/** Installs Debian's postgresql package; returns why it could not. */
function installPostgres(): string | undefined {
  if (process.platform !== 'linux' || !fs.existsSync('/usr/bin/apt-get')) return 'no Postgres binaries and no apt-get to install them';
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && !canSudo()) return 'no Postgres binaries, and installing them needs root or passwordless sudo';
  const run = (args: string[]) => {
    const [cmd, ...rest] = asRoot ? args : ['sudo', '-n', ...args];
    return spawnSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  console.log("Postgres binaries not found: installing Debian's postgresql package for the tests (apt-get)…");
  if (run(['apt-get', 'update']).status !== 0) return 'apt-get update failed';
  if (run(['apt-get', 'install', '-y', '--no-install-recommends', 'postgresql']).status !== 0) return 'apt-get install postgresql failed';
  return findBinDir() ? undefined : 'apt-get installed postgresql but initdb/postgres are still missing';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Postgres refuses to run as root; as root the cluster belongs to the `postgres` user (or nobody). */
function clusterOwner(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    if (spawnSync('id', ['-u', user], { stdio: 'ignore' }).status === 0) return user;
  }
  throw new Error('Running as root, and neither a postgres nor a nobody user exists to own the test cluster.');
}

/** uid/gid for spawn, so the postgres process itself (not a wrapper) is our child and gets our signals. */
function ownerIds(owner: string | undefined): { uid?: number; gid?: number } {
  if (!owner) return {};
  const id = (flag: string) => Number(spawnSync('id', [flag, owner], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function waitForConnection(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${log()}`);
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s (${(err as Error).message}):\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface StartOptions {
  /** Keep fsync and synchronous commit on (the benchmark); tests turn them off for speed. */
  durable?: boolean;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
}

function clusterOn(adminUrl: string, stop: () => Promise<void>): PostgresCluster {
  return {
    adminUrl,
    async createDatabase(name) {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    stop,
  };
}

export async function startPostgres(options: StartOptions = {}): Promise<PostgresCluster | { skipReason: string }> {
  const external = process.env.TOKEN_METER_TEST_DATABASE_URL;
  if (external) return clusterOn(external, async () => undefined);

  let binDir = findBinDir();
  if (!binDir) {
    const reason = installPostgres();
    if (reason) return { skipReason: reason };
    binDir = findBinDir()!;
  }
  const owner = clusterOwner();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'token-meter-pg-'));
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir);
  if (owner) {
    fs.chmodSync(root, 0o755);
    spawnSync('chown', ['-R', owner, root]);
  }
  const ids = ownerIds(owner);
  const init = spawnSync(path.join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync'], {
    encoding: 'utf8',
    cwd: root,
    ...ids,
  });
  if (init.status !== 0) {
    fs.rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  }

  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: root,
    max_connections: '200',
    ...(options.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    ...options.settings,
  };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const child = spawn(path.join(binDir, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root, ...ids });
  let output = '';
  child.stdout!.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-4000)));
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // SIGINT is Postgres' fast shutdown.
      child.kill('SIGINT');
      await exited;
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitForConnection(adminUrl, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return clusterOn(adminUrl, stop);
}
