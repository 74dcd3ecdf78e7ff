import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { openDatabase } from '../src/db';
import { Store } from '../src/store';

/** The entry points as a team lead uses them: the admin CLI, then `npm start`, on one PGlite data directory. */
const SERVER_DIR = path.join(__dirname, '..');

function admin(dataDir: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/admin.ts', ...args], {
    cwd: SERVER_DIR,
    encoding: 'utf8',
    env: { ...process.env, TOKEN_METER_SERVER_DATA: dataDir, DATABASE_URL: '' },
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Modes of everything under root that other users could read, write or enter. */
function looseModes(root: string): string[] {
  const loose: string[] = [];
  const visit = (p: string) => {
    const stat = fs.lstatSync(p);
    if (stat.isSymbolicLink()) return;
    const mode = stat.mode & 0o777;
    if (stat.isDirectory() ? mode !== 0o700 : mode !== 0o600) loose.push(`${mode.toString(8)} ${path.relative(root, p) || '.'}`);
    if (stat.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(root);
  return loose;
}

async function startServer(dataDir: string): Promise<{ port: number; stop(): Promise<number | null>; output(): string }> {
  const port = await freePort();
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: { ...process.env, TOKEN_METER_SERVER_DATA: dataDir, DATABASE_URL: '', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
  let output = '';
  server.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (d) => {
      output += d;
      if (output.includes('Token Meter team server on')) resolve();
    });
    server.once('exit', () => reject(new Error(`server exited: ${output}`)));
  });
  return {
    port,
    output: () => output,
    stop: async () => {
      server.kill('SIGTERM');
      return exited;
    },
  };
}

describe('admin CLI and server processes', function () {
  this.timeout(120_000);
  let dataDir: string;
  before(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-meter-server-process-'))));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('a token printed by create-user works against the started server, which stops cleanly on SIGTERM', async () => {
    assert.equal(admin(dataDir, 'create-team', '--id', 'platform', '--name', 'Platform').status, 0);
    const created = admin(dataDir, 'create-user', '--team', 'platform', '--name', 'Ada Lovelace', '--lead');
    assert.equal(created.status, 0, created.stderr);
    const token = /(tm_[A-Za-z0-9_-]{43})\s*$/.exec(created.stdout)?.[1];
    assert.ok(token, created.stdout);

    const usage = admin(dataDir, 'set-budget', '--team', 'platform', '--unit', 'euros');
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /unit/);

    assert.deepEqual(looseModes(dataDir), [], 'the admin CLI leaves only private files');

    const server = await startServer(dataDir);
    try {
      assert.match(server.output(), new RegExp(`PGlite in ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      const response = await fetch(`http://127.0.0.1:${server.port}/v1/budget`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { user: { name: string } }).user.name, 'Ada Lovelace');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('makes a data directory that others could read private on start: files 0600, folders 0700', async () => {
    const looseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-meter-server-loose-'));
    const db = await openDatabase({ dataDir: looseDir });
    const store = new Store(db);
    await store.createTeam('t1', 'T1');
    const { token } = await store.createUser('t1', 'u1', 'U1', true);
    await db.close();
    // As the issue found a directory written by earlier versions: files 0666, folders open to all.
    const loosen = (p: string) => {
      const isDir = fs.statSync(p).isDirectory();
      fs.chmodSync(p, isDir ? 0o777 : 0o666);
      if (isDir) for (const name of fs.readdirSync(p)) loosen(path.join(p, name));
    };
    loosen(looseDir);
    try {
      assert.ok(looseModes(looseDir).length > 100, 'the directory starts out readable by others');
      const server = await startServer(looseDir);
      try {
        assert.deepEqual(looseModes(looseDir), []);
        const put = await fetch(`http://127.0.0.1:${server.port}/v1/usage/daily/2026-03-02`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            clientId: 'c',
            revision: 1,
            extensionVersion: '1',
            byModel: [],
            peakWeightedCostUsd: 0,
            peakWeightedTokens: 0,
            peakShare: 0,
            hygiene: {},
          }),
        });
        assert.equal(put.status, 200);
      } finally {
        assert.equal(await server.stop(), 0);
      }
      assert.deepEqual(looseModes(looseDir), [], 'files written while running are private too');
    } finally {
      fs.rmSync(looseDir, { recursive: true, force: true });
    }
  });
});
