import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes assistants' logs the way the assistants do, for tests and benchmarks. The shapes follow
 * records of Claude Code 1.x–2.x, Codex CLI 0.3x–0.6x, VS Code chat sessions (v3 JSON and the
 * JSONL mutation log) and Gemini CLI (legacy JSON and JSON Lines).
 */

export interface AnthropicUsage {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  /** The part of cacheWrite written with the 1-hour TTL. */
  cacheWrite1h?: number;
  /** usage.speed, "fast" in fast mode. */
  speed?: string;
}

export interface ClaudeMessage {
  messageId: string;
  model?: string;
  ts: number;
  usage: AnthropicUsage;
  cwd?: string;
  sessionId?: string;
  /** null while a streamed message still has blocks to come. */
  stopReason?: string | null;
  isSidechain?: boolean;
  text?: string;
}

export function claudeAssistantLine(m: ClaudeMessage): string {
  return JSON.stringify({
    parentUuid: randomUUID(),
    isSidechain: m.isSidechain ?? false,
    userType: 'external',
    cwd: m.cwd ?? '/home/dev/src/shop',
    sessionId: m.sessionId ?? 'a0b1c2d3-0000-4000-8000-000000000001',
    version: '2.0.31',
    gitBranch: 'main',
    message: {
      id: m.messageId,
      type: 'message',
      role: 'assistant',
      model: m.model ?? 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: m.text ?? 'Done: the tests pass.' }],
      stop_reason: m.stopReason === undefined ? 'end_turn' : m.stopReason,
      stop_sequence: null,
      usage: {
        input_tokens: m.usage.input,
        cache_creation_input_tokens: m.usage.cacheWrite ?? 0,
        cache_read_input_tokens: m.usage.cacheRead ?? 0,
        cache_creation: {
          ephemeral_5m_input_tokens: (m.usage.cacheWrite ?? 0) - (m.usage.cacheWrite1h ?? 0),
          ephemeral_1h_input_tokens: m.usage.cacheWrite1h ?? 0,
        },
        output_tokens: m.usage.output,
        service_tier: 'standard',
        ...(m.usage.speed ? { speed: m.usage.speed } : {}),
      },
    },
    requestId: `req_${m.messageId.slice(-12)}`,
    type: 'assistant',
    uuid: randomUUID(),
    timestamp: new Date(m.ts).toISOString(),
  });
}

export function claudeUserLine(ts: number, text = 'Please fix the failing test.', cwd = '/home/dev/src/shop'): string {
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    userType: 'external',
    cwd,
    sessionId: 'a0b1c2d3-0000-4000-8000-000000000001',
    version: '2.0.31',
    type: 'user',
    message: { role: 'user', content: text },
    uuid: randomUUID(),
    timestamp: new Date(ts).toISOString(),
  });
}

export function claudeSummaryLine(): string {
  return JSON.stringify({ type: 'summary', summary: 'Fixing the checkout test', leafUuid: randomUUID() });
}

export interface CodexTotals {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

function codexUsage(t: CodexTotals): Record<string, number> {
  return {
    input_tokens: t.input,
    cached_input_tokens: t.cached,
    output_tokens: t.output,
    reasoning_output_tokens: t.reasoning,
    total_tokens: t.input + t.output,
  };
}

export const codexLines = {
  sessionMeta: (ts: number, id: string, cwd = '/home/dev/src/api', modelProvider?: string): string =>
    JSON.stringify({
      timestamp: new Date(ts).toISOString(),
      type: 'session_meta',
      payload: {
        id,
        timestamp: new Date(ts).toISOString(),
        cwd,
        originator: 'codex_cli_rs',
        cli_version: '0.58.0',
        instructions: null,
        ...(modelProvider ? { model_provider: modelProvider } : {}),
      },
    }),
  turnContext: (ts: number, model: string, cwd = '/home/dev/src/api'): string =>
    JSON.stringify({
      timestamp: new Date(ts).toISOString(),
      type: 'turn_context',
      payload: {
        cwd,
        approval_policy: 'on-request',
        sandbox_policy: { mode: 'workspace-write' },
        model,
        effort: 'medium',
        summary: 'auto',
      },
    }),
  /** A newer token_count: cumulative and last usage, context window, rate limits with `resets_at`. */
  tokenCount: (
    ts: number,
    total: CodexTotals,
    last: CodexTotals | null,
    rateLimits?: { primary: number; secondary: number; resetsAt: number },
  ): string =>
    JSON.stringify({
      timestamp: new Date(ts).toISOString(),
      type: 'event_msg',
      payload: {
        type: 'token_count',
        info: {
          total_token_usage: codexUsage(total),
          ...(last ? { last_token_usage: codexUsage(last) } : {}),
          model_context_window: 272000,
        },
        rate_limits: rateLimits
          ? {
              primary: { used_percent: rateLimits.primary, window_minutes: 300, resets_at: Math.floor(rateLimits.resetsAt / 1000) },
              secondary: {
                used_percent: rateLimits.secondary,
                window_minutes: 10080,
                resets_at: Math.floor(rateLimits.resetsAt / 1000) + 86400,
              },
            }
          : null,
      },
    }),
  /** An older token_count (0.3x): no info yet, rate limits as `resets_in_seconds`. */
  rateLimitsOnly: (ts: number, primary: number, resetsInSeconds: number): string =>
    JSON.stringify({
      timestamp: new Date(ts).toISOString(),
      type: 'event_msg',
      payload: {
        type: 'token_count',
        info: null,
        rate_limits: {
          primary: { used_percent: primary, window_minutes: 299, resets_in_seconds: resetsInSeconds },
          secondary: { used_percent: 12, window_minutes: 10079, resets_in_seconds: resetsInSeconds + 3600 },
        },
      },
    }),
  agentMessage: (ts: number, text: string): string =>
    JSON.stringify({ timestamp: new Date(ts).toISOString(), type: 'event_msg', payload: { type: 'agent_message', message: text } }),
};

export interface CopilotRequest {
  requestId: string;
  ts: number;
  modelId?: string;
  prompt: string;
  answer: string;
  /** Recorded usage (newer VS Code); omitted → the adapter estimates. */
  usage?: { promptTokens: number; completionTokens: number };
  finished?: boolean;
}

export function copilotRequest(r: CopilotRequest): Record<string, unknown> {
  return {
    requestId: r.requestId,
    message: { text: r.prompt, parts: [{ kind: 'text', text: r.prompt }] },
    variableData: { variables: [] },
    response: [{ value: r.answer, supportThemeIcons: false, supportHtml: false }],
    ...(r.finished === false
      ? {}
      : { result: { timings: { firstProgress: 800, totalElapsed: 2400 }, metadata: { modelMessageId: randomUUID() } } }),
    followups: [],
    isCanceled: false,
    agent: { id: 'github.copilot.editsAgent' },
    contentReferences: [],
    codeCitations: [],
    timestamp: r.ts,
    ...(r.modelId ? { modelId: r.modelId } : {}),
    ...(r.usage ? { usage: { ...r.usage, totalTokens: r.usage.promptTokens + r.usage.completionTokens } } : {}),
  };
}

export function copilotSession(sessionId: string, requests: CopilotRequest[]): Record<string, unknown> {
  return {
    version: 3,
    requesterUsername: 'dev',
    responderUsername: 'GitHub Copilot',
    initialLocation: 'panel',
    requests: requests.map(copilotRequest),
    sessionId,
    creationDate: requests[0]?.ts ?? Date.now(),
    lastMessageDate: requests.at(-1)?.ts ?? Date.now(),
    isImported: false,
  };
}

/** The JSONL mutation log VS Code 1.10x+ keeps: an initial state, then pushes and sets. */
export const copilotMutations = {
  initial: (session: Record<string, unknown>): string => JSON.stringify({ kind: 0, v: session }),
  pushRequest: (request: CopilotRequest): string =>
    JSON.stringify({ kind: 2, k: ['requests'], v: [copilotRequest({ ...request, finished: false })] }),
  setResult: (index: number): string =>
    JSON.stringify({ kind: 1, k: ['requests', index, 'result'], v: { timings: { totalElapsed: 1800 }, metadata: {} } }),
  setUsage: (index: number, usage: { promptTokens: number; completionTokens: number }): string =>
    JSON.stringify({ kind: 1, k: ['requests', index, 'usage'], v: { ...usage, totalTokens: usage.promptTokens + usage.completionTokens } }),
};

export interface GeminiMessage {
  id: string;
  ts: number;
  model?: string;
  tokens?: { input: number; output: number; cached: number; thoughts: number; tool: number };
}

export function geminiMessage(m: GeminiMessage): Record<string, unknown> {
  const t = m.tokens;
  return {
    id: m.id,
    timestamp: new Date(m.ts).toISOString(),
    type: 'gemini',
    content: 'Here is the refactored function.',
    thoughts: [{ subject: 'Planning', description: 'Look at the callers first.', timestamp: new Date(m.ts).toISOString() }],
    tokens: t ? { ...t, total: t.input + t.output + t.thoughts + t.tool } : null,
    model: m.model ?? 'gemini-2.5-pro',
  };
}

export function geminiUserMessage(id: string, ts: number): Record<string, unknown> {
  return { id, timestamp: new Date(ts).toISOString(), type: 'user', content: [{ text: 'Refactor parseConfig' }] };
}

export function writeLines(file: string, lines: string[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
}

export function appendLines(file: string, lines: string[]): void {
  fs.appendFileSync(file, lines.map((l) => `${l}\n`).join(''));
}

/** Copilot Chat 0.51+'s own transcript: typed events, no token counts. */
export const copilotTranscript = {
  event: (type: string, ts: number, data: Record<string, unknown>, id: string = randomUUID()): string =>
    JSON.stringify({ type, data, id, timestamp: new Date(ts).toISOString(), parentId: null }),
};
