import * as path from 'node:path';
import { makeEventId, serviceTierOf, type UsageEvent } from '../../core/events';
import { asObject, asString, count, projectOfDirectory, providerOfModel, requireLine, timestampOf } from './records';
import type { LineReader, LogAdapter, LogEnvironment, LogFile, LogRecord } from './types';

/**
 * Claude Code writes one JSON Lines transcript per session under `projects/<encoded cwd>/`, and one
 * per sub-agent under `<session>/subagents/`. Assistant records carry the API's `message.usage`.
 *
 * A streamed message is written as several lines, one per content block, all with the same
 * `message.id`; the early lines can carry the output count of the stream's start. So a message is
 * held until it is complete (a line with a `stop_reason`, a line of another message, or a quiet
 * file) and counted once as the one line with the highest output count, taken whole: after a
 * mid-stream model fallback the lines name different models and counts, and mixing each field's
 * largest value would price one model's tokens at the other's rate. The same message id may also
 * appear in a sub-agent's file and its parent's: the scanner counts an id once.
 */

const SYNTHETIC_MODEL = '<synthetic>';
/** Only lines with a usage key matter (see LineReader.needles; test/unit/logPrefilter.test.ts). */
export const USAGE_NEEDLES: readonly Buffer[] = [Buffer.from('"usage"')];

/**
 * A message's usage as its lines arrive; the counts and tier mean what they mean on UsageEvent
 * (cacheWrite1hTokens from usage.cache_creation; serviceTier from usage.speed "fast" or a
 * non-standard usage.service_tier).
 */
type PendingMessage = Pick<
  UsageEvent,
  | 'ts'
  | 'model'
  | 'project'
  | 'inputTokens'
  | 'outputTokens'
  | 'cacheReadTokens'
  | 'cacheWriteTokens'
  | 'cacheWrite1hTokens'
  | 'serviceTier'
> & { messageId: string; sessionId?: string };

function configDirs(environment: LogEnvironment): string[] {
  const configured = environment.env.CLAUDE_CONFIG_DIR;
  if (configured)
    return configured
      .split(',')
      .map((dir) => dir.trim())
      .filter(Boolean);
  const xdg = environment.env.XDG_CONFIG_HOME || path.join(environment.home, '.config');
  return [path.join(environment.home, '.claude'), path.join(xdg, 'claude')];
}

function toEvent(m: PendingMessage): LogRecord {
  const event: UsageEvent = {
    id: makeEventId('anthropic', m.messageId),
    ts: m.ts,
    source: 'claude-code',
    provider: providerOfModel(m.model),
    model: m.model,
    inputTokens: m.inputTokens,
    outputTokens: m.outputTokens,
    cacheReadTokens: m.cacheReadTokens,
    cacheWriteTokens: m.cacheWriteTokens,
    ...(m.cacheWrite1hTokens ? { cacheWrite1hTokens: m.cacheWrite1hTokens } : {}),
    reasoningTokens: 0,
    estimated: false,
    requestId: m.messageId,
    ...(m.serviceTier ? { serviceTier: m.serviceTier } : {}),
    ...(m.project ? { project: m.project } : {}),
  };
  const contextTokens = m.inputTokens + m.cacheReadTokens + m.cacheWriteTokens;
  return { kind: 'usage', event, ...(m.sessionId ? { session: { sessionId: m.sessionId, contextTokens } } : {}) };
}

class ClaudeTranscriptReader implements LineReader {
  private pending: PendingMessage | undefined;
  /** Most of a history's bytes are tool results and file snapshots, lines the scanner then never decodes. */
  readonly needles = USAGE_NEEDLES;

  constructor(saved: unknown) {
    const restored = asObject(saved)?.pending as PendingMessage | undefined;
    if (restored && typeof restored.messageId === 'string') this.pending = restored;
  }

  /** The scanner hands over only lines with a usage key (needles); the rest are never decoded. */
  line(text: string): LogRecord[] {
    const record = requireLine(text);
    const message = asObject(record.message);
    const usage = asObject(message?.usage);
    const messageId = asString(message?.id);
    const model = asString(message?.model);
    if (!message || !usage || !messageId || !model || model === SYNTHETIC_MODEL) return [];
    const ts = timestampOf(record.timestamp);
    if (ts === undefined) return [];

    const out: LogRecord[] = [];
    if (this.pending && this.pending.messageId !== messageId) out.push(...this.flush());
    const writes = count(usage.cache_creation_input_tokens);
    const line: PendingMessage = {
      messageId,
      ts,
      model,
      sessionId: asString(record.sessionId),
      project: projectOfDirectory(asString(record.cwd)),
      inputTokens: count(usage.input_tokens),
      outputTokens: count(usage.output_tokens),
      cacheReadTokens: count(usage.cache_read_input_tokens),
      cacheWriteTokens: writes,
      cacheWrite1hTokens: Math.min(count(asObject(usage.cache_creation)?.ephemeral_1h_input_tokens), writes),
      serviceTier: serviceTierOf(usage.speed) ?? serviceTierOf(usage.service_tier),
    };
    // A later line with as many output tokens is the more complete record of the same message.
    const seen = this.pending && this.pending.outputTokens > line.outputTokens ? this.pending : line;
    seen.ts = Math.max(this.pending?.ts ?? ts, ts);
    this.pending = seen;
    if (asString(message.stop_reason)) out.push(...this.flush());
    return out;
  }

  flush(): LogRecord[] {
    const done = this.pending;
    this.pending = undefined;
    return done ? [toEvent(done)] : [];
  }

  save(): unknown {
    return this.pending ? { pending: this.pending } : undefined;
  }
}

export const claudeCode: LogAdapter = {
  source: 'claude-code',
  label: 'Claude Code',
  defaultRoots: (environment) => configDirs(environment).map((dir) => path.join(dir, 'projects')),
  rootsInHome: (home) => [path.join(home, 'projects')],
  accepts: (relative) => relative.endsWith('.jsonl'),
  open: (_file: LogFile, saved: unknown) => ({ kind: 'lines', reader: new ClaudeTranscriptReader(saved) }),
};
