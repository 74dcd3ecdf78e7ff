import { DEFAULT_COPILOT_QUOTA_ENDPOINT, validateSetting } from '../settingsSchema';

/** The limits meter's settings, validated; every value it had to ignore is named. */

export { DEFAULT_COPILOT_QUOTA_ENDPOINT };

export interface LimitSettings {
  /** Ascending percentages (tokenMeter.limits.warningThresholds). */
  warningThresholds: number[];
  unusedWeeklyNote: boolean;
  copilotQuota: { enabled: boolean; endpoint: string };
}

export interface RawLimitSettings {
  warningThresholds: unknown;
  unusedWeeklyNote: unknown;
  copilotQuotaEnabled: unknown;
  copilotQuotaEndpoint: unknown;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The GitHub token goes to this address: https only (plain http only to this machine, for a local stand-in). */
export function validCopilotEndpoint(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  } catch {
    return false;
  }
}

export function resolveLimitSettings(raw: RawLimitSettings): { settings: LimitSettings; problems: string[] } {
  const thresholds = validateSetting('limits.warningThresholds', raw.warningThresholds);
  const unusedWeeklyNote = validateSetting('limits.unusedWeeklyNote', raw.unusedWeeklyNote);
  const enabled = validateSetting('copilotQuota.enabled', raw.copilotQuotaEnabled);
  const rawEndpoint = validateSetting('copilotQuota.endpoint', raw.copilotQuotaEndpoint);
  const problems = [thresholds, unusedWeeklyNote, enabled, rawEndpoint].flatMap((v) => (v.problem ? [v.problem.message] : []));
  let endpoint = rawEndpoint.value.trim() || DEFAULT_COPILOT_QUOTA_ENDPOINT;
  if (!validCopilotEndpoint(endpoint)) {
    problems.push(
      `tokenMeter.copilotQuota.endpoint must be an https:// address (your GitHub Enterprise's API, e.g. https://github.example.com/api/v3/copilot_internal/user); using ${DEFAULT_COPILOT_QUOTA_ENDPOINT}.`,
    );
    endpoint = DEFAULT_COPILOT_QUOTA_ENDPOINT;
  }
  return {
    settings: {
      warningThresholds: [...new Set(thresholds.value)].sort((a, b) => a - b),
      unusedWeeklyNote: unusedWeeklyNote.value,
      copilotQuota: { enabled: enabled.value, endpoint },
    },
    problems,
  };
}
