import * as z from 'zod/v4-mini';
import { dayNumber } from './days';
import { dayKeySchema } from './protocol';

/**
 * The server's own request formats and how it words validation issues. The formats the extension
 * shares (reports, budgets, peak hours) are in protocol.ts.
 */
export * from './protocol';

/** The longest range one summary covers, so one request cannot scan years of a large team. */
export const MAX_SUMMARY_DAYS = 400;

export const summaryQuerySchema = z.strictObject({ from: dayKeySchema, to: dayKeySchema }).check(
  z.check((ctx) => {
    // Zod runs this check even when a day failed its own; such a range is already refused.
    const [from, to] = [dayNumber(ctx.value.from), dayNumber(ctx.value.to)];
    if (from === undefined || to === undefined) return;
    const span = to - from;
    const problem =
      span < 0 ? 'must not be before from' : span + 1 > MAX_SUMMARY_DAYS ? `a summary covers at most ${MAX_SUMMARY_DAYS} days` : '';
    if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, path: ['to'], message: problem });
  }),
);

/** The most issues one 400 lists, so an answer stays short whatever the request held. */
export const MAX_LISTED_ISSUES = 20;

/** What the server reads of a failed validation (zod's error). */
export interface ValidationError {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}

/** Zod issues as the `details` of a 400 body: where (`root` for the whole body or query), and what is wrong. */
export function describeIssues(error: ValidationError, root = '(body)'): { path: string; message: string }[] {
  return error.issues
    .slice(0, MAX_LISTED_ISSUES)
    .map((issue) => ({ path: issue.path.map(String).join('.') || root, message: issue.message }));
}

/** "see details", or how many of how many issues the details list. */
export function issuesNote(error: ValidationError): string {
  const count = error.issues.length;
  return count > MAX_LISTED_ISSUES ? `see details (the first ${MAX_LISTED_ISSUES} of ${count} issues)` : 'see details';
}
