/**
 * One reading of one of a provider's usage windows ("5h", "7d", "7d-sonnet", "premium_interactions"…),
 * whatever reported it. Every exact source (response headers, Claude Code's status line, Codex's
 * records, GitHub) and the fallbacks (set by you, estimated) become readings, so one meter can say
 * which limit binds now.
 */

export type LimitSourceKind = 'anthropic-headers' | 'openai-headers' | 'claude-code' | 'codex' | 'github' | 'user' | 'estimate';

export interface LimitReading {
  /** 'anthropic', 'openai', 'github-copilot'. */
  provider: string;
  /**
   * Which account of the provider, never a token or anything derived from one: a short hash of a
   * non-secret identifier the provider sends (organization id, login), or 'default'.
   */
  account: string;
  /** The provider's own window name, kept as sent ("5h", "7d_oi"); unknown names are shown as they are. */
  window: string;
  /** 0 = unused, 1 = used up; undefined when the source gave a status but no figure. */
  usedRatio?: number;
  /** When the window resets (epoch ms). */
  resetsAt?: number;
  windowMinutes?: number;
  /** The provider's status for this window ('allowed', 'allowed_warning', 'rejected'). */
  status?: string;
  /** True when the provider named this window as the one that binds (Anthropic's representative claim). */
  binding?: boolean;
  /** What else the source said, for the tooltip ("180 of 300 left · no paid overage"). */
  detail?: string;
  source: LimitSourceKind;
  /** When the reading was taken (epoch ms). */
  observedAt: number;
}

export const SOURCE_LABELS: Record<LimitSourceKind, string> = {
  'anthropic-headers': "exact, from Anthropic's response headers",
  'openai-headers': "exact, from OpenAI's response headers",
  'claude-code': 'from Claude Code',
  codex: "from Codex's records",
  github: 'from GitHub',
  user: 'set by you',
  estimate: 'estimated from your history',
};

/** Exact sources report the provider's own figure; the others are the fallback. */
export function isExact(source: LimitSourceKind): boolean {
  return source !== 'user' && source !== 'estimate';
}

/** A reading with no reset is trusted this long; one with a reset until the reset passes. */
export const UNDATED_READING_MAX_AGE_MS = 60 * 60_000;

/** A reading still describes the window now: its window has not reset since it was taken. */
export function isCurrent(reading: LimitReading, now: number): boolean {
  if (reading.resetsAt !== undefined) return reading.resetsAt > now;
  return now - reading.observedAt <= UNDATED_READING_MAX_AGE_MS;
}

export function readingKey(r: Pick<LimitReading, 'provider' | 'account' | 'window'>): string {
  return `${r.provider}\u0000${r.account}\u0000${r.window}`;
}

const PROVIDER_LABELS: Record<string, string> = { anthropic: 'Claude', openai: 'ChatGPT / OpenAI', 'github-copilot': 'GitHub Copilot' };

export function providerLabel(provider: string): string {
  return PROVIDER_LABELS[provider] ?? provider;
}

/**
 * A window's name for people: "5-hour", "weekly", "weekly (sonnet)"; a name we do not know is
 * shown as the provider sent it.
 */
export function windowLabel(window: string): string {
  const name = canonicalWindow(window);
  if (name === '5h') return '5-hour';
  if (name === '7d') return 'weekly';
  const weeklyFor = /^7d[-_](.+)$/.exec(name);
  if (weeklyFor) return `weekly (${weeklyFor[1].replace(/_/g, ' ')})`;
  if (name === 'premium_interactions') return 'premium requests (month)';
  if (name === 'chat') return 'chat (month)';
  if (name === 'completions') return 'completions (month)';
  if (name === 'api-requests') return 'API requests';
  if (name === 'api-tokens') return 'API tokens';
  return window;
}

/** The short form in the status bar: "5h", "7d", "7d-sonnet", or the name as sent. */
export function windowShortLabel(window: string): string {
  const name = canonicalWindow(window);
  if (name === 'premium_interactions') return 'month';
  return name;
}

/**
 * One spelling per window: Anthropic's representative claim says "five_hour" / "seven_day_opus"
 * where its headers say "5h" / "7d_opus"; Codex's window lengths in minutes map to the same names.
 */
export function canonicalWindow(window: string): string {
  return window
    .trim()
    .toLowerCase()
    .replace(/^five_hour/, '5h')
    .replace(/^seven_day/, '7d');
}

export function sameWindow(a: string, b: string): boolean {
  const norm = (w: string) => canonicalWindow(w).replace(/-/g, '_');
  return norm(a) === norm(b);
}

/** A window's name from its length: 300 minutes is "5h", 10080 "7d", anything else in hours or minutes. */
export function windowNameForMinutes(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}
