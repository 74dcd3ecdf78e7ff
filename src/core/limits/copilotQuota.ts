import { accountKey } from './headers';
import type { LimitReading } from './reading';
import { asObject, finiteNumber, type Json } from '../json';

/**
 * GitHub's Copilot user endpoint (`/copilot_internal/user`), as the Copilot quota extensions read
 * it: `quota_snapshots` per quota (premium_interactions, chat, completions) with entitlement,
 * remaining, percent_remaining, unlimited, overage_count, overage_permitted, and the plan's
 * `quota_reset_date`. The free plan reports `limited_user_quotas` (remaining) against
 * `monthly_quotas` (entitlement) instead.
 */

export interface CopilotQuota {
  plan?: string;
  readings: LimitReading[];
}

function resetDate(json: Json): number | undefined {
  for (const key of ['quota_reset_date_utc', 'quota_reset_date', 'limited_user_reset_date']) {
    const value = json[key];
    if (typeof value !== 'string') continue;
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return undefined;
}

function detailOf(
  entitlement: number | undefined,
  remaining: number | undefined,
  overageCount: number | undefined,
  overagePermitted: unknown,
): string | undefined {
  const parts: string[] = [];
  if (entitlement !== undefined && remaining !== undefined)
    parts.push(`${Math.max(0, Math.round(remaining)).toLocaleString('en-US')} of ${Math.round(entitlement).toLocaleString('en-US')} left`);
  if (overageCount) parts.push(`${overageCount} over the quota`);
  if (overagePermitted === true) parts.push('paid overage on');
  else if (overagePermitted === false) parts.push('no paid overage');
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

export function parseCopilotQuota(input: unknown, observedAt: number): CopilotQuota {
  const json = asObject(input) ?? {};
  const account = accountKey(typeof json.login === 'string' ? json.login : undefined);
  const resetsAt = resetDate(json);
  const readings: LimitReading[] = [];
  const push = (window: string, usedRatio: number, detail: string | undefined) => {
    if (!Number.isFinite(usedRatio) || usedRatio < 0) return;
    readings.push({
      provider: 'github-copilot',
      account,
      window,
      usedRatio,
      ...(resetsAt !== undefined && resetsAt > observedAt ? { resetsAt } : {}),
      ...(detail ? { detail } : {}),
      source: 'github',
      observedAt,
    });
  };
  for (const [name, raw] of Object.entries(asObject(json.quota_snapshots) ?? {})) {
    const snapshot = asObject(raw);
    if (!snapshot || snapshot.unlimited === true) continue;
    const entitlement = finiteNumber(snapshot.entitlement);
    const remaining = finiteNumber(snapshot.remaining) ?? finiteNumber(snapshot.quota_remaining);
    const percentRemaining = finiteNumber(snapshot.percent_remaining);
    const usedRatio =
      percentRemaining !== undefined
        ? (100 - percentRemaining) / 100
        : entitlement && remaining !== undefined
          ? (entitlement - remaining) / entitlement
          : undefined;
    if (usedRatio === undefined) continue;
    push(
      typeof snapshot.quota_id === 'string' ? snapshot.quota_id : name,
      usedRatio,
      detailOf(entitlement, remaining, finiteNumber(snapshot.overage_count), snapshot.overage_permitted),
    );
  }
  const monthly = asObject(json.monthly_quotas);
  const left = asObject(json.limited_user_quotas);
  if (readings.length === 0 && monthly && left) {
    for (const [name, total] of Object.entries(monthly)) {
      const entitlement = finiteNumber(total);
      const remaining = finiteNumber(left[name]);
      if (!entitlement || remaining === undefined) continue;
      push(name, (entitlement - remaining) / entitlement, detailOf(entitlement, remaining, undefined, undefined));
    }
  }
  const plan = typeof json.copilot_plan === 'string' ? json.copilot_plan : undefined;
  return { ...(plan ? { plan } : {}), readings };
}
