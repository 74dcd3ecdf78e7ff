import type { HygieneKind } from './types';

/**
 * When a finding may become a warning: at most one per kind per interval, none while snoozed or
 * for a muted kind, and none while the user is typing (it waits for a quiet moment instead).
 * Time is always passed in, so every rule is tested with a fake clock.
 */
export class WarningRateLimiter {
  private readonly lastWarned = new Map<HygieneKind, number>();
  private snoozedUntil = 0;

  constructor(private intervalMs: number) {}

  setInterval(intervalMs: number): void {
    this.intervalMs = intervalMs;
  }

  /** Whether a warning of this kind may be shown now; when it may, it counts as shown. */
  tryWarn(kind: HygieneKind, now: number, muted: readonly HygieneKind[]): boolean {
    if (muted.includes(kind) || now < this.snoozedUntil) return false;
    const last = this.lastWarned.get(kind);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.lastWarned.set(kind, now);
    return true;
  }

  snooze(now: number, ms: number): void {
    this.snoozedUntil = now + ms;
  }

  get snoozeEnds(): number {
    return this.snoozedUntil;
  }

  /** What must survive a reload: the snooze and when each kind last warned. */
  toJSON(): WarningState {
    return { snoozedUntil: this.snoozedUntil, lastWarned: [...this.lastWarned] };
  }

  /** Takes over the state a previous window saved; anything malformed is ignored. */
  restore(state: unknown): void {
    const s = state as Partial<WarningState> | undefined;
    if (typeof s?.snoozedUntil === 'number') this.snoozedUntil = s.snoozedUntil;
    if (Array.isArray(s?.lastWarned)) {
      for (const entry of s.lastWarned) {
        if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number')
          this.lastWarned.set(entry[0] as HygieneKind, entry[1]);
      }
    }
  }
}

export interface WarningState {
  snoozedUntil: number;
  lastWarned: Array<[HygieneKind, number]>;
}

/** How long to hold a warning back so it does not pop up under the user's typing; 0 = show now. */
export function typingQuietDelay(lastTypedAt: number | undefined, now: number, quietMs: number): number {
  if (lastTypedAt === undefined) return 0;
  return Math.max(0, lastTypedAt + quietMs - now);
}
