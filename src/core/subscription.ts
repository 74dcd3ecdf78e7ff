import type { ActivityPoint } from './activity';
import { burnRate, currentBlock, estimateLimit, project, sessionBlocks, weeklyUsage, type Projection } from './blocks';
import { formatDuration, formatPercent, formatTokens } from './format';
import { buildLimitsView } from './limits/meter';
import { isCurrent, isExact, SOURCE_LABELS, type LimitReading } from './limits/reading';
import type { SubscriptionPlan } from './plans';

/**
 * The subscription status item as plain data: for each provider on a plan, the current 5-hour
 * block and the rolling week, with limits from the provider's records, the user, or an estimate.
 */

export type LimitSource = 'user' | 'estimate' | 'none';

export interface WindowStatus {
  tokens: number;
  limit?: number;
  /** 0–1+. */
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
}

export interface SubscriptionInput {
  now: number;
  plans: readonly SubscriptionPlan[];
  activity(provider: string): ActivityPoint[];
  formatClock(ts: number): string;
  /** A date for resets weeks away (a monthly quota): "Jan 1". */
  formatDate?(ts: number): string;
  /** Every provider's own limit readings (response headers, Claude Code, Codex, GitHub). */
  readings: readonly LimitReading[];
  /** tokenMeter.limits.warningThresholds. */
  thresholds: readonly number[];
  /** tokenMeter.limits.unusedWeeklyNote. */
  unusedWeeklyNote?: boolean;
}

export function planStatus(plan: SubscriptionPlan, input: SubscriptionInput): PlanStatus {
  const { now } = input;
  const series = input.activity(plan.provider);
  const blocks = sessionBlocks(series);
  const running = currentBlock(blocks, now);
  const finished = blocks.filter((b) => b.end <= now).map((b) => b.tokens);
  const weekly = weeklyUsage(series, now);

  let block: BlockStatus | undefined;
  if (running) {
    const tokens = running.tokens;
    const ratePerMinute = burnRate(series, now, running.start);
    const limit = plan.blockTokens ?? estimateLimit(finished);
    block = {
      start: running.start,
      tokens,
      resetsAt: running.end,
      ratePerMinute,
      limitSource: plan.blockTokens ? 'user' : limit ? 'estimate' : 'none',
      ...(limit ? { limit, usedRatio: tokens / limit, projection: project(tokens, limit, ratePerMinute, now, running.end) } : {}),
    };
  }
  const limit = plan.weeklyTokens ?? estimateLimit(weekly.past);
  const week: WindowStatus = {
    tokens: weekly.current,
    limitSource: plan.weeklyTokens ? 'user' : limit ? 'estimate' : 'none',
    ...(limit ? { limit, usedRatio: weekly.current / limit } : {}),
  };
  return { plan, ...(block ? { block } : {}), week };
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

function sourceWords(source: LimitSource): string {
  switch (source) {
    case 'user':
      return `limit ${SOURCE_LABELS.user}`;
    case 'estimate':
      return `limit ${SOURCE_LABELS.estimate}`;
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

const LEVEL_ORDER: SubscriptionLevel[] = ['normal', 'warning', 'error'];

/**
 * One "what limits me now" item. Where a provider reports its own windows (exact readings), the
 * binding one is shown with its exact percentage and reset, plan or no plan; a plan whose provider
 * reports nothing falls back to tokens against a limit set by the user or estimated from history,
 * labelled as such.
 */
export function buildSubscriptionView(input: SubscriptionInput): SubscriptionView | undefined {
  const { now } = input;
  const limits = buildLimitsView({
    now,
    readings: input.readings,
    formatClock: input.formatClock,
    ...(input.formatDate ? { formatDate: input.formatDate } : {}),
    thresholds: input.thresholds,
    unusedWeeklyNote: input.unusedWeeklyNote,
  });
  const exactProviders = new Set(input.readings.filter((r) => isExact(r.source) && isCurrent(r, now)).map((r) => r.provider));
  const plans = input.plans.filter((p) => !exactProviders.has(p.provider));
  if (!limits && plans.length === 0) return undefined;
  const statuses = plans.map((p) => planStatus(p, input));
  const levels = [...statuses.map(levelOf), limits?.level ?? 'normal'];
  const level = levels.reduce((a, b) => (LEVEL_ORDER.indexOf(b) > LEVEL_ORDER.indexOf(a) ? b : a), 'normal' as SubscriptionLevel);
  let text: string;
  if (limits) {
    text = `$(watch) ${limits.text}`;
  } else {
    const pressing = statuses.reduce((a, b) => ((b.block?.usedRatio ?? -1) > (a.block?.usedRatio ?? -1) ? b : a));
    const name = statuses.length > 1 ? `${pressing.plan.label.split(' ')[0]} ` : '';
    text = `$(watch) ${name}${blockPhrase(pressing, input)}`;
  }

  const md: string[] = [];
  const alerts: SubscriptionAlert[] = [...(limits?.alerts ?? [])];
  if (limits) md.push('**What limits you now**', '', ...limits.tooltipLines);
  if (statuses.length > 0) md.push(limits ? '**Plans without exact figures**' : '**Subscription windows**', '');
  for (const s of statuses) {
    md.push(`**${s.plan.label}**`, '');
    if (s.block) {
      const b = s.block;
      const of = b.limit ? ` of ~${formatTokens(b.limit)}` : '';
      const pct = b.usedRatio !== undefined ? ` (${formatPercent(b.usedRatio)})` : '';
      md.push(`5-hour block: ${formatTokens(b.tokens)} tokens${of}${pct} — ${sourceWords(b.limitSource)}`, '');
      md.push(
        `Started ${input.formatClock(b.start)} · resets ${input.formatClock(b.resetsAt!)} · in ${formatDuration(b.resetsAt! - input.now)}`,
        '',
      );
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
    md.push(
      `Week (rolling 7 days): ${formatTokens(s.week.tokens)} tokens${weekOf}${weekPct}${weekReset} — ${sourceWords(s.week.limitSource)}`,
      '',
    );
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
