/**
 * Subscription plans: what a flat-rate user is really limited by. Providers publish the windows
 * (5 hours, a week) but not the token limits, so a named plan has no built-in limit: it is read
 * from the provider's own records where an assistant logs them (Codex), set by the user, or
 * estimated from the user's own history, and always labelled as which.
 */

export type PlanProvider = 'anthropic' | 'openai';

export interface PlanPreset {
  label: string;
  provider: PlanProvider;
}

export const PLAN_PRESETS = {
  'claude-pro': { label: 'Claude Pro', provider: 'anthropic' },
  'claude-max-5x': { label: 'Claude Max 5x', provider: 'anthropic' },
  'claude-max-20x': { label: 'Claude Max 20x', provider: 'anthropic' },
  'claude-team': { label: 'Claude Team', provider: 'anthropic' },
  'chatgpt-plus': { label: 'ChatGPT Plus (Codex)', provider: 'openai' },
  'chatgpt-pro': { label: 'ChatGPT Pro (Codex)', provider: 'openai' },
  'chatgpt-business': { label: 'ChatGPT Business (Codex)', provider: 'openai' },
} as const satisfies Record<string, PlanPreset>;

export type PresetId = keyof typeof PLAN_PRESETS;
/** 'none' and 'api' (pay as you go) mean no subscription window is shown for the provider. */
export type PlanId = 'none' | 'api' | 'custom' | PresetId;
export const PLAN_IDS: readonly PlanId[] = ['none', 'api', 'custom', ...(Object.keys(PLAN_PRESETS) as PresetId[])];

/** A provider on a subscription, with any limits the user set (tokens; undefined = not set). */
export interface SubscriptionPlan {
  provider: string;
  plan: Exclude<PlanId, 'none' | 'api'>;
  label: string;
  blockTokens?: number;
  weeklyTokens?: number;
}

export const PROVIDER_LABELS: Record<string, string> = { anthropic: 'Claude', openai: 'ChatGPT', google: 'Gemini' };

/** Validates `tokenMeter.plans` and `tokenMeter.planLimits`; problems name the setting. */
export function parsePlans(rawPlans: unknown, rawLimits: unknown): { plans: SubscriptionPlan[]; problems: string[] } {
  const problems: string[] = [];
  const plans: SubscriptionPlan[] = [];
  const limits =
    typeof rawLimits === 'object' && rawLimits !== null && !Array.isArray(rawLimits) ? (rawLimits as Record<string, unknown>) : {};
  if (rawLimits !== undefined && rawLimits !== null && limits !== rawLimits)
    problems.push('tokenMeter.planLimits must be an object such as {"anthropic": {"blockTokens": 5000000}}; limits are estimated instead.');
  if (rawPlans === undefined || rawPlans === null) return { plans, problems };
  if (typeof rawPlans !== 'object' || Array.isArray(rawPlans)) {
    problems.push('tokenMeter.plans must be an object such as {"anthropic": "claude-max-5x"}; no subscription windows are shown.');
    return { plans, problems };
  }
  for (const [provider, value] of Object.entries(rawPlans as Record<string, unknown>)) {
    if (typeof value !== 'string' || !(PLAN_IDS as readonly string[]).includes(value)) {
      problems.push(
        `tokenMeter.plans.${provider}: ${JSON.stringify(value)} is not one of ${PLAN_IDS.map((p) => `"${p}"`).join(', ')}; ignored.`,
      );
      continue;
    }
    if (value === 'none' || value === 'api') continue;
    const plan = value as SubscriptionPlan['plan'];
    const preset = plan === 'custom' ? undefined : PLAN_PRESETS[plan];
    if (preset && preset.provider !== provider) {
      problems.push(`tokenMeter.plans.${provider}: "${plan}" is a plan of ${preset.provider}; ignored.`);
      continue;
    }
    const own = limits[provider] as Record<string, unknown> | undefined;
    const limit = (key: 'blockTokens' | 'weeklyTokens') => {
      const v = own?.[key];
      if (v === undefined || v === null || v === 0) return undefined;
      if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.round(v);
      problems.push(
        `tokenMeter.planLimits.${provider}.${key} must be a number of tokens (0 = estimate from your history); it is estimated instead.`,
      );
      return undefined;
    };
    plans.push({
      provider,
      plan,
      label: preset?.label ?? `${PROVIDER_LABELS[provider] ?? provider} (custom plan)`,
      ...(limit('blockTokens') ? { blockTokens: limit('blockTokens') } : {}),
      ...(limit('weeklyTokens') ? { weeklyTokens: limit('weeklyTokens') } : {}),
    });
  }
  return { plans, problems };
}
