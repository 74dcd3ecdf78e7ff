/**
 * Calendar arithmetic in IANA time zones without a date library. Days are the user's local days, so
 * every "today" or "this week" is computed in a zone, never in UTC or the process's own zone.
 */

const formatterCache = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatterCache.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatterCache.set(timeZone, fmt);
  }
  return fmt;
}

/**
 * The zone Date's local-time methods follow (this process's own zone), when it has been named with
 * setLocalTimeZone. Its offsets and wall-clock parts are read from Date, which loads no Intl
 * formatter: the first Intl formatter in a process loads ICU's locale data, which was most of the
 * extension's activation time.
 */
let localZone: string | undefined;

/** Names the zone Date's local-time methods follow; undefined forgets it. */
export function setLocalTimeZone(timeZone: string | undefined): void {
  if (timeZone === localZone) return;
  localZone = timeZone;
  zoneOffsets.clear();
}

/**
 * UTC's names: its offsets and wall-clock parts come from Date's UTC methods, so a report in UTC
 * (a server, a CI job, `--time-zone UTC`) loads no Intl formatter either.
 */
const UTC_NAMES: ReadonlySet<string> = new Set(['UTC', 'Etc/UTC']);

/** True when the runtime knows the IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  if (timeZone === localZone || UTC_NAMES.has(timeZone)) return true;
  try {
    partsFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone this process runs in (the user's own zone for the extension host and the CLI). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** Weekday names for people, Sunday first like Date#getDay. */
export const WEEKDAY_LABELS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

/** The wall-clock parts at `ts` in a zone `offsetMs` east of UTC, read with Date's UTC methods. */
function wallClockParts(ts: number, offsetMs: number): ZonedParts {
  const d = new Date(ts + offsetMs);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

export function zonedParts(ts: number, timeZone: string): ZonedParts {
  if (timeZone === localZone) return wallClockParts(ts, -new Date(ts).getTimezoneOffset() * 60_000);
  if (UTC_NAMES.has(timeZone)) return wallClockParts(ts, 0);
  const parts = partsFormatter(timeZone).formatToParts(new Date(ts));
  const out: Record<string, string> = {};
  for (const p of parts) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS.indexOf(out.weekday.toLowerCase().slice(0, 3) as Weekday),
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Zone offsets are whole quarter hours and change only on a quarter hour of UTC. Counting a long
 * event log asks for the day (and the peak weight) of many instants close together, and Intl's
 * formatting is the slow part, so it runs as little as possible: for a UTC day whose zone offset is
 * the same at both ends (every day but those with a DST change) the offset is looked up twice for
 * the whole day; otherwise once per quarter hour. Everything else is arithmetic on epoch milliseconds.
 */
const QUARTER_HOUR_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
const MAX_CACHED = 50_000;

interface ZoneOffsets {
  /** Per UTC day number: the zone's offset all that day, or null when it changes during it. */
  steady: Map<number, number | null>;
  /** Per UTC quarter hour, on days whose offset changes. */
  quarters: Map<number, number>;
  /** The last day asked for: events come mostly in time order. */
  lastDay: number;
  lastOffset: number | null;
}

const zoneOffsets = new Map<string, ZoneOffsets>();

/** The zone's offset from UTC at an instant (ms, positive east of Greenwich), computed once per day or quarter hour. */
export function cachedZoneOffsetMs(ts: number, timeZone: string): number {
  let zone = zoneOffsets.get(timeZone);
  if (!zone) zoneOffsets.set(timeZone, (zone = { steady: new Map(), quarters: new Map(), lastDay: NaN, lastOffset: null }));
  const utcDay = Math.floor(ts / DAY_MS);
  let offset: number | null | undefined;
  if (utcDay === zone.lastDay) offset = zone.lastOffset;
  else {
    offset = zone.steady.get(utcDay);
    if (offset === undefined) {
      const atStart = zoneOffsetMs(utcDay * DAY_MS, timeZone);
      offset = atStart === zoneOffsetMs((utcDay + 1) * DAY_MS, timeZone) ? atStart : null;
      if (zone.steady.size >= MAX_CACHED) zone.steady.clear();
      zone.steady.set(utcDay, offset);
    }
    zone.lastDay = utcDay;
    zone.lastOffset = offset;
  }
  if (offset !== null) return offset;
  const quarter = Math.floor(ts / QUARTER_HOUR_MS);
  let changing = zone.quarters.get(quarter);
  if (changing === undefined) {
    changing = zoneOffsetMs(quarter * QUARTER_HOUR_MS, timeZone);
    if (zone.quarters.size >= MAX_CACHED) zone.quarters.clear();
    zone.quarters.set(quarter, changing);
  }
  return changing;
}

/** Day keys by local day number (days since 1970-01-01 in local time). */
const localDayKeys = new Map<number, string>();

/** The local calendar day of an instant, as 'YYYY-MM-DD'. */
export function dayKey(ts: number, timeZone: string): string {
  const localDay = Math.floor((ts + cachedZoneOffsetMs(ts, timeZone)) / DAY_MS);
  let key = localDayKeys.get(localDay);
  if (key === undefined) {
    const d = new Date(localDay * DAY_MS);
    key = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    if (localDayKeys.size >= MAX_CACHED) localDayKeys.clear();
    localDayKeys.set(localDay, key);
  }
  return key;
}

export function parseDayKey(key: string): { year: number; month: number; day: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!m) throw new Error(`Not a day in YYYY-MM-DD form: ${JSON.stringify(key)}`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** Whether `key` is a real calendar day in YYYY-MM-DD form (no 2026-02-30, no month 13). */
export function isCalendarDay(key: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(key)) return false;
  const { year, month, day } = parseDayKey(key);
  const d = new Date(Date.UTC(year, month - 1, day));
  d.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** The day `delta` days after `key` (calendar arithmetic, independent of zones). */
export function addDays(key: string, delta: number): string {
  const { year, month, day } = parseDayKey(key);
  const d = new Date(Date.UTC(year, month - 1, day + delta));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Day of week of a day key, 0 = Sunday. */
/**
 * Today and the `count - 1` days before it in `timeZone`, newest first, by calendar arithmetic:
 * stepping back 24 hours at a time skips a day after a 23-hour daylight-saving day.
 */
export function recentDayKeys(now: number, count: number, timeZone: string): string[] {
  const today = dayKey(now, timeZone);
  return Array.from({ length: count }, (_, i) => addDays(today, -i));
}

export function weekdayOf(key: string): number {
  const { year, month, day } = parseDayKey(key);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** Offset of the zone from UTC at an instant, in milliseconds (positive east of Greenwich). */
export function zoneOffsetMs(ts: number, timeZone: string): number {
  // Whole minutes in every zone since 1972; `|| 0` turns UTC's -0 into 0.
  if (timeZone === localZone) return -new Date(ts).getTimezoneOffset() * 60_000 || 0;
  if (UTC_NAMES.has(timeZone)) return 0;
  const p = zonedParts(ts, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ts / 1000) * 1000;
}

/**
 * The instant a local wall-clock time happens in a zone. A time skipped by a DST jump is moved
 * forward by the jump (02:30 becomes 03:30, as Temporal's "compatible" rule does); a repeated time
 * resolves to its first occurrence.
 */
export function zonedTimeToUtc(timeZone: string, year: number, month: number, day: number, hour = 0, minute = 0): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Zone offsets change at most once within a day around any instant in real zones.
  const offsetBefore = zoneOffsetMs(wall - 86400_000, timeZone);
  const offsetAfter = zoneOffsetMs(wall + 86400_000, timeZone);
  const candidates = [wall - offsetBefore, wall - offsetAfter].filter((t) => t + zoneOffsetMs(t, timeZone) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  return wall - offsetBefore;
}

/** First instant of a local day. */
export function startOfDay(key: string, timeZone: string): number {
  const { year, month, day } = parseDayKey(key);
  return zonedTimeToUtc(timeZone, year, month, day, 0, 0);
}

/** The day key the week containing `key` starts on. `weekStart`: 0 = Sunday, 1 = Monday, … */
export function weekStartDay(key: string, weekStart: number): string {
  const back = (weekdayOf(key) - weekStart + 7) % 7;
  return addDays(key, -back);
}

/** The first day of the month containing `key`. */
export function monthStartDay(key: string): string {
  return `${key.slice(0, 7)}-01`;
}

/** Inclusive list of day keys from `from` to `to`. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
