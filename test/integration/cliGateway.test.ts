import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { gatewayCommand } from '../../src/cli/gateway';
import { DATA_FILES } from '../../src/store/paths';

/** gatewayCommand in this process, its output collected, stopped through its abort signal. */
function startCommand(args: string[]) {
  const out = { stdout: '', stderr: '' };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const stop = new AbortController();
  const exit = gatewayCommand(args, { stdout, stderr }, stop.signal);
  return { out, exit, stop: () => stop.abort() };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(check(), what);
}

/** A port free now; the gateway is given a real one, since its state and URLs name the port asked for. */
async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function health(port: number, secret: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/${secret}/__token-meter/health`);
  await response.body?.cancel();
  return response.status;
}

describe('token-meter gateway: every way out tears down once', function () {
  this.timeout(20_000);
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-cli-gw-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('a leader serves until stopped, a second one follows it and leaves it running, then the leader stops cleanly', async () => {
    const leader = startCommand(['--port', String(await freePort()), '--data-dir', dataDir]);
    await until(() => leader.out.stdout.includes('Press Ctrl+C to stop.'), `the leader started: ${leader.out.stderr}`);
    const { port, secret } = JSON.parse(fs.readFileSync(path.join(dataDir, DATA_FILES.gateway), 'utf8')) as {
      port: number;
      secret: string;
    };

    const follower = startCommand(['--data-dir', dataDir]);
    assert.equal(await follower.exit, 0);
    assert.match(follower.out.stdout, new RegExp(`already running on port ${port}`));
    assert.match(follower.out.stdout, /export OPENAI_BASE_URL=/);
    assert.doesNotMatch(follower.out.stdout, /stopped/);
    assert.equal(await health(port, secret), 200, 'the follower leaving did not stop the leader');

    leader.stop();
    assert.equal(await leader.exit, 0);
    assert.match(leader.out.stdout, /Token Meter gateway stopped\.\n$/);
    await assert.rejects(health(port, secret), 'the leader closed its port');
  });

  it('exits 1 naming the port when another program holds it, and a later start on the same data works', async () => {
    const squatter = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as AddressInfo).port;
    try {
      const refused = startCommand(['--port', String(taken), '--data-dir', dataDir]);
      assert.equal(await refused.exit, 1);
      assert.match(refused.out.stderr, new RegExp(String(taken)));
      assert.doesNotMatch(refused.out.stdout, /stopped/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    const again = startCommand(['--port', String(await freePort()), '--data-dir', dataDir]);
    await until(() => again.out.stdout.includes('Press Ctrl+C to stop.'), `started after the refusal: ${again.out.stderr}`);
    again.stop();
    assert.equal(await again.exit, 0);
  });

  it("refuses --port 0 and ports outside the setting's range with exit 2, writing no state a window would read", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-cli-gw-port-'));
    for (const port of ['0', '80', '65536', 'x']) {
      const refused = startCommand(['--port', port, '--data-dir', dataDir]);
      assert.equal(await refused.exit, 2, port);
      assert.match(refused.out.stderr, /--port must be a whole number from 1024 to 65535/);
    }
    assert.ok(!fs.existsSync(path.join(dataDir, DATA_FILES.gateway)), 'no gateway.json with a port nobody listens on');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
