import * as fs from 'node:fs';
import * as path from 'node:path';
import { claudeAssistantLine, claudeSummaryLine, claudeUserLine } from '../../test/support/assistantLogs';

/**
 * A generated Claude Code history shaped like a heavy user's: many projects and sessions, big tool
 * results, streamed assistant messages written as several lines (the early ones with the output
 * count of the stream's start), sub-agent transcripts, and a few messages that appear both in a
 * session and in its sub-agent's file. It knows its own true totals per UTC day.
 */

export interface DayTotals {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  messages: number;
}

export interface ClaudeHistory {
  root: string;
  bytes: number;
  files: number;
  lines: number;
  /** Ground truth: each message once, with its final counts. */
  days: Record<string, DayTotals>;
  /** Output per day if each streamed message were taken at its first line (what a first-line reader sees). */
  firstLineOutput: Record<string, number>;
  firstDay: string;
  /** How the generated history differs from a naive reading, for explaining other tools' totals. */
  traits: { streamedMessages: number; subagentFiles: number; messagesInTwoFiles: number };
}

const GENERATOR_VERSION = 5;
const DAY_MS = 86_400_000;

/** A small deterministic generator, so a cached history matches a fresh one. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const FILE_BODY = `export function checkout(cart: Cart): Receipt {\n  const total = cart.items.reduce((sum, item) => sum + item.price * item.quantity, 0);\n  return { total, items: cart.items.length, paidAt: new Date().toISOString() };\n}\n`;

function toolResultLine(ts: number, cwd: string, sizeKb: number): string {
  const content = FILE_BODY.repeat(Math.max(1, Math.round((sizeKb * 1024) / FILE_BODY.length)));
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    userType: 'external',
    cwd,
    sessionId: 's',
    version: '2.0.31',
    type: 'user',
    message: { role: 'user', content: [{ tool_use_id: 'toolu_01', type: 'tool_result', content }] },
    uuid: `u-${ts}`,
    timestamp: new Date(ts).toISOString(),
    toolUseResult: { type: 'text', file: { filePath: `${cwd}/src/checkout.ts`, numLines: 400 } },
  });
}

export function generateClaudeHistory(root: string, targetBytes: number): ClaudeHistory {
  const marker = path.join(root, `.history-v${GENERATOR_VERSION}-${targetBytes}.json`);
  if (fs.existsSync(marker)) return JSON.parse(fs.readFileSync(marker, 'utf8')) as ClaudeHistory;
  fs.rmSync(root, { recursive: true, force: true });

  const rand = random(42);
  const end = Date.UTC(2026, 10, 22);
  const start = end - 60 * DAY_MS;
  const history: ClaudeHistory = {
    root,
    bytes: 0,
    files: 0,
    lines: 0,
    days: {},
    firstLineOutput: {},
    firstDay: new Date(start).toISOString().slice(0, 10),
    traits: { streamedMessages: 0, subagentFiles: 0, messagesInTwoFiles: 0 },
  };
  const count = (ts: number, u: { input: number; output: number; cacheRead: number; cacheWrite: number }) => {
    const day = new Date(ts).toISOString().slice(0, 10);
    const d = (history.days[day] ??= { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, messages: 0 });
    d.input += u.input;
    d.output += u.output;
    d.cacheRead += u.cacheRead;
    d.cacheWrite += u.cacheWrite;
    d.messages += 1;
  };
  const models = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001'];

  let session = 0;
  while (history.bytes < targetBytes) {
    session += 1;
    const project = `-home-dev-src-project${session % 40}`;
    const cwd = `/home/dev/src/project${session % 40}`;
    const sessionId = `0000${session}`.slice(-5) + '-a1b2-4c3d-8e9f-000000000000';
    let ts = start + Math.floor(rand() * 59 * DAY_MS);
    const lines: string[] = [];
    const subagentLines: string[] = [];
    const turns = 40 + Math.floor(rand() * 80);
    for (let turn = 0; turn < turns; turn++) {
      ts += 5_000 + Math.floor(rand() * 60_000);
      lines.push(
        rand() < 0.5 ? claudeUserLine(ts, 'Run the tests and fix what fails.', cwd) : toolResultLine(ts, cwd, 2 + Math.floor(rand() * 24)),
      );
      const messageId = `msg_01${session.toString(36)}_${turn.toString(36)}`;
      const model = models[Math.floor(rand() * models.length)];
      const usage = {
        input: 1 + Math.floor(rand() * 50),
        output: 20 + Math.floor(rand() * 2_000),
        cacheRead: Math.floor(rand() * 150_000),
        cacheWrite: Math.floor(rand() * 8_000),
      };
      ts += 2_000 + Math.floor(rand() * 20_000);
      const blocks = 1 + Math.floor(rand() * 3);
      if (blocks > 1) history.traits.streamedMessages += 1;
      for (let b = 0; b < blocks; b++) {
        const final = b === blocks - 1;
        lines.push(
          claudeAssistantLine({
            messageId,
            model,
            ts: ts + b * 300,
            cwd,
            sessionId,
            usage: { ...usage, output: final ? usage.output : 1 + b },
            stopReason: final ? 'tool_use' : null,
            text: 'Let me look at the failing test first. '.repeat(1 + Math.floor(rand() * 6)),
          }),
        );
      }
      count(ts + (blocks - 1) * 300, usage);
      const finalDay = new Date(ts + (blocks - 1) * 300).toISOString().slice(0, 10);
      history.firstLineOutput[finalDay] = (history.firstLineOutput[finalDay] ?? 0) + (blocks > 1 ? 1 : usage.output);
      if (rand() < 0.08) {
        // A sub-agent's message: in its own transcript, and sometimes echoed into the session's.
        const subId = `${messageId}_sub`;
        const subUsage = { input: 3, output: 100 + Math.floor(rand() * 500), cacheRead: Math.floor(rand() * 40_000), cacheWrite: 0 };
        const line = claudeAssistantLine({
          messageId: subId,
          model: models[2],
          ts: ts + 1000,
          cwd,
          sessionId,
          usage: subUsage,
          isSidechain: true,
        });
        subagentLines.push(line);
        if (rand() < 0.3) {
          lines.push(line);
          history.traits.messagesInTwoFiles += 1;
        }
        count(ts + 1000, subUsage);
        const subDay = new Date(ts + 1000).toISOString().slice(0, 10);
        history.firstLineOutput[subDay] = (history.firstLineOutput[subDay] ?? 0) + subUsage.output;
      }
    }
    lines.push(claudeSummaryLine());
    const file = path.join(root, 'projects', project, `${sessionId}.jsonl`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const text = `${lines.join('\n')}\n`;
    fs.writeFileSync(file, text);
    history.bytes += Buffer.byteLength(text);
    history.lines += lines.length;
    history.files += 1;
    if (subagentLines.length > 0) {
      const subFile = path.join(root, 'projects', project, sessionId, 'subagents', `agent-${session}.jsonl`);
      fs.mkdirSync(path.dirname(subFile), { recursive: true });
      const subText = `${subagentLines.join('\n')}\n`;
      fs.writeFileSync(subFile, subText);
      history.bytes += Buffer.byteLength(subText);
      history.lines += subagentLines.length;
      history.files += 1;
      history.traits.subagentFiles += 1;
    }
  }
  fs.writeFileSync(marker, JSON.stringify(history));
  return history;
}
