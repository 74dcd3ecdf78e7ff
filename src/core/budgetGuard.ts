import { formatBudgetAmount, PERIOD_ADJECTIVES, type BudgetStatus, type BudgetUnit } from './budget';
import { formatDuration } from './format';
import { budgetSourceLabel, budgetStatuses, type UsageReader } from './usage';

/**
 * Hard budgets: whether a request may go out once a budget is used up, and "Allow 1 Hour Over
 * Budget", the way past it. One rule for every path that sends requests (the gateway, the metered
 * chat models), so they refuse at the same point and say the same thing.
 */

export const OVERRIDE_COMMAND_TITLE = 'Token Meter: Allow 1 Hour Over Budget';
export const OVERRIDE_COMMAND_ID = 'tokenMeter.allowOverBudget';
export const OVERRIDE_DURATION_MS = 3600_000;

export type BudgetEnforcement = 'soft' | 'hard';

/** Where "Allow 1 Hour Over Budget" is kept, shared by every window (store/budgetOverrideFile.ts). */
export interface OverrideStorage {
  /** Until when requests over budget are allowed (epoch ms); 0 when never allowed or unreadable. */
  readUntil(): number;
  writeUntil(until: number): void;
}

/** "Allow 1 Hour Over Budget": lets requests through for an hour despite a hard budget. */
export class BudgetOverride {
  constructor(
    private readonly storage: OverrideStorage,
    private readonly now: () => number,
  ) {}

  /** Until when requests over budget are allowed (epoch ms; 0 = not allowed). */
  until(): number {
    return this.storage.readUntil();
  }

  isActive(): boolean {
    return this.until() > this.now();
  }

  /** Starts the hour from now; returns when it ends. */
  allowOneHour(): number {
    const until = this.now() + OVERRIDE_DURATION_MS;
    this.storage.writeUntil(until);
    return until;
  }
}

/**
 * Who reads the refusal: a client in a terminal (through the gateway) runs the command in VS Code;
 * a chat in VS Code can be told the command's id as well.
 */
export type RefusalAudience = 'terminal' | 'editor';

const WAY_OUT: Record<RefusalAudience, string> = {
  terminal: `Run "${OVERRIDE_COMMAND_TITLE}" in VS Code`,
  editor: `Run "${OVERRIDE_COMMAND_TITLE}" (${OVERRIDE_COMMAND_ID})`,
};
const WHOSE: Record<RefusalAudience, string> = { terminal: '', editor: 'your ' };

export interface BudgetRequest {
  enforcement: BudgetEnforcement;
  audience: RefusalAudience;
  /** The request's estimated, peak-weighted amount in the budget unit, when known before sending. */
  cost?: number;
  /** A sentence about the request for the message ("This request's prompt is about 20k tokens"). */
  about?: string;
}

export interface BudgetRefusal {
  status: BudgetStatus;
  message: string;
}

/**
 * The budget a request must not go past: one used up, or (with the request's estimated cost) one it
 * would take over its limit. The first such budget, in day, week, month order.
 */
export function blockingBudget(statuses: readonly BudgetStatus[], cost?: number): BudgetStatus | undefined {
  return statuses.find((s) => s.level === 'over' || (cost !== undefined && s.used + cost > s.limit));
}

/** Names the budget, where it was set, how much is counted, and the way out. */
export function overBudgetMessage(status: BudgetStatus, unit: BudgetUnit, request: Pick<BudgetRequest, 'audience' | 'about'>): string {
  const amount = formatBudgetAmount(status.used, unit);
  const state =
    status.level === 'over' || status.used >= status.limit
      ? `is used up (${amount} counted, peak-weighted)`
      : `would be exceeded: ${amount} counted so far, peak-weighted`;
  const budget = `${WHOSE[request.audience]}${PERIOD_ADJECTIVES[status.period]} budget of ${formatBudgetAmount(status.limit, unit, 'limit')}`;
  const about = request.about ? ` ${request.about}.` : '';
  return `Token Meter: ${budget} (${budgetSourceLabel(status.source)}) ${state}.${about} ${WAY_OUT[request.audience]} to continue for ${formatDuration(OVERRIDE_DURATION_MS)}, or raise the budget.`;
}

/** Decides, from the usage counted so far and the override, whether a request may go out. */
export class BudgetGuard {
  constructor(
    private readonly usage: UsageReader,
    readonly override: BudgetOverride,
  ) {}

  /** Why the request must not go out, or undefined to let it through. */
  refusal(request: BudgetRequest): BudgetRefusal | undefined {
    if (request.enforcement !== 'hard') return undefined;
    const { settings } = this.usage;
    const statuses = budgetStatuses(settings, (from, to) => this.usage.rows(from, to), this.usage.now());
    const status = blockingBudget(statuses, request.cost);
    // The override lives in a file: read it only when a budget would stop the request.
    if (!status || this.override.isActive()) return undefined;
    return { status, message: overBudgetMessage(status, settings.budget.unit, request) };
  }

  /** The gateway's check before forwarding a request (it cannot estimate the request's cost). */
  gatewayDecision(enforcement: BudgetEnforcement): { allow: true } | { allow: false; message: string } {
    const refusal = this.refusal({ enforcement, audience: 'terminal' });
    return refusal ? { allow: false, message: refusal.message } : { allow: true };
  }
}
