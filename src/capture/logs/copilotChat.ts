import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeEventId, type UsageEvent } from '../../core/events';
import { countTokens } from '../../core/tokenizer';
import { asObject, asString, count, MalformedRecordError, projectOfDirectory, providerOfModel, timestampOf, type Json } from './records';
import { CopilotTranscriptReader } from './copilotTranscript';
import type { DocumentReader, LogAdapter, LogEnvironment, LogRecord } from './types';

/**
 * VS Code's chat (GitHub Copilot Chat) keeps each session in the window's workspace storage, under
 * `workspaceStorage/<workspace>/chatSessions/` (or `globalStorage/emptyWindowChatSessions/` for
 * windows without a folder). Older versions write the whole session as `<id>.json`; newer ones keep
 * `<id>.jsonl`, a log of mutations that is compacted (rewritten) from time to time:
 * `{kind:0,v}` the initial state, `{kind:1,k,v}` set a path, `{kind:2,k,v,i}` push to an array
 * (truncated to `i` first), `{kind:3,k}` delete a path. Both are read whole and replayed.
 *
 * Newer sessions record the request's token usage; older ones do not, so their tokens are counted
 * with the tokenizer from the visible prompt and answer, and marked estimated (the hidden system
 * prompt and attached context are not in the file, so estimates run low). Copilot Chat 0.51+ also
 * writes its own transcripts (copilotTranscript.ts).
 */

const PRODUCTS = ['Code', 'Code - Insiders', 'VSCodium', 'Code - OSS'];

function userDirs({ env, home, platform }: LogEnvironment): string[] {
  const dirs: string[] = [];
  for (const product of PRODUCTS) {
    if (platform === 'win32') {
      dirs.push(path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), product, 'User'));
    } else if (platform === 'darwin') {
      dirs.push(path.posix.join(home, 'Library', 'Application Support', product, 'User'));
    } else {
      dirs.push(path.posix.join(env.XDG_CONFIG_HOME || path.posix.join(home, '.config'), product, 'User'));
    }
  }
  if (platform !== 'win32') {
    dirs.push(path.posix.join(home, '.vscode-server', 'data', 'User'));
    dirs.push(path.posix.join(env.XDG_DATA_HOME || path.posix.join(home, '.local', 'share'), 'code-server', 'User'));
  }
  return dirs;
}

type PathKey = string | number;

function parent(root: unknown, keys: PathKey[]): Record<PathKey, unknown> | undefined {
  let node = root as Record<PathKey, unknown> | undefined;
  for (const key of keys.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = node[key] as Record<PathKey, unknown> | undefined;
  }
  return typeof node === 'object' && node !== null ? node : undefined;
}

/** Rebuilds a session from VS Code's mutation log. A torn last line (a write in progress) is left out. */
export function replayMutationLog(text: string): Json | undefined {
  let state: unknown;
  const lines = text.split('\n');
  // The last piece is '' after a final newline, or a line still being written: either way, not read.
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let entry: Json | undefined;
    try {
      entry = asObject(JSON.parse(line));
    } catch {
      throw new MalformedRecordError(`line ${i + 1} is not JSON`);
    }
    const keys = Array.isArray(entry?.k) ? (entry.k as PathKey[]) : [];
    switch (entry?.kind) {
      case 0:
        state = entry.v;
        break;
      case 1:
      case 3: {
        const target = keys.length === 0 ? undefined : parent(state, keys);
        if (keys.length === 0) state = entry.kind === 1 ? entry.v : undefined;
        else if (target) {
          if (entry.kind === 1) target[keys[keys.length - 1]] = entry.v;
          else delete target[keys[keys.length - 1]];
        }
        break;
      }
      case 2: {
        const target = parent(state, keys);
        const list = target?.[keys[keys.length - 1]];
        if (Array.isArray(list)) {
          if (typeof entry.i === 'number') list.length = Math.min(list.length, entry.i);
          if (Array.isArray(entry.v)) list.push(...entry.v);
        } else if (target && Array.isArray(entry.v)) {
          target[keys[keys.length - 1]] = [...entry.v];
        }
        break;
      }
      default:
        throw new MalformedRecordError(`line ${i + 1} is not a chat session mutation`);
    }
  }
  return asObject(state);
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const obj = asObject(value);
  if (!obj) return '';
  return asString(obj.text) ?? asString(obj.value) ?? textOf(obj.content);
}

/** The token counts VS Code recorded for a request, in any of the places versions have put them. */
function recordedUsage(request: Json): { prompt: number; completion: number } | undefined {
  const result = asObject(request.result);
  const metadata = asObject(result?.metadata);
  for (const usage of [asObject(request.usage), asObject(result?.usage), asObject(metadata?.usage), metadata]) {
    const prompt = count(usage?.promptTokens);
    const completion = count(usage?.completionTokens ?? usage?.outputTokens);
    if (prompt + completion > 0) return { prompt, completion };
  }
  return undefined;
}

function modelOf(request: Json, session: Json): string {
  const selected = asObject(asObject(asObject(session.inputState)?.selectedModel)?.metadata);
  const raw = asString(request.modelId) ?? asString(selected?.id) ?? 'unknown';
  return raw.replace(/^copilot\//, '');
}

function requestRecord(request: Json, session: Json, sessionId: string, project: string | undefined): LogRecord | undefined {
  const requestId = asString(request.requestId);
  const finished = asObject(request.result) !== undefined || request.isCanceled === true;
  const ts = timestampOf(request.timestamp) ?? timestampOf(session.lastMessageDate) ?? timestampOf(session.creationDate);
  if (!requestId || !finished || ts === undefined) return undefined;
  const model = modelOf(request, session);
  const recorded = recordedUsage(request);
  const prompt = recorded?.prompt ?? countTokens(textOf(request.message), model);
  const completion =
    recorded?.completion ?? (Array.isArray(request.response) ? countTokens(request.response.map(textOf).join(''), model) : 0);
  if (prompt + completion === 0) return undefined;
  const event: UsageEvent = {
    id: makeEventId('copilot-chat', `${sessionId}:${requestId}`),
    ts,
    source: 'copilot-chat',
    provider: providerOfModel(model),
    model,
    inputTokens: prompt,
    outputTokens: completion,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    estimated: recorded === undefined,
    ...(project ? { project } : {}),
  };
  return { kind: 'usage', event, session: { sessionId, contextTokens: prompt } };
}

/** The folder a workspace storage entry belongs to, from its `workspace.json`. */
function workspaceProject(storageDir: string): string | undefined {
  try {
    const meta = asObject(JSON.parse(fs.readFileSync(path.join(storageDir, 'workspace.json'), 'utf8')));
    const uri = asString(meta?.folder) ?? asString(meta?.workspace);
    if (!uri) return undefined;
    const location = uri.startsWith('file:') ? fileURLToPath(uri) : decodeURIComponent(uri.replace(/^[a-z-]+:\/\/[^/]*/, ''));
    return projectOfDirectory(location.replace(/\.code-workspace$/, ''));
  } catch {
    return undefined;
  }
}

class ChatSessionDocument implements DocumentReader {
  constructor(
    private readonly file: string,
    private readonly project: string | undefined,
  ) {}

  read(text: string): LogRecord[] {
    const session = this.file.endsWith('.jsonl') ? replayMutationLog(text) : asObject(JSON.parse(text));
    if (!session) return [];
    const sessionId = asString(session.sessionId) ?? path.basename(this.file).replace(/\.jsonl?$/, '');
    const requests = Array.isArray(session.requests) ? session.requests : [];
    return requests.flatMap((r) => {
      const request = asObject(r);
      return (request && requestRecord(request, session, sessionId, this.project)) || [];
    });
  }
}

/** Copilot Chat's own transcripts (0.51+), beside VS Code's chat sessions. */
const TRANSCRIPT = /^[^/]+\/GitHub\.copilot-chat\/transcripts\/[^/]+\.jsonl$/i;

export const copilotChat: LogAdapter = {
  source: 'copilot-chat',
  label: 'Copilot Chat',
  defaultRoots: (environment) => {
    const paths = environment.platform === 'win32' ? path.win32 : path.posix;
    return userDirs(environment).flatMap((dir) => [
      paths.join(dir, 'workspaceStorage'),
      paths.join(dir, 'globalStorage', 'emptyWindowChatSessions'),
    ]);
  },
  rootsInHome: (home) =>
    [home, path.join(home, 'User')].flatMap((user) => [
      path.join(user, 'workspaceStorage'),
      path.join(user, 'globalStorage', 'emptyWindowChatSessions'),
    ]),
  accepts: (relative) => /^([^/]+\/chatSessions\/)?[^/]+\.jsonl?$/.test(relative) || TRANSCRIPT.test(relative),
  descends: (relative) =>
    !relative.includes('/') || /^[^/]+\/(chatSessions|GitHub\.copilot-chat|GitHub\.copilot-chat\/transcripts)$/i.test(relative),
  open: (file, saved) => {
    const parts = file.relative.split('/');
    const project = parts.length >= 3 ? workspaceProject(path.join(file.root, parts[0])) : undefined;
    if (TRANSCRIPT.test(file.relative)) {
      return { kind: 'lines', reader: new CopilotTranscriptReader(saved, path.basename(file.path, '.jsonl'), project) };
    }
    return { kind: 'document', reader: new ChatSessionDocument(file.path, project) };
  },
};
