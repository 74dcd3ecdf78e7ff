// Full scan of a generated ~1 GB Claude Code history (TOKEN_METER_BENCH_LOG_MB to change the size):
// Token Meter's log scanner (parse only, and the whole `token-meter report` with store writes)
// against ccusage on the same files in the same run. Goal: ≥ 3× ccusage's speed with the same daily
// totals; every difference in totals is explained against the generator's ground truth.
// Writes bench/results/logs.json.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claudeCode } from '../src/capture/logs/claudeCode';
import { LogScanner } from '../src/capture/logs/scanner';
import { generateClaudeHistory, type DayTotals } from './support/claudeHistory';

const RUNS = 3;
const targetMB = Number(process.env.TOKEN_METER_BENCH_LOG_MB ?? 1024);
const work = path.join(os.tmpdir(), 'token-meter-bench-logs');
const repo = path.resolve(__dirname, '..');
const cli = path.join(repo, 'dist', 'cli.js');
const ccusage = path.join(repo, 'node_modules', 'ccusage', 'dist', 'index.js');

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

console.log(`Generating (or reusing) a ${targetMB} MB Claude Code history in ${work}…`);
const generatedAt = performance.now();
const history = generateClaudeHistory(path.join(work, 'claude'), targetMB * 1024 * 1024);
const mb = history.bytes / 1024 / 1024;
console.log(`${mb.toFixed(0)} MB, ${history.files} files, ${history.lines} lines (${((performance.now() - generatedAt) / 1000).toFixed(1)} s)`);

// 1. Parse only: the scanner with a sink that just adds up, in this process.
function scanOnce(): { ms: number; days: Record<string, DayTotals> } {
  const stateDir = fs.mkdtempSync(path.join(work, 'state-'));
  const days: Record<string, DayTotals> = {};
  const started = performance.now();
  new LogScanner({
    sources: [{ adapter: claudeCode, roots: [path.join(history.root, 'projects')] }],
    stateDir,
    sink: (events) => {
      for (const e of events) {
        const d = (days[new Date(e.ts).toISOString().slice(0, 10)] ??= { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, messages: 0 });
        d.input += e.inputTokens;
        d.output += e.outputTokens;
        d.cacheRead += e.cacheReadTokens;
        d.cacheWrite += e.cacheWriteTokens;
        d.messages += 1;
      }
    },
    onProblem: (m) => console.warn(m),
  }).scanAll();
  const ms = performance.now() - started;
  fs.rmSync(stateDir, { recursive: true, force: true });
  return { ms, days };
}

// 2. The whole headless report: scan, write every event to a fresh store, roll up, print JSON.
function reportOnce(): { ms: number; days: Record<string, DayTotals> } {
  const dataDir = fs.mkdtempSync(path.join(work, 'data-'));
  const started = performance.now();
  const r = spawnSync(process.execPath, [cli, 'report', '--json', '--by', 'day', '--since', history.firstDay, '--time-zone', 'UTC', '--data-dir', dataDir, '--claude-dir', history.root], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - started;
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`token-meter report failed: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as { day: Array<{ key: string; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; requests: number }> };
  return {
    ms,
    days: Object.fromEntries(json.day.map((d) => [d.key, { input: d.inputTokens, output: d.outputTokens, cacheRead: d.cacheReadTokens, cacheWrite: d.cacheWriteTokens, messages: d.requests }])),
  };
}

// 3. ccusage daily on the same files (CLAUDE_CONFIG_DIR points at the generated history), UTC days, offline prices.
function ccusageOnce(): { ms: number; days: Record<string, DayTotals> } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [ccusage, 'daily', '--json', '--offline', '--timezone', 'UTC', '--since', history.firstDay.replace(/-/g, '')], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, CLAUDE_CONFIG_DIR: history.root, NO_COLOR: '1' },
  });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`ccusage failed: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as { daily: Array<{ date: string; inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number }> };
  return {
    ms,
    days: Object.fromEntries(json.daily.map((d) => [d.date, { input: d.inputTokens, output: d.outputTokens, cacheRead: d.cacheReadTokens, cacheWrite: d.cacheCreationTokens, messages: 0 }])),
  };
}

function measure(name: string, once: () => { ms: number; days: Record<string, DayTotals> }) {
  once(); // warm-up: every contender then reads the history from the page cache alike
  const runs = Array.from({ length: RUNS }, once);
  const ms = median(runs.map((r) => r.ms));
  console.log(`${name.padEnd(34)} ${(ms / 1000).toFixed(2)} s  ${(mb / (ms / 1000)).toFixed(0)} MB/s`);
  return { ms, days: runs[0].days };
}

/** Per-kind totals over all days, and the days whose totals differ from the truth. */
function compare(days: Record<string, DayTotals>) {
  const kinds = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;
  const sum = (d: Record<string, DayTotals>) => Object.fromEntries(kinds.map((k) => [k, Object.values(d).reduce((s, t) => s + t[k], 0)]));
  const differingDays = Object.keys({ ...history.days, ...days }).filter((day) => kinds.some((k) => (history.days[day]?.[k] ?? 0) !== (days[day]?.[k] ?? 0)));
  return { totals: sum(days), truth: sum(history.days), differingDays: differingDays.length, daysCompared: Object.keys(history.days).length };
}

const scan = measure('token-meter scanner (parse only)', scanOnce);
const report = measure('token-meter report (scan + store)', reportOnce);
const cc = measure('ccusage 18 daily --json', ccusageOnce);

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  history: { mb: Number(mb.toFixed(1)), files: history.files, lines: history.lines, traits: history.traits },
  runs: RUNS,
  seconds: { scanner: scan.ms / 1000, report: report.ms / 1000, ccusage: cc.ms / 1000 },
  mbPerSecond: { scanner: mb / (scan.ms / 1000), report: mb / (report.ms / 1000), ccusage: mb / (cc.ms / 1000) },
  speedupVsCcusage: { scanner: cc.ms / scan.ms, report: cc.ms / report.ms },
  totals: { scanner: compare(scan.days), report: compare(report.days), ccusage: compare(cc.days) },
  // ccusage keeps the first line of a message id; a streamed message's first line carries the output
  // count of the stream's start. If that explains every output difference, these two are equal.
  ccusageOutputExplained: {
    ccusageOutput: Object.values(cc.days).reduce((s, d) => s + d.output, 0),
    firstLineOutputOfTruth: Object.values(history.firstLineOutput).reduce((s, n) => s + n, 0),
    daysWhereItDiffers: Object.keys(history.days).filter((day) => (cc.days[day]?.output ?? 0) !== (history.firstLineOutput[day] ?? 0)).length,
  },
};
console.log(JSON.stringify(results, null, 2));
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'logs.json'), `${JSON.stringify(results, null, 2)}\n`);
