import type { ActivityPoint } from './activity';
import { BLOCK_MS, burnRate, currentBlock, estimateLimit, project, sessionBlocks, weeklyUsage, type Projection } from './blocks';
import { formatDuration, formatPercent, formatTokens } from './format';
import type { SubscriptionPlan } from './plans';

/**
 * The subscription status item as plain data: for each provider on a plan, the current 5-hour
 * block and the rolling week, with limits from the provider's records, the user, or an estimate.
 */

/** One of the provider's own windows, as an assistant logged it (Codex's rate_limits). */
export interface ProviderWindow {
  usedPercent: number;
  resetsAt?: number;
  windowMinutes?: number;
}

export interface ProviderWindows {
  /** When they were recorded. */
  ts: number;
  /** Which assistant recorded them, for the label ("from Codex"). */
  recordedBy: string;
  primary?: ProviderWindow;
  secondary?: ProviderWindow;
}

export type LimitSource = 'provider' | 'user' | 'estimate' | 'none';

export interface WindowStatus {
  tokens: number;
  limit?: number;
  /** 0–1+; from the provider's own percentage when it has one. */
  usedRatio?: number;
  limitSource: LimitSource;
  resetsAt?: number;
}

export interface BlockStatus extends WindowStatus {
  start: number;
  ratePerMinute: number;
  projection?: Projection;
}

export interface PlanStatus {
  plan: SubscriptionPlan;
  /** Undefined when no block is running. */
  block?: BlockStatus;
  week: WindowStatus;
  recordedBy?: string;
}

export interface SubscriptionInput {
  now: number;
  plans: readonly SubscriptionPlan[];
  activity(provider: string): ActivityPoint[];
  /** The provider's own windows, when an assistant logged them recently. */
  providerWindows(provider: string): ProviderWindows | undefined;
  formatClock(ts: number): string;
}

function fresh(window: ProviderWindow | undefined, now: number): window is ProviderWindow {
  return window !== undefined && (window.resetsAt === undefined || window.resetsAt > now);
}

export function planStatus(plan: SubscriptionPlan, input: SubscriptionInput): PlanStatus {
  const { now } = input;
  const series = input.activity(plan.provider);
  const blocks = sessionBlocks(series);
  const running = currentBlock(blocks, now);
  const finished = blocks.filter((b) => b.end <= now).map((b) => b.tokens);
  const windows = input.providerWindows(plan.provider);
  const weekly = weeklyUsage(series, now);

  let block: BlockStatus | undefined;
  if (running || fresh(windows?.primary, now)) {
    const tokens = running?.tokens ?? 0;
    const ratePerMinute = running ? burnRate(series, now, running.start) : 0;
    if (fresh(windows?.primary, now)) {
      const resetsAt = windows!.primary.resetsAt ?? running?.end ?? now + BLOCK_MS;
      const usedRatio = windows!.primary.usedPercent / 100;
      const impliedLimit = usedRatio > 0 && tokens > 0 ? tokens / usedRatio : undefined;
      block = {
        start: running?.start ?? resetsAt - BLOCK_MS, tokens, usedRatio, limitSource: 'provider', resetsAt, ratePerMinute,
        ...(impliedLimit ? { limit: impliedLimit, projection: project(tokens, impliedLimit, ratePerMinute, now, resetsAt) } : {}),
      };
    } else {
      const limit = plan.blockTokens ?? estimateLimit(finished);
      const resetsAt = running!.end;
      block = {
        start: running!.start, tokens, resetsAt, ratePerMinute,
        limitSource: plan.blockTokens ? 'user' : limit ? 'estimate' : 'none',
        ...(limit ? { limit, usedRatio: tokens / limit, projection: project(tokens, limit, ratePerMinute, now, resetsAt) } : {}),
      };
    }
  }

  let week: WindowStatus;
  if (fresh(windows?.secondary, now)) {
    week = { tokens: weekly.current, usedRatio: windows!.secondary.usedPercent / 100, limitSource: 'provider', ...(windows!.secondary.resetsAt ? { resetsAt: windows!.secondary.resetsAt } : {}) };
  } else {
    const limit = plan.weeklyTokens ?? estimateLimit(weekly.past);
    week = {
      tokens: weekly.current,
      limitSource: plan.weeklyTokens ? 'user' : limit ? 'estimate' : 'none',
      ...(limit ? { limit, usedRatio: weekly.current / limit } : {}),
    };
  }
  return { plan, ...(block ? { block } : {}), week, ...(windows ? { recordedBy: windows.recordedBy } : {}) };
}

export type SubscriptionLevel = 'normal' | 'warning' | 'error';

export interface SubscriptionAlert {
  /** Once per key: one alert per provider per block. */
  key: string;
  message: string;
}

export interface SubscriptionView {
  text: string;
  level: SubscriptionLevel;
  tooltipMarkdown: string;
  accessibilityLabel: string;
  alerts: SubscriptionAlert[];
}

function sourceWords(source: LimitSource, recordedBy?: string): string {
  switch (source) {
    case 'provider':
      return `exact, from ${recordedBy ?? "the provider's"} records`;
    case 'user':
      return 'limit set by you';
    case 'estimate':
      return 'limit estimated from your past windows';
    case 'none':
      return 'no limit known yet (set one in `tokenMeter.planLimits`, or it is estimated after three windows)';
  }
}

function levelOf(status: PlanStatus): SubscriptionLevel {
  const ratios = [status.block?.usedRatio ?? 0, status.week.usedRatio ?? 0];
  if (ratios.some((r) => r >= 1)) return 'error';
  if (ratios.some((r) => r >= 0.8) || status.block?.projection?.beforeReset) return 'warning';
  return 'normal';
}

function blockPhrase(status: PlanStatus, input: SubscriptionInput): string {
  const { block } = status;
  if (!block) return 'no active 5h block';
  const used = block.usedRatio !== undefined ? formatPercent(block.usedRatio) : `${formatTokens(block.tokens)} tok`;
  return `5h ${used} · resets ${input.formatClock(block.resetsAt!)}`;
}

export function buildSubscriptionView(input: SubscriptionInput): SubscriptionView | undefined {
  if (input.plans.length === 0) return undefined;
  const statuses = input.plans.map((p) => planStatus(p, input));
  const pressing = statuses.reduce((a, b) => ((b.block?.usedRatio ?? -1) > (a.block?.usedRatio ?? -1) ? b : a));
  const levels = statuses.map(levelOf);
  const level: SubscriptionLevel = levels.includes('error') ? 'error' : levels.includes('warning') ? 'warning' : 'normal';
  const name = statuses.length > 1 ? `${pressing.plan.label.split(' ')[0]} ` : '';
  const text = `$(watch) ${name}${blockPhrase(pressing, input)}`;

  const md: string[] = ['**Subscription windows**', ''];
  const alerts: SubscriptionAlert[] = [];
  for (const s of statuses) {
    md.push(`**${s.plan.label}**`, '');
    if (s.block) {
      const b = s.block;
      const of = b.limit ? ` of ~${formatTokens(b.limit)}` : '';
      const pct = b.usedRatio !== undefined ? ` (${formatPercent(b.usedRatio)})` : '';
      md.push(`5-hour block: ${formatTokens(b.tokens)} tokens${of}${pct} — ${sourceWords(b.limitSource, s.recordedBy)}`, '');
      md.push(`Started ${input.formatClock(b.start)} · resets ${input.formatClock(b.resetsAt!)} · in ${formatDuration(b.resetsAt! - input.now)}`, '');
      md.push(`Burn rate: ${formatTokens(Math.round(b.ratePerMinute))} tokens/min over the last 15 minutes`, '');
      if (b.projection?.runsOutAt !== undefined && b.projection.beforeReset) {
        const at = input.formatClock(b.projection.runsOutAt);
        md.push(`$(warning) At this rate the block runs out at **${at}**, before it resets.`, '');
        alerts.push({
          key: `${s.plan.provider}:${b.start}`,
          message: `At this rate your ${s.plan.label} block runs out at ${at}, before it resets at ${input.formatClock(b.resetsAt!)}. To stretch it: use a lighter model for simple requests, start a fresh conversation (less context re-sent each time), or defer batch work to off-peak hours.`,
        });
      }
    } else {
      md.push('5-hour block: none running — the next request starts one.', '');
    }
    const weekOf = s.week.limit ? ` of ~${formatTokens(s.week.limit)}` : '';
    const weekPct = s.week.usedRatio !== undefined ? ` (${formatPercent(s.week.usedRatio)})` : '';
    const weekReset = s.week.resetsAt ? ` · resets ${input.formatClock(s.week.resetsAt)}` : '';
    md.push(`Week (rolling 7 days): ${formatTokens(s.week.tokens)} tokens${weekOf}${weekPct}${weekReset} — ${sourceWords(s.week.limitSource, s.recordedBy)}`, '');
  }
  md.push('[Plan settings](command:tokenMeter.openSettings)');
  return {
    text,
    level,
    tooltipMarkdown: md.join('\n'),
    accessibilityLabel: `Token Meter subscription: ${text.replace(/\$\([a-z-]+\) /, '')}`,
    alerts,
  };
}
