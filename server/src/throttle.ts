/**
 * Failed authentication attempts per client in a sliding window. Past `maxFailures` failures in the
 * last `windowMs`, the client waits until the oldest of them leaves the window, whatever it sends
 * then (the right token included), so guessing costs time. Successes do not reset the count: a client
 * holding one valid token cannot use it to keep guessing others.
 *
 * Hand-kept rather than @fastify/rate-limit: that plugin counts every request before the route runs,
 * while this must count only failed checks and be asked before a token is checked.
 */
export interface ThrottleSettings {
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_AUTH_THROTTLE: ThrottleSettings = { maxFailures: 10, windowMs: 5 * 60_000 };
/** Clients remembered at once; the least recently failing one is forgotten first. */
const MAX_CLIENTS = 10_000;

export class FailureThrottle {
  /** Failure times per client, oldest first; Map order is least recently failing first. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly now: () => number,
  ) {}

  /** Whole seconds the client must wait before its next attempt; 0 when it may try now. */
  retryAfterSeconds(client: string): number {
    const recent = this.recent(client);
    if (recent.length < this.settings.maxFailures) return 0;
    return Math.max(1, Math.ceil((recent[0] + this.settings.windowMs - this.now()) / 1000));
  }

  recordFailure(client: string): void {
    const recent = this.recent(client);
    recent.push(this.now());
    this.failures.delete(client);
    this.failures.set(client, recent.slice(-this.settings.maxFailures));
    if (this.failures.size > MAX_CLIENTS) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(client: string): number[] {
    const since = this.now() - this.settings.windowMs;
    const recent = (this.failures.get(client) ?? []).filter((t) => t > since);
    if (recent.length === 0) this.failures.delete(client);
    return recent;
  }
}
