// Team server benchmark: PUT /v1/usage/daily throughput with 32 concurrent clients, and the team
// summary for 500 users × 90 days, on a real Postgres (durable: fsync and synchronous commit on)
// and on the embedded PGlite. The server runs as its own process, as deployed; this process only
// drives HTTP. GET /healthz (no database) is measured the same way as the ceiling of the HTTP stack,
// so PUT throughput is also reported as a ratio to it. Writes bench/results/server.json.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { openDatabase, type Database } from '../src/db';
import { Store } from '../src/store';
import { startPostgres } from '../test/support/postgres';

const CLIENTS = 32;
const PUT_SECONDS = Number(process.env.BENCH_PUT_SECONDS ?? 10);
const SUMMARY_USERS = 500;
const SUMMARY_DAYS = 90;
const SUMMARY_RUNS = 20;
const LAST_DAY = '2026-10-31';
const SERVER_DIR = path.join(__dirname, '..');

interface Timing {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });

function request(port: number, method: string, urlPath: string, token: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, agent, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** `clients` loops, each sending its next request as soon as the last answered, for `seconds`. */
async function closedLoop(seconds: number, clients: number, send: (client: number, i: number) => Promise<number>): Promise<Timing> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t = performance.now();
        const status = await send(client, i);
        latencies.push(performance.now() - t);
        if (status !== 200) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, seconds: elapsed, perSecond: latencies.length / elapsed, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), errors };
}

function dailyReport(revision: number): string {
  return JSON.stringify({
    clientId: 'bench-laptop',
    revision,
    extensionVersion: '0.9.0',
    byModel: [
      { model: 'claude-sonnet-4', source: 'claude-code', requests: 40, inputTokens: 120_000, outputTokens: 30_000, cacheReadTokens: 900_000, cacheWriteTokens: 40_000, reasoningTokens: 5_000, costUsd: 1.23 },
      { model: 'gpt-5', source: 'gateway', requests: 12, inputTokens: 40_000, outputTokens: 9_000, cacheReadTokens: 10_000, cacheWriteTokens: 0, reasoningTokens: 3_000, costUsd: 0.41 },
    ],
    peakWeightedCostUsd: 2.1,
    peakWeightedTokens: 1_400_000,
    peakShare: 0.55,
    hygiene: { repeatedPrompt: 3, retryStorm: 1 },
    commits: 4,
  });
}

/** Members who PUT, and a 500-person team with 90 days of reports for the summary. */
export async function seed(db: Database): Promise<{ putTokens: string[]; leadToken: string }> {
  const store = new Store(db);
  await store.createTeam('writers', 'Writers');
  const putTokens: string[] = [];
  for (let i = 0; i < CLIENTS; i++) putTokens.push((await store.createUser('writers', `writer-${i}`, `Writer ${i}`, false)).token);
  await store.createTeam('big', 'Big team');
  await store.setBudget('big', { unit: 'usd', daily: 900, weekly: 0, monthly: 20_000, weekStart: 'monday' });
  const leadToken = (await store.createUser('big', 'lead', 'Lead', true)).token;
  await db.query(
    `INSERT INTO users (id, team_id, name, is_lead, token_hash)
     SELECT 'member-' || n, 'big', 'Member ' || lpad(n::text, 3, '0'), false, md5('member-' || n) || md5('salt' || n)
     FROM generate_series(1, $1::int - 1) AS n`,
    [SUMMARY_USERS],
  );
  // Deterministic, varied numbers per person and day; two models per day as a client would send.
  await db.query(
    `INSERT INTO daily_usage (user_id, client_id, day, team_id, revision, extension_version, input_tokens, output_tokens,
       cache_read_tokens, cache_write_tokens, reasoning_tokens, requests, cost_usd, peak_weighted_cost_usd, peak_weighted_tokens,
       peak_share, commits, hygiene, by_model)
     SELECT u.id, 'laptop', $1::date - d, 'big', 1, '0.9.0', 1000 * (1 + (h % 97)), 300 * (1 + (h % 31)), 5000 * (h % 13), 400 * (h % 7),
       50 * (h % 11), 10 + h % 40, (h % 500) / 100.0, (h % 500) / 80.0, 8000 * (1 + h % 17), (h % 100) / 100.0,
       CASE WHEN h % 3 = 0 THEN NULL ELSE h % 6 END, '{"repeatedPrompt": 1}',
       jsonb_build_array(
         jsonb_build_object('model', 'claude-sonnet-4', 'source', 'claude-code', 'requests', 10, 'inputTokens', 1000 * (1 + (h % 97)),
           'outputTokens', 300 * (1 + (h % 31)), 'cacheReadTokens', 5000 * (h % 13), 'cacheWriteTokens', 400 * (h % 7),
           'reasoningTokens', 50 * (h % 11), 'costUsd', (h % 500) / 150.0),
         jsonb_build_object('model', 'gpt-5', 'source', 'gateway', 'requests', h % 40, 'inputTokens', 0, 'outputTokens', 0,
           'cacheReadTokens', 0, 'cacheWriteTokens', 0, 'reasoningTokens', 0, 'costUsd', (h % 500) / 300.0))
     FROM (SELECT id, d, abs(hashtext(id || d)) AS h FROM users, generate_series(0, $2::int - 1) AS d WHERE team_id = 'big') u`,
    [LAST_DAY, SUMMARY_DAYS],
  );
  await db.exec('ANALYZE');
  return { putTokens, leadToken };
}

async function startServer(env: Record<string, string>): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: SERVER_DIR, env: { ...process.env, ...env, PORT: env.PORT }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) resolve({ port: Number(match[1]), child });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function measure(label: string, db: Database, serverEnv: Record<string, string>) {
  const { putTokens, leadToken } = await seed(db);
  await db.close(); // PGlite's data directory can only be open in one process: the server's.
  const { port, child } = await startServer({ ...serverEnv, PORT: String(await freePort()) });
  try {
    const revisions = new Array(CLIENTS).fill(0);
    const put = (client: number, i: number) =>
      request(port, 'PUT', `/v1/usage/daily/2026-10-${String(1 + (i % 30)).padStart(2, '0')}`, putTokens[client], dailyReport(++revisions[client])).then((r) => r.status);
    await closedLoop(2, CLIENTS, put); // warm-up: JIT, connection pool, first inserts
    const puts = await closedLoop(PUT_SECONDS, CLIENTS, put);
    const health = await closedLoop(Math.min(5, PUT_SECONDS), CLIENTS, () => request(port, 'GET', '/healthz', '').then((r) => r.status));

    const from = new Date(Date.parse(`${LAST_DAY}T00:00:00Z`) - (SUMMARY_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const summaryPath = `/v1/team/summary?from=${from}&to=${LAST_DAY}`;
    const check = JSON.parse((await request(port, 'GET', summaryPath, leadToken)).text);
    if (check.people?.length !== SUMMARY_USERS || check.days?.length !== SUMMARY_DAYS) throw new Error(`summary shape is wrong: ${JSON.stringify(check).slice(0, 300)}`);
    const times: number[] = [];
    for (let run = 0; run < SUMMARY_RUNS + 3; run++) {
      const t = performance.now();
      const response = await request(port, 'GET', summaryPath, leadToken);
      if (response.status !== 200) throw new Error(`summary answered ${response.status}`);
      if (run >= 3) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const result = {
      put: { ...puts, ratioToHealthz: puts.perSecond / health.perSecond },
      healthz: health,
      summary: { users: SUMMARY_USERS, days: SUMMARY_DAYS, rows: SUMMARY_USERS * SUMMARY_DAYS, runs: SUMMARY_RUNS, medianMs: percentile(times, 0.5), p95Ms: percentile(times, 0.95), minMs: times[0] },
    };
    console.log(`${label}: PUT ${puts.perSecond.toFixed(0)}/s with ${CLIENTS} clients (p50 ${puts.p50Ms.toFixed(1)} ms, p99 ${puts.p99Ms.toFixed(1)} ms, ${puts.errors} errors; ${(result.put.ratioToHealthz * 100).toFixed(0)}% of /healthz at ${health.perSecond.toFixed(0)}/s); summary ${SUMMARY_USERS}×${SUMMARY_DAYS}: median ${result.summary.medianMs.toFixed(1)} ms, p95 ${result.summary.p95Ms.toFixed(1)} ms`);
    return result;
  } finally {
    await stopServer(child);
  }
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    when: new Date().toISOString(),
    // The machine is shared: the load average says how busy it was around the run.
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadAverageAtStart: os.loadavg() },
    clients: CLIENTS,
    putSeconds: PUT_SECONDS,
    goals: { putPerSecond: 2000, summaryMs: 100 },
  };
  const cluster = await startPostgres({ durable: true, settings: { shared_buffers: '256MB' } });
  if ('skipReason' in cluster) {
    console.error(`POSTGRES NOT AVAILABLE (${cluster.skipReason}): the Postgres figures are missing.`);
  } else {
    try {
      const url = await cluster.createDatabase('tm_bench');
      const probe = await openDatabase({ databaseUrl: url });
      const version = (await probe.query<{ server_version: string }>('SHOW server_version'))[0].server_version;
      await probe.close();
      const poolSize = process.env.TOKEN_METER_SERVER_POOL_SIZE ?? '16';
      results.postgres = {
        server: `PostgreSQL ${version}, fsync on, synchronous_commit on, shared_buffers 256MB, pool ${poolSize}`,
        ...(await measure('Postgres', await openDatabase({ databaseUrl: url }), { DATABASE_URL: url, TOKEN_METER_SERVER_POOL_SIZE: poolSize })),
      };
    } finally {
      await cluster.stop();
    }
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-meter-bench-pglite-'));
  try {
    results.pglite = { server: 'PGlite (embedded, one connection)', ...(await measure('PGlite', await openDatabase({ dataDir }), { TOKEN_METER_SERVER_DATA: dataDir })) };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  (results.machine as Record<string, unknown>).loadAverageAtEnd = os.loadavg();
  const out = path.join(__dirname, 'results', 'server.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`Results: ${path.relative(process.cwd(), out)}`);
  agent.destroy();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
