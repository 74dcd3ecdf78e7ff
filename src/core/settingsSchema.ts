import * as z from 'zod/v4-mini';

/**
 * Every `tokenMeter.*` setting: its shape, range and default, stated once. The TypeScript types of
 * the values come from here, `validateSettingValues` checks raw values against it field by field,
 * and a unit test holds `contributes.configuration` in package.json to it.
 *
 * zod's "mini" API (tree-shakable functions instead of methods) keeps what the extension bundle
 * carries from zod small; the server validates its protocol with zod too.
 *
 * Settings whose entries carry their own rules (peak windows, price overrides, plans, chat models,
 * log sources, hygiene detectors) are checked here for their outer shape only; their parsers check
 * each entry and skip a bad one, naming it, so one broken entry does not drop the rest.
 */

function setting<S extends z.ZodMiniType>(schema: S, defaultValue: z.output<S>): { schema: S; default: z.output<S> } {
  return { schema, default: defaultValue };
}

const atLeast = (min: number) => z.number().check(z.minimum(min));
const between = (min: number, max: number) => z.number().check(z.minimum(min), z.maximum(max));
const anyList = () => z.array(z.unknown());
const anyObject = () => z.record(z.string(), z.unknown());

export const PEAK_PRESET_IDS = ['custom', 'anthropic-subscription'] as const;
export const DEFAULT_COPILOT_QUOTA_ENDPOINT = 'https://api.github.com/copilot_internal/user';

export const SETTINGS = {
  'budget.daily': setting(atLeast(0), 0),
  'budget.weekly': setting(atLeast(0), 0),
  'budget.monthly': setting(atLeast(0), 0),
  'budget.unit': setting(z.enum(['usd', 'tokens']), 'usd'),
  'budget.warningThresholds': setting(z.array(between(1, 1000)).check(z.minLength(1)), [50, 80, 100]),
  weekStart: setting(z.enum(['monday', 'sunday', 'saturday']), 'monday'),
  timeZone: setting(z.string(), ''),
  'statusBar.display': setting(z.enum(['cost', 'tokens']), 'cost'),
  'statusBar.period': setting(z.enum(['day', 'week', 'month']), 'day'),
  'peakHours.enabled': setting(z.boolean(), false),
  'peakHours.timeZone': setting(z.string(), ''),
  'peakHours.windows': setting(anyList(), [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }]),
  'peakHours.preset': setting(z.enum(PEAK_PRESET_IDS), 'custom'),
  'peakHours.multiplier': setting(between(1, 100), 1.5),
  'pricing.overrides': setting(anyList(), []),
  'pricing.autoUpdate': setting(z.boolean(), true),
  models: setting(anyList(), []),
  'lm.requestThreshold': setting(atLeast(0), 0),
  'lm.budgetEnforcement': setting(z.enum(['soft', 'hard']), 'soft'),
  'lm.askBeforeSending': setting(z.boolean(), false),
  retentionDays: setting(atLeast(7), 400),
  'gateway.enabled': setting(z.boolean(), false),
  'gateway.port': setting(z.int().check(z.minimum(1024), z.maximum(65535)), 4870),
  'gateway.openaiUpstream': setting(z.string(), 'https://api.openai.com'),
  'gateway.anthropicUpstream': setting(z.string(), 'https://api.anthropic.com'),
  'gateway.budgetEnforcement': setting(z.enum(['soft', 'hard']), 'soft'),
  'gateway.maxBodyMB': setting(between(1, 512), 32),
  'gateway.spikeAlert': setting(z.boolean(), true),
  'hygiene.enabled': setting(z.boolean(), true),
  'hygiene.detectors': setting(anyObject(), {}),
  'hygiene.mutedKinds': setting(anyList(), []),
  'hygiene.warnIntervalMinutes': setting(atLeast(1), 60),
  'hygiene.repeatCount': setting(atLeast(2), 3),
  'hygiene.repeatWindowMinutes': setting(between(1, 1440), 10),
  'hygiene.nearDuplicateSimilarity': setting(between(0.3, 1), 0.55),
  'hygiene.verboseFactor': setting(atLeast(1.5), 4),
  'hygiene.verboseMinTokens': setting(atLeast(0), 4000),
  'hygiene.resentPasteMinTokens': setting(atLeast(50), 1000),
  'hygiene.fillerMinTokens': setting(atLeast(5), 30),
  'hygiene.contextLoopRequests': setting(atLeast(2), 10),
  'hygiene.contextLoopWindowMinutes': setting(between(1, 1440), 5),
  'hygiene.contextLoopMinTokens': setting(atLeast(100), 20_000),
  'hygiene.outputBudgetMinTokens': setting(atLeast(1000), 32_000),
  plans: setting(anyObject(), {}),
  planLimits: setting(anyObject(), {}),
  'contextGauge.enabled': setting(z.boolean(), true),
  'contextGauge.warnAtPercent': setting(between(1, 100), 80),
  'team.endpoint': setting(z.string(), ''),
  'team.id': setting(z.string(), ''),
  'team.syncIntervalMinutes': setting(atLeast(1), 15),
  'telemetry.otlpEndpoint': setting(z.string(), ''),
  'logCapture.enabled': setting(z.boolean(), true),
  'logCapture.sources': setting(anyObject(), {}),
  'limits.warningThresholds': setting(z.array(between(1, 100)), [75, 90]),
  'limits.unusedWeeklyNote': setting(z.boolean(), false),
  'copilotQuota.enabled': setting(z.boolean(), false),
  'copilotQuota.endpoint': setting(z.string(), DEFAULT_COPILOT_QUOTA_ENDPOINT),
};

export const SETTINGS_PREFIX = 'tokenMeter';

export type SettingKey = keyof typeof SETTINGS;
export type SettingValues = { -readonly [K in SettingKey]: z.output<(typeof SETTINGS)[K]['schema']> };
/** Values as read (from VS Code or a CLI), before validation; a missing key means "not set". */
export type RawSettingValues = Partial<Record<SettingKey, unknown>>;

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/**
 * A group of settings one part of the extension reacts to: the key's first segment
 * (`gateway` for `tokenMeter.gateway.port`), or the key itself when it has none (`models`).
 */
export type SettingSection = SettingKey extends infer K ? (K extends `${infer S}.${string}` ? S : K) : never;

export function sectionOf(key: SettingKey): SettingSection {
  const dot = key.indexOf('.');
  return (dot < 0 ? key : key.slice(0, dot)) as SettingSection;
}

/** The default of every setting (a fresh copy: callers may keep and change it). */
export function defaultSettingValues(): SettingValues {
  return structuredClone(Object.fromEntries(SETTING_KEYS.map((key) => [key, SETTINGS[key].default]))) as SettingValues;
}

export function settingDefault<K extends SettingKey>(key: K): SettingValues[K] {
  return structuredClone(SETTINGS[key].default) as SettingValues[K];
}

/** A number setting's bounds (a list setting's: its length), as its schema states them. */
export function settingRange(key: SettingKey): { minimum?: number; maximum?: number; format?: string } {
  return SETTINGS[key].schema._zod.bag as { minimum?: number; maximum?: number; format?: string };
}

/** What a setting's schema accepts, in words: "a whole number from 1024 to 65535". */
export function describeSetting(key: SettingKey): string {
  const core = SETTINGS[key].schema._zod;
  const bag = settingRange(key);
  const range = (unit: string) =>
    bag.minimum !== undefined && bag.maximum !== undefined
      ? `${unit} from ${bag.minimum} to ${bag.maximum}`
      : bag.minimum !== undefined
        ? `${unit}, ${bag.minimum} or more`
        : unit;
  switch (core.def.type) {
    case 'number':
      return range(bag.format === 'safeint' ? 'a whole number' : 'a number');
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'enum':
      return `one of ${Object.values((core.def as { entries: Record<string, string> }).entries)
        .map((v) => `"${v}"`)
        .join(', ')}`;
    case 'array': {
      const items = (core.def as { element: z.ZodMiniType }).element._zod;
      const itemBag = items.bag as { minimum?: number; maximum?: number };
      const itemRange =
        items.def.type === 'number' && itemBag.minimum !== undefined && itemBag.maximum !== undefined
          ? ` of numbers from ${itemBag.minimum} to ${itemBag.maximum}`
          : '';
      return `a${bag.minimum ? ' non-empty' : ''} list${itemRange}`;
    }
    case 'record':
      return 'an object';
    default:
      return 'a valid value';
  }
}

export interface SettingProblem {
  key: SettingKey;
  /** Names the setting, what it must be, what it was and what applies instead. */
  message: string;
}

/**
 * Checks one setting: a missing (or null) value takes the default silently; a wrong type or an
 * out-of-range value takes the default with a message naming the setting.
 */
export function validateSetting<K extends SettingKey>(key: K, given: unknown): { value: SettingValues[K]; problem?: SettingProblem } {
  const fallback = settingDefault(key);
  if (given === undefined || given === null) return { value: fallback };
  const parsed = SETTINGS[key].schema.safeParse(given);
  if (parsed.success) return { value: parsed.data as SettingValues[K] };
  const message = `${SETTINGS_PREFIX}.${key} must be ${describeSetting(key)} (got ${JSON.stringify(given)}); using ${JSON.stringify(fallback)}.`;
  return { value: fallback, problem: { key, message } };
}

/** Checks each setting on its own: a broken one falls back to its default, and every other keeps its value. */
export function validateSettingValues(raw: RawSettingValues): { values: SettingValues; problems: SettingProblem[] } {
  const values = {} as Record<SettingKey, unknown>;
  const problems: SettingProblem[] = [];
  for (const key of SETTING_KEYS) {
    const { value, problem } = validateSetting(key, raw[key]);
    values[key] = value;
    if (problem) problems.push(problem);
  }
  return { values: values as SettingValues, problems };
}
