import * as assert from 'node:assert/strict';
import { parseBudget } from '../../src/core/budget';
import type { DashboardSettings } from '../../src/core/dashboard/viewModel';
import { parsePeakSchedule } from '../../src/core/peak';
import { parsePriceOverrides, PriceBook } from '../../src/core/pricing';
import type { RollupContext } from '../../src/core/rollups';
import { dayKey } from '../../src/core/time';

/**
 * Dashboard settings and the matching rollup valuation for the dashboard's unit tests and benchmark,
 * built from the same parsers the extension's settings use.
 */

/** Prices per million tokens, given as an override so every expected dollar follows from these numbers. */
export const PRICED = { model: 'test-model', input: 2, output: 10, cacheRead: 0.5, cacheWrite: 4 };

export interface DashboardTestSettings extends DashboardSettings {
  prices: PriceBook;
}

export function dashboardSettings(
  patch: {
    budget?: { daily?: number; weekly?: number; unit?: 'usd' | 'tokens' };
    timeZone?: string;
    peak?: { windows: unknown; multiplier: number };
    gatewayEnabled?: boolean;
  } = {},
): DashboardTestSettings {
  const timeZone = patch.timeZone ?? 'UTC';
  const budget = parseBudget(patch.budget ?? {}, { daily: 'user', weekly: 'workspace', monthly: 'user' });
  const peak = parsePeakSchedule(
    { timeZone, windows: patch.peak?.windows ?? [], multiplier: patch.peak?.multiplier },
    'tokenMeter.peakHours',
    timeZone,
  );
  assert.deepEqual([...budget.problems, ...peak.problems], []);
  return {
    budget: budget.budget,
    timeZone,
    weekStart: 1,
    display: 'cost',
    peakEnabled: patch.peak !== undefined,
    peak: peak.schedule,
    gateway: { enabled: patch.gatewayEnabled ?? false },
    logCapture: { enabled: true },
    prices: new PriceBook(parsePriceOverrides([PRICED]).overrides),
  };
}

/** Values events the way the extension's rollups do: list price, and the peak weight at the event's instant. */
export function dashboardRollupContext(settings: DashboardTestSettings): RollupContext {
  return {
    dayOf: (ts) => dayKey(ts, settings.timeZone),
    value: (e) => {
      const multiplier = settings.peakEnabled ? settings.peak.multiplierAt(e.ts) : 1;
      return { costUsd: settings.prices.costOf(e), peakMultiplier: multiplier, peak: multiplier > 1 };
    },
    fingerprint: JSON.stringify([
      settings.timeZone,
      settings.prices.fingerprint(),
      settings.peakEnabled ? settings.peak.fingerprint() : 'off',
    ]),
  };
}
