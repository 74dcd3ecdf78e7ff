/**
 * Calendar days as the API writes them (YYYY-MM-DD), within the range the server accepts. Every day
 * that enters the server is checked here, and arithmetic works on day numbers, never on the strings,
 * so no loop or comparison can run past the range (a year 10000 is written "+010000-01-01" by
 * Date#toISOString and sorts before "9999-12-31" as text).
 */

/** The first and last day the API accepts, in a report's path or a summary's range. */
export const FIRST_DAY = '2000-01-01';
export const LAST_DAY = '2999-12-31';

const MS_PER_DAY = 86_400_000;
const FIRST = Date.UTC(2000, 0, 1) / MS_PER_DAY;
const LAST = Date.UTC(2999, 11, 31) / MS_PER_DAY;

/** Days since 1970-01-01 of a real calendar day in FIRST_DAY..LAST_DAY; undefined for anything else. */
export function dayNumber(key: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const n = Date.UTC(year, month - 1, day) / MS_PER_DAY;
  return n >= FIRST && n <= LAST ? n : undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The YYYY-MM-DD of a day number; a RangeError outside FIRST_DAY..LAST_DAY. */
export function dayKey(n: number): string {
  if (!Number.isInteger(n) || n < FIRST || n > LAST) throw new RangeError(`Day number ${n} is outside ${FIRST_DAY}..${LAST_DAY}.`);
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

function requireDay(key: string): number {
  const n = dayNumber(key);
  if (n === undefined) throw new RangeError(`"${key}" is not a calendar day in ${FIRST_DAY}..${LAST_DAY}.`);
  return n;
}

export function addDays(key: string, n: number): string {
  return dayKey(requireDay(key) + n);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return requireDay(to) - requireDay(from);
}

/** The server's current UTC day, clamped into the accepted range (a clock set far off still yields a valid day). */
export function todayUtc(now: number): string {
  return dayKey(Math.min(LAST, Math.max(FIRST, Math.floor(now / MS_PER_DAY))));
}
