import * as z from 'zod/v4-mini';
import { dayNumber, FIRST_DAY, LAST_DAY } from './days';

/**
 * The team API's wire formats (docs/team-api.md), one definition for both ends: the server
 * validates what it receives with these schemas, and the extension's team client (src/sync) builds
 * its reports as these types and parses the server's answers with these schemas. Every limit here
 * is part of the protocol: the docs and docs/openapi.yaml state the same numbers.
 *
 * Written with zod's "mini" flavour (zod ^3.25 ships it as `zod/v4-mini`): its functions are
 * tree-shaken, so the extension's bundle carries only what these schemas use. The module lives in
 * the server package, which builds and ships on its own (Docker from server/); the extension
 * bundles it, with zod from its own dependencies (both packages pin the same zod).
 */

/**
 * What one report may add. With at most MAX_MODELS_PER_REPORT lines of at most MAX_COUNT_PER_LINE
 * per count, a report's sums stay below 2^53 (exact in JSON and in a bigint column, with room for
 * four token kinds added together); the summary sums in numeric, so no number of reports overflows.
 */
export const MAX_MODELS_PER_REPORT = 500;
export const MAX_COUNT_PER_LINE = 1e12;
export const MAX_COST_PER_LINE_USD = 1e6;

/** A whole number from 0 to `max`; zod's numbers are finite already. */
const count = (max: number) => z.int().check(z.minimum(0), z.maximum(max));
/** A non-negative amount from 0 to `max`. */
const amount = (max: number) => z.number().check(z.minimum(0), z.maximum(max));
const tokenCount = count(Number.MAX_SAFE_INTEGER);
const lineCount = count(MAX_COUNT_PER_LINE);
const limited = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));

/** YYYY-MM-DD naming a real calendar day in the range the server accepts. */
export const dayKeySchema = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date like 2026-11-23', abort: true }),
  z.refine((s) => dayNumber(s) !== undefined, `must be a calendar day from ${FIRST_DAY} to ${LAST_DAY}`),
);

export const modelUsageSchema = z
  .strictObject({
    model: limited(1, 200),
    source: limited(1, 64),
    /** May be empty: a record whose provider is unknown still belongs in the day's totals. */
    provider: z.optional(z.string().check(z.maxLength(64))),
    requests: lineCount,
    inputTokens: lineCount,
    outputTokens: lineCount,
    cacheReadTokens: lineCount,
    cacheWriteTokens: lineCount,
    /** The part of cacheWriteTokens written with the 1-hour TTL; absent means none (all 5-minute writes). */
    cacheWrite1hTokens: z.optional(lineCount),
    reasoningTokens: lineCount,
    costUsd: amount(MAX_COST_PER_LINE_USD),
  })
  .check(
    z.refine((m) => (m.cacheWrite1hTokens ?? 0) <= m.cacheWriteTokens, {
      path: ['cacheWrite1hTokens'],
      message: 'is part of cacheWriteTokens and cannot exceed it',
    }),
  );
export type ModelUsage = z.infer<typeof modelUsageSchema>;

/**
 * A list of at most `max` elements, counted before any element is checked (the count aborts the
 * pipe): zod checks every element of an over-long array too, and 80,000 empty lines would cost
 * seconds and a 40 MB list of issues.
 */
function listOf<T extends z.core.$ZodType<unknown, unknown[]>>(max: number, elements: T) {
  return z.pipe(z.array(z.unknown()).check(z.maxLength(max, { abort: true })), elements);
}

const noDuplicateModels = z.check<{ model: string; source: string }[]>((ctx) => {
  const seen = new Set<string>();
  ctx.value.forEach((m, index) => {
    const key = JSON.stringify([m.model, m.source]);
    if (seen.has(key))
      ctx.issues.push({
        code: 'custom',
        input: m,
        path: [index],
        message: `duplicate entry for model "${m.model}" and source "${m.source}"`,
      });
    seen.add(key);
  });
});

export const HYGIENE_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

const hygieneCountersSchema = z.pipe(
  z
    .record(z.string(), z.unknown())
    .check(z.refine((h) => Object.keys(h).length <= 50, { message: 'at most 50 hygiene counters', abort: true })),
  z.record(z.string().check(z.regex(HYGIENE_KEY, 'hygiene counter names are letters, digits, _ . -, starting with a letter')), tokenCount),
);

/** PUT /v1/usage/daily/{date}: one user's day from one client. */
export const dailyReportSchema = z.strictObject({
  /** Stable id of the reporting installation; a user's days from several clients are summed. */
  clientId: z.string().check(z.regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1–128 letters, digits or _ . : -')),
  /** Grows whenever the client's totals for the day change; the highest revision is kept. */
  revision: tokenCount,
  extensionVersion: limited(1, 64),
  byModel: listOf(MAX_MODELS_PER_REPORT, z.array(modelUsageSchema).check(noDuplicateModels)),
  peakWeightedCostUsd: amount(1e9),
  peakWeightedTokens: amount(Number.MAX_SAFE_INTEGER),
  /** Fraction (0–1) of the day's tokens used inside peak windows. */
  peakShare: amount(1),
  hygiene: hygieneCountersSchema,
  /** Commits made that day, where the client reports them (for cost per commit). */
  commits: z.optional(count(100_000)),
});
export type DailyReport = z.infer<typeof dailyReportSchema>;

/** The answer to PUT /v1/usage/daily/{date}. */
export const dailyReportAnswerSchema = z.object({ applied: z.boolean(), revision: tokenCount });
export type DailyReportAnswer = z.infer<typeof dailyReportAnswerSchema>;

export const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const WEEK_STARTS = ['monday', 'sunday', 'saturday'] as const;
export const BUDGET_UNITS = ['usd', 'tokens'] as const;

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Each object once as a shape: strict where the server takes it in (an unknown field is a typo),
 * loose where the client reads the server's answer (a newer server may add fields).
 */
const peakWindowShape = {
  days: z.array(z.enum(DAY_NAMES)).check(z.minLength(1), z.maxLength(7)),
  start: z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)')),
  end: z.string().check(z.regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be HH:MM (24-hour) or 24:00')),
  multiplier: z.optional(z.number().check(z.minimum(1), z.maximum(100))),
};

function peakHoursShape(window: z.ZodMiniType) {
  return {
    enabled: z.boolean(),
    /** IANA zone; empty means the user's own tokenMeter.timeZone or system zone. */
    timeZone: z.string().check(
      z.maxLength(64),
      z.refine((zone) => zone === '' || isValidTimeZone(zone), 'is not a known IANA time zone'),
    ),
    windows: z.array(window).check(z.maxLength(50)),
    multiplier: z.number().check(z.minimum(1), z.maximum(100)),
  };
}

const nonNegative = z.number().check(z.minimum(0));
const budgetShape = {
  unit: z.enum(BUDGET_UNITS),
  daily: nonNegative,
  weekly: nonNegative,
  monthly: nonNegative,
  weekStart: z.enum(WEEK_STARTS),
};

/** One window as in the extension's tokenMeter.peakHours.windows setting. */
export const peakWindowSchema = z.strictObject(peakWindowShape);
export const peakHoursSchema = z.strictObject(peakHoursShape(peakWindowSchema));
export type PeakHours = z.infer<typeof peakHoursSchema>;
export const budgetSchema = z.strictObject(budgetShape);
export type TeamBudget = z.infer<typeof budgetSchema>;

/** The answer to GET /v1/budget: the team's budget and peak schedule, for the client to apply. */
export const budgetAnswerSchema = z.object({
  team: z.object({ id: z.string(), name: z.string() }),
  user: z.object({ id: z.string(), name: z.string(), isLead: z.boolean() }),
  budget: z.object(budgetShape),
  peakHours: z.object(peakHoursShape(z.object(peakWindowShape))),
  updatedAt: z.optional(z.string()),
});
export type BudgetAnswer = z.infer<typeof budgetAnswerSchema>;

/** The body of every 4xx/5xx answer. */
export const errorAnswerSchema = z.object({
  error: z.object({
    code: z.optional(z.string()),
    message: z.string(),
    details: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  }),
});
