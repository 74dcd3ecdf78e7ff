// A first ("cold") and a second ("warm") read of assistants' logs by `token-meter report`, against
// ccusage 20's native binary on the same files in the same run: a generated Claude Code history of
// at least 300 MB (TOKEN_METER_BENCH_LOG_MB) and a Codex CLI history (TOKEN_METER_BENCH_CODEX_MB).
// Rounds alternate the contenders so they share the machine's load alike. Peak memory is each
// process's maximum resident set (GNU time). Totals are compared per UTC day with each other and with
// the generators' ground truth. Writes bench/results/logs.json.
//
// Goals (issue 18): cold read ≥ 2× faster than ccusage 20 on the Claude Code history with identical
// totals; warm read ≥ 10× faster; peak memory of the cold read no higher than ccusage's.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateClaudeHistory, type DayTotals } from './support/claudeHistory';
import { generateCodexHistory } from './support/codexHistory';
import { goal, type GoalResult } from './support/goals';
import { ccusagePeer } from './support/peer';

const RUNS = Number(process.env.TOKEN_METER_BENCH_RUNS ?? 5);
const claudeMB = Number(process.env.TOKEN_METER_BENCH_LOG_MB ?? 300);
const codexMB = Number(process.env.TOKEN_METER_BENCH_CODEX_MB ?? 100);
const work = path.join(os.tmpdir(), 'token-meter-bench-logs');
const repo = path.resolve(__dirname, '..');
const cli = path.join(repo, 'dist', 'cli.js');
// The launcher runs this platform package's binary; the benchmark runs it directly, without the
// launcher's own Node start, so ccusage is measured at its fastest.
const { launcher: ccusageLauncher, native: ccusageNative } = ccusagePeer(repo);
const GNU_TIME = '/usr/bin/time';
const KINDS = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;

type Days = Record<string, DayTotals>;
interface Run {
  ms: number;
  /** Peak resident set in KB, when GNU time is there to measure it. */
  maxRssKb?: number;
  days: Days;
}

if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run npm run build:prod`);

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** Runs a command, timing it and, with GNU time, measuring its peak memory. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; maxRssKb?: number; stdout: string } {
  const useTime = fs.existsSync(GNU_TIME);
  const rssFile = path.join(work, `rss-${process.pid}.txt`);
  const started = performance.now();
  const r = useTime
    ? spawnSync(GNU_TIME, ['-f', '%M', '-o', rssFile, command, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26, env });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} failed: ${r.stderr}`);
  const maxRssKb = useTime ? Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : undefined;
  return { ms, maxRssKb, stdout: r.stdout };
}

function tokenMeter(dataDir: string, logFlag: string, logDir: string, since: string): Run {
  const r = run(process.execPath, [
    cli,
    'report',
    '--json',
    '--by',
    'day',
    '--since',
    since,
    '--time-zone',
    'UTC',
    '--data-dir',
    dataDir,
    // As ccusage runs with --offline: no price refresh over the network in a fresh data directory.
    '--offline',
    logFlag,
    logDir,
  ]);
  const json = JSON.parse(r.stdout) as {
    day: Array<{
      key: string;
      inputTokens: number;
      outputTokens: number;
      cacheReadTokens: number;
      cacheWriteTokens: number;
      requests: number;
    }>;
  };
  return {
    ms: r.ms,
    maxRssKb: r.maxRssKb,
    days: Object.fromEntries(
      json.day.map((d) => [
        d.key,
        {
          input: d.inputTokens,
          output: d.outputTokens,
          cacheRead: d.cacheReadTokens,
          cacheWrite: d.cacheWriteTokens,
          messages: d.requests,
        },
      ]),
    ),
  };
}

function ccusage(command: string, agent: 'claude' | 'codex', env: NodeJS.ProcessEnv, since: string): Run {
  const args = [agent, 'daily', '--json', '--offline', '--timezone', 'UTC', '--since', since.replace(/-/g, '')];
  const r = command === ccusageNative ? run(command, args, env) : run(process.execPath, [command, ...args], env);
  const json = JSON.parse(r.stdout) as {
    daily: Array<{ date: string; inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number }>;
  };
  return {
    ms: r.ms,
    maxRssKb: r.maxRssKb,
    days: Object.fromEntries(
      json.daily.map((d) => [
        d.date,
        { input: d.inputTokens, output: d.outputTokens, cacheRead: d.cacheReadTokens, cacheWrite: d.cacheCreationTokens, messages: 0 },
      ]),
    ),
  };
}

/** Days whose totals differ between two readings, over the days of both. */
function differingDays(a: Days, b: Days): number {
  return Object.keys({ ...a, ...b }).filter((day) => KINDS.some((k) => (a[day]?.[k] ?? 0) !== (b[day]?.[k] ?? 0))).length;
}

function sum(days: Days) {
  return Object.fromEntries(KINDS.map((k) => [k, Object.values(days).reduce((s, d) => s + d[k], 0)]));
}

interface Contenders {
  cold: () => Run;
  warm: () => Run;
  ccusage: () => Run;
  ccusageLauncher: () => Run;
  /** Node starting and exiting with nothing to do: the least any run of a Node CLI takes. */
  nodeStart: () => Run;
}

const nodeStart = (): Run => ({ ...run(process.execPath, ['-e', '0']), days: {} });

/** One warm-up round (the page cache then holds the files for everyone), then RUNS alternating rounds. */
function compete(label: string, contenders: Contenders) {
  const samples: Record<keyof Contenders, Run[]> = { cold: [], warm: [], ccusage: [], ccusageLauncher: [], nodeStart: [] };
  const names = Object.keys(contenders) as Array<keyof Contenders>;
  for (const name of names) contenders[name]();
  for (let round = 0; round < RUNS; round++) for (const name of names) samples[name].push(contenders[name]());
  const summary = Object.fromEntries(
    names.map((name) => {
      const runs = samples[name];
      const rss = runs.map((r) => r.maxRssKb).filter((kb): kb is number => kb !== undefined);
      return [
        name,
        { ms: median(runs.map((r) => r.ms)), maxRssMb: rss.length > 0 ? Math.max(...rss) / 1024 : undefined, days: runs[0].days },
      ];
    }),
  ) as Record<keyof Contenders, { ms: number; maxRssMb?: number; days: Days }>;
  for (const name of names) {
    const s = summary[name];
    console.log(`${label} ${name.padEnd(16)} ${(s.ms / 1000).toFixed(3)} s  peak ${s.maxRssMb?.toFixed(0) ?? '?'} MB`);
  }
  return summary;
}

fs.mkdirSync(work, { recursive: true });
console.log(`Generating (or reusing) a ${claudeMB} MB Claude Code history and a ${codexMB} MB Codex history in ${work}…`);
const claude = generateClaudeHistory(path.join(work, 'claude'), claudeMB * 1024 * 1024);
const codex = generateCodexHistory(path.join(work, 'codex'), codexMB * 1024 * 1024);
console.log(
  `Claude Code: ${(claude.bytes / 1048576).toFixed(0)} MB, ${claude.files} files, ${claude.lines} lines; Codex: ${(codex.bytes / 1048576).toFixed(0)} MB, ${codex.files} files, ${codex.lines} lines`,
);

/** A fresh data directory for a cold read, and the directory the following warm read reuses. */
function coldAndWarm(logFlag: string, logDir: string, since: string): Pick<Contenders, 'cold' | 'warm'> {
  let dataDir = '';
  return {
    cold: () => {
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
      dataDir = fs.mkdtempSync(path.join(work, 'data-'));
      return tokenMeter(dataDir, logFlag, logDir, since);
    },
    warm: () => tokenMeter(dataDir, logFlag, logDir, since),
  };
}

const claudeEnv = { ...process.env, CLAUDE_CONFIG_DIR: claude.root, NO_COLOR: '1' };
const claudeRuns = compete('Claude Code', {
  ...coldAndWarm('--claude-dir', claude.root, claude.firstDay),
  ccusage: () => ccusage(ccusageNative, 'claude', claudeEnv, claude.firstDay),
  ccusageLauncher: () => ccusage(ccusageLauncher, 'claude', claudeEnv, claude.firstDay),
  nodeStart,
});
const codexEnv = { ...process.env, CODEX_HOME: codex.root, NO_COLOR: '1' };
const codexRuns = compete('Codex      ', {
  ...coldAndWarm('--codex-dir', codex.root, codex.firstDay),
  ccusage: () => ccusage(ccusageNative, 'codex', codexEnv, codex.firstDay),
  ccusageLauncher: () => ccusage(ccusageLauncher, 'codex', codexEnv, codex.firstDay),
  nodeStart,
});

function totals(runs: typeof claudeRuns, truth: Days) {
  return {
    tokenMeter: sum(runs.cold.days),
    ccusage: sum(runs.ccusage.days),
    truth: sum(truth),
    daysDifferingFromCcusage: differingDays(runs.cold.days, runs.ccusage.days),
    daysDifferingFromTruth: { tokenMeter: differingDays(runs.cold.days, truth), ccusage: differingDays(runs.ccusage.days, truth) },
    warmEqualsCold: differingDays(runs.warm.days, runs.cold.days) === 0,
    daysCompared: Object.keys(truth).length,
  };
}

const claudeTotals = totals(claudeRuns, claude.days);
const codexTotals = totals(codexRuns, codex.days);
const claudeRss =
  claudeRuns.cold.maxRssMb !== undefined && claudeRuns.ccusage.maxRssMb !== undefined
    ? claudeRuns.cold.maxRssMb / claudeRuns.ccusage.maxRssMb
    : NaN;
const goals: GoalResult[] = [
  goal(
    `cold read of ${claudeMB} MB Claude Code history, speed vs ccusage 20 native`,
    claudeRuns.ccusage.ms / claudeRuns.cold.ms,
    'at least',
    2,
    '×',
  ),
  goal(
    'cold read, days whose totals differ from ccusage 20 or the ground truth',
    claudeTotals.daysDifferingFromCcusage + claudeTotals.daysDifferingFromTruth.tokenMeter,
    'at most',
    0,
    ' days',
  ),
  goal('cold read, peak memory vs ccusage 20 native', claudeRss, 'at most', 1, '×'),
  goal('warm read of the Claude Code history, speed vs ccusage 20 native', claudeRuns.ccusage.ms / claudeRuns.warm.ms, 'at least', 10, '×'),
];
// What the warm goal leaves for the work itself once Node has started, in this run.
console.log(
  `Node's own start: ${claudeRuns.nodeStart.ms.toFixed(0)} ms (${(claudeRuns.ccusage.ms / claudeRuns.nodeStart.ms).toFixed(2)}× faster than ccusage 20); the warm goal allows ${(claudeRuns.ccusage.ms / 10).toFixed(0)} ms in all, the warm read took ${claudeRuns.warm.ms.toFixed(0)} ms`,
);
const codexRatio = codexRuns.ccusage.ms / codexRuns.cold.ms;
console.log(
  `Codex (measured, no goal set): cold read ${codexRatio.toFixed(2)}× ccusage 20's speed, warm ${(codexRuns.ccusage.ms / codexRuns.warm.ms).toFixed(2)}×; days differing from ccusage ${codexTotals.daysDifferingFromCcusage}, from the truth ${codexTotals.daysDifferingFromTruth.tokenMeter}`,
);

const strip = (runs: typeof claudeRuns) =>
  Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, { seconds: r.ms / 1000, maxRssMb: r.maxRssMb }]));
const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  cpus: os.availableParallelism(),
  loadAverage: os.loadavg(),
  ccusage: '20.0.24 (native binary, run directly; ccusageLauncher = through its Node launcher)',
  runs: RUNS,
  claudeCode: {
    history: { mb: Number((claude.bytes / 1048576).toFixed(1)), files: claude.files, lines: claude.lines, traits: claude.traits },
    runs: strip(claudeRuns),
    speedupVsCcusage: { cold: claudeRuns.ccusage.ms / claudeRuns.cold.ms, warm: claudeRuns.ccusage.ms / claudeRuns.warm.ms },
    /** Node's own start against ccusage: the most any Node program's warm read could reach. */
    nodeStartVsCcusage: claudeRuns.ccusage.ms / claudeRuns.nodeStart.ms,
    totals: claudeTotals,
  },
  codex: {
    history: {
      mb: Number((codex.bytes / 1048576).toFixed(1)),
      files: codex.files,
      lines: codex.lines,
      repeatedCounts: codex.repeatedCounts,
    },
    runs: strip(codexRuns),
    speedupVsCcusage: { cold: codexRatio, warm: codexRuns.ccusage.ms / codexRuns.warm.ms },
    totals: codexTotals,
  },
  goals,
};
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'logs.json'), `${JSON.stringify(results, null, 2)}\n`);
