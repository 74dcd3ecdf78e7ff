// Gateway vs direct to the same local upstream, in one run: added latency (p50/p99) for
// non-streaming requests and time to first byte for streams, and throughput at 1, 16 and 64
// concurrent requests. Upstream, gateway and client each run in their own process.
// Goals: p50 ≤ 1 ms and p99 ≤ 5 ms added, TTFB unchanged, ≥ 90 % of direct throughput.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

const SECRET = 's'.repeat(32);
const children: ChildProcess[] = [];

function startChild(script: string, args: string[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'support', script), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

function request(port: number, pathname: string, body: string): Promise<{ ttfb: number; total: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let ttfb = 0;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      },
      (res) => {
        res.once('data', () => (ttfb = performance.now() - start));
        res.on('data', () => undefined);
        res.on('end', () => resolve({ ttfb, total: performance.now() - start }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function sequential(port: number, pathname: string, body: string, n: number) {
  const totals: number[] = [];
  const ttfbs: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await request(port, pathname, body);
    totals.push(r.total);
    ttfbs.push(r.ttfb);
  }
  return { totals, ttfbs };
}

async function throughput(port: number, pathname: string, body: string, concurrency: number, total: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) await request(port, pathname, body);
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const upstreamPort = await startChild('upstreamProcess.ts');
  const gatewayPort = await startChild('gatewayProcess.ts', [`http://127.0.0.1:${upstreamPort}`]);
  const json = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Benchmark request with a short prompt.' }] });
  const stream = JSON.stringify({
    model: 'gpt-4o',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Stream please.' }],
  });
  const direct = '/v1/chat/completions';
  const viaGateway = `/${SECRET}/openai/v1/chat/completions`;
  const N = 1000;

  // Warm up both paths (JIT, connections, tokenizer-free path).
  await sequential(upstreamPort, direct, json, 200);
  await sequential(gatewayPort, viaGateway, json, 200);

  // Interleave direct and gateway batches so drift on a noisy machine hits both alike.
  const d = { totals: [] as number[], ttfbs: [] as number[] };
  const g = { totals: [] as number[], ttfbs: [] as number[] };
  const ds = { totals: [] as number[], ttfbs: [] as number[] };
  const gs = { totals: [] as number[], ttfbs: [] as number[] };
  for (let batch = 0; batch < 10; batch++) {
    for (const [target, port, p, body] of [
      [d, upstreamPort, direct, json],
      [g, gatewayPort, viaGateway, json],
      [ds, upstreamPort, direct, stream],
      [gs, gatewayPort, viaGateway, stream],
    ] as const) {
      const r = await sequential(port, p, body, N / 10);
      target.totals.push(...r.totals);
      target.ttfbs.push(...r.ttfbs);
    }
  }
  const latency = {
    nonStreaming: {
      directP50: pct(d.totals, 50),
      gatewayP50: pct(g.totals, 50),
      addedP50: pct(g.totals, 50) - pct(d.totals, 50),
      directP99: pct(d.totals, 99),
      gatewayP99: pct(g.totals, 99),
      addedP99: pct(g.totals, 99) - pct(d.totals, 99),
    },
    streamingTtfb: {
      directP50: pct(ds.ttfbs, 50),
      gatewayP50: pct(gs.ttfbs, 50),
      addedP50: pct(gs.ttfbs, 50) - pct(ds.ttfbs, 50),
      directP99: pct(ds.ttfbs, 99),
      gatewayP99: pct(gs.ttfbs, 99),
      addedP99: pct(gs.ttfbs, 99) - pct(ds.ttfbs, 99),
    },
  };
  // Two upstreams: one that answers at once (the gateway's own cost dominates) and one that takes
  // 20 ms, closer to the fastest real API responses.
  const delayed = JSON.stringify({ model: 'gpt-4o-20ms', messages: [{ role: 'user', content: 'Benchmark request with a short prompt.' }] });
  const rates: Record<string, { direct: number; gateway: number; ratio: number }> = {};
  for (const [label, body] of [
    ['instant', json],
    ['20ms', delayed],
  ] as const) {
    for (const concurrency of [1, 16, 64]) {
      const total = label === 'instant' ? (concurrency === 1 ? 1000 : 4000) : concurrency === 1 ? 100 : 1000;
      const directRate = await throughput(upstreamPort, direct, body, concurrency, total);
      const gatewayRate = await throughput(gatewayPort, viaGateway, body, concurrency, total);
      rates[`${label} upstream, ${concurrency} concurrent`] = {
        direct: Math.round(directRate),
        gateway: Math.round(gatewayRate),
        ratio: Number((gatewayRate / directRate).toFixed(3)),
      };
    }
  }
  const f = (n: number) => n.toFixed(3);
  console.log(
    `Non-streaming (n=${N}): direct p50 ${f(latency.nonStreaming.directP50)} ms, gateway p50 ${f(latency.nonStreaming.gatewayP50)} ms → added p50 ${f(latency.nonStreaming.addedP50)} ms, p99 ${f(latency.nonStreaming.addedP99)} ms`,
  );
  console.log(
    `Streaming TTFB (n=${N}): direct p50 ${f(latency.streamingTtfb.directP50)} ms, gateway p50 ${f(latency.streamingTtfb.gatewayP50)} ms → added p50 ${f(latency.streamingTtfb.addedP50)} ms, p99 ${f(latency.streamingTtfb.addedP99)} ms`,
  );
  for (const [name, r] of Object.entries(rates))
    console.log(`Throughput, ${name.padEnd(30)} direct ${r.direct}/s, gateway ${r.gateway}/s (${(r.ratio * 100).toFixed(1)} %)`);
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(
    path.join(__dirname, 'results', 'gateway.json'),
    JSON.stringify(
      { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, latencyMs: latency, throughputPerSecond: rates },
      null,
      2,
    ) + '\n',
  );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    agent.destroy();
    for (const child of children) child.kill();
  });
