import { totalTokens, type UsageEvent } from './events';
import { base64Of, float64sOf, int32sOf } from './packedArrays';

/**
 * Tokens per provider per minute over the last weeks: enough to answer the windows shorter than a
 * day that subscription plans use (5-hour blocks, burn rate, a rolling week) without keeping events.
 */

const MINUTE_MS = 60_000;
const MINUTES_PER_DAY = 1440;
/** Long enough for four past weeks (a weekly-limit estimate) plus the current one. */
export const ACTIVITY_DAYS = 35;
const WINDOW_MS = ACTIVITY_DAYS * 86_400_000;

export type ActivityPoint = [minuteStart: number, tokens: number];

/** A day's minutes, none with events yet (NaN). */
function emptyDay(): Float64Array {
  return new Float64Array(MINUTES_PER_DAY).fill(Number.NaN);
}

export class MinuteActivity {
  /**
   * Per provider, per day (UTC days since the epoch): tokens per minute of that day, NaN for a minute
   * without events. Counting a long log adds to a minute per event; an array slot costs less than a
   * Map entry, and a day's array is dropped whole once it is out of the window.
   */
  private readonly byProvider = new Map<string, Map<number, Float64Array>>();
  private newest = 0;

  add(e: UsageEvent): void {
    if (e.ts < this.newest - WINDOW_MS) return;
    if (e.ts > this.newest) this.newest = e.ts;
    const minute = Math.floor(e.ts / MINUTE_MS);
    const day = Math.floor(minute / MINUTES_PER_DAY);
    let days = this.byProvider.get(e.provider);
    if (!days) this.byProvider.set(e.provider, (days = new Map()));
    let minutes = days.get(day);
    if (!minutes) {
      this.dropExpiredDays(days);
      days.set(day, (minutes = emptyDay()));
    }
    const at = minute - day * MINUTES_PER_DAY;
    const before = minutes[at];
    minutes[at] = (Number.isNaN(before) ? 0 : before) + totalTokens(e);
  }

  /** The first minute still in the window: minutes before it are forgotten. */
  private get firstMinute(): number {
    return (this.newest - WINDOW_MS) / MINUTE_MS;
  }

  /** Whether every minute of `day` is before the window's first minute. */
  private isExpired(day: number): boolean {
    return (day + 1) * MINUTES_PER_DAY <= this.firstMinute;
  }

  private dropExpiredDays(days: Map<number, Float64Array>): void {
    for (const day of days.keys()) if (this.isExpired(day)) days.delete(day);
  }

  /** The provider's active minutes in [from, to) within the window, oldest first. */
  series(provider: string, from = 0, to = Number.POSITIVE_INFINITY): ActivityPoint[] {
    return this.points(provider).filter(([start]) => start >= from && start < to);
  }

  /** The provider's active minutes within the window, oldest first. */
  private points(provider: string): ActivityPoint[] {
    const days = this.byProvider.get(provider);
    if (!days) return [];
    const first = this.firstMinute;
    const out: ActivityPoint[] = [];
    for (const day of [...days.keys()].sort((a, b) => a - b)) {
      const minutes = days.get(day)!;
      for (let at = 0; at < MINUTES_PER_DAY; at++) {
        const minute = day * MINUTES_PER_DAY + at;
        if (!Number.isNaN(minutes[at]) && minute >= first) out.push([minute * MINUTE_MS, minutes[at]]);
      }
    }
    return out;
  }

  /** The minutes within the window, packed (see SavedActivity). */
  toJSON(): SavedActivity {
    const first = this.firstMinute;
    const providers: Record<string, SavedMinutes> = {};
    for (const [provider, days] of this.byProvider) {
      const kept = [...days.keys()].filter((day) => !this.isExpired(day)).sort((a, b) => a - b);
      const tokens = new Float64Array(kept.length * MINUTES_PER_DAY);
      kept.forEach((day, i) => tokens.set(days.get(day)!, i * MINUTES_PER_DAY));
      // Minutes of the first day that are before the window are not kept.
      if (kept.length > 0) tokens.fill(Number.NaN, 0, Math.max(0, Math.min(MINUTES_PER_DAY, Math.ceil(first - kept[0] * MINUTES_PER_DAY))));
      providers[provider] = { days: base64Of(Int32Array.from(kept)), tokens: base64Of(tokens) };
    }
    return { newest: this.newest, providers };
  }

  /** Restores what toJSON saved, or the ActivityPoint lists per provider that earlier versions saved; damaged parts are left out. */
  static fromJSON(value: unknown): MinuteActivity {
    const activity = new MinuteActivity();
    if (typeof value !== 'object' || value === null) return activity;
    const { newest, providers } = value as Partial<Record<keyof SavedActivity, unknown>>;
    if (typeof newest === 'number' && typeof providers === 'object' && providers !== null) {
      activity.newest = newest;
      for (const [provider, saved] of Object.entries(providers as Record<string, unknown>)) {
        const { days: daysText, tokens: tokensText } = (saved ?? {}) as Partial<Record<keyof SavedMinutes, unknown>>;
        const dayNumbers = int32sOf(daysText);
        const tokens = float64sOf(tokensText);
        if (!dayNumbers || !tokens || tokens.length !== dayNumbers.length * MINUTES_PER_DAY) continue;
        const days = new Map<number, Float64Array>();
        dayNumbers.forEach((day, i) => days.set(day, tokens.slice(i * MINUTES_PER_DAY, (i + 1) * MINUTES_PER_DAY)));
        activity.byProvider.set(provider, days);
      }
      return activity;
    }
    for (const [provider, points] of Object.entries(value as Record<string, unknown>)) {
      if (!Array.isArray(points)) continue;
      const days = new Map<number, Float64Array>();
      for (const point of points) {
        if (Array.isArray(point) && typeof point[0] === 'number' && typeof point[1] === 'number') {
          const minute = Math.floor(point[0] / MINUTE_MS);
          const day = Math.floor(minute / MINUTES_PER_DAY);
          let minutes = days.get(day);
          if (!minutes) days.set(day, (minutes = emptyDay()));
          minutes[minute - day * MINUTES_PER_DAY] = point[1];
          if (point[0] > activity.newest) activity.newest = point[0];
        }
      }
      activity.byProvider.set(provider, days);
    }
    return activity;
  }
}

/**
 * Minute activity as saved: the newest time counted, and per provider its days (since the epoch,
 * UTC) and for each day MINUTES_PER_DAY token counts (NaN: no events), as base64 (packedArrays.ts).
 * A JSON list of [minute, tokens] cost a good part of saving the rollups after a recount.
 */
export interface SavedActivity {
  newest: number;
  providers: Record<string, SavedMinutes>;
}

export interface SavedMinutes {
  /** Int32 per day. */
  days: string;
  /** Float64 per minute of those days. */
  tokens: string;
}
