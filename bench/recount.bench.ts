// Recounting the rollups of a large event log (a settings change or a lost rollups.json): how long
// the thread that opens the store is blocked when it recounts itself, against handing the recount to
// the bundled worker (dist/recountWorker.js, as the extension does), in the same run. Needs a build.
// Writes bench/results/recount.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { resolveSettings, rollupContextFor, type RawSettings } from '../src/core/settings';
import type { RecountInput, RecountMessage } from '../src/store/recountWorker';
import { UsageStore } from '../src/store/usageStore';
import { usageEvent } from '../test/support/events';

const EVENTS = Number(process.env.TOKEN_METER_BENCH_RECOUNT_EVENTS ?? 300_000);
const worker = path.resolve(__dirname, '..', 'dist', 'recountWorker.js');
if (!fs.existsSync(worker)) throw new Error('Run `npm run build` first: the benchmark uses dist/recountWorker.js.');

const raw: RawSettings = { values: { timeZone: 'Europe/Berlin' } };
const context = rollupContextFor(resolveSettings(raw, 'UTC').settings);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-bench-recount-'));
const writer = UsageStore.open({ dataDir, context });
const start = Date.now() - 90 * 86_400_000;
for (let i = 0; i < EVENTS; i += 10_000) {
  writer.recordMany(
    Array.from({ length: Math.min(10_000, EVENTS - i) }, (_, j) =>
      usageEvent({
        ts: start + ((i + j) * 90 * 86_400_000) / EVENTS,
        model: ['gpt-5', 'claude-sonnet-4-5', 'gemini-2.5-pro'][(i + j) % 3],
        source: ['gateway', 'claude-code'][(i + j) % 2],
        project: `p${(i + j) % 9}`,
      }),
    ),
  );
}
writer.dispose();
const logMB = fs.readdirSync(path.join(dataDir, 'events')).reduce((n, f) => n + fs.statSync(path.join(dataDir, 'events', f)).size, 0) / 1e6;
const forget = () => fs.rmSync(path.join(dataDir, 'rollups.json'), { force: true });

forget();
let t = performance.now();
UsageStore.open({ dataDir, context }).dispose();
const blockedHere = performance.now() - t;

forget();
let longestStall = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  longestStall = Math.max(longestStall, now - last);
  last = now;
}, 5);
t = performance.now();
const store = UsageStore.open({
  dataDir,
  context,
  backgroundRecountBytes: 1,
  recountInBackground: (fingerprint) =>
    new Promise<void>((resolve, reject) => {
      const input: RecountInput = { dataDir, raw, systemZone: 'UTC', fingerprint };
      new Worker(worker, { workerData: input }).once('message', (m: RecountMessage) =>
        m.type === 'done' ? resolve() : reject(new Error(m.message)),
      );
    }),
});
const openMs = performance.now() - t;
last = performance.now();
void store.whenCounted().then(() => {
  clearInterval(ticker);
  const countedMs = performance.now() - t;
  store.dispose();
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    events: EVENTS,
    eventLogMB: Number(logMB.toFixed(1)),
    ms: { recountOnThisThread: blockedHere, backgroundOpen: openMs, backgroundCounted: countedMs, longestStallWhileCounting: longestStall },
    blockedRatio: openMs / blockedHere,
  };
  console.log(`${EVENTS.toLocaleString('en-US')} events (${logMB.toFixed(0)} MB)`);
  console.log(`Recount on the opening thread:  blocked ${(blockedHere / 1000).toFixed(2)} s`);
  console.log(
    `Recount in the worker:          open ${openMs.toFixed(1)} ms, counted after ${(countedMs / 1000).toFixed(2)} s, longest stall ${longestStall.toFixed(0)} ms`,
  );
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'recount.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});
