import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Provider } from '@pydantic/genai-prices';
import { activeCatalog, installCatalog, libraryUpdateUrl, parseCatalogData, type CatalogInfo } from '../core/priceCatalog';

import { DATA_FILES } from '../store/paths';
import { writeFileAtomicSync } from '../store/privateFiles';
import { readBoundedText } from '../core/boundedBody';
/**
 * Keeps prices fresh without a release: at most once a day, one GET of the price catalog's public
 * data file (the URL @pydantic/genai-prices itself updates from; nothing about the user is sent),
 * checked, cached in global storage and installed through the library's `updatePrices`. Offline or
 * after a bad download, the last good copy or the bundled snapshot stays in use.
 */

export const REFRESH_INTERVAL_MS = 24 * 3600_000;
/** The catalog is about 2 MB; anything far larger is not it. */
const MAX_BYTES = 32 * 1024 * 1024;
const TIMEOUT_MS = 20_000;

interface CacheFile {
  /** When the data was downloaded (epoch ms). */
  fetchedAt: number;
  asOf: string;
  data: Provider[];
}

interface StateFile {
  /** The last attempt, successful or not, so a failing network is not retried on every start. */
  checkedAt: number;
}

export interface PriceRefreshOptions {
  /** Token Meter's global storage; the copy lives in `<dataDir>/prices/`. */
  dataDir: string;
  /** Where to GET the data: TOKEN_METER_PRICES_URL, else the library's own update URL. Tests point it at 127.0.0.1. */
  url?: string;
  now?: () => number;
  timeoutMs?: number;
}

export type RefreshResult = { status: 'fresh' } | { status: 'updated'; catalog: CatalogInfo } | { status: 'failed'; problem: string };

export function pricesUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TOKEN_METER_PRICES_URL || libraryUpdateUrl();
}

const dirOf = (dataDir: string) => path.join(dataDir, DATA_FILES.prices);
const cachePath = (dataDir: string) => path.join(dirOf(dataDir), 'catalog.json');
const statePath = (dataDir: string) => path.join(dirOf(dataDir), 'refresh.json');

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The UTC day of an instant, 'YYYY-MM-DD'. */
function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Installs the cached copy from an earlier refresh, if there is a good one. Returns the catalog now
 * in use, or a problem when the copy was refused (the bundled prices then stay).
 */
export function loadCachedCatalog(dataDir: string): { catalog: CatalogInfo; problem?: string } {
  const file = cachePath(dataDir);
  if (!fs.existsSync(file)) return { catalog: activeCatalog() };
  const cached = readJson(file) as Partial<CacheFile> | undefined;
  const parsed =
    cached && Array.isArray(cached.data) && typeof cached.asOf === 'string'
      ? parseCatalogData(JSON.stringify(cached.data))
      : { problem: 'it is not a saved price catalog' };
  if ('problem' in parsed)
    return { catalog: activeCatalog(), problem: `Ignoring the saved prices in ${file}: ${parsed.problem}. Using the bundled prices.` };
  if (activeCatalog().origin === 'refreshed' && activeCatalog().asOf === cached!.asOf) return { catalog: activeCatalog() };
  try {
    return { catalog: installCatalog(parsed.providers, cached!.asOf!) };
  } catch (error) {
    return {
      catalog: activeCatalog(),
      problem: `Ignoring the saved prices in ${file}: ${(error as Error).message}. Using the bundled prices.`,
    };
  }
}

/** Whether a refresh is due: none attempted in the last day. */
export function refreshDue(dataDir: string, now: number): boolean {
  const state = readJson(statePath(dataDir)) as Partial<StateFile> | undefined;
  return typeof state?.checkedAt !== 'number' || now - state.checkedAt >= REFRESH_INTERVAL_MS || state.checkedAt > now;
}

async function readBounded(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) throw new Error(`the price data is ${declared} bytes, more than the ${limit} accepted`);
  const { text, truncated } = await readBoundedText(response, limit);
  if (truncated) throw new Error(`the price data is more than the ${limit} bytes accepted`);
  return text;
}

/**
 * Refreshes the catalog when a day has passed since the last attempt: one GET, validated, cached
 * (0600) and installed. Never throws; a failure leaves the prices in use as they were.
 */
export async function refreshCatalog(options: PriceRefreshOptions): Promise<RefreshResult> {
  const now = options.now ?? Date.now;
  if (!refreshDue(options.dataDir, now())) return { status: 'fresh' };
  const url = options.url ?? pricesUrl();
  try {
    writeFileAtomicSync(statePath(options.dataDir), JSON.stringify({ checkedAt: now() } satisfies StateFile));
    const response = await fetch(url, {
      signal: AbortSignal.timeout(options.timeoutMs ?? TIMEOUT_MS),
      redirect: 'follow',
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`${new URL(url).host} answered ${response.status}`);
    const text = await readBounded(response, MAX_BYTES);
    const parsed = parseCatalogData(text);
    if ('problem' in parsed) throw new Error(parsed.problem);
    const fetchedAt = now();
    const catalog = installCatalog(parsed.providers, utcDay(fetchedAt));
    writeFileAtomicSync(
      cachePath(options.dataDir),
      JSON.stringify({ fetchedAt, asOf: catalog.asOf, data: parsed.providers } satisfies CacheFile),
    );
    return { status: 'updated', catalog };
  } catch (error) {
    const cause = (error as Error).name === 'TimeoutError' ? 'it took too long' : (error as Error).message;
    return { status: 'failed', problem: `Could not refresh prices (${cause}); using the prices as of ${activeCatalog().asOf}.` };
  }
}
