import * as fs from 'node:fs';
import * as path from 'node:path';
import { codexLines, type CodexTotals } from '../../test/support/assistantLogs';
import type { DayTotals } from './claudeHistory';

/**
 * A generated Codex CLI history: rollouts under `sessions/YYYY/MM/DD/`, each with its session_meta
 * and turn_context, large tool-call outputs and agent messages between cumulative token_count
 * events, some written twice (as Codex does). It knows its own true totals per UTC day, with cached
 * input counted as cache reads (OpenAI counts it inside input).
 */

export interface CodexHistory {
  root: string;
  bytes: number;
  files: number;
  lines: number;
  days: Record<string, DayTotals>;
  firstDay: string;
  /** token_count events written twice. */
  repeatedCounts: number;
}

const GENERATOR_VERSION = 1;
const DAY_MS = 86_400_000;

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const OUTPUT_LINE = 'src/checkout.ts:42:  const total = cart.items.reduce((sum, item) => sum + item.price * item.quantity, 0);\n';

function functionCallLines(ts: number, callId: string, sizeKb: number): string[] {
  const output = OUTPUT_LINE.repeat(Math.max(1, Math.round((sizeKb * 1024) / OUTPUT_LINE.length)));
  const stamp = new Date(ts).toISOString();
  return [
    JSON.stringify({
      timestamp: stamp,
      type: 'response_item',
      payload: { type: 'function_call', name: 'shell', arguments: JSON.stringify({ command: ['rg', '-n', 'total'] }), call_id: callId },
    }),
    JSON.stringify({
      timestamp: stamp,
      type: 'response_item',
      payload: {
        type: 'function_call_output',
        call_id: callId,
        output: JSON.stringify({ output, metadata: { exit_code: 0, duration_seconds: 0.1 } }),
      },
    }),
  ];
}

export function generateCodexHistory(root: string, targetBytes: number): CodexHistory {
  const marker = path.join(root, `.history-v${GENERATOR_VERSION}-${targetBytes}.json`);
  if (fs.existsSync(marker)) return JSON.parse(fs.readFileSync(marker, 'utf8')) as CodexHistory;
  fs.rmSync(root, { recursive: true, force: true });

  const rand = random(7);
  const end = Date.UTC(2026, 10, 22);
  const start = end - 60 * DAY_MS;
  const history: CodexHistory = {
    root,
    bytes: 0,
    files: 0,
    lines: 0,
    days: {},
    firstDay: new Date(start).toISOString().slice(0, 10),
    repeatedCounts: 0,
  };
  const models = ['gpt-5-codex', 'gpt-5', 'gpt-5-mini'];

  let session = 0;
  while (history.bytes < targetBytes) {
    session += 1;
    let ts = start + Math.floor(rand() * 59 * DAY_MS);
    const cwd = `/home/dev/src/service${session % 25}`;
    const id = `0199${session.toString(16).padStart(4, '0')}-a1b2-7c3d-8e9f-000000000000`;
    const model = models[Math.floor(rand() * models.length)];
    const lines = [codexLines.sessionMeta(ts, id, cwd), codexLines.turnContext(ts, model, cwd)];
    const total: CodexTotals = { input: 0, cached: 0, output: 0, reasoning: 0 };
    const turns = 20 + Math.floor(rand() * 60);
    for (let turn = 0; turn < turns; turn++) {
      ts += 3_000 + Math.floor(rand() * 40_000);
      const calls = Math.floor(rand() * 3);
      for (let c = 0; c < calls; c++) lines.push(...functionCallLines(ts, `call_${session}_${turn}_${c}`, 1 + Math.floor(rand() * 16)));
      lines.push(codexLines.agentMessage(ts, 'I ran the tests; two fail in checkout. Fixing the rounding now.'));
      const input = 2_000 + Math.floor(rand() * 60_000);
      const last: CodexTotals = { input, cached: Math.floor(input * rand() * 0.9), output: 50 + Math.floor(rand() * 3_000), reasoning: 0 };
      last.reasoning = Math.floor(last.output * rand() * 0.5);
      total.input += last.input;
      total.cached += last.cached;
      total.output += last.output;
      total.reasoning += last.reasoning;
      const line = codexLines.tokenCount(ts, { ...total }, last, { primary: 20, secondary: 5, resetsAt: ts + 3_600_000 });
      lines.push(line);
      if (rand() < 0.3) {
        lines.push(line);
        history.repeatedCounts += 1;
      }
      const day = new Date(ts).toISOString().slice(0, 10);
      const d = (history.days[day] ??= { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, messages: 0 });
      d.input += last.input - last.cached;
      d.cacheRead += last.cached;
      d.output += last.output;
      d.messages += 1;
    }
    const stamp = new Date(ts);
    const file = path.join(
      root,
      'sessions',
      String(stamp.getUTCFullYear()),
      String(stamp.getUTCMonth() + 1).padStart(2, '0'),
      String(stamp.getUTCDate()).padStart(2, '0'),
      `rollout-${stamp.toISOString().slice(0, 19).replace(/:/g, '-')}-${id}.jsonl`,
    );
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const text = `${lines.join('\n')}\n`;
    fs.writeFileSync(file, text);
    history.bytes += Buffer.byteLength(text);
    history.lines += lines.length;
    history.files += 1;
  }
  fs.writeFileSync(marker, JSON.stringify(history));
  return history;
}
