import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelInfo, Provider } from '@pydantic/genai-prices';

/**
 * The price catalog: @pydantic/genai-prices (MIT, maintained by Pydantic; price history with start
 * dates, long-context tiers, cache reads and 5-minute / 1-hour cache writes for every major
 * provider). Its bundled snapshot applies until a refreshed copy of the same data is installed
 * through the library's own update mechanism (`updatePrices`), which swaps the data every lookup
 * uses. The library keeps one active data set per process; this module remembers which one it is.
 */

type Library = typeof import('@pydantic/genai-prices');
let library: Library | undefined;
/** The library's bundled data, as its pending update holds it before any update (kept to go back to). */
let bundledProviders: Promise<Provider[] | null> | undefined;

/**
 * The library, loaded on the first price lookup rather than at activation: its bundled data is a
 * large module (about 480 KB), and totals restored from a saved snapshot need no lookup at all.
 * Bundled builds ship it as dist/genaiPrices.js beside the bundle.
 */
function lib(): Library {
  if (!library) {
    const bundled = path.join(__dirname, 'genaiPrices.js');
    library = (fs.existsSync(bundled) ? require(bundled) : require('@pydantic/genai-prices')) as Library;
    bundledProviders = library.waitForUpdate();
  }
  return library;
}

type SetData = { setProviderData: (data: Provider[]) => void };

export interface CatalogInfo {
  origin: 'bundled' | 'refreshed';
  /** The day the prices were taken, 'YYYY-MM-DD': the bundled release's date or the download's. */
  asOf: string;
  /** Changes whenever the data does, so cached totals know to recount. */
  id: string;
}

/**
 * The day @pydantic/genai-prices BUNDLED_VERSION was published to npm: its bundled prices are as of
 * then. A unit test checks the installed version still is BUNDLED_VERSION, so an upgrade updates this.
 */
export const BUNDLED_VERSION = '0.1.8';
export const BUNDLED_AS_OF = '2026-09-23';

const BUNDLED: CatalogInfo = { origin: 'bundled', asOf: BUNDLED_AS_OF, id: `bundled:${BUNDLED_VERSION}` };

let active: CatalogInfo = BUNDLED;
let generation = 0;

export function activeCatalog(): CatalogInfo {
  return active;
}

/** Bumped whenever the active data changes, so lookup caches built on the old data are dropped. */
export function catalogGeneration(): number {
  return generation;
}

/** Known-good figures any sane catalog must reproduce, so a corrupt download is refused before use. */
const SANITY_MODELS: ReadonlyArray<[provider: string, model: string]> = [
  ['anthropic', 'claude-sonnet-4-5'],
  ['openai', 'gpt-4o'],
  ['google', 'gemini-2.5-pro'],
];

/**
 * Parses and checks catalog data (the library's `data.json`): a list of providers, each with an id
 * and models that have an id, a match rule and prices. Returns the providers or why they were refused.
 */
export function parseCatalogData(text: string): { providers: Provider[] } | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { problem: `the price data is not JSON (${(error as Error).message})` };
  }
  if (!Array.isArray(data) || data.length === 0) return { problem: 'the price data is not a list of providers' };
  for (const [index, provider] of data.entries()) {
    const p = provider as Partial<Provider> | null;
    if (
      typeof p !== 'object' ||
      p === null ||
      typeof p.id !== 'string' ||
      typeof p.name !== 'string' ||
      typeof p.api_pattern !== 'string' ||
      !Array.isArray(p.models)
    ) {
      return { problem: `provider #${index} has no id, name, api_pattern or models` };
    }
    for (const model of p.models as unknown[]) {
      const m = model as Partial<ModelInfo> | null;
      if (
        typeof m !== 'object' ||
        m === null ||
        typeof m.id !== 'string' ||
        typeof m.match !== 'object' ||
        m.match === null ||
        typeof m.prices !== 'object' ||
        m.prices === null
      ) {
        return { problem: `a model of provider ${p.id} has no id, match or prices` };
      }
    }
  }
  for (const [provider, model] of SANITY_MODELS) {
    const providers = data as Provider[];
    const found = providers.find((p) => p.id === provider)?.models.find((m) => m.id === model || m.id.startsWith(model));
    if (!found) return { problem: `the price data has no ${provider} ${model}, which every catalog lists` };
  }
  return { providers: data as Provider[] };
}

/**
 * Makes `providers` the data every price lookup uses, through the library's own update mechanism.
 * The data must first price the models every catalog lists; the library then checks its constraints
 * and throws, leaving the previous data active, when they are malformed.
 */
export function installCatalog(providers: Provider[], asOf: string): CatalogInfo {
  const { calcPrice, updatePrices } = lib();
  for (const [providerId, model] of SANITY_MODELS) {
    const provider = providers.find((p) => p.id === providerId)!;
    let price: number | undefined;
    try {
      price = calcPrice({ input_tokens: 1_000_000, output_tokens: 1_000_000 }, model, { provider })?.total_price;
    } catch (error) {
      throw new Error(`the price data cannot price ${providerId} ${model} (${(error as Error).message})`);
    }
    if (!price) throw new Error(`the price data does not price ${providerId} ${model}`);
  }
  const id = `refreshed:${createHash('sha256').update(JSON.stringify(providers)).digest('hex').slice(0, 16)}`;
  updatePrices(({ setProviderData }: SetData) => setProviderData(providers));
  active = { origin: 'refreshed', asOf, id };
  generation += 1;
  return active;
}

/** Goes back to the bundled snapshot (tests; a user turning refreshes off takes effect at the next start). */
export async function restoreBundled(): Promise<void> {
  const { updatePrices } = lib();
  const bundled = await bundledProviders!;
  if (bundled) updatePrices(({ setProviderData }: SetData) => setProviderData(bundled));
  active = BUNDLED;
  generation += 1;
}

/** The URL the library itself updates from; refreshes use it unless told otherwise. */
export function libraryUpdateUrl(): string {
  let url = '';
  lib().updatePrices(({ remoteDataUrl }: { remoteDataUrl: string }) => {
    url = remoteDataUrl;
  });
  return url;
}

/**
 * The catalog entry of a model, by the vendor whose API served it when the catalog knows that
 * vendor, else by the model's name alone. Undefined when nothing matches or the entry has no price.
 */
export function findCatalogModel(provider: string, model: string): ModelInfo | undefined {
  const name = model.trim().toLowerCase();
  const { calcPrice } = lib();
  const found = calcPrice({}, name, { providerId: provider }) ?? calcPrice({}, name);
  if (!found || !hasTokenPrices(found.model)) return undefined;
  return found.model;
}

function hasTokenPrices(model: ModelInfo): boolean {
  const prices = Array.isArray(model.prices) ? model.prices.map((p) => p.prices) : [model.prices];
  return prices.some((p) => p.input_mtok !== undefined || p.output_mtok !== undefined);
}
