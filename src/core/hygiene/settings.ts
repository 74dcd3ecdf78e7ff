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

export const DEFAULT_HYGIENE_SETTINGS: HygieneSettings = {
  enabled: true,
  detectors: Object.fromEntries(HYGIENE_KINDS.map((k) => [k, true])) as Record<HygieneKind, boolean>,
  mutedKinds: [],
  warnIntervalMs: 60 * 60_000,
  repeatCount: 3,
  repeatWindowMs: 10 * 60_000,
  nearDuplicateSimilarity: 0.55,
  retryCount: 3,
  retryWindowMs: 2 * 60_000,
  verboseFactor: 4,
  verboseMinTokens: 4000,
  resentPasteMinTokens: 1000,
  fillerMinTokens: 30,
  contextLoopRequests: 10,
  contextLoopWindowMs: 5 * 60_000,
  contextLoopMinTokens: 20_000,
  outputBudgetMinTokens: 32_000,
  outputBudgetSmallPromptTokens: 1000,
};

/** The raw `tokenMeter.hygiene.*` values, by key without the prefix. */
export type RawHygieneSettings = Partial<Record<string, unknown>>;

const MINUTE = 60_000;

export function parseHygieneSettings(raw: RawHygieneSettings): { settings: HygieneSettings; problems: string[] } {
  const problems: string[] = [];
  const d = DEFAULT_HYGIENE_SETTINGS;
  const bool = (key: string, fallback: boolean): boolean => {
    const v = raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    problems.push(`tokenMeter.hygiene.${key}: ${JSON.stringify(v)} is not true or false; using ${fallback}.`);
    return fallback;
  };
  const number = (key: string, fallback: number, min: number, max = Infinity): number => {
    const v = raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) return v;
    problems.push(
      `tokenMeter.hygiene.${key}: ${JSON.stringify(v)} is not a number from ${min}${max === Infinity ? ' up' : ` to ${max}`}; using ${fallback}.`,
    );
    return fallback;
  };
  const detectors = { ...d.detectors };
  const rawDetectors = raw.detectors;
  if (rawDetectors !== undefined && rawDetectors !== null) {
    if (typeof rawDetectors === 'object' && !Array.isArray(rawDetectors)) {
      for (const [kind, on] of Object.entries(rawDetectors)) {
        if (!(HYGIENE_KINDS as readonly string[]).includes(kind))
          problems.push(`tokenMeter.hygiene.detectors: "${kind}" is not a detector (${HYGIENE_KINDS.join(', ')}); ignored.`);
        else if (typeof on !== 'boolean')
          problems.push(`tokenMeter.hygiene.detectors.${kind}: ${JSON.stringify(on)} is not true or false; left on.`);
        else detectors[kind as HygieneKind] = on;
      }
    } else problems.push('tokenMeter.hygiene.detectors: expected an object of detector names to true/false; all detectors stay on.');
  }
  const mutedKinds: HygieneKind[] = [];
  if (Array.isArray(raw.mutedKinds)) {
    for (const kind of raw.mutedKinds) {
      if ((HYGIENE_KINDS as readonly unknown[]).includes(kind)) mutedKinds.push(kind as HygieneKind);
      else problems.push(`tokenMeter.hygiene.mutedKinds: ${JSON.stringify(kind)} is not a detector; ignored.`);
    }
  } else if (raw.mutedKinds !== undefined && raw.mutedKinds !== null)
    problems.push('tokenMeter.hygiene.mutedKinds: expected a list of detector names; nothing muted.');
  return {
    problems,
    settings: {
      enabled: bool('enabled', d.enabled),
      detectors,
      mutedKinds,
      warnIntervalMs: number('warnIntervalMinutes', d.warnIntervalMs / MINUTE, 1) * MINUTE,
      repeatCount: number('repeatCount', d.repeatCount, 2),
      repeatWindowMs: number('repeatWindowMinutes', d.repeatWindowMs / MINUTE, 1, 24 * 60) * MINUTE,
      nearDuplicateSimilarity: number('nearDuplicateSimilarity', d.nearDuplicateSimilarity, 0.3, 1),
      retryCount: d.retryCount,
      retryWindowMs: d.retryWindowMs,
      verboseFactor: number('verboseFactor', d.verboseFactor, 1.5),
      verboseMinTokens: number('verboseMinTokens', d.verboseMinTokens, 0),
      resentPasteMinTokens: number('resentPasteMinTokens', d.resentPasteMinTokens, 50),
      fillerMinTokens: number('fillerMinTokens', d.fillerMinTokens, 5),
      contextLoopRequests: number('contextLoopRequests', d.contextLoopRequests, 2),
      contextLoopWindowMs: number('contextLoopWindowMinutes', d.contextLoopWindowMs / MINUTE, 1, 24 * 60) * MINUTE,
      contextLoopMinTokens: number('contextLoopMinTokens', d.contextLoopMinTokens, 100),
      outputBudgetMinTokens: number('outputBudgetMinTokens', d.outputBudgetMinTokens, 1000),
      outputBudgetSmallPromptTokens: d.outputBudgetSmallPromptTokens,
    },
  };
}
