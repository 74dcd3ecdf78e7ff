import { makeEventId, type UsageEvent } from '../../core/events';
import { countTokens } from '../../core/tokenizer';
import { asObject, asString, providerOfModel, requireLine, timestampOf, type Json } from './records';
import type { LineReader, LogRecord } from './types';

/**
 * Copilot Chat 0.51+ (VS Code 1.137+) keeps each chat as its own event log,
 * `workspaceStorage/<workspace>/GitHub.copilot-chat/transcripts/<session>.jsonl`:
 * `{type, data, id, timestamp, parentId}` records such as `session.start`, `user.message`,
 * `assistant.message` and `tool.execution_*`. They carry no token counts, so each answer is counted
 * with the tokenizer (the visible prompt before it, its text, reasoning and tool arguments) and
 * marked estimated; the hidden system prompt and attached context are not in the file.
 */

interface TranscriptState {
  sessionId?: string;
  model?: string;
  /** Tokens of the user's messages since the last answer: the visible part of the next prompt. */
  pendingPromptTokens: number;
}

function textOfToolRequests(value: unknown): string {
  if (!Array.isArray(value)) return '';
  return value
    .map((r) => {
      const req = asObject(r);
      const args = req?.arguments;
      return `${asString(req?.name) ?? ''} ${typeof args === 'string' ? args : JSON.stringify(args ?? '')}`;
    })
    .join('\n');
}

export class CopilotTranscriptReader implements LineReader {
  private readonly state: TranscriptState;

  constructor(
    saved: unknown,
    private readonly fallbackSessionId: string,
    private readonly project: string | undefined,
  ) {
    this.state = { pendingPromptTokens: 0, ...(asObject(saved) as Partial<TranscriptState> | undefined) };
  }

  private get model(): string {
    return this.state.model ?? 'unknown';
  }

  line(text: string): LogRecord[] {
    const record = requireLine(text);
    const data: Json = asObject(record.data) ?? {};
    switch (record.type) {
      case 'session.start':
        this.state.sessionId = asString(data.sessionId) ?? this.state.sessionId;
        this.state.model = asString(data.selectedModel) ?? asString(data.model) ?? this.state.model;
        return [];
      case 'session.model_change':
        this.state.model = asString(data.newModel) ?? asString(data.model) ?? this.state.model;
        return [];
      case 'user.message':
        this.state.pendingPromptTokens += countTokens(asString(data.content) ?? '', this.model);
        return [];
      case 'assistant.message':
        return this.answer(record, data);
      default:
        return [];
    }
  }

  private answer(record: Json, data: Json): LogRecord[] {
    const id = asString(record.id) ?? asString(data.messageId);
    const ts = timestampOf(record.timestamp);
    if (!id || ts === undefined) return [];
    const model = asString(data.model) ?? this.model;
    const reasoning = countTokens(asString(data.reasoningText) ?? '', model);
    const output = countTokens(`${asString(data.content) ?? ''}\n${textOfToolRequests(data.toolRequests)}`, model) + reasoning;
    const input = this.state.pendingPromptTokens;
    this.state.pendingPromptTokens = 0;
    if (input + output === 0) return [];
    const sessionId = this.state.sessionId ?? this.fallbackSessionId;
    const event: UsageEvent = {
      id: makeEventId('copilot-chat', `${sessionId}:${id}`),
      ts,
      source: 'copilot-chat',
      provider: providerOfModel(model),
      model,
      inputTokens: input,
      outputTokens: output,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: reasoning,
      estimated: true,
      ...(this.project ? { project: this.project } : {}),
    };
    return [{ kind: 'usage', event }];
  }

  save(): unknown {
    return this.state;
  }
}
