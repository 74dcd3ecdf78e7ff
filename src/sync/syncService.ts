import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RollupRow } from '../core/rollups';
import { DATA_FILES } from '../store/paths';
import { writeFileAtomicSync } from '../store/privateFiles';
import { dailyTotals, totalsFingerprint } from './dailyReport';
import { TeamApiError, TeamClient, type TeamBudgetResponse } from './teamClient';

/**
 * Sends each day's totals to the team endpoint until it has them. The queue is the state file:
 * a day whose totals changed gets a higher revision and stays pending until a PUT succeeds, so a
 * day survives restarts, a dead endpoint and a laptop that is offline for a week. Re-sending a day
 * replaces it on the server; an older revision never overwrites a newer one there.
 */

export interface SyncOptions {
  dataDir: string;
  endpoint: string;
  /** The team the user expects; a token of another team is reported. */
  teamId?: string;
  token: string;
  extensionVersion: string;
  rows(fromDay: string, toDay: string): RollupRow[];
  /** The days worth checking for changes now (recent local days). */
  recentDays(now: number): string[];
  hygiene?(day: string): Record<string, number>;
  now?: () => number;
  random?: () => number;
  fetch?: typeof fetch;
}

interface DayState {
  revision: number;
  fingerprint: string;
  sentFingerprint?: string;
}

interface SyncState {
  version: 1;
  clientId: string;
  days: Record<string, DayState>;
  lastSuccessAt?: number;
  attempt: number;
  nextAttemptAt: number;
  /** A hash of a token the endpoint refused: nothing is retried until the token changes. */
  refusedToken?: string;
  problem?: string;
  policy?: TeamBudgetResponse;
}

export interface SyncStatus {
  lastSuccessAt?: number;
  problem?: string;
  pendingDays: number;
  policy?: TeamBudgetResponse;
}

const STATE_FILE = DATA_FILES.syncState;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 30 * 60_000;
/** Days older than this are forgotten once sent, keeping the state file small. */
const KEEP_SENT_DAYS = 45;

/** Exponential backoff with jitter: 30 s, 1 min, 2 min … up to 30 min, each 50–100 % of that. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const full = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(full * (0.5 + random() * 0.5));
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

export class SyncService {
  private readonly statePath: string;
  private readonly now: () => number;
  private state: SyncState;
  private saveProblem: string | undefined;

  constructor(private readonly options: SyncOptions) {
    this.statePath = path.join(options.dataDir, STATE_FILE);
    this.now = options.now ?? Date.now;
    this.state = this.load();
  }

  status(): SyncStatus {
    return {
      ...(this.state.lastSuccessAt ? { lastSuccessAt: this.state.lastSuccessAt } : {}),
      ...(this.state.problem || this.saveProblem ? { problem: this.state.problem ?? this.saveProblem } : {}),
      pendingDays: this.pending().length,
      ...(this.state.policy ? { policy: this.state.policy } : {}),
    };
  }

  /** Notes changed days, sends what is pending (unless backing off or refused), then reads the team's budget. */
  async sync(): Promise<SyncStatus> {
    const now = this.now();
    this.noteChanges(now);
    if (this.state.refusedToken === tokenHash(this.options.token)) return this.status();
    if (now < this.state.nextAttemptAt) return this.status();
    const client = new TeamClient(this.options.endpoint, this.options.token, this.options.fetch);
    let rejection: string | undefined;
    try {
      for (const day of this.pending()) {
        const entry = this.state.days[day];
        const totals = dailyTotals(this.options.rows(day, day), this.options.hygiene?.(day) ?? {});
        try {
          await client.putDaily(day, {
            clientId: this.state.clientId,
            revision: entry.revision,
            extensionVersion: this.options.extensionVersion,
            ...totals,
          });
        } catch (error) {
          if (!(error instanceof TeamApiError) || error.kind !== 'rejected') throw error;
          // The endpoint will never take this day as it is; keep going with the others.
          rejection = `The team endpoint refused the totals of ${day}: ${error.message}`;
        }
        entry.sentFingerprint = entry.fingerprint;
        this.state.lastSuccessAt = this.now();
        this.save();
      }
      const policy = await client.getBudget();
      const mismatch =
        this.options.teamId && policy.team.id !== this.options.teamId
          ? `The team token belongs to team "${policy.team.id}", but tokenMeter.team.id is "${this.options.teamId}"; the team's budget is not applied.`
          : undefined;
      if (mismatch) delete this.state.policy;
      else this.state.policy = policy;
      const problem = mismatch ?? rejection;
      if (problem) this.state.problem = problem;
      else delete this.state.problem;
      delete this.state.refusedToken;
      this.state.attempt = 0;
      this.state.nextAttemptAt = 0;
      this.state.lastSuccessAt = this.now();
    } catch (error) {
      const failure = error instanceof TeamApiError ? error : new TeamApiError((error as Error).message, 'retry');
      if (failure.kind === 'auth') {
        this.state.refusedToken = tokenHash(this.options.token);
        this.state.problem = `The team endpoint refused the token (${failure.status}). Run "Token Meter: Set Team Token" with a valid one; nothing is sent until then.`;
      } else {
        this.state.attempt += 1;
        const delay = backoffMs(this.state.attempt, this.options.random);
        this.state.nextAttemptAt = this.now() + delay;
        this.state.problem = `${failure.message} Retrying in ${Math.ceil(delay / 60_000)} min.`;
      }
    }
    this.save();
    return this.status();
  }

  /** Gives every day whose totals changed since it was last seen a new revision. */
  private noteChanges(now: number): void {
    let changed = false;
    for (const day of this.options.recentDays(now)) {
      const rows = this.options.rows(day, day);
      const entry = this.state.days[day];
      if (rows.length === 0 && !entry) continue;
      const fingerprint = totalsFingerprint(dailyTotals(rows, this.options.hygiene?.(day) ?? {}));
      if (entry?.fingerprint === fingerprint) continue;
      // Revisions grow with the clock, so even a client that lost its state sends newer ones.
      this.state.days[day] = {
        revision: Math.max((entry?.revision ?? 0) + 1, now),
        fingerprint,
        ...(entry?.sentFingerprint ? { sentFingerprint: entry.sentFingerprint } : {}),
      };
      changed = true;
    }
    const oldest = new Date(now - KEEP_SENT_DAYS * 86_400_000).toISOString().slice(0, 10);
    for (const [day, entry] of Object.entries(this.state.days)) {
      if (day < oldest && entry.sentFingerprint === entry.fingerprint) delete this.state.days[day];
    }
    if (changed) this.save();
  }

  private pending(): string[] {
    return Object.entries(this.state.days)
      .filter(([, e]) => e.sentFingerprint !== e.fingerprint)
      .map(([day]) => day)
      .sort();
  }

  private load(): SyncState {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.statePath, 'utf8')) as SyncState;
      if (parsed.version === 1 && typeof parsed.clientId === 'string' && typeof parsed.days === 'object') return parsed;
    } catch {
      // first run, or a damaged file: start over. The client id is derived from this machine and
      // data folder, so re-sent days replace (not add to) what this client sent before.
    }
    const clientId = createHash('sha256')
      .update(`${os.hostname()}\u0000${path.resolve(this.options.dataDir)}`)
      .digest('hex')
      .slice(0, 24);
    return { version: 1, clientId, days: {}, attempt: 0, nextAttemptAt: 0 };
  }

  /** A save the disk refuses is shown as the problem; the state in memory goes on, and the next save retries. */
  private save(): void {
    try {
      writeFileAtomicSync(this.statePath, JSON.stringify(this.state));
      this.saveProblem = undefined;
    } catch (error) {
      this.saveProblem = `Could not save team sync state to ${this.statePath}: ${(error as Error).message}. Days already sent may be sent again after a restart.`;
    }
  }
}
