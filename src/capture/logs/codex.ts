import * as path from 'node:path';
import { makeEventId, type UsageEvent } from '../../core/events';
import { asObject, asString, count, projectOfDirectory, requireLine, timestampOf, type Json } from './records';
import type { LineReader, LogAdapter, LogRecord, RateLimitWindow } from './types';

/**
 * Codex CLI writes a JSON Lines "rollout" per session under `sessions/YYYY/MM/DD/` (and moves old ones
 * to `archived_sessions/`). `turn_context` records name the model; `token_count` events carry the
 * session's cumulative `total_token_usage` (and, in newer versions, `last_token_usage`) plus the
 * plan's rate-limit windows. The same token_count is often written twice, so usage is the growth of
 * the cumulative total: never the total itself, never a repeated one.
 *
 * OpenAI counts cached input inside `input_tokens` and reasoning inside `output_tokens`; UsageEvent
 * keeps kinds disjoint, so cached input is moved to cache reads.
 */

/**
 * The record types this reader uses, as they appear in a line's bytes: lines without any (tool-call
 * outputs and messages, most of a rollout's bytes) are never decoded (see LineReader.needles;
 * test/unit/logPrefilter.test.ts).
 */
export const RECORD_TYPE_NEEDLES: readonly Buffer[] = ['"token_count"', '"turn_context"', '"session_meta"'].map((type) =>
  Buffer.from(type),
);

interface TokenTotals {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
  total: number;
}

interface CodexState {
  sessionId?: string;
  project?: string;
  model?: string;
  lastTotal?: TokenTotals;
}

function totalsOf(value: unknown): TokenTotals | undefined {
  const usage = asObject(value);
  if (!usage) return undefined;
  const totals = {
    input: count(usage.input_tokens),
    cached: count(usage.cached_input_tokens),
    output: count(usage.output_tokens),
    reasoning: count(usage.reasoning_output_tokens),
    total: count(usage.total_tokens),
  };
  if (totals.total === 0) totals.total = totals.input + totals.output;
  return totals;
}

function minus(a: TokenTotals, b: TokenTotals): TokenTotals {
  return {
    input: Math.max(0, a.input - b.input),
    cached: Math.max(0, a.cached - b.cached),
    output: Math.max(0, a.output - b.output),
    reasoning: Math.max(0, a.reasoning - b.reasoning),
    total: Math.max(0, a.total - b.total),
  };
}

function windowOf(value: unknown, recordedAt: number): RateLimitWindow | undefined {
  const w = asObject(value);
  if (!w || typeof w.used_percent !== 'number') return undefined;
  const resetsAt =
    typeof w.resets_at === 'number'
      ? timestampOf(w.resets_at)
      : typeof w.resets_in_seconds === 'number'
        ? recordedAt + w.resets_in_seconds * 1000
        : undefined;
  return {
    usedPercent: w.used_percent,
    ...(typeof w.window_minutes === 'number' ? { windowMinutes: w.window_minutes } : {}),
    ...(resetsAt !== undefined ? { resetsAt } : {}),
  };
}

class CodexRolloutReader implements LineReader {
  private readonly state: CodexState;
  readonly needles = RECORD_TYPE_NEEDLES;

  constructor(saved: unknown) {
    this.state = { ...(asObject(saved) as CodexState | undefined) };
  }

  line(text: string): LogRecord[] {
    const record = requireLine(text);
    const payload = asObject(record.payload);
    const type = asString(record.type);
    if (type === 'session_meta' && payload) {
      this.state.sessionId = asString(payload.id) ?? this.state.sessionId;
      this.state.project = projectOfDirectory(asString(payload.cwd)) ?? this.state.project;
      return [];
    }
    if (type === 'turn_context' && payload) {
      this.state.model = asString(payload.model) ?? this.state.model;
      this.state.project = projectOfDirectory(asString(payload.cwd)) ?? this.state.project;
      return [];
    }
    if (type === 'event_msg' && payload?.type === 'token_count') {
      const ts = timestampOf(record.timestamp);
      return ts === undefined ? [] : this.tokenCount(payload, ts, String(record.timestamp));
    }
    return [];
  }

  private tokenCount(payload: Json, ts: number, stamp: string): LogRecord[] {
    const out: LogRecord[] = [];
    const limits = asObject(payload.rate_limits);
    if (limits) {
      const primary = windowOf(limits.primary, ts);
      const secondary = windowOf(limits.secondary, ts);
      if (primary || secondary) {
        out.push({
          kind: 'rate-limits',
          snapshot: {
            source: 'codex',
            ts,
            ...(primary ? { primary } : {}),
            ...(secondary ? { secondary } : {}),
            ...(asString(limits.plan_type) ? { planType: asString(limits.plan_type) } : {}),
          },
        });
      }
    }
    const info = asObject(payload.info);
    const total = totalsOf(info?.total_token_usage);
    const last = totalsOf(info?.last_token_usage);
    if (!info || !total) return out;
    const previous = this.state.lastTotal;
    if (previous && total.total === previous.total) return out; // the same count, written again
    const delta = previous && total.total > previous.total ? minus(total, previous) : (last ?? total);
    this.state.lastTotal = total;
    if (delta.total === 0 && delta.input === 0 && delta.output === 0) return out;

    const model = this.state.model ?? 'unknown';
    const sessionId = this.state.sessionId ?? 'unknown-session';
    const cached = Math.min(delta.cached, delta.input);
    const event: UsageEvent = {
      id: makeEventId('codex', `${sessionId}:${stamp}:${total.total}`),
      ts,
      source: 'codex',
      // Codex speaks the OpenAI API whatever its config.toml calls the provider; the gateway records
      // the same request as 'openai', so a custom model_provider name must not make it a different one.
      provider: 'openai',
      model,
      inputTokens: delta.input - cached,
      outputTokens: delta.output,
      cacheReadTokens: cached,
      cacheWriteTokens: 0,
      reasoningTokens: Math.min(delta.reasoning, delta.output),
      estimated: false,
      ...(this.state.project ? { project: this.state.project } : {}),
    };
    const contextWindow = count(info.model_context_window);
    out.push({
      kind: 'usage',
      event,
      session: {
        sessionId,
        contextTokens: (last ?? delta).input,
        ...(contextWindow > 0 ? { contextWindow } : {}),
      },
    });
    return out;
  }

  save(): unknown {
    return this.state;
  }
}

export const codex: LogAdapter = {
  source: 'codex',
  label: 'Codex CLI',
  defaultRoots: ({ env, home }) => {
    const codexHome = env.CODEX_HOME || path.join(home, '.codex');
    return [path.join(codexHome, 'sessions'), path.join(codexHome, 'archived_sessions')];
  },
  rootsInHome: (home) => [path.join(home, 'sessions'), path.join(home, 'archived_sessions')],
  accepts: (relative) => /(^|\/)rollout-[^/]*\.jsonl$/.test(relative),
  open: (_file, saved) => ({ kind: 'lines', reader: new CodexRolloutReader(saved) }),
};
