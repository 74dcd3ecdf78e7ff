import type { ChatMessageLike } from '../tokenizer';

/**
 * One prompt as a capture path saw it (the gateway, the chat-model provider, …). The text is
 * analysed in memory and dropped; only fingerprints, counts and findings are ever kept.
 */
export interface PromptObservation {
  source: string;
  provider: string;
  model: string;
  ts: number;
  /** Everything sent: system prompt, history, tool definitions. Alternatively `messages`. */
  text?: string;
  messages?: readonly ChatMessageLike[];
  /** The user's newest turn, when the request ends with one (an agent's tool-result step has none). */
  question?: string;
  /** Prompt tokens when the caller already knows them (otherwise the tokenizer counts `text`). */
  promptTokens?: number;
  /** Requested output budget, reasoning included (max_tokens, max_output_tokens, thinking budget). */
  maxOutputTokens?: number;
  /** What the API reported for this request once it answered. */
  usage?: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  /** Set when the request failed ("HTTP 429", "connection refused"). */
  error?: string;
}

export type PromptObserver = (observation: PromptObservation) => void;

export const HYGIENE_KINDS = [
  'repeatedPrompt',
  'retryStorm',
  'verbosePrompt',
  'resentPaste',
  'filler',
  'contextLoop',
  'outputBudget',
] as const;
export type HygieneKind = (typeof HYGIENE_KINDS)[number];

export const KIND_TITLES: Record<HygieneKind, string> = {
  repeatedPrompt: 'Repeated prompt',
  retryStorm: 'Retry storm',
  verbosePrompt: 'Unusually large prompt',
  resentPaste: 'Pasted block sent again',
  filler: 'Filler in the prompt',
  contextLoop: 'Agent loop re-sending context',
  outputBudget: 'Large output budget on a small request',
};

export type SuggestedFix =
  'reuse-answer' | 'back-off' | 'trim-context' | 'fresh-conversation' | 'trim-filler' | 'cheaper-model' | 'lower-output-budget';

export const FIX_ADVICE: Record<SuggestedFix, string> = {
  'reuse-answer': 'reuse the previous answer instead of asking again',
  'back-off': 'fix the cause of the error (or wait) before retrying',
  'trim-context': 'send only the part of the context the question needs',
  'fresh-conversation': 'start a fresh conversation with a short summary',
  'trim-filler': 'drop the filler and repeated instructions',
  'cheaper-model': 'use a cheaper model for this kind of request',
  'lower-output-budget': 'lower the output/reasoning budget for small requests',
};

export interface HygieneFinding {
  kind: HygieneKind;
  ts: number;
  source: string;
  provider: string;
  model: string;
  /** What was seen, in words and figures; never prompt text. */
  evidence: string;
  /** Tokens involved in the problem. */
  tokens: number;
  /** What those tokens cost at list price times the peak multiplier in force; null when unpriced. */
  costUsd: number | null;
  multiplier: number;
  saving: { tokens: number; usd: number | null; fix: SuggestedFix };
  /** One-way fingerprint of the prompt, to group findings; not reversible to text. */
  fingerprint?: string;
}
