import { windowNameForMinutes, type LimitReading } from './reading';

/** One window as Codex logs it in its session files (`rate_limits`). */
export interface LoggedWindow {
  /** 0–100. */
  usedPercent: number;
  windowMinutes?: number;
  /** Epoch ms. */
  resetsAt?: number;
}

/** Codex's logged `rate_limits` (primary: the short window, secondary: the weekly one) as readings. */
export function readingsFromCodexLog(snapshot: { ts: number; primary?: LoggedWindow; secondary?: LoggedWindow }): LimitReading[] {
  const readings: LimitReading[] = [];
  for (const slot of ['primary', 'secondary'] as const) {
    const w = snapshot[slot];
    if (!w || !Number.isFinite(w.usedPercent)) continue;
    readings.push({
      provider: 'openai',
      account: 'default',
      window: w.windowMinutes ? windowNameForMinutes(w.windowMinutes) : slot,
      usedRatio: w.usedPercent / 100,
      ...(w.resetsAt !== undefined ? { resetsAt: w.resetsAt } : {}),
      ...(w.windowMinutes ? { windowMinutes: w.windowMinutes } : {}),
      source: 'codex',
      observedAt: snapshot.ts,
    });
  }
  return readings;
}
