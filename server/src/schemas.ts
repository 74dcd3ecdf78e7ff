import { z } from 'zod';
import { dayNumber, FIRST_DAY, LAST_DAY } from './days';

/**
 * Wire formats of the team API (docs/team-api.md). Every limit here is part of the protocol: the
 * docs and docs/openapi.yaml state the same numbers.
 */

/**
 * What one report may add. With at most MAX_MODELS_PER_REPORT lines of at most MAX_COUNT_PER_LINE
 * per count, a report's sums stay below 2^53 (exact in JSON and in a bigint column, with room for
 * four token kinds added together); the summary sums in numeric, so no number of reports overflows.
 */
export const MAX_MODELS_PER_REPORT = 500;
export const MAX_COUNT_PER_LINE = 1e12;
export const MAX_COST_PER_LINE_USD = 1e6;

const tokenCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const lineCount = z.number().int().min(0).max(MAX_COUNT_PER_LINE);
const usd = z.number().finite().min(0).max(1e9);

/** YYYY-MM-DD naming a real calendar day in the range the server accepts. */
export const dayKeySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-11-23')
  .refine((s) => dayNumber(s) !== undefined, `must be a calendar day from ${FIRST_DAY} to ${LAST_DAY}`);

export const modelUsageSchema = z
  .object({
    model: z.string().min(1).max(200),
    source: z.string().min(1).max(64),
    /** May be empty: a record whose provider is unknown still belongs in the day's totals. */
    provider: z.string().max(64).optional(),
    requests: lineCount,
    inputTokens: lineCount,
    outputTokens: lineCount,
    cacheReadTokens: lineCount,
    cacheWriteTokens: lineCount,
    /** The part of cacheWriteTokens written with the 1-hour TTL; absent means none (all 5-minute writes). */
    cacheWrite1hTokens: lineCount.optional(),
    reasoningTokens: lineCount,
    costUsd: z.number().finite().min(0).max(MAX_COST_PER_LINE_USD),
  })
  .strict()
  .refine((m) => (m.cacheWrite1hTokens ?? 0) <= m.cacheWriteTokens, {
    path: ['cacheWrite1hTokens'],
    message: 'is part of cacheWriteTokens and cannot exceed it',
  });

/**
 * A list of at most `max` elements, counted before any element is checked: zod checks every element
 * of an over-long array too, and 80,000 empty lines would cost seconds and a 40 MB list of issues.
 */
function listOf<T extends z.ZodTypeAny>(max: number, elements: T) {
  return z.array(z.unknown()).max(max).pipe(elements);
}

function noDuplicateModels(lines: { model: string; source: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  lines.forEach((m, index) => {
    const key = JSON.stringify([m.model, m.source]);
    if (seen.has(key))
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [index],
        message: `duplicate entry for model "${m.model}" and source "${m.source}"`,
      });
    seen.add(key);
  });
}

export const HYGIENE_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export const dailyReportSchema = z
  .object({
    /** Stable id of the reporting installation; a user's days from several clients are summed. */
    clientId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1–128 letters, digits or _ . : -'),
    /** Grows whenever the client's totals for the day change; the highest revision is kept. */
    revision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    extensionVersion: z.string().min(1).max(64),
    byModel: listOf(MAX_MODELS_PER_REPORT, z.array(modelUsageSchema).superRefine(noDuplicateModels)),
    peakWeightedCostUsd: usd,
    peakWeightedTokens: z.number().finite().min(0).max(Number.MAX_SAFE_INTEGER),
    /** Fraction (0–1) of the day's tokens used inside peak windows. */
    peakShare: z.number().min(0).max(1),
    hygiene: z
      .record(z.unknown())
      .refine((h) => Object.keys(h).length <= 50, 'at most 50 hygiene counters')
      .pipe(
        z.record(z.string().regex(HYGIENE_KEY, 'hygiene counter names are letters, digits, _ . -, starting with a letter'), tokenCount),
      ),
    /** Commits made that day, where the client reports them (for cost per commit). */
    commits: z.number().int().min(0).max(100_000).optional(),
  })
  .strict();
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
    timeZone: z
      .string()
      .max(64)
      .refine((z) => z === '' || isValidTimeZone(z), 'is not a known IANA time zone'),
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
    // Zod runs this refinement even when a day failed its own check; such a range is already refused.
    const [from, to] = [dayNumber(q.from), dayNumber(q.to)];
    if (from === undefined || to === undefined) return;
    const span = to - from;
    if (span < 0) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: 'must not be before from' });
    else if (span + 1 > MAX_SUMMARY_DAYS)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: `a summary covers at most ${MAX_SUMMARY_DAYS} days` });
  });

/** The most issues one 400 lists, so an answer stays short whatever the request held. */
export const MAX_LISTED_ISSUES = 20;

/** Zod issues as the `details` of a 400 body: where (`root` for the whole body or query), and what is wrong. */
export function describeIssues(error: z.ZodError, root = '(body)'): { path: string; message: string }[] {
  return error.issues.slice(0, MAX_LISTED_ISSUES).map((issue) => ({ path: issue.path.join('.') || root, message: issue.message }));
}

/** "see details", or how many of how many issues the details list. */
export function issuesNote(error: z.ZodError): string {
  const count = error.issues.length;
  return count > MAX_LISTED_ISSUES ? `see details (the first ${MAX_LISTED_ISSUES} of ${count} issues)` : 'see details';
}
