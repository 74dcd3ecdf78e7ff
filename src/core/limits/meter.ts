import { formatDuration, formatPercent } from '../format';
import {
  canonicalWindow,
  isCurrent,
  isExact,
  providerLabel,
  SOURCE_LABELS,
  windowLabel,
  windowShortLabel,
  type LimitReading,
} from './reading';

/**
 * "What limits me now": from every current reading of every provider, the window that binds, as
 * status-bar text (`5h 42% · resets 14:20`), a tooltip listing every window with its source and age,
 * and threshold warnings once per window.
 */

/** Statuses meaning the provider is refusing requests in this window. */
const REFUSING = new Set(['rejected', 'blocked', 'exceeded']);

function refusing(r: LimitReading): boolean {
  return r.status !== undefined && REFUSING.has(r.status);
}

/**
 * An API key's per-minute request and token limits (x-ratelimit-*) refill within a minute: they are
 * listed, but bind and warn only when used up, or the meter would flicker and nag under load.
 */
function perMinuteApiLimit(r: LimitReading): boolean {
  return r.window.startsWith('api-') && (r.usedRatio ?? 0) < 1;
}

/**
 * The one window that limits a provider now. A window the provider refuses in wins; then the one
 * the provider names as binding (Anthropic's representative claim); then the fullest; on a tie,
 * the one that resets last (it keeps you waiting longest); exact sources before fallbacks.
 */
export function bindingWindow(readings: readonly LimitReading[], now: number): LimitReading | undefined {
  const current = readings.filter((r) => isCurrent(r, now) && (r.usedRatio !== undefined || refusing(r)) && !perMinuteApiLimit(r));
  if (current.length === 0) return undefined;
  const rank = (r: LimitReading): number[] => [
    refusing(r) ? 1 : 0,
    isExact(r.source) ? 1 : 0,
    r.binding ? 1 : 0,
    r.usedRatio ?? 1,
    r.resetsAt ?? 0,
  ];
  return current.reduce((best, r) => {
    const a = rank(r);
    const b = rank(best);
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) return a[i] > b[i] ? r : best;
    }
    return best;
  });
}

/**
 * Across providers, the most pressing binding window: refused first, then the fullest. A provider
 * with exact readings is represented by its exact binding window, never by an estimate.
 */
export function mostPressing(readings: readonly LimitReading[], now: number): LimitReading | undefined {
  const byProvider = new Map<string, LimitReading[]>();
  for (const r of readings) byProvider.set(r.provider, [...(byProvider.get(r.provider) ?? []), r]);
  const bound = [...byProvider.values()].flatMap((list) => bindingWindow(list, now) ?? []);
  return bound.reduce<LimitReading | undefined>((best, r) => {
    if (!best) return r;
    if (refusing(r) !== refusing(best)) return refusing(r) ? r : best;
    return (r.usedRatio ?? 1) > (best.usedRatio ?? 1) ? r : best;
  }, undefined);
}

/**
 * One reading per provider and window: the newest. The same window often arrives from two sources
 * (the gateway's headers and Claude Code's status line) that cannot tell whether they speak of the
 * same account, and the newest is the truest either way.
 */
export function newestPerWindow(readings: readonly LimitReading[]): LimitReading[] {
  const newest = new Map<string, LimitReading>();
  for (const r of readings) {
    const key = `${r.provider}\u0000${canonicalWindow(r.window)}`;
    const seen = newest.get(key);
    if (!seen || r.observedAt > seen.observedAt) newest.set(key, r);
  }
  return [...newest.values()];
}

/** Resets computed from "seconds from now" drift by a second or so per response: alerts key on the quarter hour. */
const ALERT_RESET_GRAIN_MS = 15 * 60_000;

/** "as of just now", "as of 3 min ago", "as of 2 h 5 m ago". */
export function ageWords(observedAt: number, now: number): string {
  const ms = Math.max(0, now - observedAt);
  if (ms < 60_000) return 'as of just now';
  if (ms < 3600_000) return `as of ${Math.round(ms / 60_000)} min ago`;
  return `as of ${formatDuration(ms)} ago`;
}

export type LimitLevel = 'normal' | 'warning' | 'error';

export interface LimitAlert {
  /** Shown once per key: provider, account, window, the window's reset and the threshold. */
  key: string;
  message: string;
}

export interface LimitsView {
  /** "5h 42% · resets 14:20", prefixed with the provider when several report. */
  text: string;
  level: LimitLevel;
  /** Markdown lines for the tooltip. */
  tooltipLines: string[];
  binding: LimitReading;
  alerts: LimitAlert[];
}

export interface LimitsViewInput {
  now: number;
  readings: readonly LimitReading[];
  formatClock: (ts: number) => string;
  /** A date for resets more than a few days away ("Jan 1"); the clock is used when not given. */
  formatDate?: (ts: number) => string;
  /** Percentages at which to warn, ascending (tokenMeter.limits.warningThresholds). */
  thresholds: readonly number[];
  /** Opt-in: a note when a weekly window resets soon with much of it unused. */
  unusedWeeklyNote?: boolean;
}

function usedWords(r: LimitReading): string {
  if (r.usedRatio !== undefined) return formatPercent(r.usedRatio);
  return r.status ?? '—';
}

/** A weekday names a reset within the week; further away (a monthly quota) the date does. */
const DATE_AFTER_MS = 6 * 86_400_000;

function when(ts: number, input: LimitsViewInput): string {
  return input.formatDate && ts - input.now >= DATE_AFTER_MS ? input.formatDate(ts) : input.formatClock(ts);
}

function resetWords(r: LimitReading, input: LimitsViewInput): string {
  return r.resetsAt !== undefined ? ` · resets ${when(r.resetsAt, input)}` : '';
}

function levelOf(r: LimitReading, thresholds: readonly number[]): LimitLevel {
  if (refusing(r) || (r.usedRatio ?? 0) >= 1) return 'error';
  const lowest = thresholds[0];
  if (lowest !== undefined && (r.usedRatio ?? 0) * 100 >= lowest) return 'warning';
  return 'normal';
}

const ADVICE: Record<string, string> = {
  anthropic:
    'To stretch it: use a lighter model (Sonnet or Haiku) for simple requests, start a fresh conversation (less context re-sent each time), or defer batch work until it resets.',
  openai:
    'To stretch it: use a lighter model or lower reasoning effort for simple tasks, start a fresh session, or defer batch work until it resets.',
  'github-copilot':
    'To stretch it: use the included models (no premium multiplier) for routine requests, or turn on paid overage for premium requests.',
};

const UNUSED_NOTE_WITHIN_MS = 24 * 3600_000;
const UNUSED_NOTE_BELOW = 0.5;

function isWeekly(window: string): boolean {
  return /^(7d|seven_day)/i.test(window);
}

export function buildLimitsView(input: LimitsViewInput): LimitsView | undefined {
  const { now } = input;
  const current = newestPerWindow(input.readings.filter((r) => isCurrent(r, now)));
  const binding = mostPressing(current, now);
  if (!binding) return undefined;
  const providers = [...new Set(current.map((r) => r.provider))];
  const prefix = providers.length > 1 ? `${providerLabel(binding.provider).split(' ')[0]} ` : '';
  const estimateMark = isExact(binding.source) ? '' : '~';
  const text = `${prefix}${windowShortLabel(binding.window)} ${estimateMark}${usedWords(binding)}${resetWords(binding, input)}`;

  const lines: string[] = [];
  const alerts: LimitAlert[] = [];
  let level: LimitLevel = 'normal';
  for (const provider of providers) {
    const own = current.filter((r) => r.provider === provider);
    const bound = bindingWindow(own, now);
    lines.push(`**${providerLabel(provider)}**`, '');
    const sorted = [...own].sort((a, b) => (b.usedRatio ?? 0) - (a.usedRatio ?? 0));
    for (const r of sorted) {
      const marker = r === bound ? ' — **binds now**' : '';
      const status = r.status && r.status !== 'allowed' ? ` · ${r.status.replace(/_/g, ' ')}` : '';
      const detail = r.detail ? ` (${r.detail})` : '';
      lines.push(
        `${windowLabel(r.window)}: ${usedWords(r)}${detail}${resetWords(r, input)}${status}${marker} — ${SOURCE_LABELS[r.source]}, ${ageWords(r.observedAt, now)}`,
        '',
      );
      const l = perMinuteApiLimit(r) ? 'normal' : levelOf(r, input.thresholds);
      if (l === 'error' || (l === 'warning' && level === 'normal')) level = l;
      const crossed = [...input.thresholds].reverse().find((t) => (r.usedRatio ?? 0) * 100 >= t);
      if (crossed !== undefined && isExact(r.source) && !perMinuteApiLimit(r)) {
        const resets = r.resetsAt !== undefined ? `; it resets ${when(r.resetsAt, input)} (in ${formatDuration(r.resetsAt - now)})` : '';
        alerts.push({
          key: `${r.provider}:${r.window}:${r.resetsAt !== undefined ? Math.round(r.resetsAt / ALERT_RESET_GRAIN_MS) : ''}:${crossed}`,
          message: `your ${providerLabel(r.provider)} ${windowLabel(r.window)} window is ${formatPercent(r.usedRatio ?? 0)} used${resets}. ${ADVICE[r.provider] ?? 'Consider deferring large jobs until it resets.'}`,
        });
      }
      if (
        input.unusedWeeklyNote &&
        isWeekly(r.window) &&
        isExact(r.source) &&
        r.resetsAt !== undefined &&
        r.resetsAt - now <= UNUSED_NOTE_WITHIN_MS &&
        (r.usedRatio ?? 1) < UNUSED_NOTE_BELOW
      ) {
        alerts.push({
          key: `unused:${r.provider}:${r.window}:${Math.round(r.resetsAt / ALERT_RESET_GRAIN_MS)}`,
          message: `your ${providerLabel(r.provider)} ${windowLabel(r.window)} window resets ${input.formatClock(r.resetsAt)} with ${formatPercent(1 - (r.usedRatio ?? 0))} of it unused — a good moment for the larger jobs you were saving.`,
        });
      }
    }
  }
  return { text, level, tooltipLines: lines, binding, alerts };
}
