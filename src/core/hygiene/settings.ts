import { validateSetting, type SettingKey, type SettingValues } from '../settingsSchema';
import { HYGIENE_KINDS, type HygieneKind } from './types';

/** `tokenMeter.hygiene.*`, validated; every ignored value is named in `problems`. */
export interface HygieneSettings {
  enabled: boolean;
  detectors: Record<HygieneKind, boolean>;
  /** Kinds still recorded for the report but never warned about ("Don't Warn About This Kind"). */
  mutedKinds: HygieneKind[];
  warnIntervalMs: number;
  repeatCount: number;
  repeatWindowMs: number;
  /** Jaccard similarity of content-word shingles at which two questions count as the same. */
  nearDuplicateSimilarity: number;
  retryCount: number;
  retryWindowMs: number;
  verboseFactor: number;
  verboseMinTokens: number;
  resentPasteMinTokens: number;
  fillerMinTokens: number;
  contextLoopRequests: number;
  contextLoopWindowMs: number;
  contextLoopMinTokens: number;
  outputBudgetMinTokens: number;
  outputBudgetSmallPromptTokens: number;
}

/** The raw `tokenMeter.hygiene.*` values, by key without the prefix. */
export type RawHygieneSettings = Partial<Record<string, unknown>>;

const MINUTE = 60_000;
/** Not settings: how many failed re-sends, within how long, make a retry storm; what counts as a small prompt. */
const RETRY_COUNT = 3;
const RETRY_WINDOW_MS = 2 * MINUTE;
const OUTPUT_BUDGET_SMALL_PROMPT_TOKENS = 1000;

function detectorSwitches(raw: Record<string, unknown>, problems: string[]): Record<HygieneKind, boolean> {
  const detectors = Object.fromEntries(HYGIENE_KINDS.map((k) => [k, true])) as Record<HygieneKind, boolean>;
  for (const [kind, on] of Object.entries(raw)) {
    if (!(HYGIENE_KINDS as readonly string[]).includes(kind))
      problems.push(`tokenMeter.hygiene.detectors: "${kind}" is not a detector (${HYGIENE_KINDS.join(', ')}); ignored.`);
    else if (typeof on !== 'boolean')
      problems.push(`tokenMeter.hygiene.detectors.${kind}: ${JSON.stringify(on)} is not true or false; left on.`);
    else detectors[kind as HygieneKind] = on;
  }
  return detectors;
}

function mutedKindsOf(raw: unknown[], problems: string[]): HygieneKind[] {
  const muted: HygieneKind[] = [];
  for (const kind of raw) {
    if ((HYGIENE_KINDS as readonly unknown[]).includes(kind)) muted.push(kind as HygieneKind);
    else problems.push(`tokenMeter.hygiene.mutedKinds: ${JSON.stringify(kind)} is not a detector; ignored.`);
  }
  return muted;
}

/** Validates `tokenMeter.hygiene.*` against the settings schema; every ignored value is named in `problems`. */
export function parseHygieneSettings(raw: RawHygieneSettings): { settings: HygieneSettings; problems: string[] } {
  const problems: string[] = [];
  const get = <K extends SettingKey & `hygiene.${string}`>(key: K): SettingValues[K] => {
    const { value, problem } = validateSetting(key, raw[key.slice('hygiene.'.length)]);
    if (problem) problems.push(problem.message);
    return value;
  };
  const settings: HygieneSettings = {
    enabled: get('hygiene.enabled'),
    detectors: detectorSwitches(get('hygiene.detectors'), problems),
    mutedKinds: mutedKindsOf(get('hygiene.mutedKinds'), problems),
    warnIntervalMs: get('hygiene.warnIntervalMinutes') * MINUTE,
    repeatCount: get('hygiene.repeatCount'),
    repeatWindowMs: get('hygiene.repeatWindowMinutes') * MINUTE,
    nearDuplicateSimilarity: get('hygiene.nearDuplicateSimilarity'),
    retryCount: RETRY_COUNT,
    retryWindowMs: RETRY_WINDOW_MS,
    verboseFactor: get('hygiene.verboseFactor'),
    verboseMinTokens: get('hygiene.verboseMinTokens'),
    resentPasteMinTokens: get('hygiene.resentPasteMinTokens'),
    fillerMinTokens: get('hygiene.fillerMinTokens'),
    contextLoopRequests: get('hygiene.contextLoopRequests'),
    contextLoopWindowMs: get('hygiene.contextLoopWindowMinutes') * MINUTE,
    contextLoopMinTokens: get('hygiene.contextLoopMinTokens'),
    outputBudgetMinTokens: get('hygiene.outputBudgetMinTokens'),
    outputBudgetSmallPromptTokens: OUTPUT_BUDGET_SMALL_PROMPT_TOKENS,
  };
  return { settings, problems };
}

/** The settings' defaults (the schema's), as the analyser uses them. */
export const DEFAULT_HYGIENE_SETTINGS: HygieneSettings = parseHygieneSettings({}).settings;
