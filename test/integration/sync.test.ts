import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { dayKey } from '../../src/core/time';
import { UsageStore } from '../../src/store/usageStore';
import { createOtelExport } from '../../src/sync/otelExport';
import { SyncService } from '../../src/sync/syncService';
import { testContext, usageEvent } from '../support/events';
import { freePort } from '../support/net';

const SERVER_DIR = path.resolve(__dirname, '../../server');
const DAY = 86_400_000;

/** The reference team server, as a team runs it: `npm start` in server/, PGlite in a folder. */
class TeamServer {
  private child: ChildProcess | undefined;
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-team-server-'));

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, PORT: String(this.port), TOKEN_METER_SERVER_DATA: this.dataDir };
  }

  admin(...args: string[]): string {
    return execFileSync(process.execPath, ['--import', 'tsx', 'src/admin.ts', ...args], {
      cwd: SERVER_DIR,
      env: this.env(),
      encoding: 'utf8',
    });
  }

  async start(): Promise<void> {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: SERVER_DIR, env: this.env(), stdio: 'ignore' });
    for (let i = 0; i < 200; i++) {
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the team server did not start');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

describe('team sync against the reference server (PGlite)', function () {
  this.timeout(180_000);
  let server: TeamServer;
  let memberToken = '';
  let leadToken = '';
  // A clock of its own that starts three days ago, so the store accepts every simulated day.
  const now = { t: Math.floor(Date.now() / DAY) * DAY - 3 * DAY + 15 * 3600_000 };
  const day = (offset: number) => dayKey(now.t + offset * DAY, 'UTC');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-sync-client-'));
  let store: UsageStore;

  before(async function () {
    if (!fs.existsSync(path.join(SERVER_DIR, 'node_modules'))) {
      execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: SERVER_DIR, stdio: 'inherit' });
    }
    server = new TeamServer(await freePort());
    server.admin('create-team', '--id', 'web', '--name', 'Web team');
    memberToken = /Token[^:]*: (\S+)/.exec(server.admin('create-user', '--team', 'web', '--name', 'Ana', '--id', 'ana'))![1];
    leadToken = /Token[^:]*: (\S+)/.exec(server.admin('create-user', '--team', 'web', '--name', 'Lee', '--id', 'lee', '--lead'))![1];
    server.admin('set-budget', '--team', 'web', '--daily', '5', '--unit', 'usd');
    await server.start();
    store = UsageStore.open({ dataDir, context: testContext() });
  });
  after(async () => {
    await server?.stop();
    store?.dispose();
  });

  function service(token: string, calls?: string[]): SyncService {
    return new SyncService({
      dataDir,
      endpoint: server.url,
      teamId: 'web',
      token,
      extensionVersion: '0.1.0',
      rows: (from, to) => store.rollups.rows({ fromDay: from, toDay: to }),
      recentDays: (t) => Array.from({ length: 7 }, (_, i) => dayKey(t - i * DAY, 'UTC')),
      now: () => now.t,
      random: () => 0.5,
      fetch: (input, init) => {
        calls?.push(`${init?.method ?? 'GET'} ${String(input)}`);
        return fetch(input, init);
      },
    });
  }

  function record(ts: number, inputTokens: number): void {
    store.record(usageEvent({ ts, inputTokens, outputTokens: 10, model: 'claude-sonnet-4-5', source: 'claude-code' }));
    store.refresh();
  }

  async function summary(): Promise<{
    days: Array<{ date: string; inputTokens: number; requests: number }>;
    totals: { inputTokens: number };
  }> {
    const res = await fetch(`${server.url}/v1/team/summary?from=${dayKey(now.t - 30 * DAY, 'UTC')}&to=${dayKey(now.t + 5 * DAY, 'UTC')}`, {
      headers: { authorization: `Bearer ${leadToken}` },
    });
    assert.equal(res.status, 200);
    return (await res.json()) as never;
  }

  it('sends each day once, re-sends a day that changed, and reads the team budget', async () => {
    record(now.t - 2 * DAY, 1000);
    record(now.t - DAY, 2000);
    const status = await service(memberToken).sync();
    assert.equal(status.problem, undefined);
    assert.equal(status.pendingDays, 0);
    assert.equal(status.policy?.budget.daily, 5);
    record(now.t - DAY, 500);
    await service(memberToken).sync();
    const s = await summary();
    assert.deepEqual(
      s.days.filter((d) => d.requests > 0).map((d) => [d.date, d.inputTokens, d.requests]),
      [
        [day(-2), 1000, 1],
        [day(-1), 2500, 2],
      ],
    );
  });

  it('keeps days while the server is down, backs off, and delivers every day exactly once when it is back', async () => {
    await server.stop();
    now.t += DAY;
    record(now.t - 3600_000, 700);
    const calls: string[] = [];
    const down = await service(memberToken, calls).sync();
    assert.match(down.problem ?? '', /could not be reached.*Retrying in/);
    assert.equal(down.pendingDays, 1);
    const before = calls.length;
    await service(memberToken, calls).sync();
    assert.equal(calls.length, before, 'backing off: no request before the delay');

    await server.start();
    now.t += 31 * 60_000; // past the longest backoff
    const back = await service(memberToken, calls).sync();
    assert.equal(back.problem, undefined);
    assert.equal(back.pendingDays, 0);
    const s = await summary();
    assert.deepEqual(
      s.days.filter((d) => d.requests > 0).map((d) => [d.date, d.inputTokens]),
      [
        [day(-3), 1000],
        [day(-2), 2500],
        [day(0), 700],
      ],
    );
    assert.equal(s.totals.inputTokens, 4200, 'nothing counted twice');
  });

  it('stops on a refused token with one clear message, and retries only once the token changes', async () => {
    record(now.t - 60_000, 1);
    const calls: string[] = [];
    const refused = await service('tm_not-a-real-token', calls).sync();
    assert.match(refused.problem ?? '', /refused the token \(401\).*Set Team Token/);
    const count = calls.length;
    await service('tm_not-a-real-token', calls).sync();
    assert.equal(calls.length, count, 'no retry with the same token');
    const fixed = await service(memberToken, calls).sync();
    assert.equal(fixed.problem, undefined);
    assert.equal(fixed.pendingDays, 0);
  });

  it('drops a day the server rejects as invalid, with a message, and sends the others', async () => {
    store.record(usageEvent({ ts: now.t - 2 * DAY + 1, model: 'm'.repeat(300), source: 'api' }));
    store.record(usageEvent({ ts: now.t - 1000, inputTokens: 3, source: 'api' }));
    store.refresh();
    const status = await service(memberToken).sync();
    assert.match(status.problem ?? '', new RegExp(`refused the totals of ${day(-2)}`));
    assert.equal(status.pendingDays, 0);
    assert.equal((await summary()).days.find((d) => d.date === day(0))?.requests, 3);
  });
});

describe('OpenTelemetry export (OTLP/HTTP JSON to a local receiver)', () => {
  it('sends gen_ai.client.token.usage with token type, model and provider', async () => {
    const bodies: unknown[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const port = (receiver.address() as net.AddressInfo).port;
    const exporter = createOtelExport({ endpoint: `http://127.0.0.1:${port}`, serviceVersion: '0.1.0', exportIntervalMs: 60_000 });
    exporter.record([
      usageEvent({
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        inputTokens: 100,
        cacheReadTokens: 900,
        cacheWriteTokens: 0,
        outputTokens: 50,
      }),
      usageEvent({ provider: 'openai', model: 'gpt-5', inputTokens: 10, outputTokens: 5 }),
    ]);
    await exporter.flush();
    await exporter.shutdown();
    receiver.close();

    const sent = bodies[0] as { path: string; type: string; body: any };
    assert.equal(sent.path, '/v1/metrics');
    assert.match(sent.type, /application\/json/);
    const metrics = sent.body.resourceMetrics[0].scopeMetrics[0].metrics;
    const usage = metrics.find((m: { name: string }) => m.name === 'gen_ai.client.token.usage');
    assert.equal(usage.unit, '{token}');
    const points = usage.histogram.dataPoints.map(
      (p: { attributes: Array<{ key: string; value: { stringValue: string } }>; sum: number; count: string | number }) => {
        const a = Object.fromEntries(p.attributes.map((x) => [x.key, x.value.stringValue]));
        return [a['gen_ai.provider.name'], a['gen_ai.request.model'], a['gen_ai.token.type'], p.sum];
      },
    );
    assert.deepEqual(points.sort(), [
      ['anthropic', 'claude-sonnet-4-5', 'input', 1000],
      ['anthropic', 'claude-sonnet-4-5', 'output', 50],
      ['openai', 'gpt-5', 'input', 10],
      ['openai', 'gpt-5', 'output', 5],
    ]);
    const service = sent.body.resourceMetrics[0].resource.attributes.find((a: { key: string }) => a.key === 'service.name');
    assert.equal(service.value.stringValue, 'token-meter');
  });
});
