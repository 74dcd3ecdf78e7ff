import { settingDefault, settingRange, type SettingValues } from './settingsSchema';
import {
  addDays,
  cachedZoneOffsetMs,
  dayKey,
  isValidTimeZone,
  parseDayKey,
  WEEKDAY_LABELS,
  WEEKDAYS,
  weekdayOf,
  zonedTimeToUtc,
} from './time';

/**
 * Peak hours: weekday time windows on the wall clock of one IANA zone. Usage inside a window weighs
 * `multiplier` times against budgets. A window whose end is not after its start runs past midnight
 * (22:00–02:00 on Friday covers Friday 22:00 to Saturday 02:00).
 */
export interface PeakWindow {
  /** Weekdays the window starts on, 0 = Sunday. */
  days: number[];
  /** Minutes after local midnight, 0–1439. */
  start: number;
  /** Minutes after local midnight, 1–1440; ≤ start means the window ends the next day. */
  end: number;
  multiplier: number;
}

export interface PeakScheduleData {
  timeZone: string;
  windows: PeakWindow[];
  multiplier: number;
}

export interface PeakChange {
  at: number;
  peak: boolean;
  multiplier: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export class PeakSchedule {
  constructor(readonly data: PeakScheduleData) {}

  get timeZone(): string {
    return this.data.timeZone;
  }

  get hasWindows(): boolean {
    return this.data.windows.length > 0;
  }

  private localTime(ts: number): { weekday: number; minute: number } {
    const local = ts + cachedZoneOffsetMs(ts, this.data.timeZone);
    const day = Math.floor(local / DAY);
    // 1970-01-01, local day 0, was a Thursday.
    return { weekday: (((day + 4) % 7) + 7) % 7, minute: Math.floor((local - day * DAY) / MINUTE) };
  }

  /** The weight of usage at an instant: the largest multiplier of the windows covering it, else 1. */
  multiplierAt(ts: number): number {
    if (this.data.windows.length === 0) return 1;
    const { weekday, minute } = this.localTime(ts);
    const yesterday = (weekday + 6) % 7;
    let best = 1;
    for (const w of this.data.windows) {
      const covers =
        w.end > w.start
          ? w.days.includes(weekday) && minute >= w.start && minute < w.end
          : (w.days.includes(weekday) && minute >= w.start) || (w.days.includes(yesterday) && minute < w.end);
      if (covers && w.multiplier > best) best = w.multiplier;
    }
    return best;
  }

  isPeak(ts: number): boolean {
    return this.multiplierAt(ts) > 1;
  }

  /** The next instant the multiplier changes, within the coming eight days. */
  nextChange(ts: number): PeakChange | undefined {
    if (this.data.windows.length === 0) return undefined;
    const current = this.multiplierAt(ts);
    const zone = this.data.timeZone;
    const today = dayKey(ts, zone);
    const boundaries: number[] = [];
    for (let offset = -1; offset <= 8; offset++) {
      const day = addDays(today, offset);
      const weekday = weekdayOf(day);
      const { year, month, day: dom } = parseDayKey(day);
      for (const w of this.data.windows) {
        if (!w.days.includes(weekday)) continue;
        boundaries.push(zonedTimeToUtc(zone, year, month, dom, Math.floor(w.start / 60), w.start % 60));
        const endDay = w.end > w.start ? day : addDays(day, 1);
        const e = parseDayKey(endDay);
        boundaries.push(zonedTimeToUtc(zone, e.year, e.month, e.day, Math.floor(w.end / 60), w.end % 60));
      }
    }
    const ahead = [...new Set(boundaries)].filter((b) => b > ts).sort((a, b) => a - b);
    for (const at of ahead) {
      const multiplier = this.multiplierAt(at);
      if (multiplier !== current) return { at, peak: multiplier > 1, multiplier };
    }
    return undefined;
  }

  /** "Mon–Fri 09:00–18:00 (America/Los_Angeles)", with per-window weights where they differ. */
  describe(): string {
    if (this.data.windows.length === 0) return `no peak windows (${this.data.timeZone})`;
    const parts = this.data.windows.map((w) => {
      const weight = w.multiplier !== this.data.multiplier ? ` ×${w.multiplier}` : '';
      return `${describeDays(w.days)} ${clock(w.start)}–${clock(w.end)}${weight}`;
    });
    return `${parts.join(', ')} (${this.data.timeZone})`;
  }

  fingerprint(): string {
    return JSON.stringify(this.data);
  }
}

function describeDays(days: number[]): string {
  // Monday-first order reads naturally for working weeks.
  const order = [1, 2, 3, 4, 5, 6, 0].filter((d) => days.includes(d));
  const runs: number[][] = [];
  for (const d of order) {
    const last = runs[runs.length - 1];
    const prev = last?.[last.length - 1];
    if (last && prev !== undefined && (prev + 1) % 7 === d && d !== 1) last.push(d);
    else runs.push([d]);
  }
  return runs
    .map((r) => (r.length > 2 ? `${WEEKDAY_LABELS[r[0]]}–${WEEKDAY_LABELS[r[r.length - 1]]}` : r.map((d) => WEEKDAY_LABELS[d]).join(', ')))
    .join(', ');
}

/**
 * Built-in schedules. Since March 2026 Anthropic drains subscription usage faster on weekdays
 * 05:00–11:00 Pacific; by how much is not published, so the multiplier stays the user's setting.
 */
export const PEAK_PRESETS = {
  'anthropic-subscription': {
    label: 'Anthropic subscription peak hours',
    timeZone: 'America/Los_Angeles',
    windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '05:00', end: '11:00' }],
  },
} as const satisfies Record<Exclude<SettingValues['peakHours.preset'], 'custom'>, unknown>;
export type PeakPresetId = keyof typeof PEAK_PRESETS;

export const DEFAULT_PEAK_WINDOWS = settingDefault('peakHours.windows');
export const DEFAULT_PEAK_MULTIPLIER = settingDefault('peakHours.multiplier');
const MAX_MULTIPLIER = settingRange('peakHours.multiplier').maximum!;

function parseClock(value: unknown, allow24: boolean): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (minutes > 59) return undefined;
  if (hours === 24 && minutes === 0 && allow24) return 1440;
  if (hours > 23) return undefined;
  return hours * 60 + minutes;
}

function parseMultiplier(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 && value <= MAX_MULTIPLIER ? value : undefined;
}

/**
 * Validates peak settings. Each problem names the setting and what applies instead; a broken
 * window is skipped, a broken zone or multiplier falls back to a safe default.
 */
export function parsePeakSchedule(
  raw: { timeZone: unknown; windows: unknown; multiplier: unknown },
  settingPrefix: string,
  fallbackZone: string,
): { schedule: PeakSchedule; problems: string[] } {
  const problems: string[] = [];
  let timeZone = fallbackZone;
  if (typeof raw.timeZone === 'string' && raw.timeZone !== '') {
    if (isValidTimeZone(raw.timeZone)) timeZone = raw.timeZone;
    else problems.push(`${settingPrefix}.timeZone: "${raw.timeZone}" is not a known IANA time zone; using ${fallbackZone}.`);
  }

  let multiplier = DEFAULT_PEAK_MULTIPLIER;
  if (raw.multiplier !== undefined && raw.multiplier !== null) {
    const parsed = parseMultiplier(raw.multiplier);
    if (parsed === undefined) {
      problems.push(
        `${settingPrefix}.multiplier must be a number from 1 to ${MAX_MULTIPLIER} (got ${JSON.stringify(raw.multiplier)}); using ${DEFAULT_PEAK_MULTIPLIER}.`,
      );
    } else multiplier = parsed;
  }

  let rawWindows: unknown = raw.windows ?? DEFAULT_PEAK_WINDOWS;
  if (!Array.isArray(rawWindows)) {
    problems.push(`${settingPrefix}.windows must be a list of { "days", "start", "end" } windows; using Mon–Fri 09:00–18:00.`);
    rawWindows = DEFAULT_PEAK_WINDOWS;
  }
  const windows: PeakWindow[] = [];
  (rawWindows as unknown[]).forEach((entry, index) => {
    const where = `${settingPrefix}.windows[${index}]`;
    if (typeof entry !== 'object' || entry === null) {
      problems.push(`${where} must be an object like { "days": ["mon"], "start": "09:00", "end": "18:00" }; skipping it.`);
      return;
    }
    const w = entry as Record<string, unknown>;
    const days = Array.isArray(w.days)
      ? w.days.map((d) => (typeof d === 'string' ? (WEEKDAYS as readonly string[]).indexOf(d.trim().toLowerCase().slice(0, 3)) : -1))
      : [];
    if (days.length === 0 || days.includes(-1)) {
      problems.push(`${where}.days must list days such as ["mon", "tue"] (got ${JSON.stringify(w.days)}); skipping this window.`);
      return;
    }
    const start = parseClock(w.start, false);
    const end = parseClock(w.end, true);
    if (start === undefined || end === undefined) {
      problems.push(
        `${where}: start and end must be times like "09:00" and "18:00" (got ${JSON.stringify(w.start)}–${JSON.stringify(w.end)}); skipping this window.`,
      );
      return;
    }
    let windowMultiplier = multiplier;
    if (w.multiplier !== undefined) {
      const parsed = parseMultiplier(w.multiplier);
      if (parsed === undefined) {
        problems.push(`${where}.multiplier must be a number from 1 to ${MAX_MULTIPLIER}; using ${multiplier}.`);
      } else windowMultiplier = parsed;
    }
    // "00:00" as an end means midnight at the end of the day.
    windows.push({ days: [...new Set(days)].sort(), start, end: end === 0 ? 1440 : end, multiplier: windowMultiplier });
  });
  return { schedule: new PeakSchedule({ timeZone, windows, multiplier }), problems };
}
