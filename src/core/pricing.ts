import { createHash } from 'node:crypto';
import type { ModelInfo, ModelPrice as CatalogPrice } from '@pydantic/genai-prices';
import { activeCatalog, catalogGeneration, findCatalogModel, type CatalogInfo } from './priceCatalog';

/** USD per million tokens of each kind, at the base (short-context) tier. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  /** 5-minute cache writes (and every write of a provider that does not say which). */
  cacheWrite: number;
  cacheWrite1h: number;
}

/** A user's own price for models whose name matches `model` (a glob like `gpt-4o*` or a `/regex/`). */
export interface PriceOverride {
  model: string;
  price: ModelPrice;
  matches(name: string): boolean;
}

/**
 * Reduces the many spellings of one model to its canonical form: vendor prefixes
 * (`openai/`, `models/`, Bedrock's `us.anthropic.`), Vertex's `@date`, and case.
 */
export function normalizeModelName(name: string): string {
  let n = name.trim().toLowerCase();
  n = n.replace(/^(?:[a-z0-9_-]+\/)+/, ''); // openai/gpt-4o, models/gemini-2.5-pro, openrouter/anthropic/claude-…
  n = n.replace(/^(?:[a-z]{2,4}\.)?(?:anthropic|openai|google|meta)\./, ''); // Bedrock: us.anthropic.claude-…
  n = n.replace(/@/g, '-'); // Vertex: claude-opus-4-1@20250805
  return n;
}

/** The model without release-date or `latest` tags, so two sources naming one model agree. */
export function canonicalModelName(name: string): string {
  return normalizeModelName(name).replace(/(?:-(?:\d{8}|\d{4}-\d{2}-\d{2}|latest))+$/, '');
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

const PRICE_FIELDS = ['input', 'output', 'cacheRead', 'cacheWrite', 'cacheWrite1h'] as const;
const SETTING = 'tokenMeter.pricing.overrides';

/** Validates the overrides setting; bad entries are named (by position) and skipped. */
export function parsePriceOverrides(raw: unknown): { overrides: PriceOverride[]; problems: string[] } {
  const overrides: PriceOverride[] = [];
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { overrides, problems };
  if (!Array.isArray(raw)) {
    problems.push(`${SETTING} must be a list of { "model", "input", "output" } entries; ignoring it.`);
    return { overrides, problems };
  }
  raw.forEach((entry: unknown, index) => {
    const where = `${SETTING}[${index}]`;
    if (typeof entry !== 'object' || entry === null) {
      problems.push(`${where} must be an object like { "model": "gpt-4o*", "input": 2.5, "output": 10 }; ignoring it.`);
      return;
    }
    const e = entry as Record<string, unknown>;
    if (typeof e.model !== 'string' || e.model.trim() === '') {
      problems.push(`${where}.model must be a model name pattern such as "gpt-4o*" or "/^claude-/"; ignoring this entry.`);
      return;
    }
    let matcher: RegExp;
    const regexMatch = /^\/(.+)\/([a-z]*)$/.exec(e.model.trim());
    try {
      matcher = regexMatch
        ? new RegExp(regexMatch[1], regexMatch[2].includes('i') ? regexMatch[2] : `${regexMatch[2]}i`)
        : globToRegExp(e.model.trim());
    } catch (error) {
      problems.push(
        `${where}.model ${JSON.stringify(e.model)} is not a valid regular expression (${(error as Error).message}); ignoring this entry.`,
      );
      return;
    }
    const values: Partial<ModelPrice> = {};
    for (const field of PRICE_FIELDS) {
      const value = e[field];
      if (value === undefined && field !== 'input' && field !== 'output') continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        problems.push(
          `${where}.${field} must be a price in USD per million tokens, 0 or more (got ${JSON.stringify(value)}); ignoring this entry.`,
        );
        return;
      }
      values[field] = value;
    }
    const price: ModelPrice = {
      input: values.input!,
      output: values.output!,
      cacheRead: values.cacheRead ?? values.input!,
      cacheWrite: values.cacheWrite ?? values.input!,
      cacheWrite1h: values.cacheWrite1h ?? values.cacheWrite ?? values.input!,
    };
    overrides.push({ model: e.model.trim(), price, matches: (name) => matcher.test(name) || matcher.test(normalizeModelName(name)) });
  });
  return { overrides, problems };
}

/** A price that may change with the prompt's size: `base` up to the first tier, then each tier's price. */
type Rate = number | { base: number; tiers: ReadonlyArray<{ start: number; price: number }> };

interface RateCard {
  input: Rate;
  output: Rate;
  cacheRead: Rate;
  cacheWrite: Rate;
  cacheWrite1h: Rate;
}

/** One price of a model and when it applies: from an instant on, or in a daily UTC window. */
interface PricePeriod {
  fromMs: number;
  /** Seconds after UTC midnight; set for time-of-day prices (off-peak rates). */
  window?: { start: number; end: number };
  card: RateCard;
}

interface PricedModel {
  periods: PricePeriod[];
  contextWindow?: number;
}

/** What pricing needs of an event; the fields beyond the token counts are optional. */
export interface PricedUsage {
  model: string;
  /** The vendor whose API served the request; without it the model's name decides. */
  provider?: string;
  /** When the request was made (epoch ms): it is priced at that day's price. Default: now. */
  ts?: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** The part of cacheWriteTokens written with the 1-hour TTL; the rest are 5-minute writes. */
  cacheWrite1hTokens?: number;
  /** The provider's processing tier when the response named one ('fast', 'priority', 'flex'). */
  serviceTier?: string;
  /** The request's cost as the provider reported it (OpenRouter's usage.cost): it wins. */
  reportedCostUsd?: number;
}

/**
 * Processing tiers the catalog does not list, as published multiples of the model's standard prices
 * (cache multipliers apply on top, as the providers bill). Anthropic fast mode (`usage.speed:
 * "fast"`, Anthropic "Fast mode" docs): Opus 4.6 and 4.7 at $30/$150 = 6×, Opus 4.8 and Opus 5 at
 * $10/$50 = 2×. OpenAI flex (`service_tier: "flex"`): the Batch rate, half of standard (OpenAI "Flex
 * processing" guide). OpenAI priority is priced per model, not as a fixed multiple, so it stays at
 * the catalog's standard price.
 */
const SERVICE_TIER_MULTIPLIERS: ReadonlyArray<{ provider: string; tier: string; model: RegExp; multiplier: number }> = [
  { provider: 'anthropic', tier: 'fast', model: /^claude-opus-4-[67]/, multiplier: 6 },
  { provider: 'anthropic', tier: 'fast', model: /^claude-opus-(?:4-8|5)/, multiplier: 2 },
  { provider: 'openai', tier: 'flex', model: /./, multiplier: 0.5 },
];

function serviceTierMultiplier(provider: string, model: string, tier: string): number {
  const name = normalizeModelName(model);
  return SERVICE_TIER_MULTIPLIERS.find((m) => m.provider === provider && m.tier === tier && m.model.test(name))?.multiplier ?? 1;
}

function rateAt(rate: Rate, promptTokens: number): number {
  if (typeof rate === 'number') return rate;
  let price = rate.base;
  for (const tier of rate.tiers) if (promptTokens > tier.start) price = tier.price;
  return price;
}

function costWith(card: RateCard, e: PricedUsage): number {
  const writes1h = e.cacheWrite1hTokens ?? 0;
  // Providers bill a long prompt's whole request at the tier its prompt reaches, all token kinds alike.
  const prompt = e.inputTokens + e.cacheReadTokens + e.cacheWriteTokens;
  return (
    (e.inputTokens * rateAt(card.input, prompt) +
      e.outputTokens * rateAt(card.output, prompt) +
      e.cacheReadTokens * rateAt(card.cacheRead, prompt) +
      (e.cacheWriteTokens - writes1h) * rateAt(card.cacheWrite, prompt) +
      writes1h * rateAt(card.cacheWrite1h, prompt)) /
    1e6
  );
}

function toRate(value: CatalogPrice[string]): Rate | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (value && typeof value === 'object' && typeof value.base === 'number' && Array.isArray(value.tiers)) {
    return { base: value.base, tiers: value.tiers.map((t) => ({ start: t.start, price: t.price })) };
  }
  return undefined;
}

/** The catalog's price keys to our token kinds; a kind the model does not price falls back as the catalog does. */
function rateCardOf(price: CatalogPrice): RateCard {
  const input = toRate(price.input_mtok) ?? 0;
  const cacheWrite = toRate(price.cache_write_mtok) ?? input;
  return {
    input,
    output: toRate(price.output_mtok) ?? 0,
    cacheRead: toRate(price.cache_read_mtok) ?? input,
    cacheWrite,
    cacheWrite1h: toRate(price.cache_write_1h_mtok) ?? cacheWrite,
  };
}

function secondsOfDay(hhmmss: string): number {
  const [h, m, s] = hhmmss.split(':').map(Number);
  return h * 3600 + (m || 0) * 60 + (s || 0);
}

function compileModel(model: ModelInfo): PricedModel {
  const entries = Array.isArray(model.prices) ? model.prices : [{ prices: model.prices }];
  const periods = entries.map((entry): PricePeriod => {
    const c = entry.constraint;
    if (c?.type === 'start_date') return { fromMs: Date.parse(`${c.start_date}T00:00:00Z`), card: rateCardOf(entry.prices) };
    if (c?.type === 'time_of_date')
      return {
        fromMs: -Infinity,
        window: { start: secondsOfDay(c.start_time), end: secondsOfDay(c.end_time) },
        card: rateCardOf(entry.prices),
      };
    return { fromMs: -Infinity, card: rateCardOf(entry.prices) };
  });
  return { periods, contextWindow: model.context_window };
}

/** The price that applied at `ts`: the last entry whose condition holds, as the catalog defines it. */
function periodAt(periods: readonly PricePeriod[], ts: number): RateCard {
  if (periods.length === 1) return periods[0].card;
  for (let i = periods.length - 1; i >= 0; i--) {
    const p = periods[i];
    if (p.window) {
      const d = new Date(ts);
      const second = d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds();
      const inside =
        p.window.end < p.window.start
          ? second >= p.window.start || second < p.window.end
          : second >= p.window.start && second < p.window.end;
      if (inside) return p.card;
    } else if (ts >= p.fromMs) return p.card;
  }
  return periods[0].card;
}

function flatCard(card: RateCard): ModelPrice {
  return {
    input: rateAt(card.input, 0),
    output: rateAt(card.output, 0),
    cacheRead: rateAt(card.cacheRead, 0),
    cacheWrite: rateAt(card.cacheWrite, 0),
    cacheWrite1h: rateAt(card.cacheWrite1h, 0),
  };
}

function overrideCard(price: ModelPrice): RateCard {
  return { ...price };
}

/**
 * Prices events: the user's overrides first, then the catalog at the event's time. Each model is
 * looked up in the catalog once and its prices kept per period, so pricing an event is arithmetic.
 */
export class PriceBook {
  private readonly byProvider = new Map<string, Map<string, PricedModel | null>>();
  readonly catalog: CatalogInfo;
  private readonly generation: number;

  constructor(private readonly overrides: readonly PriceOverride[] = []) {
    this.catalog = activeCatalog();
    this.generation = catalogGeneration();
  }

  private lookup(provider: string, model: string): PricedModel | null {
    let models = this.byProvider.get(provider);
    if (!models) {
      models = new Map();
      this.byProvider.set(provider, models);
    }
    let priced = models.get(model);
    if (priced === undefined) {
      priced = this.resolve(provider, model);
      models.set(model, priced);
    }
    return priced;
  }

  private resolve(provider: string, model: string): PricedModel | null {
    const override = this.overrides.find((o) => o.matches(model));
    if (override)
      return {
        periods: [{ fromMs: -Infinity, card: overrideCard(override.price) }],
        contextWindow: this.catalogModel(provider, model)?.contextWindow,
      };
    return this.catalogModel(provider, model);
  }

  private catalogModel(provider: string, model: string): PricedModel | null {
    // The name as given, then without vendor prefixes, then without a release date the catalog does
    // not list (a dated snapshot it does list, priced differently, matches first).
    const found =
      findCatalogModel(provider, model) ??
      findCatalogModel(provider, normalizeModelName(model)) ??
      findCatalogModel(provider, canonicalModelName(model));
    return found ? compileModel(found) : null;
  }

  /** False once another catalog was installed: settings then make a new book (and the totals recount). */
  isCurrent(): boolean {
    return this.generation === catalogGeneration();
  }

  /** The model's prices at `ts` (default now) at the base tier, or undefined when unknown. */
  priceFor(model: string, provider = '', ts = Date.now()): ModelPrice | undefined {
    const priced = this.lookup(provider, model);
    return priced ? flatCard(periodAt(priced.periods, ts)) : undefined;
  }

  /** The model's context window in tokens, when the catalog knows it. */
  contextWindow(model: string, provider = ''): number | undefined {
    return this.lookup(provider, model)?.contextWindow;
  }

  /**
   * Cost in USD, or null when the model's price is unknown (never 0 for an unknown model). A cost
   * the provider reported wins over the catalog.
   */
  costOf(e: PricedUsage): number | null {
    if (e.reportedCostUsd !== undefined) return e.reportedCostUsd;
    const priced = this.lookup(e.provider ?? '', e.model);
    if (!priced) return null;
    const cost = costWith(periodAt(priced.periods, e.ts ?? Date.now()), e);
    if (e.serviceTier === undefined) return cost;
    return cost * serviceTierMultiplier(e.provider ?? '', e.model, e.serviceTier);
  }

  /** Changes whenever any price could differ, so cached rollups know to rebuild. */
  fingerprint(): string {
    const overrides = this.overrides.map((o) => [o.model, o.price]);
    return createHash('sha256')
      .update(JSON.stringify([this.catalog.id, overrides]))
      .digest('hex')
      .slice(0, 16);
  }
}

let defaultBook: PriceBook | undefined;

/** The context window of a model from the active catalog, when it is known. */
export function contextWindowFor(model: string): number | undefined {
  if (!defaultBook?.isCurrent()) defaultBook = new PriceBook();
  return defaultBook.contextWindow(model);
}

/** A price the user sets for one model, as stored in tokenMeter.pricing.overrides. */
export interface PriceOverrideEntry {
  model: string;
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  cacheWrite1h?: number;
}

/**
 * The overrides setting with `entry` in it: an entry for exactly the same model name is replaced,
 * everything else (including entries this version cannot read) is kept as it was.
 */
export function withPriceOverride(current: unknown, entry: PriceOverrideEntry): unknown[] {
  const list = Array.isArray(current) ? current : [];
  const same = (e: unknown) => typeof e === 'object' && e !== null && (e as { model?: unknown }).model === entry.model;
  return [...list.filter((e) => !same(e)), entry];
}
