import { parseBudget, type Budget } from './budget';
import { parsePeakSchedule, PEAK_PRESETS, type PeakSchedule } from './peak';
import { parsePlans, type SubscriptionPlan } from './plans';
import { parsePriceOverrides, PriceBook } from './pricing';
import type { RollupContext } from './rollups';
import type { ApprovalGatedSetting } from './settingScopes';
import {
  settingDefault,
  validateSettingValues,
  type RawSettingValues,
  type SettingKey,
  type SettingSection,
  type SettingValues,
} from './settingsSchema';
import { dayKey, isValidTimeZone } from './time';

/** Where a setting's value came from, as VS Code's `inspect` tells it. */
export type SettingSource = 'default' | 'user' | 'workspace' | 'workspaceFolder';

/**
 * Settings exactly as read from VS Code (or a CLI), before any validation: plain data, so a worker
 * thread can resolve them the same way.
 */
export interface RawSettings {
  values: RawSettingValues;
  /** Where a value came from, for the settings whose origin the meter names (budget limits). */
  sources?: Partial<Record<SettingKey, SettingSource>>;
  /**
   * What a trusted workspace proposes for the approval-gated team settings: never used as the
   * value, only offered to the user for approval (see `chooseTeamEndpoint`).
   */
  proposals?: Partial<Record<ApprovalGatedSetting, unknown>>;
}

export interface GatewaySettings {
  enabled: boolean;
  port: number;
  upstreams: { openai: string; anthropic: string };
  enforcement: SettingValues['gateway.budgetEnforcement'];
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
  display: SettingValues['statusBar.display'];
  period: SettingValues['statusBar.period'];
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

/** The sections `Settings` is made of: a change elsewhere leaves them as they are. */
export const RESOLVED_SECTIONS: readonly SettingSection[] = [
  'budget',
  'weekStart',
  'timeZone',
  'statusBar',
  'peakHours',
  'pricing',
  'retentionDays',
  'gateway',
  'logCapture',
  'plans',
  'planLimits',
  'contextGauge',
];

/** Week-start names and the weekday each means (0 = Sunday). */
export const WEEK_STARTS: Readonly<Record<string, number>> = { sunday: 0, monday: 1, saturday: 6 };

/** Validates raw settings; every problem names its setting, and only that setting falls back. */
export function resolveSettings(raw: RawSettings, systemZone: string): ResolvedSettings {
  const { values, problems } = validateSettingValues(raw.values);
  const resolved = resolveValidSettings(values, raw.sources ?? {}, systemZone);
  return { settings: resolved.settings, problems: [...problems.map((p) => p.message), ...resolved.problems] };
}

/**
 * Settings from values the schema has checked already. The problems left are those the schema
 * cannot see: an unknown time zone, a URL that is not http(s), a broken peak window, price or plan.
 */
export function resolveValidSettings(
  values: SettingValues,
  sources: Partial<Record<SettingKey, SettingSource>>,
  systemZone: string,
): ResolvedSettings {
  const problems: string[] = [];
  const timeZone = resolveTimeZone(values.timeZone, systemZone, problems);
  const peak = resolvePeak(values, timeZone, problems);
  const overrides = parsePriceOverrides(values['pricing.overrides']);
  problems.push(...overrides.problems);
  const plans = parsePlans(values.plans, values.planLimits);
  problems.push(...plans.problems);
  return {
    settings: {
      gateway: resolveGateway(values, problems),
      logCapture: resolveLogCapture(values, problems),
      plans: plans.plans,
      contextGauge: { enabled: values['contextGauge.enabled'], warnAtPercent: values['contextGauge.warnAtPercent'] },
      budget: resolveBudget(values, sources),
      weekStart: WEEK_STARTS[values.weekStart],
      timeZone,
      display: values['statusBar.display'],
      period: values['statusBar.period'],
      ...peak,
      prices: new PriceBook(overrides.overrides),
      pricesAutoUpdate: values['pricing.autoUpdate'],
      retentionDays: Math.floor(values.retentionDays),
    },
    problems,
  };
}

/** The zone that defines days: the setting's, else the system's. */
function resolveTimeZone(setting: string, systemZone: string, problems: string[]): string {
  const zone = setting.trim();
  if (zone === '') return systemZone;
  if (isValidTimeZone(zone)) return zone;
  problems.push(`tokenMeter.timeZone: "${setting}" is not a known IANA time zone; using ${systemZone} (your system zone).`);
  return systemZone;
}

function resolveBudget(values: SettingValues, sources: Partial<Record<SettingKey, SettingSource>>): Budget {
  // The values are valid already (the schema checked them), so parseBudget has nothing to report.
  return parseBudget(
    {
      daily: values['budget.daily'],
      weekly: values['budget.weekly'],
      monthly: values['budget.monthly'],
      unit: values['budget.unit'],
      warningThresholds: values['budget.warningThresholds'],
    },
    { daily: sources['budget.daily'], weekly: sources['budget.weekly'], monthly: sources['budget.monthly'] },
  ).budget;
}

/** The peak schedule: a preset's windows or the user's own; its problems count only while peak hours are on. */
function resolvePeak(values: SettingValues, timeZone: string, problems: string[]): Pick<Settings, 'peakEnabled' | 'peak' | 'peakLabel'> {
  const presetId = values['peakHours.preset'];
  const preset = presetId === 'custom' ? undefined : PEAK_PRESETS[presetId];
  const multiplier = values['peakHours.multiplier'];
  const ownZone = values['peakHours.timeZone'].trim() || timeZone;
  const peak = parsePeakSchedule(
    preset
      ? { timeZone: preset.timeZone, windows: preset.windows, multiplier }
      : { timeZone: ownZone, windows: values['peakHours.windows'], multiplier },
    'tokenMeter.peakHours',
    timeZone,
  );
  const peakEnabled = values['peakHours.enabled'];
  if (peakEnabled) problems.push(...peak.problems);
  return {
    peakEnabled,
    peak: peak.schedule,
    ...(preset ? { peakLabel: `${preset.label}; the multiplier is your assumption (the provider does not publish it)` } : {}),
  };
}

/** The gateway's port on 127.0.0.1 unless the user or a saved gateway.json says otherwise. */
export const DEFAULT_GATEWAY_PORT = settingDefault('gateway.port');

function upstreamUrl(key: 'gateway.openaiUpstream' | 'gateway.anthropicUpstream', value: string, problems: string[]): string {
  const fallback = settingDefault(key);
  if (value === '') return fallback;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value.replace(/\/$/, '');
  } catch {
    // reported below
  }
  problems.push(`tokenMeter.${key} must be an http:// or https:// URL (got ${JSON.stringify(value)}); using ${fallback}.`);
  return fallback;
}

/** The gateway's part of the settings (also read on its own by the gateway's controller). */
export function resolveGateway(values: SettingValues, problems: string[]): GatewaySettings {
  return {
    enabled: values['gateway.enabled'],
    port: values['gateway.port'],
    upstreams: {
      openai: upstreamUrl('gateway.openaiUpstream', values['gateway.openaiUpstream'], problems),
      anthropic: upstreamUrl('gateway.anthropicUpstream', values['gateway.anthropicUpstream'], problems),
    },
    enforcement: values['gateway.budgetEnforcement'],
    maxBodyBytes: Math.round(values['gateway.maxBodyMB'] * 1024 * 1024),
    spikeAlert: values['gateway.spikeAlert'],
  };
}

function logSourceSettings(source: string, value: unknown, problems: string[]): LogSourceSettings {
  const entry = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const roots = Array.isArray(entry.roots) ? entry.roots.filter((r): r is string => typeof r === 'string' && r.trim() !== '') : [];
  if (entry.roots !== undefined && (!Array.isArray(entry.roots) || roots.length !== entry.roots.length)) {
    problems.push(`tokenMeter.logCapture.sources.${source}.roots must be a list of directory paths; ignoring the entries that are not.`);
  }
  return { enabled: entry.enabled !== false, roots, replaceDefaultRoots: entry.replaceDefaultRoots === true };
}

/** Which assistants' logs are read, and from where (also read on its own by the log-capture controller). */
export function resolveLogCapture(values: SettingValues, problems: string[]): LogCaptureSettings {
  const sources: Record<string, LogSourceSettings> = {};
  for (const [source, value] of Object.entries(values['logCapture.sources'])) sources[source] = logSourceSettings(source, value, problems);
  return { enabled: values['logCapture.enabled'], sources };
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
