// BENCHMARK BASELINE ONLY: src/core/pricing.ts as it was before prices came from
// @pydantic/genai-prices (git 8912fef), kept so bench/pricing.bench.ts can measure the catalog
// against it in the same run. Nothing in src/ imports it.
import { createHash } from 'node:crypto';
import type { TokenField } from '../../src/core/events';
import { BUILTIN_PRICES, PRICES_AS_OF, type ModelPrice, type PriceEntry } from './pricing-data';

export { PRICES_AS_OF, type ModelPrice } from './pricing-data';

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

/**
 * What may follow a canonical id and still be the same model at the same price: release dates,
 * `latest`, preview/experimental tags, Bedrock version suffixes, OpenAI's 4-digit snapshots.
 * Anything else (`-mini`, `-7`) is a different model, priced only if listed itself.
 */
const SAME_MODEL_SUFFIX = /^(?:-(?:\d{8}|\d{4}-\d{2}-\d{2}|\d{2}-\d{2}|\d{4}|latest|preview|exp|thinking|v\d+(?::\d+)?))*$/;

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

const PRICE_FIELDS = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;
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
      if (value === undefined && (field === 'cacheRead' || field === 'cacheWrite')) continue;
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
    };
    overrides.push({ model: e.model.trim(), price, matches: (name) => matcher.test(name) || matcher.test(normalizeModelName(name)) });
  });
  return { overrides, problems };
}

// Longest ids first, so `gpt-4o-mini` is tried before `gpt-4o` and `claude-sonnet-4-5` before `claude-sonnet-4`.
const ENTRIES_BY_LENGTH = [...BUILTIN_PRICES].sort((a, b) => b.model.length - a.model.length);

function findBuiltin(name: string): PriceEntry | undefined {
  const normalized = normalizeModelName(name);
  for (const entry of ENTRIES_BY_LENGTH) {
    if (normalized.startsWith(entry.model) && SAME_MODEL_SUFFIX.test(normalized.slice(entry.model.length))) return entry;
  }
  return undefined;
}

/** The context window of a model, when known. */
export function contextWindowFor(model: string): number | undefined {
  return findBuiltin(model)?.contextWindow;
}

/** Prices events: the user's overrides first, then the built-in list. Lookups are cached per name. */
export class PriceBook {
  private readonly cache = new Map<string, ModelPrice | null>();

  constructor(private readonly overrides: readonly PriceOverride[] = []) {}

  priceFor(model: string): ModelPrice | undefined {
    let price = this.cache.get(model);
    if (price === undefined) {
      price = this.overrides.find((o) => o.matches(model))?.price ?? findBuiltin(model)?.price ?? null;
      this.cache.set(model, price);
    }
    return price ?? undefined;
  }

  /** Cost in USD, or null when the model's price is unknown (never 0 for an unknown model). */
  costOf(
    e: Pick<Record<TokenField, number>, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens'> & { model: string },
  ): number | null {
    const p = this.priceFor(e.model);
    if (!p) return null;
    return (
      (e.inputTokens * p.input + e.outputTokens * p.output + e.cacheReadTokens * p.cacheRead + e.cacheWriteTokens * p.cacheWrite) / 1e6
    );
  }

  /** Changes whenever any price could differ, so cached rollups know to rebuild. */
  fingerprint(): string {
    const overrides = this.overrides.map((o) => [o.model, o.price]);
    return createHash('sha256')
      .update(JSON.stringify([PRICES_AS_OF, BUILTIN_PRICES.length, overrides]))
      .digest('hex')
      .slice(0, 16);
  }
}
