// Rebuilding the rollups from 1,000,000 events (what a settings change or a price refresh triggers)
// with catalog pricing — @pydantic/genai-prices: price per period, long-context tiers, 1-hour cache
// writes — against the hand-kept price list it replaced (bench/baseline/, the previous
// src/core/pricing.ts kept only as this benchmark's baseline), side by side in the same run.
// Each round builds a fresh context, so each starts with cold price caches as a real rebuild does.
// Writes bench/results/pricing.json; fails when the catalog takes more than 1.2× the baseline.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeEventId, type UsageEvent } from '../src/core/events';
import { Rollups, type RollupContext } from '../src/core/rollups';
import { resolveSettings, rollupContextFor, type RawSettings } from '../src/core/settings';
import { dayKey } from '../src/core/time';
import { PriceBook as BaselinePriceBook } from './baseline/pricing-before-catalog';

const EVENTS = Number(process.env.TOKEN_METER_BENCH_PRICING_EVENTS ?? 1_000_000);
const ROUNDS = 5;
const LIMIT = 1.2;

const raw: RawSettings = { values: { timeZone: 'Europe/Berlin' } };

/** What people use today, with the providers and sources they arrive through, and one unknown model. */
const MIX: Array<Pick<UsageEvent, 'provider' | 'model' | 'source'>> = [
  { provider: 'anthropic', model: 'claude-opus-4-8', source: 'claude-code' },
  { provider: 'anthropic', model: 'claude-sonnet-4-6', source: 'claude-code' },
  { provider: 'anthropic', model: 'claude-haiku-4-5-20251001', source: 'claude-code' },
  { provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', source: 'gateway' },
  { provider: 'openai', model: 'gpt-5.4', source: 'codex' },
  { provider: 'openai', model: 'gpt-5-codex', source: 'gateway' },
  { provider: 'openai', model: 'gpt-4o-2024-08-06', source: 'lm-provider' },
  { provider: 'google', model: 'gemini-2.5-pro', source: 'gemini-cli' },
  { provider: 'openai', model: 'local-llama-3-70b', source: 'gateway' },
];

function events(): UsageEvent[] {
  const start = Date.UTC(2026, 5, 1);
  const span = 180 * 86_400_000;
  return Array.from({ length: EVENTS }, (_, i) => {
    const kind = MIX[i % MIX.length];
    const long = i % 17 === 0; // some prompts cross a long-context threshold
    const writes = i % 5 === 0 ? 4000 + (i % 3000) : 0;
    return {
      id: makeEventId('bench', String(i)),
      ts: start + Math.floor((i * span) / EVENTS),
      ...kind,
      inputTokens: 200 + (i % 5000) + (long ? 250_000 : 0),
      outputTokens: 50 + (i % 2000),
      cacheReadTokens: 20_000 + (i % 40_000),
      cacheWriteTokens: writes,
      ...(writes > 0 && kind.provider === 'anthropic' ? { cacheWrite1hTokens: Math.floor(writes / 2) } : {}),
      reasoningTokens: 0,
      estimated: false,
      project: `p${i % 7}`,
    };
  });
}

/** Today's context with the old hand-kept price list in place of the catalog. */
function baselineContext(): RollupContext {
  const { settings } = resolveSettings(raw, 'UTC');
  const prices = new BaselinePriceBook();
  return {
    dayOf: (ts) => dayKey(ts, settings.timeZone),
    value: (e) => {
      const multiplier = settings.peak.multiplierAt(e.ts);
      return { costUsd: prices.costOf(e), peakMultiplier: multiplier, peak: multiplier > 1 };
    },
    fingerprint: 'baseline',
  };
}

function catalogContext(): RollupContext {
  return rollupContextFor(resolveSettings(raw, 'UTC').settings);
}

function rebuild(all: UsageEvent[], context: RollupContext): { ms: number; costUsd: number; unpricedTokens: number } {
  global.gc?.();
  const t = performance.now();
  const rollups = new Rollups(context);
  for (const e of all) rollups.add(e);
  const ms = performance.now() - t;
  const rows = rollups.rows();
  return { ms, costUsd: rows.reduce((n, r) => n + r.costUsd, 0), unpricedTokens: rows.reduce((n, r) => n + r.unpricedTokens, 0) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const all = events();
rebuild(all.slice(0, 50_000), baselineContext()); // warm up both paths' code
rebuild(all.slice(0, 50_000), catalogContext());
const baseline: number[] = [];
const catalog: number[] = [];
let last: { baseline?: ReturnType<typeof rebuild>; catalog?: ReturnType<typeof rebuild> } = {};
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order so neither path always runs on a warmer or fuller heap.
  const order = round % 2 === 0 ? (['baseline', 'catalog'] as const) : (['catalog', 'baseline'] as const);
  for (const which of order) {
    const result = rebuild(all, which === 'baseline' ? baselineContext() : catalogContext());
    (which === 'baseline' ? baseline : catalog).push(result.ms);
    last = { ...last, [which]: result };
  }
}
const ratio = median(catalog) / median(baseline);
const result = {
  date: new Date().toISOString(),
  node: process.version,
  events: EVENTS,
  rounds: ROUNDS,
  ms: { baselineMedian: median(baseline), catalogMedian: median(catalog), baseline, catalog },
  ratio,
  limit: LIMIT,
  // What each path made of the same events: the old list cannot price Opus 4.8 or 1-hour writes.
  totals: {
    baseline: { costUsd: Math.round(last.baseline!.costUsd * 100) / 100, unpricedTokens: last.baseline!.unpricedTokens },
    catalog: { costUsd: Math.round(last.catalog!.costUsd * 100) / 100, unpricedTokens: last.catalog!.unpricedTokens },
  },
};
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'pricing.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `Rebuild of ${EVENTS.toLocaleString('en-US')} events: hand-kept list ${median(baseline).toFixed(0)} ms, catalog ${median(catalog).toFixed(0)} ms (median of ${ROUNDS}) → ${ratio.toFixed(3)}× (limit ${LIMIT}×)`,
);
if (ratio > LIMIT) {
  console.error(`Catalog pricing is ${ratio.toFixed(2)}× the baseline, above ${LIMIT}×.`);
  process.exit(1);
}
