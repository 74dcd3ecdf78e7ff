import { formatMultiplier, formatTokens, formatUsd } from '../format';
import type { HygieneSettings } from './settings';

/** A request about to be sent, as the chat-model provider estimates it (see `estimatePrompt`). */
export interface SendEstimate {
  promptTokens: number;
  /** List-price cost of the prompt, or null when the model's price is unknown. */
  costUsd: number | null;
  multiplier: number;
  /** The request would take a budget over its limit. */
  overBudget?: boolean;
}

export type ConfirmDecision = { confirm: false } | { confirm: true; message: string };

/**
 * The opt-in check before a request that can still be stopped is sent: a very large prompt (or
 * one that would go over budget) is confirmed with its estimated cost first. Only where the user
 * turned on `tokenMeter.hygiene.confirmLargePrompts`.
 */
export function shouldConfirmBeforeSend(estimate: SendEstimate, settings: Pick<HygieneSettings, 'enabled' | 'confirmLargePrompts' | 'confirmAboveTokens'>): ConfirmDecision {
  if (!settings.enabled || !settings.confirmLargePrompts) return { confirm: false };
  const large = estimate.promptTokens > settings.confirmAboveTokens;
  if (!large && !estimate.overBudget) return { confirm: false };
  const weighted = estimate.costUsd === null ? 'cost unknown for this model' : `about ${formatUsd(estimate.costUsd * estimate.multiplier)}${estimate.multiplier > 1 ? ` at the peak weight ${formatMultiplier(estimate.multiplier)}` : ''}`;
  const reasons = [large ? `above your ${formatTokens(settings.confirmAboveTokens)}-token confirmation threshold` : '', estimate.overBudget ? 'it would go over your budget' : ''].filter(Boolean);
  const why = reasons.join(', and ');
  return { confirm: true, message: `This prompt is ${formatTokens(estimate.promptTokens)} tokens (${weighted}), ${why}. Send it?` };
}
