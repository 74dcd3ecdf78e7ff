import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { calcPrice, waitForUpdate, type Provider } from '@pydantic/genai-prices';
import {
  contextWindowFor,
  normalizeModelName,
  parsePriceOverrides,
  PriceBook,
  withPriceOverride,
  type PricedUsage,
} from '../../src/core/pricing';
import { activeCatalog, BUNDLED_VERSION, installCatalog, parseCatalogData, restoreBundled } from '../../src/core/priceCatalog';

// Expected figures are worked out by hand from the providers' published price lists (USD per
// million tokens), quoted beside each test; never read back from the catalog under test.
const M = 1_000_000;
const usage = (model: string, patch: Partial<PricedUsage> = {}): PricedUsage => ({
  model,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  ...patch,
});
const close = (actual: number | null, expected: number) => {
  assert.ok(actual !== null, 'priced');
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);
};
const DAY = (iso: string) => Date.parse(`${iso}T12:00:00Z`);

describe('pricing: Claude', () => {
  const book = new PriceBook();

  it('prices 5-minute and 1-hour cache writes each at its own rate (Opus 4.8: $5 in, $25 out, $6.25 5m, $10 1h, $0.50 read)', () => {
    const e = usage('claude-opus-4-8', {
      provider: 'anthropic',
      inputTokens: 1000,
      outputTokens: 2000,
      cacheReadTokens: 50_000,
      cacheWriteTokens: 30_000,
      cacheWrite1hTokens: 20_000,
    });
    close(book.costOf(e), (1000 * 5 + 2000 * 25 + 50_000 * 0.5 + 10_000 * 6.25 + 20_000 * 10) / M);
    // The same writes without the split (an older event) are all 5-minute writes.
    close(book.costOf({ ...e, cacheWrite1hTokens: undefined }), (1000 * 5 + 2000 * 25 + 50_000 * 0.5 + 30_000 * 6.25) / M);
  });

  it('prices a long prompt at the long-context tier for the whole request (Sonnet 4.5: $3/$15 up to 200K, $6/$22.50 above)', () => {
    const short = usage('claude-sonnet-4-5-20250929', {
      provider: 'anthropic',
      inputTokens: 150_000,
      outputTokens: 1000,
      cacheWriteTokens: 40_000,
      cacheWrite1hTokens: 40_000,
    });
    close(book.costOf(short), (150_000 * 3 + 1000 * 15 + 40_000 * 6) / M);
    const long = { ...short, inputTokens: 170_000 }; // 210K prompt tokens with the cache write
    close(book.costOf(long), (170_000 * 6 + 1000 * 22.5 + 40_000 * 12) / M);
  });

  it('prices at the time of use (Opus 4.6 dropped its long-context surcharge on 2026-03-13)', () => {
    const e = usage('claude-opus-4-6', { provider: 'anthropic', inputTokens: 300_000, outputTokens: 1000 });
    close(book.costOf({ ...e, ts: DAY('2026-03-01') }), (300_000 * 10 + 1000 * 37.5) / M);
    close(book.costOf({ ...e, ts: DAY('2026-04-01') }), (300_000 * 5 + 1000 * 25) / M);
    // Sonnet 4.6 the same way: $6/$22.50 above 200K before that day, $3/$15 flat after.
    const sonnet = { ...e, model: 'claude-sonnet-4-6' };
    close(book.costOf({ ...sonnet, ts: DAY('2026-03-01') }), (300_000 * 6 + 1000 * 22.5) / M);
    close(book.costOf({ ...sonnet, ts: DAY('2026-04-01') }), (300_000 * 3 + 1000 * 15) / M);
  });

  it('prices Anthropic fast mode where the response says so (Opus 4.6: $30/$150, Opus 4.8: $10/$50) and names Haiku 4.5 by its dated and vendor-prefixed ids', () => {
    const e = usage('claude-opus-4-8', { provider: 'anthropic', inputTokens: 1000, outputTokens: 1000 });
    close(book.costOf({ ...e, serviceTier: 'fast' }), (1000 * 10 + 1000 * 50) / M);
    close(book.costOf({ ...e, model: 'claude-opus-4-6', ts: DAY('2026-04-01'), serviceTier: 'fast' }), (1000 * 30 + 1000 * 150) / M);
    close(book.costOf({ ...e, serviceTier: 'standard' }), (1000 * 5 + 1000 * 25) / M);
    for (const name of [
      'claude-haiku-4-5-20251001',
      'us.anthropic.claude-haiku-4-5-20251001-v1:0',
      'anthropic/claude-haiku-4-5',
      'claude-haiku-4-5@20251001',
    ]) {
      close(
        book.costOf(usage(name, { inputTokens: M, outputTokens: M, cacheWriteTokens: M, cacheWrite1hTokens: M / 2 })),
        1 + 5 + 0.5 * 1.25 + 0.5 * 2,
      );
    }
  });
});

describe('pricing: GPT', () => {
  const book = new PriceBook();

  it('prices cached input at the cached rate; OpenAI has no cache-write charge (gpt-4o: $2.50 in, $1.25 cached, $10 out)', () => {
    close(
      book.costOf(usage('gpt-4o-2024-08-06', { provider: 'openai', inputTokens: 2 * M, cacheReadTokens: M, outputTokens: 100_000 })),
      5 + 1.25 + 1,
    );
    close(book.costOf(usage('openai/gpt-5', { inputTokens: M, cacheReadTokens: M, outputTokens: M })), 1.25 + 0.125 + 10);
    // A release date the catalog does not list is the model itself (o1: $15 in, $60 out); a listed one keeps its own price (gpt-4o-2024-05-13: $5/$15).
    close(book.costOf(usage('o1-2026-01-01', { provider: 'openai', inputTokens: M, outputTokens: M })), 15 + 60);
    close(book.costOf(usage('gpt-4o-2024-05-13', { provider: 'openai', inputTokens: M, outputTokens: M })), 5 + 15);
  });

  it('prices a prompt over 272K at the long-context tier (gpt-5.4: $2.50/$15, above 272K $5/$22.50, cached $0.25/$0.50)', () => {
    const e = usage('gpt-5.4', { provider: 'openai', inputTokens: 100_000, cacheReadTokens: 100_000, outputTokens: 10_000 });
    close(book.costOf(e), (100_000 * 2.5 + 100_000 * 0.25 + 10_000 * 15) / M);
    close(book.costOf({ ...e, cacheReadTokens: 200_000 }), (100_000 * 5 + 200_000 * 0.5 + 10_000 * 22.5) / M);
  });

  it('prices flex processing at half (the Batch rate), and a provider-reported cost wins', () => {
    const e = usage('gpt-5', { provider: 'openai', inputTokens: M, outputTokens: M });
    close(book.costOf({ ...e, serviceTier: 'flex' }), (1.25 + 10) / 2);
    close(book.costOf({ ...e, serviceTier: 'default' }), 1.25 + 10);
    assert.equal(book.costOf({ ...e, provider: 'openrouter', model: 'openai/gpt-5', reportedCostUsd: 0.0123 }), 0.0123);
  });
});

describe('pricing: Gemini', () => {
  const book = new PriceBook();

  it('prices a prompt over 200K at the long-context tier (Gemini 2.5 Pro: $1.25/$10, above 200K $2.50/$15)', () => {
    close(
      book.costOf(usage('models/gemini-2.5-pro', { provider: 'google', inputTokens: 200_000, outputTokens: 1000 })),
      (200_000 * 1.25 + 1000 * 10) / M,
    );
    close(
      book.costOf(usage('gemini-2.5-pro', { provider: 'google', inputTokens: 200_001, outputTokens: 1000 })),
      (200_001 * 2.5 + 1000 * 15) / M,
    );
  });

  it('prices cache reads (Gemini 2.5 Flash: $0.30 in, $0.03 cached, $2.50 out)', () => {
    close(
      book.costOf(usage('gemini-2.5-flash', { provider: 'google', inputTokens: M, cacheReadTokens: M, outputTokens: M })),
      0.3 + 0.03 + 2.5,
    );
  });
});

describe('pricing: overrides, unknown models, the catalog', () => {
  it('leaves unknown models unpriced (null), never $0', () => {
    const book = new PriceBook();
    assert.equal(book.costOf(usage('llama-3-70b-local', { inputTokens: 1000, outputTokens: 1000 })), null);
    assert.equal(
      book.costOf(usage('claude-sonnet-4-7', { provider: 'anthropic', inputTokens: 1000 })),
      null,
      'an unlisted version is not guessed',
    );
    assert.equal(book.priceFor('gemini-9-ultra'), undefined);
  });

  it('applies overrides by glob or regex before catalog prices, with a 1-hour write rate, reporting bad entries', () => {
    const { overrides, problems } = parsePriceOverrides([
      { model: 'gpt-4o*', input: 1, output: 2 },
      { model: '/^llama-/', input: 0.1, output: 0.2, cacheRead: 0.05 },
      { model: 'claude-house', input: 1, output: 2, cacheWrite: 1.5, cacheWrite1h: 3 },
      { model: 'broken', input: -1, output: 2 },
      { model: '/(/', input: 1, output: 1 },
      'nonsense',
    ]);
    assert.equal(overrides.length, 3);
    assert.equal(problems.length, 3);
    assert.match(problems[0], /tokenMeter\.pricing\.overrides\[3\]\.input must be a price/);
    assert.match(problems[1], /overrides\[4\]\.model "\/\(\/" is not a valid regular expression/);
    assert.match(problems[2], /overrides\[5\] must be an object/);
    const custom = new PriceBook(overrides);
    assert.equal(custom.costOf(usage('gpt-4o-mini', { inputTokens: M, outputTokens: M })), 3);
    assert.equal(custom.costOf(usage('llama-3-70b', { cacheReadTokens: M })), 0.05);
    assert.equal(custom.costOf(usage('claude-house', { cacheWriteTokens: 2 * M, cacheWrite1hTokens: M })), 1.5 + 3);
    assert.notEqual(custom.fingerprint(), new PriceBook().fingerprint());
    assert.match(parsePriceOverrides({}).problems[0], /must be a list/);
  });

  it('"Set a Price for <model>…" adds an override, or replaces the one for exactly that model, keeping the rest', () => {
    const current = [{ model: 'gpt-4o*', input: 1, output: 2 }, { model: 'house-model', input: 9, output: 9 }, 'kept as it was'];
    const next = withPriceOverride(current, { model: 'house-model', input: 0.5, output: 1.5 });
    assert.deepEqual(next, [
      { model: 'gpt-4o*', input: 1, output: 2 },
      'kept as it was',
      { model: 'house-model', input: 0.5, output: 1.5 },
    ]);
    assert.deepEqual(withPriceOverride(undefined, { model: 'm', input: 1, output: 1 }), [{ model: 'm', input: 1, output: 1 }]);
    assert.equal(new PriceBook(parsePriceOverrides(next).overrides).costOf(usage('house-model', { inputTokens: M, outputTokens: M })), 2);
  });

  it('takes context windows from the catalog and says nothing when it has none', () => {
    assert.equal(contextWindowFor('claude-opus-4-8'), 1_000_000);
    assert.equal(contextWindowFor('claude-sonnet-4-5-20250929'), 200_000);
    assert.equal(contextWindowFor('gpt-5'), 400_000);
    assert.equal(contextWindowFor('unknown'), undefined);
    assert.equal(normalizeModelName(' OpenRouter/Anthropic/Claude-Opus-4-6 '), 'claude-opus-4-6');
  });

  it('computes what the library itself computes, for every token kind and tier', () => {
    const book = new PriceBook();
    const cases: Array<[string, string, number]> = [
      ['anthropic', 'claude-sonnet-4-5', 0],
      ['anthropic', 'claude-opus-4-8', 0],
      ['openai', 'gpt-5.4', 0],
      ['google', 'gemini-2.5-pro', 0],
      ['anthropic', 'claude-haiku-4-5', 0],
    ];
    for (const [provider, model] of cases) {
      for (const scale of [1, 30]) {
        const e = usage(model, {
          provider,
          inputTokens: 5000 * scale,
          outputTokens: 700 * scale,
          cacheReadTokens: 2000 * scale,
          cacheWriteTokens: 1500 * scale,
          cacheWrite1hTokens: provider === 'anthropic' ? 600 * scale : 0,
        });
        const theirs = calcPrice(
          {
            input_tokens: e.inputTokens + e.cacheReadTokens + e.cacheWriteTokens,
            output_tokens: e.outputTokens,
            cache_read_tokens: e.cacheReadTokens,
            cache_write_tokens: e.cacheWriteTokens,
            ...(provider === 'anthropic' ? { cache_write_1h_tokens: e.cacheWrite1hTokens } : {}),
          },
          model,
          { providerId: provider },
        )!;
        close(book.costOf(e), theirs.total_price);
      }
    }
  });

  it('ships the catalog version whose date it names', () => {
    const installed = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', '..', 'node_modules', '@pydantic', 'genai-prices', 'package.json'), 'utf8'),
    ).version;
    assert.equal(
      installed,
      BUNDLED_VERSION,
      'after upgrading @pydantic/genai-prices, update BUNDLED_VERSION and BUNDLED_AS_OF (its npm publish date)',
    );
  });
});

describe('pricing: a refreshed catalog replaces the bundled one', () => {
  afterEach(() => restoreBundled());

  /** The bundled data with a new model, and a price change on a date for an existing one. */
  function refreshedData(): Provider[] {
    const bundled = JSON.parse(JSON.stringify(bundledData)) as Provider[];
    const anthropic = bundled.find((p) => p.id === 'anthropic')!;
    anthropic.models.unshift({
      id: 'claude-fable-9',
      match: { starts_with: 'claude-fable-9' },
      context_window: 500_000,
      prices: { input_mtok: 7, output_mtok: 35, cache_write_mtok: 8.75, cache_write_1h_mtok: 14, cache_read_mtok: 0.7 },
    });
    const openai = bundled.find((p) => p.id === 'openai')!;
    const gpt5 = openai.models.find((m) => m.id === 'gpt-5')!;
    gpt5.prices = [
      { prices: { input_mtok: 1.25, cache_read_mtok: 0.125, output_mtok: 10 } },
      { constraint: { type: 'start_date', start_date: '2026-12-01' }, prices: { input_mtok: 1, cache_read_mtok: 0.1, output_mtok: 8 } },
    ];
    const google = bundled.find((p) => p.id === 'google')!;
    const flash = google.models.find((m) => m.id === 'gemini-2.5-flash')!;
    flash.prices = { input_mtok: 0.2, cache_read_mtok: 0.02, output_mtok: 2 };
    return bundled;
  }

  it('prices a model the bundled snapshot did not know, changes prices only from their start date, and changes the fingerprint', async () => {
    const before = new PriceBook();
    assert.equal(before.costOf(usage('claude-fable-9', { provider: 'anthropic', inputTokens: M })), null);
    const parsed = parseCatalogData(JSON.stringify(refreshedData()));
    assert.ok('providers' in parsed, 'problem' in parsed ? parsed.problem : '');
    installCatalog(parsed.providers, '2026-11-30');
    assert.deepEqual([activeCatalog().origin, activeCatalog().asOf], ['refreshed', '2026-11-30']);
    assert.equal(before.isCurrent(), false);
    const after = new PriceBook();
    assert.notEqual(after.fingerprint(), before.fingerprint());
    close(
      after.costOf(usage('claude-fable-9', { provider: 'anthropic', inputTokens: M, cacheWriteTokens: M, cacheWrite1hTokens: M })),
      7 + 14,
    );
    assert.equal(after.contextWindow('claude-fable-9'), 500_000);
    const gpt = usage('gpt-5', { provider: 'openai', inputTokens: M, outputTokens: M });
    close(after.costOf({ ...gpt, ts: DAY('2026-11-20') }), 1.25 + 10);
    close(after.costOf({ ...gpt, ts: DAY('2026-12-02') }), 1 + 8);
    close(after.costOf(usage('gemini-2.5-flash', { provider: 'google', inputTokens: M, outputTokens: M })), 0.2 + 2);
    await restoreBundled();
    assert.equal(new PriceBook().costOf(usage('claude-fable-9', { provider: 'anthropic', inputTokens: M })), null);
  });

  it('refuses data that is not a catalog, naming why', () => {
    for (const [text, why] of [
      ['{', /not JSON/],
      ['{"a":1}', /not a list of providers/],
      ['[{"id":"x"}]', /provider #0/],
      ['[{"id":"x","name":"X","api_pattern":".*","models":[]}]', /has no anthropic claude-sonnet-4-5/],
    ] as const) {
      const parsed = parseCatalogData(text);
      assert.ok('problem' in parsed);
      assert.match(parsed.problem, why);
    }
  });
});

let bundledData: Provider[];
before(async () => {
  // Before any update, the library's pending update resolves to its bundled snapshot.
  bundledData = (await waitForUpdate())!;
});
