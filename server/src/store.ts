import { createHash, randomBytes } from 'node:crypto';
import type { Database } from './db';
import { dayKey, dayNumber } from './days';
import { MAX_SUMMARY_DAYS, type DailyReport, type PeakHours, type TeamBudget } from './schemas';

/** All SQL the server runs, over the shared Database interface (PGlite or Postgres). */

export interface AuthenticatedUser {
  id: string;
  teamId: string;
  name: string;
  isLead: boolean;
}

export interface Team {
  id: string;
  name: string;
  budget: TeamBudget;
  peakHours: PeakHours;
  updatedAt: string;
}

/** Sums over any set of daily reports; shares are ratios of the sums, null where undefined. */
export interface UsageTotals {
  /** Daily reports summed: one per reporting client and day. */
  reports: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  costUsd: number;
  peakWeightedCostUsd: number;
  peakWeightedTokens: number;
  /** Share of tokens used in peak windows. */
  peakShare: number | null;
  /** Cache reads as a share of all prompt tokens (input + cache read + cache write). */
  cacheReadShare: number | null;
  /** Commits on the days that reported them; null when no day did. */
  commits: number | null;
  /** Cost of the days that reported commits, divided by those commits. */
  costPerCommitUsd: number | null;
}

export interface TeamSummary {
  team: { id: string; name: string };
  from: string;
  to: string;
  budget: TeamBudget;
  totals: UsageTotals;
  /** Every day of the range, oldest first; days nobody reported are zeros. */
  days: (UsageTotals & { date: string })[];
  /** Every member, sorted by name: the summary never ranks people by volume. */
  people: (UsageTotals & { userId: string; name: string; isLead: boolean })[];
}

export const TOKEN_PREFIX = 'tm_';
/** Dashboard sessions one user may hold at once (browsers, devices); the oldest ends first. */
export const MAX_SESSIONS_PER_USER = 20;

/** 32 random bytes, base64url, with a prefix that makes a leaked token easy to recognise. */
export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** A dashboard session id: 32 random bytes, base64url; the database keeps only its hash. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class StoreError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/**
 * The aggregate columns behind UsageTotals, for any GROUP BY over daily_usage. Kept to plain sums
 * (no DISTINCT): the 500-person, 90-day summary aggregates 45,000 rows twice within its 100 ms goal.
 * No sum can overflow: Postgres sums bigint columns into numeric (exact, unbounded), and token kinds
 * are added per row as float8, never as bigint (four bigints added can pass 2^63). Casting each
 * column to numeric first would give the same sums 1.5–2.5 times slower (it skips Postgres' int128
 * accumulator). The results go out as float8: exact up to 2^53 − 1, the nearest double above.
 */
const TOTALS_COLUMNS = `
  count(*)::int AS reports,
  sum(requests)::float8 AS requests,
  sum(input_tokens)::float8 AS input_tokens,
  sum(output_tokens)::float8 AS output_tokens,
  sum(cache_read_tokens)::float8 AS cache_read_tokens,
  sum(cache_write_tokens)::float8 AS cache_write_tokens,
  sum(reasoning_tokens)::float8 AS reasoning_tokens,
  sum(cost_usd)::float8 AS cost_usd,
  sum(peak_weighted_cost_usd)::float8 AS peak_weighted_cost_usd,
  sum(peak_weighted_tokens)::float8 AS peak_weighted_tokens,
  sum(peak_share * (input_tokens::float8 + output_tokens::float8 + cache_read_tokens::float8 + cache_write_tokens::float8))::float8 AS peak_tokens,
  sum(commits)::float8 AS commits,
  COALESCE(sum(cost_usd) FILTER (WHERE commits IS NOT NULL), 0)::float8 AS cost_with_commits`;

interface TotalsRow {
  reports: number;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  peak_weighted_cost_usd: number;
  peak_weighted_tokens: number;
  peak_tokens: number;
  /** Null when no report in the group gave commits. */
  commits: number | null;
  cost_with_commits: number;
}

const EMPTY_TOTALS: TotalsRow = {
  reports: 0,
  requests: 0,
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  reasoning_tokens: 0,
  cost_usd: 0,
  peak_weighted_cost_usd: 0,
  peak_weighted_tokens: 0,
  peak_tokens: 0,
  commits: null,
  cost_with_commits: 0,
};

function addTotals(a: TotalsRow, b: TotalsRow): TotalsRow {
  const sum = { ...a };
  for (const key of Object.keys(EMPTY_TOTALS) as (keyof TotalsRow)[]) {
    if (key !== 'commits') sum[key] = a[key] + b[key];
  }
  sum.commits = a.commits === null && b.commits === null ? null : (a.commits ?? 0) + (b.commits ?? 0);
  return sum;
}

function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

function toTotals(row: TotalsRow): UsageTotals {
  const totalTokens = row.input_tokens + row.output_tokens + row.cache_read_tokens + row.cache_write_tokens;
  const promptTokens = row.input_tokens + row.cache_read_tokens + row.cache_write_tokens;
  return {
    reports: row.reports,
    requests: row.requests,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    reasoningTokens: row.reasoning_tokens,
    totalTokens,
    costUsd: row.cost_usd,
    peakWeightedCostUsd: row.peak_weighted_cost_usd,
    peakWeightedTokens: row.peak_weighted_tokens,
    peakShare: ratio(row.peak_tokens, totalTokens),
    cacheReadShare: ratio(row.cache_read_tokens, promptTokens),
    commits: row.commits,
    costPerCommitUsd: row.commits ? row.cost_with_commits / row.commits : null,
  };
}

interface TeamRow {
  id: string;
  name: string;
  budget_unit: TeamBudget['unit'];
  budget_daily: number;
  budget_weekly: number;
  budget_monthly: number;
  week_start: TeamBudget['weekStart'];
  peak_enabled: boolean;
  peak_time_zone: string;
  peak_windows: PeakHours['windows'];
  peak_multiplier: number;
  updated_at: string;
}

const TEAM_COLUMNS = `id, name, budget_unit, budget_daily, budget_weekly, budget_monthly, week_start,
  peak_enabled, peak_time_zone, peak_windows, peak_multiplier, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at`;

function toTeam(row: TeamRow): Team {
  return {
    id: row.id,
    name: row.name,
    budget: {
      unit: row.budget_unit,
      daily: row.budget_daily,
      weekly: row.budget_weekly,
      monthly: row.budget_monthly,
      weekStart: row.week_start,
    },
    peakHours: { enabled: row.peak_enabled, timeZone: row.peak_time_zone, windows: row.peak_windows, multiplier: row.peak_multiplier },
    updatedAt: row.updated_at,
  };
}

export class Store {
  constructor(readonly db: Database) {}

  async createTeam(id: string, name: string): Promise<Team> {
    const rows = await this.db.query<TeamRow>(
      `INSERT INTO teams (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING ${TEAM_COLUMNS}`,
      [id, name],
    );
    if (rows.length === 0) throw new StoreError('conflict', `A team with id "${id}" already exists.`);
    return toTeam(rows[0]);
  }

  async getTeam(id: string): Promise<Team> {
    const rows = await this.db.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM teams WHERE id = $1`, [id]);
    if (rows.length === 0) throw new StoreError('not_found', `No team with id "${id}".`);
    return toTeam(rows[0]);
  }

  async listTeams(): Promise<Team[]> {
    return (await this.db.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM teams ORDER BY id`)).map(toTeam);
  }

  async setBudget(teamId: string, budget: TeamBudget): Promise<Team> {
    const rows = await this.db.query<TeamRow>(
      `UPDATE teams SET budget_unit = $2, budget_daily = $3, budget_weekly = $4, budget_monthly = $5, week_start = $6, updated_at = now()
       WHERE id = $1 RETURNING ${TEAM_COLUMNS}`,
      [teamId, budget.unit, budget.daily, budget.weekly, budget.monthly, budget.weekStart],
    );
    if (rows.length === 0) throw new StoreError('not_found', `No team with id "${teamId}".`);
    return toTeam(rows[0]);
  }

  async setPeakHours(teamId: string, peak: PeakHours): Promise<Team> {
    const rows = await this.db.query<TeamRow>(
      `UPDATE teams SET peak_enabled = $2, peak_time_zone = $3, peak_windows = $4::jsonb, peak_multiplier = $5, updated_at = now()
       WHERE id = $1 RETURNING ${TEAM_COLUMNS}`,
      [teamId, peak.enabled, peak.timeZone, JSON.stringify(peak.windows), peak.multiplier],
    );
    if (rows.length === 0) throw new StoreError('not_found', `No team with id "${teamId}".`);
    return toTeam(rows[0]);
  }

  /** Creates a member and returns the only copy of their token. */
  async createUser(teamId: string, id: string, name: string, isLead: boolean): Promise<{ user: AuthenticatedUser; token: string }> {
    await this.getTeam(teamId);
    const token = newToken();
    const rows = await this.db.query(
      `INSERT INTO users (id, team_id, name, is_lead, token_hash) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, teamId, name, isLead, hashToken(token)],
    );
    if (rows.length === 0) throw new StoreError('conflict', `A user with id "${id}" already exists.`);
    return { user: { id, teamId, name, isLead }, token };
  }

  /** Replaces a user's token (the old one and the dashboard sessions it opened stop working at once) and returns the new one. */
  async rotateToken(userId: string): Promise<string> {
    const token = newToken();
    const rows = await this.db.transaction(async (tx) => {
      const updated = await tx.query('UPDATE users SET token_hash = $2 WHERE id = $1 RETURNING id', [userId, hashToken(token)]);
      await tx.query('DELETE FROM dashboard_sessions WHERE user_id = $1', [userId]);
      return updated;
    });
    if (rows.length === 0) throw new StoreError('not_found', `No user with id "${userId}".`);
    return token;
  }

  async setLead(userId: string, isLead: boolean): Promise<void> {
    const rows = await this.db.query('UPDATE users SET is_lead = $2 WHERE id = $1 RETURNING id', [userId, isLead]);
    if (rows.length === 0) throw new StoreError('not_found', `No user with id "${userId}".`);
  }

  async listUsers(teamId: string): Promise<AuthenticatedUser[]> {
    return this.db.query<AuthenticatedUser>(
      `SELECT id, team_id AS "teamId", name, is_lead AS "isLead" FROM users WHERE team_id = $1 ORDER BY name, id`,
      [teamId],
    );
  }

  async findUserByToken(token: string): Promise<AuthenticatedUser | undefined> {
    const rows = await this.db.query<AuthenticatedUser>(
      `SELECT id, team_id AS "teamId", name, is_lead AS "isLead" FROM users WHERE token_hash = $1`,
      [hashToken(token)],
    );
    return rows[0];
  }

  /**
   * Opens a dashboard session for `userId` until `now + ttlMs` and returns the id for the cookie.
   * Clears expired sessions, and keeps the user's newest MAX_SESSIONS_PER_USER, so repeated sign-ins
   * cannot grow the table without bound.
   */
  async createSession(userId: string, now: number, ttlMs: number): Promise<string> {
    const id = newSessionId();
    await this.db.query('DELETE FROM dashboard_sessions WHERE expires_at <= to_timestamp($1::float8 / 1000)', [now]);
    await this.db.query(
      'INSERT INTO dashboard_sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, to_timestamp($3::float8 / 1000), to_timestamp($4::float8 / 1000))',
      [hashToken(id), userId, now, now + ttlMs],
    );
    await this.db.query(
      `DELETE FROM dashboard_sessions WHERE user_id = $1 AND seq < (
         SELECT min(seq) FROM (SELECT seq FROM dashboard_sessions WHERE user_id = $1 ORDER BY seq DESC LIMIT $2) AS newest)`,
      [userId, MAX_SESSIONS_PER_USER],
    );
    return id;
  }

  /** The user of a live session, read afresh (a demoted lead is a member at once); undefined when unknown or expired. */
  async findUserBySession(id: string, now: number): Promise<AuthenticatedUser | undefined> {
    const rows = await this.db.query<AuthenticatedUser>(
      `SELECT u.id, u.team_id AS "teamId", u.name, u.is_lead AS "isLead"
       FROM dashboard_sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id_hash = $1 AND s.expires_at > to_timestamp($2::float8 / 1000)`,
      [hashToken(id), now],
    );
    return rows[0];
  }

  async endSession(id: string): Promise<void> {
    await this.db.query('DELETE FROM dashboard_sessions WHERE id_hash = $1', [hashToken(id)]);
  }

  /**
   * Stores one client's totals for a day. One statement, so concurrent PUTs cannot interleave: the
   * row is replaced only when the incoming revision is at least the stored one, and an older
   * revision leaves the newer row untouched (applied: false, with the revision that stays).
   */
  async putDaily(user: AuthenticatedUser, day: string, report: DailyReport): Promise<{ applied: boolean; revision: number }> {
    const sum = (
      key: 'requests' | 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'reasoningTokens' | 'costUsd',
    ) => report.byModel.reduce((total, m) => total + m[key], 0);
    const rows = await this.db.query<{ revision: number }>(
      `INSERT INTO daily_usage (user_id, client_id, day, team_id, revision, extension_version, input_tokens, output_tokens,
         cache_read_tokens, cache_write_tokens, reasoning_tokens, requests, cost_usd, peak_weighted_cost_usd, peak_weighted_tokens,
         peak_share, commits, hygiene, by_model)
       VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::jsonb, $19::jsonb)
       ON CONFLICT (user_id, client_id, day) DO UPDATE SET
         team_id = excluded.team_id, revision = excluded.revision, extension_version = excluded.extension_version,
         input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, cache_read_tokens = excluded.cache_read_tokens,
         cache_write_tokens = excluded.cache_write_tokens, reasoning_tokens = excluded.reasoning_tokens, requests = excluded.requests,
         cost_usd = excluded.cost_usd, peak_weighted_cost_usd = excluded.peak_weighted_cost_usd,
         peak_weighted_tokens = excluded.peak_weighted_tokens, peak_share = excluded.peak_share, commits = excluded.commits,
         hygiene = excluded.hygiene, by_model = excluded.by_model, received_at = now()
       WHERE excluded.revision >= daily_usage.revision
       RETURNING revision::float8 AS revision`,
      [
        user.id,
        report.clientId,
        day,
        user.teamId,
        report.revision,
        report.extensionVersion,
        sum('inputTokens'),
        sum('outputTokens'),
        sum('cacheReadTokens'),
        sum('cacheWriteTokens'),
        sum('reasoningTokens'),
        sum('requests'),
        sum('costUsd'),
        report.peakWeightedCostUsd,
        report.peakWeightedTokens,
        report.peakShare,
        report.commits ?? null,
        JSON.stringify(report.hygiene),
        JSON.stringify(report.byModel),
      ],
    );
    if (rows.length > 0) return { applied: true, revision: rows[0].revision };
    const stored = await this.db.query<{ revision: number }>(
      'SELECT revision::float8 AS revision FROM daily_usage WHERE user_id = $1 AND client_id = $2 AND day = $3::date',
      [user.id, report.clientId, day],
    );
    return { applied: false, revision: stored[0].revision };
  }

  /** One scan of the range's reports, grouped by day and by person in the same pass. */
  async teamSummary(teamId: string, from: string, to: string): Promise<TeamSummary> {
    const [first, last] = [dayNumber(from), dayNumber(to)];
    if (first === undefined || last === undefined || last < first || last - first + 1 > MAX_SUMMARY_DAYS) {
      throw new RangeError(`A summary needs a range of 1 to ${MAX_SUMMARY_DAYS} calendar days (got ${from}..${to}).`);
    }
    const [team, members, groups] = await Promise.all([
      this.getTeam(teamId),
      this.db.query<{ id: string; name: string; is_lead: boolean }>(
        'SELECT id, name, is_lead FROM users WHERE team_id = $1 ORDER BY name, id',
        [teamId],
      ),
      this.db.query<TotalsRow & { date: string | null; user_id: string | null }>(
        `SELECT to_char(day, 'YYYY-MM-DD') AS date, user_id, ${TOTALS_COLUMNS}
         FROM daily_usage WHERE team_id = $1 AND day BETWEEN $2::date AND $3::date
         GROUP BY GROUPING SETS ((day), (user_id))`,
        [teamId, from, to],
      ),
    ]);
    const byDay = new Map<string, TotalsRow>();
    const byUser = new Map<string, TotalsRow>();
    for (const row of groups) {
      if (row.date !== null) byDay.set(row.date, row);
      else byUser.set(row.user_id!, row);
    }
    const days: TeamSummary['days'] = [];
    let totals = EMPTY_TOTALS;
    for (let n = first; n <= last; n++) {
      const date = dayKey(n);
      const row = byDay.get(date) ?? EMPTY_TOTALS;
      totals = addTotals(totals, row);
      days.push({ date, ...toTotals(row) });
    }
    return {
      team: { id: team.id, name: team.name },
      from,
      to,
      budget: team.budget,
      totals: toTotals(totals),
      days,
      people: members.map((m) => ({ userId: m.id, name: m.name, isLead: m.is_lead, ...toTotals(byUser.get(m.id) ?? EMPTY_TOTALS) })),
    };
  }
}
