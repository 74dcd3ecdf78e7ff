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
    return (await this.request('GET', '/v1/budget')) as TeamBudgetResponse;
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (error as Error).message;
      throw new TeamApiError(`The team endpoint ${this.base} could not be reached (${reason}).`, 'retry');
    }
    const text = await response.text();
    if (response.ok) return text ? JSON.parse(text) : {};
    let detail = text.slice(0, 300);
    try {
      detail = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? detail;
    } catch {
      // not JSON: keep the start of the body
    }
    const status = response.status;
    const kind: FailureKind = status === 401 || status === 403 ? 'auth' : status === 429 || status >= 500 ? 'retry' : 'rejected';
    throw new TeamApiError(`${method} ${path} → ${status}: ${detail}`, kind, status);
  }
}
