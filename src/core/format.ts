import { dayKey, WEEKDAY_LABELS, zonedParts } from './time';

/** Compact, honest number formats shared by the status bar, tooltips, reports and the CLI. */

/**
 * A whole number with commas between thousands, as en-US writes it. Not toLocaleString: the first
 * Intl formatter in a process loads ICU's locale data, which would weigh on the status bar's first
 * render at activation.
 */
export function groupThousands(whole: number): string {
  return String(whole).replace(/\B(?=(\d{3})+$)/g, ',');
}

export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'unknown';
  if (value === 0) return '$0.00';
  const abs = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  if (abs < 0.01) return `${sign}<$0.01`;
  if (abs < 1000) return `${sign}$${abs.toFixed(2)}`;
  return `${sign}$${groupThousands(Math.round(abs))}`;
}

/** A budget limit reads best without trailing zeros: "$10", "$7.50". */
export function formatUsdLimit(value: number): string {
  return Number.isInteger(value) ? `$${groupThousands(value)}` : formatUsd(value);
}

export function formatTokens(value: number): string {
  const abs = Math.abs(value);
  if (abs < 1000) return String(Math.round(value));
  const units: Array<[number, string]> = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const scaled = value / size;
      const digits = Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
      return `${Number(scaled.toFixed(digits))}${suffix}`;
    }
  }
  return String(value);
}

/** Exact token count with thousands separators, for tables where precision matters. */
export function formatTokensExact(value: number): string {
  return groupThousands(Math.round(value));
}

export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  const pct = ratio * 100;
  return pct > 0 && pct < 1 ? '<1%' : `${Math.round(pct)}%`;
}

/** A count with its noun: "1 day", "3 days", "1 repository", "2 repositories". */
export function formatCount(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** A chart value in its measure: dollars for cost, compact tokens ("12.3k") for tokens. */
export function formatMeasure(measure: 'cost' | 'tokens', value: number): string {
  return measure === 'cost' ? formatUsd(value) : formatTokens(value);
}

/** "2 h 45 m", "12 m", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

export function formatMultiplier(multiplier: number): string {
  return `×${Number(multiplier.toFixed(2))}`;
}

/** Wall-clock time in the user's zone: "18:00" later today, "Mon 09:00" on another day. */
export function formatClock(ts: number, now: number, timeZone: string): string {
  const p = zonedParts(ts, timeZone);
  const time = `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
  return dayKey(ts, timeZone) === dayKey(now, timeZone) ? time : `${WEEKDAY_LABELS[p.weekday]} ${time}`;
}
