import { parseBudget, type Budget, type BudgetSource } from './budget';
import { parsePeakSchedule, type PeakSchedule } from './peak';
import { parsePriceOverrides, PriceBook } from './pricing';
import type { RollupContext } from './rollups';
import { dayKey, isValidTimeZone } from './time';

/** Where a setting's value came from, as VS Code's `inspect` tells it. */
export type SettingSource = 'default' | 'user' | 'workspace' | 'workspaceFolder';

/** Settings exactly as read from VS Code (or a CLI), before any validation. */
export interface RawSettings {
  budget: { daily: unknown; weekly: unknown; monthly: unknown; unit: unknown; warningThresholds: unknown };
  budgetSources: { daily: SettingSource; weekly: SettingSource; monthly: SettingSource };
  unitSource: SettingSource;
  weekStart: unknown;
  timeZone: unknown;
  statusBar: { display: unknown; period: unknown };
  peakHours: { enabled: unknown; timeZone: unknown; windows: unknown; multiplier: unknown };
  pricingOverrides: unknown;
  retentionDays: unknown;
}

export interface Settings {
  budget: Budget;
  /** 0 = Sunday, 1 = Monday, 6 = Saturday. */
  weekStart: number;
  timeZone: string;
  display: 'cost' | 'tokens';
  period: 'day' | 'week' | 'month';
  peakEnabled: boolean;
  peak: PeakSchedule;
  prices: PriceBook;
  retentionDays: number;
}

export interface ResolvedSettings {
  settings: Settings;
  /** One sentence per ignored value, naming the setting and what applies instead. */
  problems: string[];
}

const WEEK_STARTS: Record<string, number> = { sunday: 0, monday: 1, saturday: 6 };
const DEFAULT_RETENTION_DAYS = 400;
const MIN_RETENTION_DAYS = 7;

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, key: string, problems: string[]): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${key}: ${JSON.stringify(value)} is not one of ${allowed.map((a) => `"${a}"`).join(', ')}; using "${fallback}".`);
  return fallback;
}

function budgetSource(source: SettingSource): BudgetSource {
  return source;
}

/** Validates raw settings; every problem names its setting, and a safe default applies. */
export function resolveSettings(raw: RawSettings, systemZone: string): ResolvedSettings {
  const problems: string[] = [];

  let timeZone = systemZone;
  if (typeof raw.timeZone === 'string' && raw.timeZone.trim() !== '') {
    if (isValidTimeZone(raw.timeZone.trim())) timeZone = raw.timeZone.trim();
    else problems.push(`tokenMeter.timeZone: "${raw.timeZone}" is not a known IANA time zone; using ${systemZone} (your system zone).`);
  } else if (raw.timeZone !== undefined && raw.timeZone !== null && raw.timeZone !== '') {
    problems.push(`tokenMeter.timeZone must be a time zone name such as "Europe/Berlin"; using ${systemZone} (your system zone).`);
  }

  const weekStartName = oneOf(raw.weekStart, ['monday', 'sunday', 'saturday'] as const, 'monday', 'tokenMeter.weekStart', problems);
  const display = oneOf(raw.statusBar.display, ['cost', 'tokens'] as const, 'cost', 'tokenMeter.statusBar.display', problems);
  const period = oneOf(raw.statusBar.period, ['day', 'week', 'month'] as const, 'day', 'tokenMeter.statusBar.period', problems);

  const budget = parseBudget(raw.budget, {
    daily: budgetSource(raw.budgetSources.daily),
    weekly: budgetSource(raw.budgetSources.weekly),
    monthly: budgetSource(raw.budgetSources.monthly),
  });
  problems.push(...budget.problems);

  let peakEnabled = false;
  if (raw.peakHours.enabled === true) peakEnabled = true;
  else if (raw.peakHours.enabled !== undefined && raw.peakHours.enabled !== false) {
    problems.push(`tokenMeter.peakHours.enabled must be true or false; peak-hour pricing stays off.`);
  }
  const peakZone = typeof raw.peakHours.timeZone === 'string' && raw.peakHours.timeZone.trim() !== '' ? raw.peakHours.timeZone.trim() : timeZone;
  const peak = parsePeakSchedule(
    { timeZone: peakZone, windows: raw.peakHours.windows, multiplier: raw.peakHours.multiplier },
    'tokenMeter.peakHours',
    timeZone,
  );
  if (peakEnabled) problems.push(...peak.problems);

  const overrides = parsePriceOverrides(raw.pricingOverrides);
  problems.push(...overrides.problems);

  let retentionDays = DEFAULT_RETENTION_DAYS;
  if (raw.retentionDays !== undefined && raw.retentionDays !== null) {
    if (typeof raw.retentionDays === 'number' && Number.isFinite(raw.retentionDays) && raw.retentionDays >= MIN_RETENTION_DAYS) {
      retentionDays = Math.floor(raw.retentionDays);
    } else {
      problems.push(`tokenMeter.retentionDays must be a number of days, ${MIN_RETENTION_DAYS} or more; keeping ${DEFAULT_RETENTION_DAYS} days.`);
    }
  }

  return {
    settings: {
      budget: budget.budget,
      weekStart: WEEK_STARTS[weekStartName],
      timeZone,
      display,
      period,
      peakEnabled,
      peak: peak.schedule,
      prices: new PriceBook(overrides.overrides),
      retentionDays,
    },
    problems,
  };
}

/** How the rollups value events under these settings; its fingerprint changes whenever a total would. */
export function rollupContextFor(settings: Settings): RollupContext {
  const { timeZone, prices, peak, peakEnabled } = settings;
  return {
    dayOf: (ts) => dayKey(ts, timeZone),
    value: (event) => {
      const multiplier = peakEnabled ? peak.multiplierAt(event.ts) : 1;
      return { costUsd: prices.costOf(event), peakMultiplier: multiplier, peak: peakEnabled && multiplier > 1 };
    },
    fingerprint: JSON.stringify([timeZone, prices.fingerprint(), peakEnabled ? peak.fingerprint() : 'off']),
  };
}
