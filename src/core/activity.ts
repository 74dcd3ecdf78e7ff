import { totalTokens, type UsageEvent } from './events';

/**
 * Tokens per provider per minute over the last weeks: enough to answer the windows shorter than a
 * day that subscription plans use (5-hour blocks, burn rate, a rolling week) without keeping events.
 */

const MINUTE_MS = 60_000;
/** Long enough for four past weeks (a weekly-limit estimate) plus the current one. */
export const ACTIVITY_DAYS = 35;

export type ActivityPoint = [minuteStart: number, tokens: number];

export class MinuteActivity {
  /** Tokens per provider per minute number (minutes since the epoch: small integers, cheap as Map keys). */
  private readonly byProvider = new Map<string, Map<number, number>>();
  private newest = 0;

  add(e: UsageEvent): void {
    if (e.ts < this.newest - ACTIVITY_DAYS * 86_400_000) return;
    const minute = Math.floor(e.ts / MINUTE_MS);
    let minutes = this.byProvider.get(e.provider);
    if (!minutes) this.byProvider.set(e.provider, (minutes = new Map()));
    minutes.set(minute, (minutes.get(minute) ?? 0) + totalTokens(e));
    if (e.ts > this.newest) this.newest = e.ts;
  }

  /** The provider's active minutes in [from, to), oldest first. */
  series(provider: string, from = 0, to = Number.POSITIVE_INFINITY): ActivityPoint[] {
    const minutes = this.byProvider.get(provider);
    if (!minutes) return [];
    const out: ActivityPoint[] = [];
    for (const [minute, tokens] of minutes) {
      const start = minute * MINUTE_MS;
      if (start >= from && start < to) out.push([start, tokens]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  private prune(): void {
    const cutoff = (this.newest - ACTIVITY_DAYS * 86_400_000) / MINUTE_MS;
    for (const minutes of this.byProvider.values()) for (const minute of minutes.keys()) if (minute < cutoff) minutes.delete(minute);
  }

  toJSON(): Record<string, ActivityPoint[]> {
    this.prune();
    return Object.fromEntries(
      [...this.byProvider].map(([provider, minutes]) => [
        provider,
        [...minutes].map(([minute, tokens]): ActivityPoint => [minute * MINUTE_MS, tokens]),
      ]),
    );
  }

  static fromJSON(value: unknown): MinuteActivity {
    const activity = new MinuteActivity();
    if (typeof value !== 'object' || value === null) return activity;
    for (const [provider, points] of Object.entries(value as Record<string, unknown>)) {
      if (!Array.isArray(points)) continue;
      const minutes = new Map<number, number>();
      for (const point of points) {
        if (Array.isArray(point) && typeof point[0] === 'number' && typeof point[1] === 'number') {
          minutes.set(Math.floor(point[0] / MINUTE_MS), point[1]);
          if (point[0] > activity.newest) activity.newest = point[0];
        }
      }
      activity.byProvider.set(provider, minutes);
    }
    return activity;
  }
}
