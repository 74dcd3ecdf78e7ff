import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIO } from '../cli';
import { formatTokensExact, formatUsd } from '../core/format';
import type { RollupRow } from '../core/rollups';
import { renderTable } from '../core/table';
import { dayKey, isCalendarDay, isValidTimeZone, systemTimeZone } from '../core/time';
import { rangeDays, totalsBy, periodTotals, unpricedModels, type PeriodTotals, type UsageRange } from '../core/usage';
import { activeCatalog } from '../core/priceCatalog';
import { loadCachedCatalog, refreshCatalog } from '../sync/priceRefresh';
import { listPriceContext, WEEK_STARTS } from '../core/settings';
import { bundledDecodeWorker } from '../store/decodePool';
import { UsageStore } from '../store/usageStore';
import { defaultDataDir } from '../store/paths';
import { ingestLogs } from '../capture/logs/ingest';
import { dataDirProblem, dataDirSource } from './dataDir';
import { LOG_ADAPTERS } from '../capture/logs/registry';
import type { LogSource } from '../capture/logs/discovery';
import { SinkError } from '../capture/logs/scanLedger';
import { currentEnvironment, rootsIn } from '../capture/logs/sources';

const HELP = `Usage: token-meter report [options]

Prints token usage and cost from Token Meter's local store, after reading what the assistants
logged since the last run (Claude Code, Codex CLI, Copilot Chat, Gemini CLI) into it.

Period (default --week):
  --day                 today
  --week                this week (weeks start on --week-start)
  --month               this calendar month
  --since YYYY-MM-DD    from that day (not after today) until today

Output:
  --by DIMENSION        day | model | source | project   (default: day)
  --json                machine-readable JSON instead of a table

Where:
  --data-dir DIR        the store (default: VS Code's global storage for Token Meter,
                        or $TOKEN_METER_DATA_DIR); DIR must exist
  --time-zone ZONE      IANA zone defining days (default: the system zone)
  --week-start DAY      monday | sunday | saturday (default: monday)

Assistants' logs (default: each assistant's own place, e.g. ~/.claude/projects, $CODEX_HOME):
  --claude-dir DIR      read Claude Code transcripts from DIR (its projects/ folder or a parent)
  --codex-dir DIR       read Codex CLI sessions from DIR
  --copilot-dir DIR     read VS Code chat sessions from DIR (a workspaceStorage folder)
  --gemini-dir DIR      read Gemini CLI chats from DIR (~/.gemini/tmp)
                        Any of these reads only the assistants named, from the given folders.
  --no-logs             report the store as it is, without reading assistants' logs
  --offline             no network: price with the saved or bundled catalog, without the
                        once-a-day refresh of prices ($TOKEN_METER_PRICES_URL overrides where
                        that refresh reads from)

  -h, --help            show this help

Cost is list price at the time of use, from the @pydantic/genai-prices catalog (the report says
as of which date); a cost the provider reported itself (OpenRouter) is used as reported. A model
without a known price adds its tokens and shows cost "unknown" (null in JSON), never $0.
Problems (an unreadable log folder, a damaged line) are reported on stderr; the rest is counted.
Exit codes: 0 success, 2 bad arguments, 1 the store could not be read or written in full (the
report then shows what could be read, and stderr names what is missing).
`;

const DIMENSIONS = ['day', 'model', 'source', 'project'] as const;
type Dimension = (typeof DIMENSIONS)[number];

class UsageError extends Error {}

interface ReportOptions {
  range: UsageRange;
  by: Dimension;
  json: boolean;
  dataDir: string;
  timeZone: string;
  weekStart: number;
  /** Which logs to read first; empty with --no-logs. */
  logSources: LogSource[];
  offline: boolean;
}

const LOG_DIR_FLAGS = {
  'claude-dir': 'claude-code',
  'codex-dir': 'codex',
  'copilot-dir': 'copilot-chat',
  'gemini-dir': 'gemini-cli',
} as const;

function logSourcesFrom(values: Partial<Record<keyof typeof LOG_DIR_FLAGS, string[]>>, noLogs: boolean): LogSource[] {
  if (noLogs) return [];
  const explicit = Object.entries(LOG_DIR_FLAGS).filter(([flag]) => values[flag as keyof typeof LOG_DIR_FLAGS]?.length);
  const environment = currentEnvironment();
  if (explicit.length === 0) return LOG_ADAPTERS.map((adapter) => ({ adapter, roots: adapter.defaultRoots(environment) }));
  return explicit.map(([flag, source]) => {
    const adapter = LOG_ADAPTERS.find((a) => a.source === source)!;
    const dirs = values[flag as keyof typeof LOG_DIR_FLAGS]!.map((dir) => path.resolve(dir));
    for (const dir of dirs) {
      const problem = logDirProblem(dir);
      if (problem) throw new UsageError(`--${flag}: ${problem}`);
    }
    return { adapter, roots: dirs.flatMap((dir) => rootsIn(adapter, dir)) };
  });
}

/** Why a log folder named on the command line cannot be read, or undefined when it can. */
function logDirProblem(dir: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? `${dir} does not exist.`
      : `${dir} cannot be read: ${(error as Error).message}.`;
  }
  if (!stat.isDirectory()) return `${dir} is not a folder (give the folder that holds the logs).`;
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
  } catch (error) {
    return `${dir} cannot be read: ${(error as Error).message}.`;
  }
  return undefined;
}

/** The oldest --since accepted: usage is timed in Unix time. */
const EARLIEST_DAY = '1970-01-01';

function parseOptions(argv: string[]): ReportOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        day: { type: 'boolean' },
        week: { type: 'boolean' },
        month: { type: 'boolean' },
        since: { type: 'string' },
        by: { type: 'string' },
        json: { type: 'boolean' },
        'data-dir': { type: 'string' },
        'time-zone': { type: 'string' },
        'week-start': { type: 'string' },
        'claude-dir': { type: 'string', multiple: true },
        'codex-dir': { type: 'string', multiple: true },
        'copilot-dir': { type: 'string', multiple: true },
        'gemini-dir': { type: 'string', multiple: true },
        'no-logs': { type: 'boolean' },
        offline: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const periods = (['day', 'week', 'month'] as const).filter((p) => v[p]);
  if (periods.length + (v.since ? 1 : 0) > 1) throw new UsageError('choose one of --day, --week, --month or --since.');
  const timeZone = v['time-zone'] ?? systemTimeZone();
  if (!isValidTimeZone(timeZone)) throw new UsageError(`--time-zone: "${timeZone}" is not a known IANA time zone.`);
  const weekStart = WEEK_STARTS[v['week-start'] ?? 'monday'];
  if (weekStart === undefined) throw new UsageError('--week-start must be monday, sunday or saturday.');
  let range: UsageRange = periods[0] ?? 'week';
  if (v.since) {
    if (!isCalendarDay(v.since)) throw new UsageError(`--since must be a day of the calendar in YYYY-MM-DD form (got "${v.since}").`);
    const today = dayKey(Date.now(), timeZone);
    if (v.since > today) throw new UsageError(`--since ${v.since} is after today (${today} in ${timeZone}).`);
    if (v.since < EARLIEST_DAY) throw new UsageError(`--since must be ${EARLIEST_DAY} or later.`);
    range = { from: v.since, to: today };
  }
  const by = (v.by ?? 'day') as Dimension;
  if (!DIMENSIONS.includes(by)) throw new UsageError(`--by must be one of ${DIMENSIONS.join(', ')}.`);
  const explicitDir = v['data-dir'] !== undefined;
  const dataDir = explicitDir ? path.resolve(v['data-dir']!) : defaultDataDir();
  const dataDirIssue = dataDirProblem(dataDir, { mustExist: explicitDir });
  if (dataDirIssue) throw new UsageError(`${dataDirSource(explicitDir)}: ${dataDirIssue}`);
  return {
    range,
    by,
    json: Boolean(v.json),
    dataDir,
    timeZone,
    weekStart,
    logSources: logSourcesFrom(v, Boolean(v['no-logs'])),
    offline: Boolean(v.offline),
  };
}

function keyOf(by: Dimension): (row: RollupRow) => string {
  switch (by) {
    case 'day':
      return (r) => r.day;
    case 'model':
      return (r) => r.model;
    case 'source':
      return (r) => r.source;
    case 'project':
      return (r) => r.project || '(none)';
  }
}

/** The public JSON shape: token kinds, total and cost (null when any part of it is unknown). */
function jsonTotals(t: PeriodTotals) {
  return {
    inputTokens: t.inputTokens,
    outputTokens: t.outputTokens,
    cacheReadTokens: t.cacheReadTokens,
    cacheWriteTokens: t.cacheWriteTokens,
    reasoningTokens: t.reasoningTokens,
    totalTokens: t.totalTokens,
    costUsd: t.unpricedTokens > 0 ? null : Math.round(t.costUsd * 1e6) / 1e6,
    knownCostUsd: Math.round(t.costUsd * 1e6) / 1e6,
    providerReportedCostUsd: Math.round(t.reportedCostUsd * 1e6) / 1e6,
    unpricedTokens: t.unpricedTokens,
    estimatedTokens: t.estimatedTokens,
    requests: t.events,
    // The cache writes by TTL (5-minute ones are billed at 1.25× input, 1-hour ones at 2×).
    cacheWrite5mTokens: t.cacheWriteTokens - t.cacheWrite1hTokens,
    cacheWrite1hTokens: t.cacheWrite1hTokens,
  };
}

function costCell(t: PeriodTotals): string {
  if (t.totalTokens > 0 && t.unpricedTokens === t.totalTokens) return 'unknown';
  return t.unpricedTokens > 0 ? `${formatUsd(t.costUsd)} +?` : formatUsd(t.costUsd);
}

export async function reportCommand(argv: string[], io: CliIO): Promise<number> {
  let options: ReportOptions | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`token-meter report: ${error.message}\nRun "token-meter report --help" for the options.\n`);
    return 2;
  }
  if (options === 'help') {
    io.stdout.write(HELP);
    return 0;
  }
  const { range, by, json, dataDir, timeZone, weekStart, logSources, offline } = options;
  const { fromDay, toDay } = rangeDays(range, Date.now(), { timeZone, weekStart });

  const problems: string[] = [];
  /** Set when the totals are known to be incomplete: exit code 1 after the report. */
  let incomplete = false;
  let rows: RollupRow[] = [];
  let store: UsageStore | undefined;
  const openStore = () =>
    (store ??= UsageStore.open({
      dataDir,
      context: listPriceContext(timeZone),
      onProblem: (m) => problems.push(m),
      decodeWorker: bundledDecodeWorker(),
    }));
  let pricesSettled = false;
  /** The prices the extension (or an earlier run) saved, refreshed at most once a day unless --offline. */
  const settlePrices = async () => {
    pricesSettled = true;
    const saved = loadCachedCatalog(dataDir);
    if (saved.problem) problems.push(saved.problem);
    if (offline) return;
    const refreshed = await refreshCatalog({ dataDir, timeoutMs: 5000 });
    if (refreshed.status === 'failed') problems.push(refreshed.problem);
  };
  if (logSources.length > 0) {
    // Imported events are priced as they are counted, so the prices are settled first.
    if (fs.existsSync(dataDir)) await settlePrices();
    try {
      // The store counts what the import writes as it goes, instead of reading it back afterwards.
      const result = ingestLogs({
        dataDir,
        sources: logSources,
        sink: (events) => openStore().recordCounted(events),
        onProblem: (m) => problems.push(m),
      });
      if ('busyPid' in result)
        problems.push(
          `assistants' logs are being read by another Token Meter process${result.busyPid ? ` (pid ${result.busyPid})` : ''}; showing the store as it is.`,
        );
    } catch (error) {
      if (!(error instanceof SinkError)) throw error;
      incomplete = true;
      problems.push(
        `assistants' logs could not be imported: ${error.message}. Showing the store as it is; the rest is read on the next run.`,
      );
    }
  }
  if (!pricesSettled && fs.existsSync(dataDir)) await settlePrices();
  const prices = activeCatalog();
  if (store || fs.existsSync(dataDir)) {
    const opened = openStore();
    opened.refresh();
    rows = opened.rollups.rows({ fromDay, toDay });
    if (opened.unreadableSegments.length > 0) incomplete = true;
    opened.dispose();
  } else {
    const where =
      logSources.length > 0 ? `no logs of ${logSources.map((s) => s.adapter.label).join(', ')} were found in their usual places, and ` : '';
    problems.push(
      `No usage yet: ${where}there is no Token Meter data in ${dataDir} (use --data-dir or TOKEN_METER_DATA_DIR to read another store).`,
    );
  }
  for (const p of problems) io.stderr.write(`token-meter report: ${p}\n`);
  const exitCode = incomplete ? 1 : 0;

  const totals = periodTotals(rows, fromDay, toDay);
  const groups = totalsBy(rows, keyOf(by), fromDay, toDay);
  const unpriced = unpricedModels(rows, fromDay, toDay);
  if (by === 'day') groups.sort((a, b) => a.key.localeCompare(b.key));

  if (json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          from: fromDay,
          to: toDay,
          timeZone,
          by,
          prices: { asOf: prices.asOf, origin: prices.origin, catalog: '@pydantic/genai-prices' },
          unpricedModels: unpriced,
          totals: jsonTotals(totals),
          [by]: groups.map((g) => ({ key: g.key, ...jsonTotals(g) })),
        },
        null,
        2,
      )}\n`,
    );
    return exitCode;
  }
  const header = [by[0].toUpperCase() + by.slice(1), 'Requests', 'Input', 'Output', 'Cache read', 'Cache write', 'Total', 'Cost'];
  const line = (key: string, t: PeriodTotals) => [
    key,
    String(t.events),
    formatTokensExact(t.inputTokens),
    formatTokensExact(t.outputTokens),
    formatTokensExact(t.cacheReadTokens),
    formatTokensExact(t.cacheWriteTokens),
    formatTokensExact(t.totalTokens),
    costCell(t),
  ];
  io.stdout.write(`Token Meter usage ${fromDay} to ${toDay} (${timeZone})\n\n`);
  io.stdout.write(`${renderTable(header, [...groups.map((g) => line(g.key, g)), line('Total', totals)])}\n`);
  if (totals.estimatedTokens > 0)
    io.stdout.write(`\n${formatTokensExact(totals.estimatedTokens)} tokens are estimates (counted by Token Meter's tokenizer).\n`);
  if (totals.cacheWrite1hTokens > 0)
    io.stdout.write(
      `\nCache writes: ${formatTokensExact(totals.cacheWriteTokens - totals.cacheWrite1hTokens)} with the 5-minute TTL, ${formatTokensExact(totals.cacheWrite1hTokens)} with the 1-hour TTL.\n`,
    );
  if (totals.reportedCostUsd > 0)
    io.stdout.write(`\n${formatUsd(totals.reportedCostUsd)} of the cost is as the provider reported it (OpenRouter), not list price.\n`);
  if (unpriced.length > 0) {
    io.stdout.write(
      '\nWithout a known price (cost unknown, not $0); set one with "Token Meter: Set a Price for a Model…" or tokenMeter.pricing.overrides:\n',
    );
    for (const u of unpriced) io.stdout.write(`  ${u.model}  ${formatTokensExact(u.tokens)} tokens\n`);
  }
  io.stdout.write(
    `\nPrices as of ${prices.asOf} (${prices.origin === 'refreshed' ? 'refreshed' : 'bundled'} @pydantic/genai-prices catalog).\n`,
  );
  return exitCode;
}
