import { formatPercent, formatTokens } from './format';

/**
 * How full the active agent session's context is: the latest request's prompt (new input plus
 * cache reads and writes) against the model's window. Every request re-sends all of it, so a
 * full context is the most direct waste to cut.
 */

export interface AgentSession {
  /** 'claude-code' | 'codex' */
  source: string;
  sessionId: string;
  project?: string;
  model: string;
  /** The latest request, epoch ms. */
  ts: number;
  contextTokens: number;
  /** The window the assistant reported, if it did. */
  contextWindow?: number;
}

export interface ContextGaugeInput {
  now: number;
  sessions: readonly AgentSession[];
  /** Folder names of this window's workspace: the gauge follows sessions working here. */
  projects: readonly string[];
  /** Percent of the window from which the gauge warns. */
  warnAtPercent: number;
  contextWindowFor(model: string): number | undefined;
}

export interface ContextGaugeView {
  text: string;
  warning: boolean;
  tooltipMarkdown: string;
  accessibilityLabel: string;
}

/** A session idle for longer than this is not "active" any more. */
export const ACTIVE_SESSION_MS = 30 * 60_000;

const SOURCE_LABELS: Record<string, string> = { 'claude-code': 'Claude Code', codex: 'Codex' };
const FRESH_START_HINT: Record<string, string> = {
  'claude-code': 'run `/compact` or `/clear` in Claude Code',
  codex: 'run `/compact` or `/new` in Codex',
};

export function buildContextGauge(input: ContextGaugeInput): ContextGaugeView | undefined {
  const active = input.sessions
    .filter((s) => input.now - s.ts <= ACTIVE_SESSION_MS && s.project !== undefined && input.projects.includes(s.project))
    .sort((a, b) => b.ts - a.ts)[0];
  if (!active) return undefined;
  const window = active.contextWindow ?? input.contextWindowFor(active.model);
  const used = formatTokens(active.contextTokens);
  const ratio = window ? active.contextTokens / window : undefined;
  const warning = ratio !== undefined && ratio * 100 >= input.warnAtPercent;
  const text = `${warning ? '$(warning)' : '$(layers)'} ctx ${used}${window ? `/${formatTokens(window)}` : ''}`;
  const label = SOURCE_LABELS[active.source] ?? active.source;
  const md = [
    `**Context of the active ${label} session**`,
    '',
    `${used} tokens${window ? ` of ${formatTokens(window)} (${formatPercent(ratio!)})` : ' (window unknown for this model)'} — ${active.model}, project ${active.project}`,
    '',
    'Every request re-sends the whole context, so its size is paid again on each turn.',
    '',
  ];
  if (warning) {
    md.push(
      `$(warning) Past ${input.warnAtPercent}%: ${FRESH_START_HINT[active.source] ?? 'start a fresh session'} to stop paying for the whole history on every request.`,
      '',
    );
  }
  return {
    text,
    warning,
    tooltipMarkdown: md.join('\n'),
    accessibilityLabel: `${label} context ${used}${window ? ` of ${formatTokens(window)}` : ''}${warning ? ', nearly full' : ''}`,
  };
}
