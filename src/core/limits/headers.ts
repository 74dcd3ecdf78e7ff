import { createHash } from 'node:crypto';
import { sameWindow, windowNameForMinutes, type LimitReading } from './reading';

/**
 * The rate-limit headers providers send on every response, read into LimitReadings. Pure: the
 * gateway hands over the response headers and the time they arrived.
 */

export type HeaderBag = Readonly<Record<string, string | string[] | number | undefined>>;

export interface AnthropicOverage {
  status?: string;
  resetsAt?: number;
  usedRatio?: number;
  disabledReason?: string;
}

export interface ParsedLimits {
  readings: LimitReading[];
  /** Values that were present but could not be read, by header name (for the log; never fatal). */
  malformed: string[];
}

export interface AnthropicLimits extends ParsedLimits {
  /** The overall status ('allowed', 'allowed_warning', 'rejected'). */
  status?: string;
  /** The window the provider says binds, as sent ("five_hour"). */
  representativeClaim?: string;
  overage?: AnthropicOverage;
}

const ANTHROPIC_PREFIX = 'anthropic-ratelimit-unified-';
/** Per-window fields: -<window>-utilization, -<window>-reset, -<window>-status. */
const ANTHROPIC_WINDOW_FIELD = /^anthropic-ratelimit-unified-(.+)-(utilization|reset|status)$/;
/** Names under the prefix that are not windows. */
const NOT_A_WINDOW = new Set(['overage', 'fallback', 'representative']);
/** A utilization above this is not a fraction: the value is malformed. */
const MAX_UTILIZATION = 10;
const MIN_PLAUSIBLE_EPOCH_S = 1_500_000_000; // 2017
const MAX_RESET_AHEAD_MS = 400 * 86_400_000;
const STATUS_PATTERN = /^[a-z][a-z0-9_]{0,40}$/;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value[0] : String(value)).trim();
}

/** Lower-cased names, as Node gives them; other header containers may keep the case sent. */
function lowerCased(headers: HeaderBag): HeaderBag {
  const out: Record<string, string | string[] | number | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

function parseFraction(value: string): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(value)) return undefined;
  const n = Number(value);
  return n <= MAX_UTILIZATION ? n : undefined;
}

function parseEpochSeconds(value: string, now: number): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(value)) return undefined;
  const seconds = Number(value);
  if (seconds < MIN_PLAUSIBLE_EPOCH_S || seconds * 1000 > now + MAX_RESET_AHEAD_MS) return undefined;
  return Math.round(seconds * 1000);
}

function parseStatus(value: string): string | undefined {
  const status = value.toLowerCase();
  return STATUS_PATTERN.test(status) ? status : undefined;
}

/** A short, one-way label for a non-secret identifier (an organization id), so files do not carry it. */
export function accountKey(identifier: string | undefined): string {
  if (!identifier) return 'default';
  return createHash('sha256').update(identifier).digest('hex').slice(0, 12);
}

/**
 * Anthropic's unified rate-limit headers. Every window present is read, whatever its name; a window
 * whose reset has already passed when the response arrived is stale and dropped.
 */
export function parseAnthropicHeaders(raw: HeaderBag, observedAt: number): AnthropicLimits {
  const headers = lowerCased(raw);
  const malformed: string[] = [];
  const windows = new Map<string, { utilization?: number; reset?: number; status?: string }>();
  for (const name of Object.keys(headers)) {
    const match = ANTHROPIC_WINDOW_FIELD.exec(name);
    if (!match || NOT_A_WINDOW.has(match[1])) continue;
    const [, window, field] = match;
    const value = header(headers, name) ?? '';
    const entry = windows.get(window) ?? {};
    if (field === 'utilization') entry.utilization = parseFraction(value);
    else if (field === 'reset') entry.reset = parseEpochSeconds(value, observedAt);
    else entry.status = parseStatus(value);
    if (
      (field === 'utilization' && entry.utilization === undefined) ||
      (field === 'reset' && entry.reset === undefined) ||
      (field === 'status' && entry.status === undefined)
    ) {
      malformed.push(name);
    }
    windows.set(window, entry);
  }
  const claim = header(headers, `${ANTHROPIC_PREFIX}representative-claim`);
  const account = accountKey(header(headers, 'anthropic-organization-id'));
  const readings: LimitReading[] = [];
  for (const [window, entry] of windows) {
    if (entry.utilization === undefined && entry.status === undefined) continue;
    if (entry.reset !== undefined && entry.reset <= observedAt) continue;
    readings.push({
      provider: 'anthropic',
      account,
      window,
      ...(entry.utilization !== undefined ? { usedRatio: entry.utilization } : {}),
      ...(entry.reset !== undefined ? { resetsAt: entry.reset } : {}),
      ...(entry.status ? { status: entry.status } : {}),
      ...(claim && sameWindow(claim, window) ? { binding: true } : {}),
      source: 'anthropic-headers',
      observedAt,
    });
  }
  const overageStatus = header(headers, `${ANTHROPIC_PREFIX}overage-status`);
  const overageReset = header(headers, `${ANTHROPIC_PREFIX}overage-reset`);
  const overageUtilization = header(headers, `${ANTHROPIC_PREFIX}overage-utilization`);
  const disabledReason = header(headers, `${ANTHROPIC_PREFIX}overage-disabled-reason`);
  const overage: AnthropicOverage = {
    ...(overageStatus && parseStatus(overageStatus) ? { status: parseStatus(overageStatus) } : {}),
    ...(overageReset && parseEpochSeconds(overageReset, observedAt) ? { resetsAt: parseEpochSeconds(overageReset, observedAt) } : {}),
    ...(overageUtilization && parseFraction(overageUtilization) !== undefined ? { usedRatio: parseFraction(overageUtilization) } : {}),
    ...(disabledReason && parseStatus(disabledReason) ? { disabledReason: parseStatus(disabledReason) } : {}),
  };
  // Extra usage beyond the plan, said once, on the window that binds.
  const overageWords = overageDetail(overage);
  const bound = readings.find((r) => r.binding);
  if (overageWords && bound) bound.detail = overageWords;
  const status = header(headers, `${ANTHROPIC_PREFIX}status`);
  return {
    readings,
    malformed,
    ...(status && parseStatus(status) ? { status: parseStatus(status) } : {}),
    ...(claim ? { representativeClaim: claim } : {}),
    ...(Object.keys(overage).length > 0 ? { overage } : {}),
  };
}

function overageDetail(overage: AnthropicOverage): string | undefined {
  if (!overage.status) return undefined;
  const status = overage.status === 'rejected' ? 'off' : overage.status.replace(/_/g, ' ');
  const used = overage.usedRatio !== undefined ? `, ${Math.round(overage.usedRatio * 100)}% used` : '';
  const reason = overage.disabledReason ? `: ${overage.disabledReason.replace(/_/g, ' ')}` : '';
  return `extra usage ${status}${used}${reason}`;
}

function parseNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  return Number(value);
}

/** OpenAI's reset durations: "1s", "6m0s", "20ms", "1h2m3.5s". */
export function parseOpenAiDuration(value: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(value.trim());
  if (!match || value.trim() === '') return undefined;
  const [, h, m, s, ms] = match;
  return (Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000 + Number(ms ?? 0);
}

/**
 * ChatGPT-plan traffic (Codex) carries x-codex-primary-* / x-codex-secondary-* (used percent 0–100,
 * seconds until reset, window length in minutes); API-key traffic carries the standard
 * x-ratelimit-{limit,remaining,reset}-{requests,tokens}.
 */
export function parseOpenAiHeaders(raw: HeaderBag, observedAt: number): ParsedLimits {
  const headers = lowerCased(raw);
  const malformed: string[] = [];
  const readings: LimitReading[] = [];
  const account = accountKey(header(headers, 'openai-organization'));
  for (const slot of ['primary', 'secondary'] as const) {
    const usedHeader = `x-codex-${slot}-used-percent`;
    const used = header(headers, usedHeader);
    if (used === undefined) continue;
    const percent = parseNumber(used);
    if (percent === undefined || percent > MAX_UTILIZATION * 100) {
      malformed.push(usedHeader);
      continue;
    }
    const afterHeader = `x-codex-${slot}-reset-after-seconds`;
    const after = header(headers, afterHeader);
    const afterSeconds = parseNumber(after);
    if (after !== undefined && afterSeconds === undefined) malformed.push(afterHeader);
    const minutesHeader = `x-codex-${slot}-window-minutes`;
    const minutesText = header(headers, minutesHeader);
    const minutes = parseNumber(minutesText);
    const windowMinutes = minutes !== undefined && Number.isInteger(minutes) && minutes > 0 ? minutes : undefined;
    if (minutesText !== undefined && windowMinutes === undefined) malformed.push(minutesHeader);
    readings.push({
      provider: 'openai',
      account,
      window: windowMinutes ? windowNameForMinutes(windowMinutes) : slot,
      usedRatio: percent / 100,
      ...(afterSeconds !== undefined ? { resetsAt: observedAt + Math.round(afterSeconds * 1000) } : {}),
      ...(windowMinutes ? { windowMinutes } : {}),
      source: 'openai-headers',
      observedAt,
    });
  }
  for (const kind of ['requests', 'tokens'] as const) {
    const limitText = header(headers, `x-ratelimit-limit-${kind}`);
    const remainingText = header(headers, `x-ratelimit-remaining-${kind}`);
    if (limitText === undefined || remainingText === undefined) continue;
    const limit = parseNumber(limitText);
    const remaining = parseNumber(remainingText);
    if (!limit || remaining === undefined || remaining > limit) {
      malformed.push(`x-ratelimit-limit-${kind}`);
      continue;
    }
    const resetText = header(headers, `x-ratelimit-reset-${kind}`);
    const resetMs = resetText !== undefined ? parseOpenAiDuration(resetText) : undefined;
    if (resetText !== undefined && resetMs === undefined) malformed.push(`x-ratelimit-reset-${kind}`);
    readings.push({
      provider: 'openai',
      account,
      window: `api-${kind}`,
      usedRatio: 1 - remaining / limit,
      ...(resetMs !== undefined ? { resetsAt: observedAt + resetMs } : {}),
      source: 'openai-headers',
      observedAt,
    });
  }
  return { readings, malformed };
}
