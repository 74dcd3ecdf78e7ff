import { z } from 'zod';

/**
 * Wire formats of the team API (docs/team-api.md). Every limit here is part of the protocol: the
 * docs and docs/openapi.yaml state the same numbers.
 */

const tokenCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const usd = z.number().finite().min(0).max(1e9);

/** YYYY-MM-DD naming a real calendar day. */
export const dayKeySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-11-23')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'is not a calendar date');

export const modelUsageSchema = z
  .object({
    model: z.string().min(1).max(200),
    source: z.string().min(1).max(64),
    /** May be empty: a record whose provider is unknown still belongs in the day's totals. */
    provider: z.string().max(64).optional(),
    requests: tokenCount,
    inputTokens: tokenCount,
    outputTokens: tokenCount,
    cacheReadTokens: tokenCount,
    cacheWriteTokens: tokenCount,
    /** The part of cacheWriteTokens written with the 1-hour TTL; absent means none (all 5-minute writes). */
    cacheWrite1hTokens: tokenCount.optional(),
    reasoningTokens: tokenCount,
    costUsd: usd,
  })
  .strict();

export const HYGIENE_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export const dailyReportSchema = z
  .object({
    /** Stable id of the reporting installation; a user's days from several clients are summed. */
    clientId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1–128 letters, digits or _ . : -'),
    /** Grows whenever the client's totals for the day change; the highest revision is kept. */
    revision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    extensionVersion: z.string().min(1).max(64),
    byModel: z.array(modelUsageSchema).max(500),
    peakWeightedCostUsd: usd,
    peakWeightedTokens: z.number().finite().min(0).max(Number.MAX_SAFE_INTEGER),
    /** Fraction (0–1) of the day's tokens used inside peak windows. */
    peakShare: z.number().min(0).max(1),
    hygiene: z
      .record(z.string().regex(HYGIENE_KEY, 'hygiene counter names are letters, digits, _ . -, starting with a letter'), tokenCount)
      .refine((h) => Object.keys(h).length <= 50, 'at most 50 hygiene counters'),
    /** Commits made that day, where the client reports them (for cost per commit). */
    commits: z.number().int().min(0).max(100_000).optional(),
  })
  .strict()
  .superRefine((report, ctx) => {
    const seen = new Set<string>();
    report.byModel.forEach((m, index) => {
      const key = JSON.stringify([m.model, m.source]);
      if (seen.has(key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['byModel', index], message: `duplicate entry for model "${m.model}" and source "${m.source}"` });
      seen.add(key);
      if ((m.cacheWrite1hTokens ?? 0) > m.cacheWriteTokens) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['byModel', index, 'cacheWrite1hTokens'], message: 'is part of cacheWriteTokens and cannot exceed it' });
      }
    });
  });
export type DailyReport = z.infer<typeof dailyReportSchema>;

export const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const WEEK_STARTS = ['monday', 'sunday', 'saturday'] as const;
export const BUDGET_UNITS = ['usd', 'tokens'] as const;

/** One window as in the extension's tokenMeter.peakHours.windows setting. */
export const peakWindowSchema = z
  .object({
    days: z.array(z.enum(DAY_NAMES)).min(1).max(7),
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)'),
    end: z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be HH:MM (24-hour) or 24:00'),
    multiplier: z.number().min(1).max(100).optional(),
  })
  .strict();

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const peakHoursSchema = z
  .object({
    enabled: z.boolean(),
    /** IANA zone; empty means the user's own tokenMeter.timeZone or system zone. */
    timeZone: z.string().max(64).refine((z) => z === '' || isValidTimeZone(z), 'is not a known IANA time zone'),
    windows: z.array(peakWindowSchema).max(50),
    multiplier: z.number().min(1).max(100),
  })
  .strict();
export type PeakHours = z.infer<typeof peakHoursSchema>;

export const budgetSchema = z
  .object({
    unit: z.enum(BUDGET_UNITS),
    daily: z.number().finite().min(0),
    weekly: z.number().finite().min(0),
    monthly: z.number().finite().min(0),
    weekStart: z.enum(WEEK_STARTS),
  })
  .strict();
export type TeamBudget = z.infer<typeof budgetSchema>;

/** The longest range one summary covers, so one request cannot scan years of a large team. */
export const MAX_SUMMARY_DAYS = 400;

export const summaryQuerySchema = z
  .object({ from: dayKeySchema, to: dayKeySchema })
  .strict()
  .superRefine((q, ctx) => {
    if (q.from > q.to) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: 'must not be before from' });
    else if (daysBetween(q.from, q.to) + 1 > MAX_SUMMARY_DAYS) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: `a summary covers at most ${MAX_SUMMARY_DAYS} days` });
  });

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function todayUtc(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Zod issues as the `details` of a 400 body: where, and what is wrong. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
}
