import { parseBudget, type Budget, type BudgetSource } from './budget';
import { parsePeakSchedule, PEAK_PRESETS, type PeakPresetId, type PeakSchedule } from './peak';
import { parsePlans, type SubscriptionPlan } from './plans';
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
  peakHours: { enabled: unknown; preset?: unknown; timeZone: unknown; windows: unknown; multiplier: unknown };
  pricingOverrides: unknown;
  /** tokenMeter.pricing.autoUpdate; absent means on. */
  pricingAutoUpdate?: unknown;
  retentionDays: unknown;
  gateway: {
    enabled: unknown;
    port: unknown;
    openaiUpstream: unknown;
    anthropicUpstream: unknown;
    budgetEnforcement: unknown;
    maxBodyMB: unknown;
    spikeAlert: unknown;
  };
  logCapture: { enabled: unknown; sources: unknown };
  plans: unknown;
  planLimits: unknown;
  contextGauge: { enabled: unknown; warnAtPercent: unknown };
}

export interface GatewaySettings {
  enabled: boolean;
  port: number;
  upstreams: { openai: string; anthropic: string };
  enforcement: 'soft' | 'hard';
  maxBodyBytes: number;
  spikeAlert: boolean;
}

export interface LogSourceSettings {
  enabled: boolean;
  /** Directories to read besides (or, with replaceDefaultRoots, instead of) the assistant's own. */
  roots: string[];
  replaceDefaultRoots: boolean;
}

export interface LogCaptureSettings {
  enabled: boolean;
  /** By adapter source ('claude-code', 'codex', …); a source not listed reads its default roots. */
  sources: Record<string, LogSourceSettings>;
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
  /** Who set the peak schedule when it is not the user's own windows (a preset, the team). */
  peakLabel?: string;
  prices: PriceBook;
  /** Refresh the price catalog at most once a day. */
  pricesAutoUpdate: boolean;
  retentionDays: number;
  gateway: GatewaySettings;
  logCapture: LogCaptureSettings;
  /** Providers on a subscription plan, whose windows the meter shows. */
  plans: SubscriptionPlan[];
  contextGauge: { enabled: boolean; warnAtPercent: number };
}

export interface ResolvedSettings {
  settings: Settings;
  /** One sentence per ignored value, naming the setting and what applies instead. */
  problems: string[];
}

/** Week-start names and the weekday each means (0 = Sunday). */
export const WEEK_STARTS: Record<string, number> = { sunday: 0, monday: 1, saturday: 6 };
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
  const presetName = oneOf(
    raw.peakHours.preset,
    ['custom', ...(Object.keys(PEAK_PRESETS) as PeakPresetId[])] as const,
    'custom',
    'tokenMeter.peakHours.preset',
    problems,
  );
  const peakPreset = presetName === 'custom' ? undefined : PEAK_PRESETS[presetName];
  const peakZone =
    typeof raw.peakHours.timeZone === 'string' && raw.peakHours.timeZone.trim() !== '' ? raw.peakHours.timeZone.trim() : timeZone;
  const peak = parsePeakSchedule(
    peakPreset
      ? { timeZone: peakPreset.timeZone, windows: peakPreset.windows, multiplier: raw.peakHours.multiplier }
      : { timeZone: peakZone, windows: raw.peakHours.windows, multiplier: raw.peakHours.multiplier },
    'tokenMeter.peakHours',
    timeZone,
  );
  if (peakEnabled) problems.push(...peak.problems);

  const overrides = parsePriceOverrides(raw.pricingOverrides);
  problems.push(...overrides.problems);

  const plans = parsePlans(raw.plans, raw.planLimits);
  problems.push(...plans.problems);

  let warnAtPercent = 80;
  const rawWarn = raw.contextGauge.warnAtPercent;
  if (rawWarn !== undefined && rawWarn !== null) {
    if (typeof rawWarn === 'number' && rawWarn > 0 && rawWarn <= 100) warnAtPercent = rawWarn;
    else problems.push(`tokenMeter.contextGauge.warnAtPercent must be a percentage from 1 to 100; using 80.`);
  }

  let retentionDays = DEFAULT_RETENTION_DAYS;
  if (raw.retentionDays !== undefined && raw.retentionDays !== null) {
    if (typeof raw.retentionDays === 'number' && Number.isFinite(raw.retentionDays) && raw.retentionDays >= MIN_RETENTION_DAYS) {
      retentionDays = Math.floor(raw.retentionDays);
    } else {
      problems.push(
        `tokenMeter.retentionDays must be a number of days, ${MIN_RETENTION_DAYS} or more; keeping ${DEFAULT_RETENTION_DAYS} days.`,
      );
    }
  }

  return {
    settings: {
      gateway: resolveGateway(raw.gateway, problems),
      logCapture: resolveLogCapture(raw.logCapture, problems),
      plans: plans.plans,
      contextGauge: { enabled: raw.contextGauge.enabled !== false, warnAtPercent },
      budget: budget.budget,
      weekStart: WEEK_STARTS[weekStartName],
      timeZone,
      display,
      period,
      peakEnabled,
      peak: peak.schedule,
      ...(peakPreset ? { peakLabel: `${peakPreset.label}; the multiplier is your assumption (the provider does not publish it)` } : {}),
      prices: new PriceBook(overrides.overrides),
      pricesAutoUpdate: raw.pricingAutoUpdate !== false,
      retentionDays,
    },
    problems,
  };
}

/** The gateway's port on 127.0.0.1 unless the user or a saved gateway.json says otherwise. */
export const DEFAULT_GATEWAY_PORT = 4870;
const GATEWAY_DEFAULTS = {
  port: DEFAULT_GATEWAY_PORT,
  openai: 'https://api.openai.com',
  anthropic: 'https://api.anthropic.com',
  maxBodyMB: 32,
};

function upstreamUrl(value: unknown, fallback: string, key: string, problems: string[]): string {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.protocol === 'http:' || url.protocol === 'https:') return value.replace(/\/$/, '');
    } catch {
      // reported below
    }
  }
  problems.push(`${key} must be an http:// or https:// URL (got ${JSON.stringify(value)}); using ${fallback}.`);
  return fallback;
}

function resolveGateway(raw: RawSettings['gateway'], problems: string[]): GatewaySettings {
  let port = GATEWAY_DEFAULTS.port;
  if (raw.port !== undefined && raw.port !== null) {
    if (typeof raw.port === 'number' && Number.isInteger(raw.port) && raw.port >= 1024 && raw.port <= 65535) port = raw.port;
    else
      problems.push(
        `tokenMeter.gateway.port must be a whole number from 1024 to 65535 (got ${JSON.stringify(raw.port)}); using ${GATEWAY_DEFAULTS.port}.`,
      );
  }
  let maxBodyMB = GATEWAY_DEFAULTS.maxBodyMB;
  if (raw.maxBodyMB !== undefined && raw.maxBodyMB !== null) {
    if (typeof raw.maxBodyMB === 'number' && raw.maxBodyMB >= 1 && raw.maxBodyMB <= 512) maxBodyMB = raw.maxBodyMB;
    else problems.push(`tokenMeter.gateway.maxBodyMB must be a number from 1 to 512; using ${GATEWAY_DEFAULTS.maxBodyMB}.`);
  }
  return {
    enabled: raw.enabled === true,
    port,
    upstreams: {
      openai: upstreamUrl(raw.openaiUpstream, GATEWAY_DEFAULTS.openai, 'tokenMeter.gateway.openaiUpstream', problems),
      anthropic: upstreamUrl(raw.anthropicUpstream, GATEWAY_DEFAULTS.anthropic, 'tokenMeter.gateway.anthropicUpstream', problems),
    },
    enforcement: oneOf(raw.budgetEnforcement, ['soft', 'hard'] as const, 'soft', 'tokenMeter.gateway.budgetEnforcement', problems),
    maxBodyBytes: Math.round(maxBodyMB * 1024 * 1024),
    spikeAlert: raw.spikeAlert !== false,
  };
}

function resolveLogCapture(raw: RawSettings['logCapture'], problems: string[]): LogCaptureSettings {
  const sources: Record<string, LogSourceSettings> = {};
  const given = raw.sources;
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    problems.push(
      'tokenMeter.logCapture.sources must be an object such as {"codex": {"enabled": false}}; reading every assistant from its default place.',
    );
  } else if (given) {
    for (const [source, value] of Object.entries(given as Record<string, unknown>)) {
      const entry = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
      const roots = Array.isArray(entry.roots) ? entry.roots.filter((r): r is string => typeof r === 'string' && r.trim() !== '') : [];
      if (entry.roots !== undefined && (!Array.isArray(entry.roots) || roots.length !== entry.roots.length)) {
        problems.push(
          `tokenMeter.logCapture.sources.${source}.roots must be a list of directory paths; ignoring the entries that are not.`,
        );
      }
      sources[source] = { enabled: entry.enabled !== false, roots, replaceDefaultRoots: entry.replaceDefaultRoots === true };
    }
  }
  return { enabled: raw.enabled !== false, sources };
}

/** List prices, no peak weighting, days of the given zone: how the headless CLI counts. */
export function listPriceContext(timeZone: string): RollupContext {
  const prices = new PriceBook();
  return {
    dayOf: (ts) => dayKey(ts, timeZone),
    value: (e) => ({ costUsd: prices.costOf(e), peakMultiplier: 1, peak: false }),
    fingerprint: `cli:${timeZone}:${prices.fingerprint()}`,
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
