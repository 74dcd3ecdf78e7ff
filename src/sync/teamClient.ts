import { readBoundedText } from '../core/boundedBody';
import { isJsonObject } from '../core/json';
import type { DailyReport } from './dailyReport';

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

export interface TeamBudgetResponse {
  team: { id: string; name: string };
  user: { id: string; name: string; isLead: boolean };
  budget: { unit: 'usd' | 'tokens'; daily: number; weekly: number; monthly: number; weekStart: string };
  peakHours: { enabled: boolean; timeZone: string; windows: unknown; multiplier: number };
}

const TIMEOUT_MS = 15_000;
/** The API's answers are a few hundred bytes; anything near this is not the team API. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

function isLimit(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** The budget answer as the client relies on it; anything else is the endpoint's fault, said as such. */
export function parseTeamBudgetResponse(value: unknown): TeamBudgetResponse {
  const team = isJsonObject(value) ? value.team : undefined;
  const user = isJsonObject(value) ? value.user : undefined;
  const budget = isJsonObject(value) ? value.budget : undefined;
  const peak = isJsonObject(value) ? value.peakHours : undefined;
  const problems = [
    !isJsonObject(team) || typeof team.id !== 'string' || typeof team.name !== 'string' ? 'team' : '',
    !isJsonObject(user) || typeof user.id !== 'string' || typeof user.name !== 'string' || typeof user.isLead !== 'boolean' ? 'user' : '',
    !isJsonObject(budget) ||
    (budget.unit !== 'usd' && budget.unit !== 'tokens') ||
    !isLimit(budget.daily) ||
    !isLimit(budget.weekly) ||
    !isLimit(budget.monthly) ||
    typeof budget.weekStart !== 'string'
      ? 'budget'
      : '',
    !isJsonObject(peak) || typeof peak.enabled !== 'boolean' || typeof peak.timeZone !== 'string' || !isLimit(peak.multiplier)
      ? 'peakHours'
      : '',
  ].filter(Boolean);
  if (problems.length > 0)
    throw new TeamApiError(
      `The team endpoint's budget answer is malformed (${problems.join(', ')}); the team's budget is not applied.`,
      'retry',
    );
  return value as TeamBudgetResponse;
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

  async putDaily(day: string, report: DailyReport): Promise<{ applied: boolean; revision: number }> {
    return (await this.request('PUT', `/v1/usage/daily/${day}`, report)) as { applied: boolean; revision: number };
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
      detail = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? detail;
    } catch {
      // not JSON: keep the start of the body
    }
    const kind: FailureKind = status === 401 || status === 403 ? 'auth' : status === 429 || status >= 500 ? 'retry' : 'rejected';
    throw new TeamApiError(`${method} ${path} → ${status}: ${detail}`, kind, status);
  }
}
