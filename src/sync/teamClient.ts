import type * as z from 'zod/v4-mini';
import {
  budgetAnswerSchema,
  dailyReportAnswerSchema,
  errorAnswerSchema,
  type BudgetAnswer,
  type DailyReport,
  type DailyReportAnswer,
} from '../../server/src/protocol';
import { readBoundedText } from '../core/boundedBody';

/** The team endpoint over HTTP (docs/team-api.md). Errors say what the client should do next. */

export type FailureKind =
  /** 401/403: the token is wrong or lacks rights; retrying will not help until it changes. */
  | 'auth'
  /** Another 4xx: this request will never be accepted; drop it and say so. */
  | 'rejected'
  /** 5xx, 429, timeouts and network errors: try again later. */
  | 'retry';

export class TeamApiError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TeamApiError';
  }
}

/** What GET /v1/budget answers, as the server defines it (server/src/protocol.ts). */
export type TeamBudgetResponse = BudgetAnswer;

const TIMEOUT_MS = 15_000;
/** The API's answers are a few hundred bytes; anything near this is not the team API. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Parses an answer with the server's own schema; anything else is the endpoint's fault, said as such. */
function parseAnswer<T>(schema: z.ZodMiniType<T>, value: unknown, what: string, consequence: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? 'the whole answer')))];
  throw new TeamApiError(`The team endpoint's ${what} is malformed (${fields.join(', ')}); ${consequence}`, 'retry');
}

/** The budget answer as the client relies on it, checked with the schema the server's answer is made to. */
export function parseTeamBudgetResponse(value: unknown): TeamBudgetResponse {
  return parseAnswer(budgetAnswerSchema, value, 'budget answer', "the team's budget is not applied.");
}

export class TeamClient {
  private readonly base: string;

  constructor(
    endpoint: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.base = endpoint.replace(/\/+$/, '');
  }

  async putDaily(day: string, report: DailyReport): Promise<DailyReportAnswer> {
    return parseAnswer(
      dailyReportAnswerSchema,
      await this.request('PUT', `/v1/usage/daily/${day}`, report),
      'answer to a daily report',
      'the day is sent again later.',
    );
  }

  async getBudget(): Promise<TeamBudgetResponse> {
    return parseTeamBudgetResponse(await this.request('GET', '/v1/budget'));
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(TIMEOUT_MS),
        // The token goes to the configured origin only: a redirect is refused, not followed.
        redirect: 'manual',
      });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (error as Error).message;
      throw new TeamApiError(`The team endpoint ${this.base} could not be reached (${reason}).`, 'retry');
    }
    const status = response.status;
    if (status >= 300 && status < 400) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      throw new TeamApiError(
        `${method} ${path} → ${status}: the team endpoint redirects${location ? ` to ${location}` : ''}; the token is sent to ${this.base} only. Set tokenMeter.team.endpoint to the final address.`,
        'rejected',
        status,
      );
    }
    let text: string;
    try {
      const body = await readBoundedText(response, MAX_RESPONSE_BYTES);
      if (body.truncated && response.ok) throw new Error(`its answer is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MB`);
      text = body.text;
    } catch (error) {
      throw new TeamApiError(
        `The team endpoint ${this.base} sent an unusable answer to ${method} ${path} (${(error as Error).message}).`,
        'retry',
        status,
      );
    }
    if (response.ok) {
      try {
        return text ? (JSON.parse(text) as unknown) : {};
      } catch {
        throw new TeamApiError(
          `The team endpoint ${this.base} answered ${method} ${path} with something that is not JSON.`,
          'retry',
          status,
        );
      }
    }
    let detail = text.slice(0, 300);
    try {
      const answer = errorAnswerSchema.safeParse(JSON.parse(text));
      if (answer.success) detail = answer.data.error.message;
    } catch {
      // not JSON: keep the start of the body
    }
    const kind: FailureKind = status === 401 || status === 403 ? 'auth' : status === 429 || status >= 500 ? 'retry' : 'rejected';
    throw new TeamApiError(`${method} ${path} → ${status}: ${detail}`, kind, status);
  }
}
