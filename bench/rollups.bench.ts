// Rollups of 1,000,000 events with identical token counts against 1,000,000 with distinct counts,
// in the same run (TOKEN_METER_BENCH_EVENTS to change). Identical counts share one cross-source
// matching key, which made the matcher quadratic (every unpaired sighting within the de-duplication
// window was looked at for each new one). Goal: identical costs at most 1.5× distinct.
// Writes bench/results/rollups.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeEventId, type UsageEvent } from '../src/core/events';
import { Rollups } from '../src/core/rollups';
import { dashboardRollupContext, dashboardSettings, PRICED } from './support/dashboardSettings';
import { goal } from './support/goals';

const EVENTS = Number(process.env.TOKEN_METER_BENCH_EVENTS ?? 1_000_000);
const RUNS = 3;
const start = Date.UTC(2026, 8, 1);
const context = dashboardRollupContext(dashboardSettings());

/** One Claude Code request a second; `identical` gives every one the same counts. */
function events(identical: boolean): UsageEvent[] {
  return Array.from({ length: EVENTS }, (_, i) => ({
    id: makeEventId('bench', `${identical}-${i}`),
    ts: start + i * 1000,
    source: 'claude-code',
    provider: 'anthropic',
    model: PRICED.model,
    inputTokens: identical ? 1200 : 1000 + i,
    outputTokens: 300,
    cacheReadTokens: 4000,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    estimated: false,
  }));
}

function rollUp(list: UsageEvent[]): { ms: number; counted: number } {
  const started = performance.now();
  const rollups = new Rollups(context);
  let counted = 0;
  for (const e of list) if (rollups.add(e)) counted++;
  return { ms: performance.now() - started, counted };
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

const distinct = events(false);
const identical = events(true);
const distinctMs: number[] = [];
const identicalMs: number[] = [];
let counted = { distinct: 0, identical: 0 };
for (let run = 0; run < RUNS; run++) {
  const d = rollUp(distinct);
  const s = rollUp(identical);
  distinctMs.push(d.ms);
  identicalMs.push(s.ms);
  counted = { distinct: d.counted, identical: s.counted };
}
console.log(
  `${EVENTS.toLocaleString('en-US')} events: distinct counts ${median(distinctMs).toFixed(0)} ms, identical ${median(identicalMs).toFixed(0)} ms (median of ${RUNS})`,
);
// One source: identical counts are separate requests, never twins.
console.log(`counted: distinct ${counted.distinct}, identical ${counted.identical}`);
const ratio = median(identicalMs) / median(distinctMs);
const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  events: EVENTS,
  runs: RUNS,
  ms: { distinct: median(distinctMs), identical: median(identicalMs) },
  counted,
  goals: [goal('rollups: identical counts cost vs distinct', ratio, 'at most', 1.5, '×')],
};
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'rollups.json'), `${JSON.stringify(results, null, 2)}\n`);
