import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

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

    const port = await freePort();
    const server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: SERVER_DIR,
      env: { ...process.env, TOKEN_METER_SERVER_DATA: dataDir, DATABASE_URL: '', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    try {
      let output = '';
      await new Promise<void>((resolve, reject) => {
        server.stdout!.on('data', (d) => {
          output += d;
          if (output.includes('Token Meter team server on')) resolve();
        });
        server.once('exit', () => reject(new Error(`server exited: ${output}`)));
      });
      assert.match(output, new RegExp(`PGlite in ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      const response = await fetch(`http://127.0.0.1:${port}/v1/budget`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { user: { name: string } }).user.name, 'Ada Lovelace');
    } finally {
      server.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});
