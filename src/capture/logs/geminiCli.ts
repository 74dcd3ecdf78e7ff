import * as path from 'node:path';
import { makeEventId, type UsageEvent } from '../../core/events';
import { asObject, asString, count, projectOfDirectory, requireLine, timestampOf, type Json } from './records';
import type { DocumentReader, LineReader, LogAdapter, LogRecord } from './types';

/**
 * Gemini CLI records each chat under `~/.gemini/tmp/<project hash>/chats/`. Older versions rewrite a
 * whole `session-*.json` ({sessionId, messages}); newer ones append JSON Lines: a metadata line, then
 * message records (a message is appended again when its tokens arrive), `$set` metadata updates
 * (which may carry the whole message list) and `$rewindTo` markers. Rewound messages were still
 * billed, so they still count. A resumed legacy session is copied into a `.jsonl` with the same ids.
 *
 * `tokens.input` is the prompt including cached tokens; thoughts are billed as output.
 */

function toRecord(message: Json, sessionId: string, project: string | undefined): LogRecord | undefined {
  const tokens = asObject(message.tokens);
  const id = asString(message.id);
  const ts = timestampOf(message.timestamp);
  if (message.type !== 'gemini' || !tokens || !id || ts === undefined) return undefined;
  const cached = count(tokens.cached);
  const prompt = count(tokens.input);
  const thoughts = count(tokens.thoughts);
  const event: UsageEvent = {
    id: makeEventId('google', `${sessionId}:${id}`),
    ts,
    source: 'gemini-cli',
    provider: 'google',
    model: asString(message.model) ?? 'unknown',
    inputTokens: Math.max(0, prompt - cached) + count(tokens.tool),
    outputTokens: count(tokens.output) + thoughts,
    cacheReadTokens: Math.min(cached, prompt),
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
    estimated: false,
    ...(project ? { project } : {}),
  };
  if (event.inputTokens + event.outputTokens + event.cacheReadTokens === 0) return undefined;
  return { kind: 'usage', event, session: { sessionId, contextTokens: prompt } };
}

function projectOf(metadata: Json): string | undefined {
  const directories = metadata.directories;
  return Array.isArray(directories) ? projectOfDirectory(asString(directories[0])) : undefined;
}

function messagesOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(asObject).filter((m): m is Json => m !== undefined) : [];
}

class GeminiSessionDocument implements DocumentReader {
  read(text: string): LogRecord[] {
    const session = asObject(JSON.parse(text));
    const sessionId = asString(session?.sessionId);
    if (!session || !sessionId) return [];
    const project = projectOf(session);
    return messagesOf(session.messages).flatMap((m) => toRecord(m, sessionId, project) ?? []);
  }
}

interface GeminiLogState {
  sessionId?: string;
  project?: string;
}

class GeminiSessionLog implements LineReader {
  private readonly state: GeminiLogState;

  constructor(
    saved: unknown,
    private readonly fallbackSessionId: string,
  ) {
    this.state = { ...(asObject(saved) as GeminiLogState | undefined) };
  }

  line(text: string): LogRecord[] {
    const record = requireLine(text);
    const update = asObject(record.$set);
    if (update) {
      this.learn(update);
      return this.messages(messagesOf(update.messages));
    }
    if (asString(record.id)) return this.messages([record]);
    if (asString(record.sessionId)) this.learn(record);
    return [];
  }

  private learn(metadata: Json): void {
    this.state.sessionId = asString(metadata.sessionId) ?? this.state.sessionId;
    this.state.project = projectOf(metadata) ?? this.state.project;
  }

  private messages(list: Json[]): LogRecord[] {
    const sessionId = this.state.sessionId ?? this.fallbackSessionId;
    return list.flatMap((m) => toRecord(m, sessionId, this.state.project) ?? []);
  }

  save(): unknown {
    return this.state;
  }
}

export const geminiCli: LogAdapter = {
  source: 'gemini-cli',
  label: 'Gemini CLI',
  defaultRoots: ({ env, home }) => [path.join(env.GEMINI_CLI_HOME || home, '.gemini', 'tmp')],
  rootsInHome: (home) => [path.join(home, 'tmp'), path.join(home, '.gemini', 'tmp')],
  accepts: (relative) => /(^|\/)chats\/(.+\/)?[^/]+\.jsonl?$/.test(relative),
  open: (file, saved) =>
    file.path.endsWith('.jsonl')
      ? { kind: 'lines', reader: new GeminiSessionLog(saved, path.basename(file.path, '.jsonl')) }
      : { kind: 'document', reader: new GeminiSessionDocument() },
};
