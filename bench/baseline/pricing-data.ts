// BENCHMARK BASELINE ONLY: the hand-kept price list src/core/pricing-data.ts had before the
// @pydantic/genai-prices catalog replaced it (git 8912fef). Used by bench/pricing.bench.ts alone.
/**
 * Built-in list prices, USD per million tokens, at standard (non-batch, short-context) rates.
 *
 * Taken on PRICES_AS_OF from the providers' published price lists (OpenAI API pricing, Anthropic
 * "Pricing" docs, Google Gemini API pricing) as quoted in public summaries dated March–July 2026.
 * Long-context tiers (e.g. Gemini above 200K prompt tokens) and batch discounts are not modelled;
 * users with negotiated or newer prices set `tokenMeter.pricing.overrides`.
 *
 * Conventions: Anthropic cache writes are the 5-minute rate (1.25 × input) and cache reads 0.1 ×
 * input. OpenAI and Google charge no per-token cache write, so it equals the input price. Models
 * without a discounted cached rate read cache at the input price.
 */
export const PRICES_AS_OF = '2026-11-23';

export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface PriceEntry {
  provider: 'openai' | 'anthropic' | 'google';
  /** Canonical model id; dated and vendor-prefixed variants resolve to it. */
  model: string;
  price: ModelPrice;
  /** Context window in tokens, for the context gauge. */
  contextWindow: number;
}

function openai(model: string, input: number, cachedInput: number | null, output: number, contextWindow: number): PriceEntry {
  return { provider: 'openai', model, price: { input, output, cacheRead: cachedInput ?? input, cacheWrite: input }, contextWindow };
}

function anthropic(model: string, input: number, output: number, contextWindow: number): PriceEntry {
  return {
    provider: 'anthropic',
    model,
    price: { input, output, cacheRead: round(input * 0.1), cacheWrite: round(input * 1.25) },
    contextWindow,
  };
}

function google(model: string, input: number, cachedInput: number, output: number, contextWindow: number): PriceEntry {
  return { provider: 'google', model, price: { input, output, cacheRead: cachedInput, cacheWrite: input }, contextWindow };
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

const K = 1000;
const M = 1_000_000;

export const BUILTIN_PRICES: readonly PriceEntry[] = [
  // OpenAI — GPT-5.5 / 5.4 family
  openai('gpt-5.5', 5, 0.5, 30, 1 * M),
  openai('gpt-5.5-pro', 30, null, 180, 1 * M),
  openai('gpt-5.4', 2.5, 0.25, 15, 1 * M),
  openai('gpt-5.4-mini', 0.75, 0.075, 4.5, 1 * M),
  openai('gpt-5.4-nano', 0.2, 0.02, 1.25, 1 * M),
  openai('gpt-5.4-pro', 30, null, 180, 1 * M),
  // GPT-5.2 / 5.1 / 5 (codex variants are billed as their base model)
  openai('gpt-5.2', 1.75, 0.175, 14, 400 * K),
  openai('gpt-5.2-codex', 1.75, 0.175, 14, 400 * K),
  openai('gpt-5.2-pro', 21, null, 168, 400 * K),
  openai('gpt-5.1', 1.25, 0.125, 10, 400 * K),
  openai('gpt-5.1-codex', 1.25, 0.125, 10, 400 * K),
  openai('gpt-5.1-codex-max', 1.25, 0.125, 10, 400 * K),
  openai('gpt-5.1-codex-mini', 0.25, 0.025, 2, 400 * K),
  openai('gpt-5', 1.25, 0.125, 10, 400 * K),
  openai('gpt-5-codex', 1.25, 0.125, 10, 400 * K),
  openai('gpt-5-chat', 1.25, 0.125, 10, 128 * K),
  openai('gpt-5-mini', 0.25, 0.025, 2, 400 * K),
  openai('gpt-5-nano', 0.05, 0.005, 0.4, 400 * K),
  openai('gpt-5-pro', 15, null, 120, 400 * K),
  openai('codex-mini', 1.5, 0.375, 6, 200 * K),
  // GPT-4.1 / 4o / reasoning models
  openai('gpt-4.1', 2, 0.5, 8, 1_047_576),
  openai('gpt-4.1-mini', 0.4, 0.1, 1.6, 1_047_576),
  openai('gpt-4.1-nano', 0.1, 0.025, 0.4, 1_047_576),
  openai('gpt-4o', 2.5, 1.25, 10, 128 * K),
  openai('chatgpt-4o', 5, null, 15, 128 * K),
  openai('gpt-4o-mini', 0.15, 0.075, 0.6, 128 * K),
  openai('o1', 15, 7.5, 60, 200 * K),
  openai('o1-mini', 1.1, 0.55, 4.4, 128 * K),
  openai('o1-pro', 150, null, 600, 200 * K),
  openai('o3', 2, 0.5, 8, 200 * K),
  openai('o3-pro', 20, null, 80, 200 * K),
  openai('o3-mini', 1.1, 0.55, 4.4, 200 * K),
  openai('o4-mini', 1.1, 0.275, 4.4, 200 * K),
  openai('gpt-4-turbo', 10, null, 30, 128 * K),
  openai('gpt-4', 30, null, 60, 8192),
  openai('gpt-3.5-turbo', 0.5, null, 1.5, 16_385),
  openai('text-embedding-3-small', 0.02, null, 0, 8191),
  openai('text-embedding-3-large', 0.13, null, 0, 8191),
  openai('text-embedding-ada-002', 0.1, null, 0, 8191),
  // Anthropic
  anthropic('claude-opus-4-6', 5, 25, 1 * M),
  anthropic('claude-opus-4-5', 5, 25, 200 * K),
  anthropic('claude-opus-4-1', 15, 75, 200 * K),
  anthropic('claude-opus-4', 15, 75, 200 * K),
  anthropic('claude-sonnet-4-6', 3, 15, 1 * M),
  anthropic('claude-sonnet-4-5', 3, 15, 200 * K),
  anthropic('claude-sonnet-4', 3, 15, 200 * K),
  anthropic('claude-3-7-sonnet', 3, 15, 200 * K),
  anthropic('claude-3-5-sonnet', 3, 15, 200 * K),
  anthropic('claude-haiku-4-5', 1, 5, 200 * K),
  anthropic('claude-3-5-haiku', 0.8, 4, 200 * K),
  {
    provider: 'anthropic',
    model: 'claude-3-haiku',
    price: { input: 0.25, output: 1.25, cacheRead: 0.03, cacheWrite: 0.3 },
    contextWindow: 200 * K,
  },
  anthropic('claude-3-opus', 15, 75, 200 * K),
  // Google (prompts up to 200K tokens)
  google('gemini-3.1-pro', 2, 0.2, 12, 1_048_576),
  google('gemini-3-pro', 2, 0.2, 12, 1_048_576),
  google('gemini-3-flash', 0.5, 0.05, 3, 1_048_576),
  google('gemini-2.5-pro', 1.25, 0.125, 10, 1_048_576),
  google('gemini-2.5-flash', 0.3, 0.03, 2.5, 1_048_576),
  google('gemini-2.5-flash-lite', 0.1, 0.01, 0.4, 1_048_576),
  google('gemini-2.0-flash', 0.1, 0.025, 0.4, 1_048_576),
  google('gemini-2.0-flash-lite', 0.075, 0.075, 0.3, 1_048_576),
];
