import { validateUsageEvent, type UsageEvent, type UsageSink } from '../core/events';
import type { PeriodTotals } from '../core/usage';

export type TotalsRange = 'day' | 'week' | 'month' | { from: string; to: string };

/**
 * What Token Meter offers other extensions, returned from `activate`:
 * `vscode.extensions.getExtension('tokenmeter.token-meter')?.activate()`.
 */
export interface TokenMeterApi {
  readonly apiVersion: 1;
  /**
   * Records one request's usage. `source` defaults to "api"; give `requestId` (the provider's
   * response id) or `id` so a retried call is not counted twice. Rejects with a message naming the
   * field when the event is malformed.
   */
  recordUsage(event: unknown): Promise<UsageEvent>;
  /** Totals for today, this week, this month (in the user's week and time zone) or a day range. */
  getTotals(range?: TotalsRange): Promise<PeriodTotals>;
}

export interface ApiDependencies {
  sink: UsageSink;
  totals(range: TotalsRange): PeriodTotals;
  now?: () => number;
}

const DAY_KEY = /^\d{4}-\d{2}-\d{2}$/;

function checkRange(range: unknown): TotalsRange {
  if (range === 'day' || range === 'week' || range === 'month') return range;
  if (typeof range === 'object' && range !== null) {
    const { from, to } = range as { from?: unknown; to?: unknown };
    if (typeof from === 'string' && typeof to === 'string' && DAY_KEY.test(from) && DAY_KEY.test(to) && from <= to) {
      return { from, to };
    }
  }
  throw new TypeError('range must be "day", "week", "month" or { from: "YYYY-MM-DD", to: "YYYY-MM-DD" } with from ≤ to.');
}

export function createApi(deps: ApiDependencies): TokenMeterApi {
  const now = deps.now ?? Date.now;
  return {
    apiVersion: 1,
    async recordUsage(input: unknown): Promise<UsageEvent> {
      const withDefaults = typeof input === 'object' && input !== null && !Array.isArray(input) ? { source: 'api', ...input } : input;
      const event = validateUsageEvent(withDefaults, now());
      deps.sink.record(event);
      return event;
    },
    async getTotals(range: TotalsRange = 'day'): Promise<PeriodTotals> {
      return deps.totals(checkRange(range));
    },
  };
}
