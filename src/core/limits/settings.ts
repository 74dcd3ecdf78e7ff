import { DEFAULT_LIMIT_THRESHOLDS } from './meter';

/** The limits meter's settings, validated; every value it had to ignore is named. */

export const DEFAULT_COPILOT_QUOTA_ENDPOINT = 'https://api.github.com/copilot_internal/user';

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
  const problems: string[] = [];
  let warningThresholds: number[] = [...DEFAULT_LIMIT_THRESHOLDS];
  if (raw.warningThresholds !== undefined) {
    const list = raw.warningThresholds;
    if (Array.isArray(list) && list.every((n) => typeof n === 'number' && n > 0 && n <= 100))
      warningThresholds = [...new Set(list as number[])].sort((a, b) => a - b);
    else
      problems.push(
        `tokenMeter.limits.warningThresholds must be a list of percentages from 1 to 100; using ${DEFAULT_LIMIT_THRESHOLDS.join(' and ')}.`,
      );
  }
  let endpoint = DEFAULT_COPILOT_QUOTA_ENDPOINT;
  const rawEndpoint = typeof raw.copilotQuotaEndpoint === 'string' ? raw.copilotQuotaEndpoint.trim() : '';
  if (rawEndpoint) {
    if (validCopilotEndpoint(rawEndpoint)) endpoint = rawEndpoint;
    else
      problems.push(
        `tokenMeter.copilotQuota.endpoint must be an https:// address (your GitHub Enterprise's API, e.g. https://github.example.com/api/v3/copilot_internal/user); using ${DEFAULT_COPILOT_QUOTA_ENDPOINT}.`,
      );
  }
  return {
    settings: {
      warningThresholds,
      unusedWeeklyNote: raw.unusedWeeklyNote === true,
      copilotQuota: { enabled: raw.copilotQuotaEnabled === true, endpoint },
    },
    problems,
  };
}
