import * as assert from 'node:assert/strict';
import { contextWindowFor, normalizeModelName, parsePriceOverrides, PriceBook } from '../../src/core/pricing';

const tokens = (model: string, inputTokens = 0, outputTokens = 0, cacheReadTokens = 0, cacheWriteTokens = 0) => ({ model, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens });

describe('pricing', () => {
  const book = new PriceBook();

  it('prices each token kind per million', () => {
    // Sonnet 4.5: $3 in, $15 out, $0.30 cache read, $3.75 cache write.
    assert.equal(book.costOf(tokens('claude-sonnet-4-5', 1_000_000, 1_000_000, 1_000_000, 1_000_000)), 3 + 15 + 0.3 + 3.75);
    // gpt-4o: $2.50 in, $1.25 cached, $10 out.
    assert.equal(book.costOf(tokens('gpt-4o', 2_000_000, 100_000, 1_000_000)), 5 + 1 + 1.25);
  });

  it('resolves real-world spellings to the same model and price', () => {
    const sonnet = book.priceFor('claude-sonnet-4-5');
    for (const name of ['claude-sonnet-4-5-20250929', 'anthropic/claude-sonnet-4-5', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5@20250929', 'CLAUDE-SONNET-4-5']) {
      assert.deepEqual(book.priceFor(name), sonnet, name);
    }
    assert.deepEqual(book.priceFor('gpt-4o-2024-08-06'), book.priceFor('gpt-4o'));
    assert.deepEqual(book.priceFor('models/gemini-2.5-pro'), book.priceFor('gemini-2.5-pro'));
    assert.deepEqual(book.priceFor('gemini-3-flash-preview'), book.priceFor('gemini-3-flash'));
    assert.deepEqual(book.priceFor('codex-mini-latest'), book.priceFor('codex-mini'));
  });

  it('never prices a smaller sibling as its bigger namesake', () => {
    assert.equal(book.priceFor('gpt-4o-mini')!.input, 0.15);
    assert.equal(book.priceFor('gpt-5.4-mini')!.input, 0.75);
    assert.equal(book.priceFor('gpt-5')!.input, 1.25);
    assert.equal(book.priceFor('claude-sonnet-4-20250514')!.input, 3);
    assert.equal(book.priceFor('gemini-2.5-flash-lite')!.input, 0.1);
  });

  it('leaves unknown models unpriced (null), never $0', () => {
    assert.equal(book.costOf(tokens('llama-3-70b-local', 1000, 1000)), null);
    assert.equal(book.priceFor('claude-sonnet-4-7'), undefined, 'an unlisted version is not guessed');
    assert.equal(book.priceFor('gpt-4o-audio-preview-x'), undefined);
  });

  it('applies overrides by glob or regex before built-in prices, reporting bad entries', () => {
    const { overrides, problems } = parsePriceOverrides([
      { model: 'gpt-4o*', input: 1, output: 2 },
      { model: '/^llama-/', input: 0.1, output: 0.2, cacheRead: 0.05 },
      { model: 'broken', input: -1, output: 2 },
      { model: '/(/', input: 1, output: 1 },
      'nonsense',
    ]);
    assert.equal(overrides.length, 2);
    assert.equal(problems.length, 3);
    assert.match(problems[0], /tokenMeter\.pricing\.overrides\[2\]\.input must be a price/);
    assert.match(problems[1], /overrides\[3\]\.model "\/\(\/" is not a valid regular expression/);
    assert.match(problems[2], /overrides\[4\] must be an object/);
    const custom = new PriceBook(overrides);
    assert.equal(custom.costOf(tokens('gpt-4o-mini', 1_000_000, 1_000_000)), 3);
    assert.equal(custom.costOf(tokens('llama-3-70b', 0, 0, 1_000_000)), 0.05);
    assert.notEqual(custom.fingerprint(), book.fingerprint());
    assert.match(parsePriceOverrides({}).problems[0], /must be a list/);
  });

  it('knows context windows and normalises names', () => {
    assert.equal(contextWindowFor('claude-sonnet-4-5-20250929'), 200_000);
    assert.equal(contextWindowFor('gpt-4.1-mini'), 1_047_576);
    assert.equal(contextWindowFor('unknown'), undefined);
    assert.equal(normalizeModelName(' OpenRouter/Anthropic/Claude-Opus-4-6 '), 'claude-opus-4-6');
  });
});
