import * as vscode from 'vscode';
import { loadCachedCatalog, refreshCatalog } from '../sync/priceRefresh';
import type { ProblemReporter } from './problems';
import type { UsageService } from './usageService';

/** How often to ask whether a refresh is due; the refresh itself happens at most once a day. */
const CHECK_EVERY_MS = 3 * 3600_000;

/**
 * Brings prices up to date after activation (never during it): installs the copy an earlier
 * refresh saved, then, with tokenMeter.pricing.autoUpdate on, refreshes the catalog once a day.
 * When new prices arrive the totals recount, and the tooltip names models that became priced.
 */
export class PriceCatalogController implements vscode.Disposable {
  private readonly start: NodeJS.Immediate;
  private readonly interval: NodeJS.Timeout;
  private running: Promise<void> | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly usage: UsageService,
    private readonly problems: ProblemReporter,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.start = setImmediate(() => {
      const { catalog, problem } = loadCachedCatalog(dataDir);
      if (problem) problems.report(problem, { notify: false });
      if (catalog.origin === 'refreshed') this.usage.pricesChanged();
      void this.refresh();
    });
    this.interval = setInterval(() => void this.refresh(), CHECK_EVERY_MS);
  }

  /** Refreshes when due and allowed; concurrent calls share one attempt. */
  refresh(): Promise<void> {
    this.running ??= this.refreshOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async refreshOnce(): Promise<void> {
    if (!this.usage.settings.pricesAutoUpdate) return;
    const unpricedBefore = this.unpricedModels();
    const result = await refreshCatalog({ dataDir: this.dataDir, now: this.usage.now });
    if (result.status === 'failed') {
      this.output.warn(result.problem);
      return;
    }
    if (result.status === 'fresh') return;
    this.output.info(`Prices refreshed from the @pydantic/genai-prices catalog (as of ${result.catalog.asOf}).`);
    this.usage.pricesChanged();
    const nowPriced = [...unpricedBefore]
      .filter(([model, provider]) => this.usage.settings.prices.priceFor(model, provider) !== undefined)
      .map(([model]) => model);
    this.usage.setNote(
      'prices',
      nowPriced.length > 0
        ? vscode.l10n.t(
            'Prices refreshed (as of {0}): {1} now priced; their past usage was recounted.',
            result.catalog.asOf,
            nowPriced.join(', '),
          )
        : undefined,
    );
  }

  /** Models with unpriced tokens anywhere in the kept history, with the provider they were used through. */
  private unpricedModels(): Map<string, string> {
    const models = new Map<string, string>();
    for (const row of this.usage.rows('0000-01-01', '9999-12-31')) if (row.unpricedTokens > 0) models.set(row.model, row.provider);
    return models;
  }

  dispose(): void {
    clearImmediate(this.start);
    clearInterval(this.interval);
  }
}
