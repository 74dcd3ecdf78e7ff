import * as assert from 'node:assert/strict';
import { BUILT_CLI } from '../support/cli';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { claudeCode } from '../../src/capture/logs/claudeCode';
import { codex } from '../../src/capture/logs/codex';
import { copilotChat } from '../../src/capture/logs/copilotChat';
import { LiveCapture } from '../../src/capture/logs/liveCapture';
import type { LogSource } from '../../src/capture/logs/discovery';
import { LogScanner } from '../../src/capture/logs/scanner';
import { ParsePool, type ParseJob } from '../../src/capture/logs/parsePool';
import { parseJob } from '../../src/capture/logs/parseJob';
import { GatewayServer } from '../../src/capture/gateway/server';
import type { UsageEvent } from '../../src/core/events';
import { UsageStore } from '../../src/store/usageStore';
import {
  appendLines,
  claudeAssistantLine,
  claudeUserLine,
  codexLines,
  copilotSession,
  geminiMessage,
  writeLines,
} from '../support/assistantLogs';
import { testContext } from '../support/events';
import { ANTHROPIC_USAGE, FakeUpstream, RESPONSES_USAGE } from '../support/fakeUpstream';

const PARSE_WORKER = path.resolve(__dirname, '../../dist/parseWorker.js');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'token-meter-logs-'));
}

interface Harness {
  dir: string;
  events: UsageEvent[];
  problems: string[];
  scanner(): LogScanner;
}

function harness(sources: (dir: string) => LogSource[], quietMs = 0): Harness {
  const dir = tempDir();
  const h: Harness = {
    dir,
    events: [],
    problems: [],
    scanner: () =>
      new LogScanner({
        sources: sources(dir),
        stateDir: path.join(dir, 'data'),
        sink: (events) => h.events.push(...events),
        onProblem: (m) => h.problems.push(m),
        quietMs,
      }),
  };
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  return h;
}

const claudeOnly = (dir: string): LogSource[] => [{ adapter: claudeCode, roots: [path.join(dir, 'claude')] }];
const hourAgo = () => Date.now() - 3600_000;

describe('log capture: incremental reading of real files', () => {
  it('reads new lines only, waits for a partial last line, and resumes from saved positions', () => {
    const h = harness(claudeOnly);
    const file = path.join(h.dir, 'claude', '-home-dev-src-shop', 's1.jsonl');
    const t = hourAgo();
    writeLines(file, [claudeUserLine(t), claudeAssistantLine({ messageId: 'msg_1', ts: t + 1, usage: { input: 10, output: 20 } })]);
    const scanner = h.scanner();
    assert.equal(scanner.scanAll().events, 1);

    const second = claudeAssistantLine({ messageId: 'msg_2', ts: t + 2, usage: { input: 30, output: 40 } });
    fs.appendFileSync(file, second.slice(0, 50)); // a writer in the middle of a line
    assert.equal(scanner.scanPaths([file]), 0);
    fs.appendFileSync(file, `${second.slice(50)}\n`);
    assert.equal(scanner.scanPaths([file]), 1);
    scanner.save(true);

    const restarted = h.scanner();
    assert.equal(restarted.scanAll().events, 0, 'nothing is counted twice after a restart');
    appendLines(file, [claudeAssistantLine({ messageId: 'msg_3', ts: t + 3, usage: { input: 1, output: 1 } })]);
    assert.equal(restarted.scanAll().events, 1);
    assert.deepEqual(
      h.events.map((e) => e.requestId),
      ['msg_1', 'msg_2', 'msg_3'],
    );
  });

  it('counts a message once when it appears in a session and in its sub-agent file', () => {
    const h = harness(claudeOnly);
    const t = hourAgo();
    const line = claudeAssistantLine({ messageId: 'msg_shared', ts: t, usage: { input: 5, output: 5 } });
    writeLines(path.join(h.dir, 'claude', 'p', 's1.jsonl'), [line]);
    writeLines(path.join(h.dir, 'claude', 'p', 's1', 'subagents', 'agent-1.jsonl'), [
      line.replace('"isSidechain":false', '"isSidechain":true'),
    ]);
    assert.equal(h.scanner().scanAll().events, 1);
  });

  it('reads a truncated or replaced file again from the start', () => {
    const h = harness((dir) => [{ adapter: codex, roots: [path.join(dir, 'codex')] }]);
    const file = path.join(h.dir, 'codex', '2026', '11', '20', 'rollout-2026-11-20T09-00-00-a.jsonl');
    const t = hourAgo();
    const usage = (input: number) => ({ input, cached: 0, output: 1, reasoning: 0 });
    writeLines(file, [codexLines.sessionMeta(t, 'a'), codexLines.turnContext(t, 'gpt-5'), codexLines.tokenCount(t + 1, usage(100), null)]);
    const scanner = h.scanner();
    scanner.scanAll();
    fs.rmSync(file);
    writeLines(file, [
      codexLines.sessionMeta(t + 10, 'b'),
      codexLines.turnContext(t + 10, 'gpt-5'),
      codexLines.tokenCount(t + 11, usage(7), null),
    ]);
    scanner.scanAll();
    fs.truncateSync(file, 0);
    writeLines(file, [
      codexLines.sessionMeta(t + 20, 'c'),
      codexLines.turnContext(t + 20, 'gpt-5'),
      codexLines.tokenCount(t + 21, usage(9), null),
    ]);
    scanner.scanAll();
    assert.deepEqual(
      h.events.map((e) => e.inputTokens),
      [100, 7, 9],
    );
  });

  it('skips malformed lines, counts them, and reports each file once', () => {
    const h = harness(claudeOnly);
    const file = path.join(h.dir, 'claude', 'p', 's.jsonl');
    const t = hourAgo();
    writeLines(file, [
      '{"type":"assistant","message":{"usage":',
      claudeAssistantLine({ messageId: 'm1', ts: t, usage: { input: 1, output: 1 } }),
      'garbage',
    ]);
    const scanner = h.scanner();
    assert.equal(scanner.scanAll().malformedLines, 2);
    appendLines(file, ['more garbage', claudeAssistantLine({ messageId: 'm2', ts: t + 1, usage: { input: 1, output: 1 } })]);
    scanner.scanPaths([file]);
    assert.equal(h.events.length, 2, 'good lines around bad ones are read');
    assert.equal(h.problems.length, 1);
    assert.match(h.problems[0], /Claude Code: skipped 2 malformed lines in .*s\.jsonl/);
  });

  it('parsing on worker threads gives exactly what one thread gives, and reading continues from it', () => {
    const t = hourAgo();
    const dir = tempDir();
    const claudeFile = (f: number) => path.join(dir, 'claude', `p${f % 3}`, `s${f}.jsonl`);
    const codexFile = (f: number) => path.join(dir, 'codex', '2026', '11', '20', `rollout-2026-11-20T09-00-0${f}-x${f}.jsonl`);
    for (let f = 0; f < 6; f++) {
      const lines: string[] = [claudeUserLine(t, 'x'.repeat(2000))];
      for (let i = 0; i < 50; i++) {
        const messageId = `msg_${f}_${i}`;
        // A streamed message: an early line with the output of the stream's start, then the final one.
        lines.push(claudeAssistantLine({ messageId, ts: t + i * 1000, usage: { input: 1, output: 1 }, stopReason: null }));
        lines.push(claudeAssistantLine({ messageId, ts: t + i * 1000 + 300, usage: { input: 1, output: 10 + i + f } }));
      }
      lines.push('garbage', claudeAssistantLine({ messageId: 'msg_shared', ts: t, usage: { input: 5, output: 5 } }));
      // The last message is still streaming: held back until the file is quiet.
      lines.push(claudeAssistantLine({ messageId: `msg_${f}_open`, ts: t + 99_000, usage: { input: 2, output: 3 }, stopReason: null }));
      writeLines(claudeFile(f), lines);
      const total = { input: 0, cached: 0, output: 0, reasoning: 0 };
      const codexRecords = [codexLines.sessionMeta(t, `x${f}`), codexLines.turnContext(t, 'gpt-5')];
      for (let i = 0; i < 20; i++) {
        total.input += 100 + i;
        total.output += 7;
        const line = codexLines.tokenCount(t + i * 1000, { ...total }, null);
        codexRecords.push(codexLines.agentMessage(t + i * 1000, 'y'.repeat(3000)), line, line);
      }
      writeLines(codexFile(f), codexRecords);
    }
    const sources = (): LogSource[] => [
      { adapter: claudeCode, roots: [path.join(dir, 'claude')] },
      { adapter: codex, roots: [path.join(dir, 'codex')] },
    ];
    const run = (stateDir: string, parallel: boolean, queueBytes?: number) => {
      fs.mkdirSync(stateDir);
      const events: UsageEvent[] = [];
      const problems: string[] = [];
      const scanner = new LogScanner({
        sources: sources(),
        stateDir,
        sink: (batch) => events.push(...batch),
        onProblem: (m) => problems.push(m),
        quietMs: 60_000,
        ...(parallel ? { parseWorkers: { file: PARSE_WORKER, count: 2, minBytes: 0, queueBytes } } : {}),
      });
      return { scanner, events, problems };
    };
    const one = run(path.join(dir, 'one'), false);
    const many = run(path.join(dir, 'many'), true);
    // Workers given one file at a time: this thread parses the files it would otherwise wait for.
    const shared = run(path.join(dir, 'shared'), true, 1);
    const first = { one: one.scanner.scanAll(), many: many.scanner.scanAll(), shared: shared.scanner.scanAll() };
    assert.deepEqual(first.many, first.one);
    assert.deepEqual(first.shared, first.one);
    assert.deepEqual(shared.events, one.events);
    assert.deepEqual(shared.problems, one.problems);
    assert.equal(first.one.events, 6 * 50 + 1 + 6 * 20, 'each streamed message once, the shared one once, repeated token counts once');
    assert.equal(first.one.malformedLines, 6);
    assert.deepEqual(many.events, one.events);
    assert.deepEqual(many.problems, one.problems);
    assert.equal(one.scanner.holdingRecords && many.scanner.holdingRecords, true, 'the open messages are held back in both');

    // The streams go on: the thread that took over from the workers continues each file where they stopped.
    for (let f = 0; f < 6; f++)
      appendLines(claudeFile(f), [claudeAssistantLine({ messageId: `msg_${f}_open`, ts: t + 99_500, usage: { input: 2, output: 30 } })]);
    const second = { one: one.scanner.scanAll(), many: many.scanner.scanAll() };
    assert.deepEqual(second.many, second.one);
    assert.equal(second.one.events, 6);
    assert.deepEqual(many.events, one.events);
    assert.deepEqual(
      many.events.slice(-6).map((e) => e.outputTokens),
      [30, 30, 30, 30, 30, 30],
    );
  });

  it('the scanning thread parses later files itself while a worker has the one it wants, each result as parsed alone', () => {
    const t = hourAgo();
    const dir = tempDir();
    const jobs: ParseJob[] = [];
    for (let f = 0; f < 24; f++) {
      const file = path.join(dir, 'claude', 'p', `s${f}.jsonl`);
      const lines = [claudeUserLine(t, 'x'.repeat(5000)), 'garbage'];
      for (let i = 0; i < 40; i++)
        lines.push(claudeAssistantLine({ messageId: `msg_${f}_${i}`, ts: t + i, usage: { input: i, output: f } }));
      lines.push(claudeAssistantLine({ messageId: `msg_${f}_open`, ts: t + 99, usage: { input: 1, output: 1 }, stopReason: null }));
      writeLines(file, lines);
      const size = fs.statSync(file).size;
      const logFile = { path: file, root: path.join(dir, 'claude'), relative: `p/s${f}.jsonl` };
      jobs.push({
        file: logFile,
        source: 'claude-code',
        offset: 0,
        size,
        saved: undefined,
        flush: f % 2 === 0,
        now: Date.now(),
        headLength: 64,
      });
    }
    // One file at a time on the worker: every file it has not been given, this thread parses.
    const pool = new ParsePool(PARSE_WORKER, 1, 1);
    try {
      // As JSON: a worker's result crosses as JSON, so a key whose value is undefined is left out of it.
      const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
      assert.deepEqual(
        [...pool.parse(jobs)].map(asJson),
        jobs.map((job) => asJson(parseJob(job))),
      );
      assert.ok(pool.parsedHere > 0 && pool.parsedHere < jobs.length, `${pool.parsedHere} of ${jobs.length} parsed on this thread`);
    } finally {
      pool.dispose();
    }
  });

  it('on worker threads, a message held back in a file written to during the scan waits for its end', () => {
    const t = hourAgo();
    const dir = tempDir();
    const files = [0, 1].map((f) => path.join(dir, 'claude', 'p', `s${f}.jsonl`));
    writeLines(files[0], [claudeAssistantLine({ messageId: 'msg_a', ts: t, usage: { input: 1, output: 5 } })]);
    // Quiet when the scan starts (quietMs 0), with a streamed message still open.
    writeLines(files[1], [claudeAssistantLine({ messageId: 'msg_open', ts: t, usage: { input: 2, output: 3 }, stopReason: null })]);
    const events: UsageEvent[] = [];
    let appended = false;
    const stateDir = path.join(dir, 'data');
    fs.mkdirSync(stateDir);
    const scanner = new LogScanner({
      sources: claudeOnly(dir),
      stateDir,
      sink: (batch) => {
        events.push(...batch);
        // The assistant finishes the open message while the first file's events are delivered.
        if (!appended)
          appendLines(files[1], [claudeAssistantLine({ messageId: 'msg_open', ts: t + 500, usage: { input: 2, output: 30 } })]);
        appended = true;
      },
      onProblem: () => undefined,
      quietMs: 0,
      parseWorkers: { file: PARSE_WORKER, count: 2, minBytes: 0 },
    });
    scanner.scanAll();
    scanner.scanAll();
    assert.deepEqual(
      events.map((e) => [e.requestId, e.outputTokens]),
      [
        ['msg_a', 5],
        ['msg_open', 30],
      ],
    );
  });

  it('on worker threads with many files queued per worker, records, invalid records and malformed lines come out as on one thread', () => {
    const t = hourAgo();
    const dir = tempDir();
    // More files than are queued ahead at once, of very different sizes, so workers take several each.
    for (let f = 0; f < 150; f++) {
      const lines: string[] = [claudeUserLine(t, 'x'.repeat(f % 7 === 0 ? 200_000 : 100))];
      for (let i = 0; i < 5; i++)
        lines.push(claudeAssistantLine({ messageId: `msg_${f}_${i}`, ts: t + f * 1000 + i, usage: { input: 1 + i, output: f + 1 } }));
      if (f % 50 === 7) lines.push('{"type":"assistant","message":{"usage":{"input_tokens":1');
      // A record from two days ahead fails validation: skipped and reported, on any thread.
      if (f === 99)
        lines.push(claudeAssistantLine({ messageId: 'msg_future', ts: Date.now() + 2 * 86_400_000, usage: { input: 1, output: 1 } }));
      writeLines(path.join(dir, 'claude', `p${f % 4}`, `s${f}.jsonl`), lines);
    }
    const run = (stateDir: string, parallel: boolean) => {
      fs.mkdirSync(stateDir);
      const events: UsageEvent[] = [];
      const problems: string[] = [];
      let batches = 0;
      const scanner = new LogScanner({
        sources: [{ adapter: claudeCode, roots: [path.join(dir, 'claude')] }],
        stateDir,
        sink: (batch) => {
          batches++;
          events.push(...batch);
        },
        onProblem: (m) => problems.push(m),
        ...(parallel ? { parseWorkers: { file: PARSE_WORKER, count: 2, minBytes: 0 } } : {}),
      });
      return { summary: scanner.scanAll(), events, problems, batches };
    };
    const one = run(path.join(dir, 'one'), false);
    const many = run(path.join(dir, 'many'), true);
    assert.equal(one.summary.events, 150 * 5);
    assert.equal(one.summary.malformedLines, 3);
    assert.deepEqual(many.summary, one.summary);
    assert.deepEqual(many.events, one.events);
    assert.deepEqual(many.problems, one.problems);
    // Batched across files: a store write per few thousand events, not one per file (a state save, every 2 s, adds one).
    assert.ok(one.batches <= 3 && many.batches <= 3, `${one.batches} and ${many.batches} sink batches for 150 files`);
    assert.ok(
      one.problems.some((p) => p.includes('a record was skipped') && p.includes('"ts"')),
      'the future record is reported',
    );
  });

  it('a file first read on a worker thread, then rewritten in place, is read again from the start after a restart', () => {
    const t = hourAgo();
    const dir = tempDir();
    const file = path.join(dir, 'claude', 'p', 's.jsonl');
    writeLines(file, [claudeAssistantLine({ messageId: 'msg_old', ts: t, usage: { input: 1, output: 1 } })]);
    const stateDir = path.join(dir, 'data');
    fs.mkdirSync(stateDir);
    const events: UsageEvent[] = [];
    const scanner = () =>
      new LogScanner({
        sources: claudeOnly(dir),
        stateDir,
        sink: (batch) => events.push(...batch),
        onProblem: () => undefined,
        parseWorkers: { file: PARSE_WORKER, count: 2, minBytes: 0 },
      });
    scanner().scanAll();
    const saved = JSON.parse(fs.readFileSync(path.join(stateDir, 'logs-state.json'), 'utf8')) as {
      files: Record<string, { head: string; headLength: number }>;
    };
    assert.match(saved.files[file].head, /^[0-9a-f]{16}$/, 'the worker hashed the head');
    // Rewritten in place (same inode), longer than before: only its head tells.
    const inode = fs.statSync(file).ino;
    fs.writeFileSync(
      file,
      `${[
        claudeAssistantLine({ messageId: 'msg_new1', ts: t + 1, usage: { input: 2, output: 2 } }),
        claudeAssistantLine({ messageId: 'msg_new2', ts: t + 2, usage: { input: 3, output: 3 } }),
      ].join('\n')}\n`,
    );
    assert.equal(fs.statSync(file).ino, inode);
    scanner().scanAll();
    assert.deepEqual(
      events.map((e) => e.requestId),
      ['msg_old', 'msg_new1', 'msg_new2'],
    );
  });

  it('never counts a record twice after a crash between its write and the next state save', () => {
    const h = harness(claudeOnly);
    const file = path.join(h.dir, 'claude', 'p', 's.jsonl');
    const t = hourAgo();
    writeLines(file, [claudeAssistantLine({ messageId: 'm1', ts: t, usage: { input: 1, output: 1 } })]);
    const scanner = h.scanner();
    scanner.scanAll(); // saved
    appendLines(file, [claudeAssistantLine({ messageId: 'm2', ts: t + 1, usage: { input: 2, output: 2 } })]);
    assert.equal(scanner.scanPaths([file]), 1); // delivered; the position is not saved yet (saves are throttled)
    // …and the process dies here. The next one reads from the saved (older) position:
    const next = h.scanner();
    assert.equal(next.scanAll().events, 0);
    assert.deepEqual(
      h.events.map((e) => e.requestId),
      ['m1', 'm2'],
    );
  });

  it('reads whole-session documents again when rewritten, counting only new requests', () => {
    const h = harness((dir) => [{ adapter: copilotChat, roots: [path.join(dir, 'ws')] }]);
    const file = path.join(h.dir, 'ws', 'ab12', 'chatSessions', 's.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(path.join(h.dir, 'ws', 'ab12', 'workspace.json'), JSON.stringify({ folder: 'file:///home/dev/src/web-app' }));
    const t = hourAgo();
    const r1 = {
      requestId: 'r1',
      ts: t,
      modelId: 'copilot/gpt-4.1',
      prompt: 'p',
      answer: 'a',
      usage: { promptTokens: 100, completionTokens: 10 },
    };
    fs.writeFileSync(file, JSON.stringify(copilotSession('s', [r1])));
    const scanner = h.scanner();
    scanner.scanAll();
    fs.writeFileSync(file, JSON.stringify(copilotSession('s', [r1, { ...r1, requestId: 'r2', ts: t + 5 }])));
    scanner.scanAll();
    assert.deepEqual(
      h.events.map((e) => [e.inputTokens, e.project]),
      [
        [100, 'web-app'],
        [100, 'web-app'],
      ],
    );
    assert.equal(h.scanner().scanAll().events, 0);
  });
});

describe('log capture: live', function () {
  this.timeout(20_000);

  it('a record appended to a live session reaches the sink within a second', async () => {
    const h = harness(claudeOnly, 300);
    const file = path.join(h.dir, 'claude', 'p', 's.jsonl');
    writeLines(file, [claudeUserLine(Date.now())]);
    const scanner = h.scanner();
    scanner.scanAll();
    const live = new LiveCapture({ scanner, roots: [path.join(h.dir, 'claude')], onError: (e) => assert.fail(String(e)) });
    live.start();
    try {
      for (const [i, stopReason] of [
        [1, 'end_turn'],
        [2, null],
      ] as const) {
        const appendedAt = Date.now();
        appendLines(file, [claudeAssistantLine({ messageId: `live_${i}`, ts: appendedAt, usage: { input: i, output: 1 }, stopReason })]);
        while (h.events.length < i && Date.now() - appendedAt < 2000) await new Promise((r) => setTimeout(r, 10));
        const latency = Date.now() - appendedAt;
        assert.equal(h.events.length, i, `event ${i} seen`);
        assert.ok(latency < 1000, `seen after ${latency} ms (stop reason ${stopReason})`);
      }
      // A new session in a new project directory.
      const appendedAt = Date.now();
      writeLines(path.join(h.dir, 'claude', 'new-project', 's2.jsonl'), [
        claudeAssistantLine({ messageId: 'live_new', ts: appendedAt, usage: { input: 3, output: 1 } }),
      ]);
      while (h.events.length < 3 && Date.now() - appendedAt < 12_000) await new Promise((r) => setTimeout(r, 20));
      assert.equal(h.events.at(-1)?.requestId, 'live_new');
    } finally {
      live.dispose();
    }
  });
});

describe('log capture: a request seen by the gateway and by a log counts once', function () {
  this.timeout(30_000);
  const upstream = new FakeUpstream();
  const SECRET = 'b'.repeat(32);
  let gateway: GatewayServer;
  let store: UsageStore;
  let dir: string;
  let port = 0;

  before(async () => {
    await upstream.start();
    dir = tempDir();
    store = UsageStore.open({ dataDir: path.join(dir, 'data'), context: testContext() });
    gateway = new GatewayServer({
      secret: SECRET,
      upstreams: { openai: upstream.url, anthropic: upstream.url },
      sink: store,
      maxBodyBytes: 1 << 20,
    });
    port = await gateway.listen(0);
  });
  after(async () => {
    await gateway.close();
    await upstream.stop();
    store.dispose();
  });

  function scan(sources: LogSource[]): void {
    new LogScanner({ sources, stateDir: path.join(dir, 'data'), sink: (e) => store.recordMany(e), onProblem: assert.fail }).scanAll();
    store.refresh();
  }

  it('Claude Code: by the provider message id', async () => {
    const anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: `http://127.0.0.1:${port}/${SECRET}/anthropic`, maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: 'claude-opus-4-6',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await new Promise((r) => setTimeout(r, 50));
    writeLines(path.join(dir, 'claude', 'p', 's.jsonl'), [
      claudeAssistantLine({
        messageId: message.id,
        model: 'claude-opus-4-6',
        ts: Date.now(),
        usage: {
          input: ANTHROPIC_USAGE.input_tokens,
          output: ANTHROPIC_USAGE.output_tokens,
          cacheRead: ANTHROPIC_USAGE.cache_read_input_tokens,
          cacheWrite: ANTHROPIC_USAGE.cache_creation_input_tokens,
        },
      }),
    ]);
    scan([{ adapter: claudeCode, roots: [path.join(dir, 'claude')] }]);
    const rows = store.rollups.rows().filter((r) => r.provider === 'anthropic');
    assert.equal(
      rows.reduce((n, r) => n + r.events, 0),
      1,
    );
    assert.equal(
      rows.reduce((n, r) => n + r.outputTokens, 0),
      ANTHROPIC_USAGE.output_tokens,
    );
  });

  it('Codex: by time, model and every token count, since its log has no response id', async () => {
    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/${SECRET}/openai/v1`, maxRetries: 0 });
    await openai.responses.create({ model: 'gpt-5-codex', input: 'hi' });
    await new Promise((r) => setTimeout(r, 50));
    const t = Date.now();
    const total = {
      input: RESPONSES_USAGE.input_tokens,
      cached: RESPONSES_USAGE.input_tokens_details.cached_tokens,
      output: RESPONSES_USAGE.output_tokens,
      reasoning: RESPONSES_USAGE.output_tokens_details.reasoning_tokens,
    };
    writeLines(path.join(dir, 'codex', '2026', '11', '23', 'rollout-x.jsonl'), [
      codexLines.sessionMeta(t, 'x'),
      codexLines.turnContext(t, 'gpt-5-codex'),
      codexLines.tokenCount(t + 1, total, total),
      // A later, different request of the same session: counted.
      codexLines.tokenCount(t + 2, { ...total, input: total.input * 2, output: total.output + 5 }, null),
    ]);
    scan([{ adapter: codex, roots: [path.join(dir, 'codex')] }]);
    const rows = store.rollups.rows().filter((r) => r.provider === 'openai');
    assert.equal(
      rows.reduce((n, r) => n + r.events, 0),
      2,
      'the gateway request once, plus the second request',
    );
  });
});

describe('token-meter report reads the logs (headless)', function () {
  this.timeout(60_000);
  before(function () {
    if (!fs.existsSync(BUILT_CLI)) this.skip();
  });

  function report(args: string[]): { status: number | null; json: Record<string, any>; stderr: string } {
    // A store named with --data-dir must exist: a new one starts as an empty folder.
    fs.mkdirSync(args[args.indexOf('--data-dir') + 1], { recursive: true });
    const r = spawnSync(process.execPath, [BUILT_CLI, 'report', '--json', ...args], {
      encoding: 'utf8',
      env: { ...process.env, HOME: os.tmpdir() },
    });
    return { status: r.status, json: r.status === 0 ? JSON.parse(r.stdout) : {}, stderr: r.stderr };
  }

  it('JSON totals equal the sum of the fixture records of every assistant', () => {
    const dir = tempDir();
    const t = Date.UTC(2026, 10, 20, 12, 0, 0);
    writeLines(path.join(dir, 'claude', 'projects', 'p', 's.jsonl'), [
      claudeAssistantLine({ messageId: 'c1', ts: t, usage: { input: 10, output: 20, cacheRead: 300, cacheWrite: 40 } }),
      claudeAssistantLine({ messageId: 'c2', ts: t + 60_000, usage: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4 } }),
    ]);
    writeLines(path.join(dir, 'codex', 'sessions', '2026', '11', '20', 'rollout-2026-11-20T12-00-00-q.jsonl'), [
      codexLines.sessionMeta(t, 'q'),
      codexLines.turnContext(t, 'gpt-5'),
      codexLines.tokenCount(t + 1, { input: 1000, cached: 600, output: 50, reasoning: 20 }, null),
      codexLines.tokenCount(t + 2, { input: 1500, cached: 900, output: 80, reasoning: 30 }, null),
    ]);
    const ws = path.join(dir, 'vscode', 'workspaceStorage', 'ab12', 'chatSessions', 's.json');
    fs.mkdirSync(path.dirname(ws), { recursive: true });
    fs.writeFileSync(
      ws,
      JSON.stringify(
        copilotSession('s', [
          {
            requestId: 'r1',
            ts: t,
            modelId: 'copilot/gpt-4.1',
            prompt: 'p',
            answer: 'a',
            usage: { promptTokens: 700, completionTokens: 70 },
          },
        ]),
      ),
    );
    writeLines(path.join(dir, 'gemini', 'tmp', 'h', 'chats', 'session-x.jsonl'), [
      JSON.stringify({ sessionId: 'g', projectHash: 'h', startTime: new Date(t).toISOString() }),
      JSON.stringify(geminiMessage({ id: 'm1', ts: t, tokens: { input: 500, output: 60, cached: 200, thoughts: 10, tool: 0 } })),
    ]);
    const { status, json, stderr } = report([
      '--since',
      '2026-11-20',
      '--time-zone',
      'UTC',
      '--by',
      'source',
      '--data-dir',
      path.join(dir, 'data'),
      '--claude-dir',
      path.join(dir, 'claude'),
      '--codex-dir',
      path.join(dir, 'codex'),
      '--copilot-dir',
      path.join(dir, 'vscode'),
      '--gemini-dir',
      path.join(dir, 'gemini'),
    ]);
    assert.equal(status, 0, stderr);
    assert.deepEqual(
      [
        json.totals.inputTokens,
        json.totals.outputTokens,
        json.totals.cacheReadTokens,
        json.totals.cacheWriteTokens,
        json.totals.reasoningTokens,
      ],
      [10 + 1 + 600 + 700 + 300, 20 + 2 + 80 + 70 + 70, 300 + 3 + 900 + 200, 40 + 4, 30 + 10],
    );
    assert.equal(
      json.totals.totalTokens,
      json.totals.inputTokens + json.totals.outputTokens + json.totals.cacheReadTokens + json.totals.cacheWriteTokens,
    );
    assert.deepEqual(json.source.map((s: { key: string }) => s.key).sort(), ['claude-code', 'codex', 'copilot-chat', 'gemini-cli']);
    for (const s of json.source)
      assert.deepEqual(Object.keys(s).slice(0, 8), [
        'key',
        'inputTokens',
        'outputTokens',
        'cacheReadTokens',
        'cacheWriteTokens',
        'reasoningTokens',
        'totalTokens',
        'costUsd',
      ]);
    // A second run reads nothing new.
    assert.deepEqual(
      report([
        '--since',
        '2026-11-20',
        '--time-zone',
        'UTC',
        '--by',
        'source',
        '--data-dir',
        path.join(dir, 'data'),
        '--claude-dir',
        path.join(dir, 'claude'),
      ]).json.totals,
      json.totals,
    );
  });

  it("days are the chosen zone's local days across a UTC date boundary", () => {
    const dir = tempDir();
    writeLines(path.join(dir, 'claude', 'projects', 'p', 's.jsonl'), [
      claudeAssistantLine({ messageId: 'late', ts: Date.UTC(2026, 10, 20, 23, 30), usage: { input: 100, output: 0 } }),
      claudeAssistantLine({ messageId: 'early', ts: Date.UTC(2026, 10, 21, 0, 30), usage: { input: 10, output: 0 } }),
    ]);
    const byDay = (zone: string) =>
      Object.fromEntries(
        report([
          '--since',
          '2026-11-19',
          '--by',
          'day',
          '--time-zone',
          zone,
          '--data-dir',
          path.join(dir, `data-${zone.replace('/', '-')}`),
          '--claude-dir',
          path.join(dir, 'claude'),
        ]).json.day.map((d: { key: string; inputTokens: number }) => [d.key, d.inputTokens]),
      );
    assert.deepEqual(byDay('UTC'), { '2026-11-20': 100, '2026-11-21': 10 });
    assert.deepEqual(byDay('America/New_York'), { '2026-11-20': 110 });
    assert.deepEqual(byDay('Asia/Tokyo'), { '2026-11-21': 110 });
  });

  it('a kill -9 in the middle of a long import loses nothing and counts nothing twice', async () => {
    const dir = tempDir();
    const t = Date.UTC(2026, 10, 18, 8, 0, 0);
    let expectedOutput = 0;
    for (let f = 0; f < 40; f++) {
      const lines: string[] = [];
      for (let i = 0; i < 1500; i++) {
        const output = 1 + ((f * 31 + i) % 97);
        expectedOutput += output;
        lines.push(claudeUserLine(t + i * 1000, 'x'.repeat(400)));
        lines.push(claudeAssistantLine({ messageId: `msg_${f}_${i}`, ts: t + i * 1000 + 500, usage: { input: 1, output } }));
      }
      writeLines(path.join(dir, 'claude', 'projects', `p${f % 5}`, `s${f}.jsonl`), lines);
    }
    const args = [
      'report',
      '--json',
      '--since',
      '2026-11-01',
      '--time-zone',
      'UTC',
      '--data-dir',
      path.join(dir, 'data'),
      '--claude-dir',
      path.join(dir, 'claude'),
    ];
    fs.mkdirSync(path.join(dir, 'data'));
    for (const killAfterMs of [150, 300, 450]) {
      const child = spawn(process.execPath, [BUILT_CLI, ...args], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, killAfterMs));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const final = report(args.slice(2));
    assert.equal(final.status, 0, final.stderr);
    assert.equal(final.json.totals.requests, 40 * 1500);
    assert.equal(final.json.totals.outputTokens, expectedOutput);
  });
});
