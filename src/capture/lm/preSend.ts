import { formatBudgetAmount } from '../../core/budget';
import type { BudgetGuard } from '../../core/budgetGuard';
import { formatMultiplier, formatTokens } from '../../core/format';
import type { Settings } from '../../core/settings';

/**
 * The check before a chat request is sent: its prompt's estimated cost at the current peak weight,
 * against the per-request threshold and (with hard enforcement) the budgets, which the core's
 * BudgetGuard judges as it does for the gateway. The provider turns a stop into a confirmation
 * dialog or a refusal.
 */

export interface LmGuardSettings {
  /** Per-request limit on the estimated, peak-weighted prompt amount in the budget unit; 0 = none. */
  requestThreshold: number;
  /** 'hard': a request that would go over a budget is stopped. */
  budgetEnforcement: 'soft' | 'hard';
  /** Stop with a confirmation dialog instead of refusing. */
  askBeforeSending: boolean;
}

export interface PreSendInput {
  settings: Settings;
  now: number;
  model: string;
  promptTokens: number;
  guard: LmGuardSettings;
  budget: Pick<BudgetGuard, 'refusal'>;
}

export interface PreSendEstimate {
  promptTokens: number;
  /** List-price cost of the prompt, or null when the model's price is unknown. */
  costUsd: number | null;
  multiplier: number;
  /** Peak-weighted amount in the budget unit; undefined when it cannot be priced. */
  weighted: number | undefined;
}

export type PreSendDecision =
  | { action: 'send'; estimate: PreSendEstimate }
  | { action: 'stop'; reason: 'threshold' | 'budget'; message: string; estimate: PreSendEstimate };

export function estimatePrompt(settings: Settings, model: string, promptTokens: number, now: number): PreSendEstimate {
  const costUsd = settings.prices.costOf({ model, inputTokens: promptTokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
  const multiplier = settings.peakEnabled ? settings.peak.multiplierAt(now) : 1;
  const base = settings.budget.unit === 'usd' ? costUsd : promptTokens;
  return { promptTokens, costUsd, multiplier, weighted: base === null ? undefined : base * multiplier };
}

export function decidePreSend(input: PreSendInput): PreSendDecision {
  const { settings, guard } = input;
  const estimate = estimatePrompt(settings, input.model, input.promptTokens, input.now);
  const unit = settings.budget.unit;
  const weight = estimate.multiplier > 1 ? ` at the current peak weight ${formatMultiplier(estimate.multiplier)}` : '';
  const priced =
    estimate.weighted !== undefined && (unit === 'usd' || estimate.multiplier > 1)
      ? ` (${formatBudgetAmount(estimate.weighted, unit)}${weight})`
      : '';
  const about = `This request's prompt is about ${formatTokens(estimate.promptTokens)} tokens${priced}`;

  const refusal = input.budget.refusal({ enforcement: guard.budgetEnforcement, audience: 'editor', cost: estimate.weighted ?? 0, about });
  if (refusal) return { action: 'stop', reason: 'budget', estimate, message: refusal.message };
  if (guard.requestThreshold > 0 && estimate.weighted !== undefined && estimate.weighted > guard.requestThreshold) {
    return {
      action: 'stop',
      reason: 'threshold',
      estimate,
      message: `Token Meter: ${about}, over your per-request threshold of ${formatBudgetAmount(guard.requestThreshold, unit, 'limit')} (tokenMeter.lm.requestThreshold). Raise the threshold, or turn on tokenMeter.lm.askBeforeSending to confirm such requests.`,
    };
  }
  return { action: 'send', estimate };
}

/** Reads the `tokenMeter.lm.*` settings; a wrong value falls back to the safe default. */
export function parseLmGuardSettings(raw: {
  requestThreshold?: unknown;
  budgetEnforcement?: unknown;
  askBeforeSending?: unknown;
}): LmGuardSettings {
  const threshold = raw.requestThreshold;
  return {
    requestThreshold: typeof threshold === 'number' && Number.isFinite(threshold) && threshold > 0 ? threshold : 0,
    budgetEnforcement: raw.budgetEnforcement === 'hard' ? 'hard' : 'soft',
    askBeforeSending: raw.askBeforeSending === true,
  };
}
