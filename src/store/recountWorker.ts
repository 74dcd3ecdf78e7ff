import { parentPort, workerData } from 'node:worker_threads';
import { resolveSettings, rollupContextFor, type RawSettings } from '../core/settings';
import { applyTeamPolicy, type TeamPolicy } from '../core/teamPolicy';
import { loadCachedCatalog } from '../sync/priceRefresh';
import { bundledDecodeWorker } from './decodePool';
import { UsageStore } from './usageStore';

/**
 * Recounts the rollups of a large event log in a worker thread, so the editor stays responsive:
 * the window sends the settings it counts under, this thread rebuilds and saves `rollups.json`,
 * and the window loads it.
 */

export interface RecountInput {
  dataDir: string;
  raw: RawSettings;
  systemZone: string;
  teamPolicy?: TeamPolicy;
  /** The context the window expects; a different one here means the settings moved on. */
  fingerprint: string;
  /** The window prices with a refreshed catalog: load the same saved copy here. */
  refreshedPrices?: boolean;
}

export type RecountMessage = { type: 'done' } | { type: 'failed'; message: string };

const input = workerData as RecountInput;
try {
  if (input.refreshedPrices) loadCachedCatalog(input.dataDir);
  const { settings } = applyTeamPolicy(resolveSettings(input.raw, input.systemZone), input.teamPolicy);
  const context = rollupContextFor(settings);
  if (context.fingerprint !== input.fingerprint) throw new Error('the settings changed while recounting');
  // This thread counts while a worker of its own decodes the log (dist/decodeWorker.js, beside this bundle).
  UsageStore.open({
    dataDir: input.dataDir,
    context,
    retentionDays: settings.retentionDays,
    decodeWorker: bundledDecodeWorker(),
  }).dispose();
  parentPort!.postMessage({ type: 'done' } satisfies RecountMessage);
} catch (error) {
  parentPort!.postMessage({ type: 'failed', message: (error as Error).message } satisfies RecountMessage);
}
