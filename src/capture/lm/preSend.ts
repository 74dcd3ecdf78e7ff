import { PERIOD_ADJECTIVES } from '../../core/budget';
import { formatDuration, formatMultiplier, formatTokens, formatUsd, formatUsdLimit } from '../../core/format';
import type { Settings } from '../../core/settings';
import { budgetSourceLabel, budgetStatuses, type UsageRowLike } from '../../core/usage';

/**
 * The check before a chat request is sent: its prompt's estimated cost at the current peak weight,
 * against the per-request threshold and (with hard enforcement) the budgets. Pure, so every case
 * is unit-tested; the provider turns a stop into a confirmation dialog or a refusal.
 */

export const OVERRIDE_COMMAND_TITLE = 'Token Meter: Allow 1 Hour Over Budget';
export const OVERRIDE_COMMAND_ID = 'tokenMeter.allowOverBudget';
export const OVERRIDE_DURATION_MS = 3600_000;

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
  rows: (fromDay: string, toDay: string) => UsageRowLike[];
  now: number;
  model: string;
  promptTokens: number;
  guard: LmGuardSettings;
  /** "Allow 1 Hour Over Budget" is in effect. */
  overrideActive: boolean;
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
  const usd = settings.budget.unit === 'usd';
  const amount = (n: number) => (usd ? formatUsd(n) : `${formatTokens(n)} tokens`);
  const limitText = (n: number) => (usd ? formatUsdLimit(n) : `${formatTokens(n)} tokens`);
  const weight = estimate.multiplier > 1 ? ` at the current peak weight ${formatMultiplier(estimate.multiplier)}` : '';
  const priced = estimate.weighted !== undefined && (usd || estimate.multiplier > 1) ? ` (${amount(estimate.weighted)}${weight})` : '';
  const about = `This request's prompt is about ${formatTokens(estimate.promptTokens)} tokens${priced}`;

  if (guard.budgetEnforcement === 'hard' && !input.overrideActive) {
    const extra = estimate.weighted ?? 0;
    const over = budgetStatuses(settings, input.rows, input.now).find((s) => s.level === 'over' || s.used + extra > s.limit);
    if (over) {
      const state =
        over.used >= over.limit
          ? `is used up (${amount(over.used)} counted, peak-weighted)`
          : `would be exceeded: ${amount(over.used)} counted so far, peak-weighted`;
      return {
        action: 'stop',
        reason: 'budget',
        estimate,
        message: `Token Meter: your ${PERIOD_ADJECTIVES[over.period]} budget of ${limitText(over.limit)} (${budgetSourceLabel(over.source)}) ${state}. ${about}. Run "${OVERRIDE_COMMAND_TITLE}" (${OVERRIDE_COMMAND_ID}) to continue for ${formatDuration(OVERRIDE_DURATION_MS)}, or raise the budget.`,
      };
    }
  }
  if (guard.requestThreshold > 0 && estimate.weighted !== undefined && estimate.weighted > guard.requestThreshold) {
    return {
      action: 'stop',
      reason: 'threshold',
      estimate,
      message: `Token Meter: ${about}, over your per-request threshold of ${limitText(guard.requestThreshold)} (tokenMeter.lm.requestThreshold). Raise the threshold, or turn on tokenMeter.lm.askBeforeSending to confirm such requests.`,
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
