import assert from 'node:assert/strict';
import { claudeCode } from '../../src/capture/logs/claudeCode';
import { codex } from '../../src/capture/logs/codex';
import { copilotChat, replayMutationLog } from '../../src/capture/logs/copilotChat';
import { geminiCli } from '../../src/capture/logs/geminiCli';
import type { DocumentReader, LineReader, LogAdapter, LogFile, LogRecord } from '../../src/capture/logs/types';
import { makeEventId, type UsageEvent } from '../../src/core/events';
import {
  claudeAssistantLine,
  claudeSummaryLine,
  claudeUserLine,
  codexLines,
  copilotMutations,
  copilotSession,
  copilotTranscript,
  geminiMessage,
  geminiUserMessage,
} from '../support/assistantLogs';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);

function file(relative: string, root = '/logs'): LogFile {
  return { path: `${root}/${relative}`, root, relative };
}

function lineReader(adapter: LogAdapter, relative: string, saved?: unknown): LineReader {
  const opened = adapter.open(file(relative), saved);
  assert.equal(opened.kind, 'lines');
  return opened.reader as LineReader;
}

function documentReader(adapter: LogAdapter, relative: string): DocumentReader {
  const opened = adapter.open(file(relative), undefined);
  assert.equal(opened.kind, 'document');
  return opened.reader as DocumentReader;
}

function events(records: LogRecord[]): UsageEvent[] {
  return records.flatMap((r) => (r.kind === 'usage' ? [r.event] : []));
}

function readAll(reader: LineReader, lines: string[]): LogRecord[] {
  return [...lines.flatMap((l) => reader.line(l)), ...(reader.flush?.() ?? [])];
}

describe('Claude Code adapter', () => {
  it('reads an assistant record: model, every token kind, project from cwd, the gateway-compatible id', () => {
    const reader = lineReader(claudeCode, '-home-dev-src-shop/s1.jsonl');
    const [event] = events(
      readAll(reader, [
        claudeUserLine(T0),
        claudeAssistantLine({
          messageId: 'msg_01XYZ',
          ts: T0 + 1500,
          usage: { input: 12, output: 345, cacheRead: 20_000, cacheWrite: 1_500 },
        }),
        claudeSummaryLine(),
      ]),
    );
    assert.deepEqual(
      { ...event },
      {
        id: makeEventId('anthropic', 'msg_01XYZ'),
        ts: T0 + 1500,
        source: 'claude-code',
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        inputTokens: 12,
        outputTokens: 345,
        cacheReadTokens: 20_000,
        cacheWriteTokens: 1_500,
        reasoningTokens: 0,
        estimated: false,
        requestId: 'msg_01XYZ',
        project: 'shop',
      },
    );
  });

  it('counts a streamed message once, with the final output count, when its lines repeat the id', () => {
    const reader = lineReader(claudeCode, 'p/s.jsonl');
    const first = reader.line(
      claudeAssistantLine({ messageId: 'msg_A', ts: T0, usage: { input: 3, output: 1, cacheRead: 900 }, stopReason: null }),
    );
    assert.deepEqual(first, [], 'held back while the message streams');
    const done = reader.line(
      claudeAssistantLine({ messageId: 'msg_A', ts: T0 + 800, usage: { input: 3, output: 210, cacheRead: 900 }, stopReason: 'tool_use' }),
    );
    assert.equal(events(done).length, 1);
    assert.equal(events(done)[0].outputTokens, 210);
    assert.deepEqual(reader.flush!(), []);
  });

  it('keeps the 5-minute / 1-hour split of cache writes and fast mode', () => {
    const reader = lineReader(claudeCode, 'p/s.jsonl');
    const [event] = events(
      readAll(reader, [
        claudeAssistantLine({
          messageId: 'msg_TTL',
          model: 'claude-opus-4-8',
          ts: T0,
          usage: { input: 4, output: 90, cacheWrite: 30_000, cacheWrite1h: 24_000, speed: 'fast' },
        }),
      ]),
    );
    assert.deepEqual([event.cacheWriteTokens, event.cacheWrite1hTokens, event.serviceTier], [30_000, 24_000, 'fast']);
    const [older] = events(
      readAll(lineReader(claudeCode, 'p/s.jsonl'), [
        claudeAssistantLine({ messageId: 'msg_5m', ts: T0, usage: { input: 4, output: 9, cacheWrite: 700 } }),
      ]),
    );
    assert.deepEqual(
      [older.cacheWriteTokens, older.cacheWrite1hTokens, older.serviceTier],
      [700, undefined, undefined],
      'only 5-minute writes; the standard tier is not named',
    );
  });

  it("after a mid-stream model fallback, counts the line with the highest output count whole, not each field's maximum", () => {
    const reader = lineReader(claudeCode, 'p/s.jsonl');
    const [event] = events(
      readAll(reader, [
        claudeAssistantLine({
          messageId: 'msg_F',
          model: 'claude-opus-4-8',
          ts: T0,
          usage: { input: 9, output: 2, cacheRead: 80_000, cacheWrite: 5_000, cacheWrite1h: 5_000 },
          stopReason: null,
        }),
        claudeAssistantLine({
          messageId: 'msg_F',
          model: 'claude-sonnet-4-6',
          ts: T0 + 900,
          usage: { input: 7, output: 640, cacheRead: 60_000, cacheWrite: 1_000 },
          stopReason: 'end_turn',
        }),
      ]),
    );
    assert.deepEqual(
      [
        event.model,
        event.inputTokens,
        event.outputTokens,
        event.cacheReadTokens,
        event.cacheWriteTokens,
        event.cacheWrite1hTokens,
        event.ts,
      ],
      ['claude-sonnet-4-6', 7, 640, 60_000, 1_000, undefined, T0 + 900],
    );
  });

  it('emits a held message when the next message starts, and on flush when the file goes quiet', () => {
    const reader = lineReader(claudeCode, 'p/s.jsonl');
    reader.line(claudeAssistantLine({ messageId: 'msg_A', ts: T0, usage: { input: 1, output: 5 }, stopReason: null }));
    const next = reader.line(claudeAssistantLine({ messageId: 'msg_B', ts: T0 + 1000, usage: { input: 2, output: 6 }, stopReason: null }));
    assert.deepEqual(
      events(next).map((e) => e.requestId),
      ['msg_A'],
    );
    assert.deepEqual(
      events(reader.flush!()).map((e) => e.requestId),
      ['msg_B'],
    );
  });

  it('keeps a held message across a restart through its saved state', () => {
    const reader = lineReader(claudeCode, 'p/s.jsonl');
    reader.line(claudeAssistantLine({ messageId: 'msg_A', ts: T0, usage: { input: 1, output: 5 }, stopReason: null }));
    const resumed = lineReader(claudeCode, 'p/s.jsonl', JSON.parse(JSON.stringify(reader.save())));
    const done = resumed.line(
      claudeAssistantLine({ messageId: 'msg_A', ts: T0 + 10, usage: { input: 1, output: 50 }, stopReason: 'end_turn' }),
    );
    assert.equal(events(done)[0].outputTokens, 50);
  });

  it('skips synthetic messages and records without usage; a broken line throws so it is counted', () => {
    const reader = lineReader(claudeCode, 'p/s.jsonl');
    assert.deepEqual(
      readAll(reader, [claudeAssistantLine({ messageId: 'msg_S', model: '<synthetic>', ts: T0, usage: { input: 0, output: 0 } })]),
      [],
    );
    assert.throws(() => reader.line('{"type":"assistant","message":{"usage":{"input_tokens":1'));
  });

  it('accepts transcripts and sub-agent files, and finds the roots from CLAUDE_CONFIG_DIR', () => {
    assert.ok(claudeCode.accepts('-home-dev-src-shop/0b1c.jsonl'));
    assert.ok(claudeCode.accepts('-home-dev-src-shop/0b1c/subagents/agent-a1.jsonl'));
    assert.ok(!claudeCode.accepts('-home-dev-src-shop/notes.txt'));
    assert.deepEqual(claudeCode.defaultRoots({ env: { CLAUDE_CONFIG_DIR: '/a,/b' }, home: '/h', platform: 'linux' }), [
      '/a/projects',
      '/b/projects',
    ]);
    assert.deepEqual(claudeCode.defaultRoots({ env: {}, home: '/h', platform: 'linux' }), [
      '/h/.claude/projects',
      '/h/.config/claude/projects',
    ]);
  });
});

describe('Codex CLI adapter', () => {
  const rollout = '2026/11/20/rollout-2026-11-20T09-00-00-019a.jsonl';

  it('turns cumulative totals into per-request usage, once per growth, with cached input as cache reads', () => {
    const reader = lineReader(codex, rollout);
    const total1 = { input: 10_000, cached: 8_000, output: 500, reasoning: 200 };
    const total2 = { input: 25_000, cached: 20_000, output: 900, reasoning: 300 };
    const got = events(
      readAll(reader, [
        codexLines.sessionMeta(T0, '019a-session', '/home/dev/src/api'),
        codexLines.turnContext(T0, 'gpt-5-codex'),
        codexLines.tokenCount(T0 + 1000, total1, total1),
        codexLines.tokenCount(T0 + 1001, total1, total1), // written twice
        codexLines.agentMessage(T0 + 2000, 'Done.'),
        codexLines.tokenCount(T0 + 5000, total2, { input: 15_000, cached: 12_000, output: 400, reasoning: 100 }),
      ]),
    );
    assert.equal(got.length, 2);
    assert.deepEqual(
      got.map((e) => [e.inputTokens, e.cacheReadTokens, e.outputTokens, e.reasoningTokens]),
      [
        [2_000, 8_000, 500, 200],
        [3_000, 12_000, 400, 100],
      ],
    );
    assert.ok(got.every((e) => e.model === 'gpt-5-codex' && e.provider === 'openai' && e.project === 'api' && e.source === 'codex'));
    const sum = got.reduce((s, e) => s + e.inputTokens + e.cacheReadTokens, 0);
    assert.equal(sum, total2.input, 'the sum of the parts is the final cumulative input');
  });

  it('records the OpenAI API it speaks as the provider, whatever config.toml names its model_provider', () => {
    const got = events(
      readAll(lineReader(codex, rollout), [
        codexLines.sessionMeta(T0, '019a-custom', '/home/dev/src/api', 'my-gateway'),
        codexLines.turnContext(T0, 'gpt-5-codex'),
        codexLines.tokenCount(T0 + 1000, { input: 1000, cached: 0, output: 10, reasoning: 0 }, null),
      ]),
    );
    assert.deepEqual(
      got.map((e) => e.provider),
      ['openai'],
    );
  });

  it('uses the growth of the total when last_token_usage is missing (older versions)', () => {
    const reader = lineReader(codex, rollout);
    const got = events(
      readAll(reader, [
        codexLines.turnContext(T0, 'gpt-5'),
        codexLines.tokenCount(T0 + 1, { input: 100, cached: 0, output: 10, reasoning: 0 }, null),
        codexLines.tokenCount(T0 + 2, { input: 250, cached: 50, output: 30, reasoning: 5 }, null),
      ]),
    );
    assert.deepEqual(
      got.map((e) => [e.inputTokens, e.cacheReadTokens, e.outputTokens]),
      [
        [100, 0, 10],
        [100, 50, 20],
      ],
    );
  });

  it('continues from saved state without counting the earlier total again', () => {
    const reader = lineReader(codex, rollout);
    readAll(reader, [
      codexLines.turnContext(T0, 'gpt-5'),
      codexLines.tokenCount(T0 + 1, { input: 100, cached: 0, output: 10, reasoning: 0 }, null),
    ]);
    const resumed = lineReader(codex, rollout, JSON.parse(JSON.stringify(reader.save())));
    const got = events(readAll(resumed, [codexLines.tokenCount(T0 + 2, { input: 160, cached: 0, output: 12, reasoning: 0 }, null)]));
    assert.deepEqual(
      got.map((e) => [e.inputTokens, e.outputTokens, e.model]),
      [[60, 2, 'gpt-5']],
    );
  });

  it('reports the rate-limit windows, with resets_at and with the older resets_in_seconds', () => {
    const reader = lineReader(codex, rollout);
    const limits = readAll(reader, [
      codexLines.rateLimitsOnly(T0, 7, 3600),
      codexLines.tokenCount(T0 + 10, { input: 1, cached: 0, output: 1, reasoning: 0 }, null, {
        primary: 42.5,
        secondary: 77,
        resetsAt: T0 + 7200_000,
      }),
    ]).flatMap((r) => (r.kind === 'rate-limits' ? [r.snapshot] : []));
    assert.deepEqual(limits[0].primary, { usedPercent: 7, windowMinutes: 299, resetsAt: T0 + 3600_000 });
    assert.deepEqual(limits[1].primary, { usedPercent: 42.5, windowMinutes: 300, resetsAt: T0 + 7200_000 });
    assert.equal(limits[1].secondary?.windowMinutes, 10080);
  });

  it('gives the context size and the window Codex reported', () => {
    const reader = lineReader(codex, rollout);
    const [usage] = readAll(reader, [
      codexLines.sessionMeta(T0, 'sess'),
      codexLines.turnContext(T0, 'gpt-5-codex'),
      codexLines.tokenCount(
        T0 + 1,
        { input: 50_000, cached: 40_000, output: 10, reasoning: 0 },
        { input: 50_000, cached: 40_000, output: 10, reasoning: 0 },
      ),
    ]).filter((r) => r.kind === 'usage');
    assert.ok(usage.kind === 'usage');
    assert.deepEqual(usage.session, { sessionId: 'sess', contextTokens: 50_000, contextWindow: 272_000 });
  });

  it('accepts rollout files only', () => {
    assert.ok(codex.accepts('2026/11/20/rollout-2026-11-20T09-00-00-019a.jsonl'));
    assert.ok(!codex.accepts('history.jsonl'));
    assert.deepEqual(codex.defaultRoots({ env: { CODEX_HOME: '/c' }, home: '/h', platform: 'linux' }), [
      '/c/sessions',
      '/c/archived_sessions',
    ]);
  });
});

describe('Copilot Chat adapter', () => {
  it('reads a whole-session .json: recorded usage as reported, a request without it estimated', () => {
    const reader = documentReader(copilotChat, 'ab12/chatSessions/s-1.json');
    const got = events(
      reader.read(
        JSON.stringify(
          copilotSession('s-1', [
            {
              requestId: 'request_1',
              ts: T0,
              modelId: 'copilot/gpt-4.1',
              prompt: 'Explain this regex',
              answer: 'It matches dates.',
              usage: { promptTokens: 5200, completionTokens: 340 },
            },
            {
              requestId: 'request_2',
              ts: T0 + 60_000,
              modelId: 'copilot/claude-sonnet-4',
              prompt: 'Now write a test for it',
              answer: 'Here is a test using mocha.',
            },
            { requestId: 'request_3', ts: T0 + 90_000, prompt: 'still answering', answer: '', finished: false },
          ]),
        ),
      ),
    );
    assert.equal(got.length, 2, 'an unfinished request waits');
    assert.deepEqual(
      [got[0].model, got[0].provider, got[0].inputTokens, got[0].outputTokens, got[0].estimated],
      ['gpt-4.1', 'openai', 5200, 340, false],
    );
    assert.deepEqual([got[1].model, got[1].provider, got[1].estimated], ['claude-sonnet-4', 'anthropic', true]);
    assert.ok(got[1].inputTokens > 0 && got[1].outputTokens > 0);
    assert.equal(got[0].id, makeEventId('copilot-chat', 's-1:request_1'));
  });

  it('replays the .jsonl mutation log: initial state, pushes, sets, truncating pushes and deletes', () => {
    const text = [
      copilotMutations.initial(copilotSession('s-2', [])),
      copilotMutations.pushRequest({ requestId: 'r1', ts: T0, modelId: 'copilot/gpt-4.1', prompt: 'a', answer: 'b' }),
      copilotMutations.setResult(0),
      copilotMutations.setUsage(0, { promptTokens: 900, completionTokens: 80 }),
      copilotMutations.pushRequest({ requestId: 'r2', ts: T0 + 1000, modelId: 'copilot/gpt-4.1', prompt: 'c', answer: 'd' }),
      JSON.stringify({ kind: 2, k: ['requests'], v: [], i: 1 }), // r2 undone
      JSON.stringify({ kind: 3, k: ['customTitle'] }),
      '',
    ].join('\n');
    const session = replayMutationLog(text)!;
    assert.equal((session.requests as unknown[]).length, 1);
    const got = events(documentReader(copilotChat, 'ab12/chatSessions/s-2.jsonl').read(text));
    assert.deepEqual(
      got.map((e) => [e.inputTokens, e.outputTokens, e.estimated]),
      [[900, 80, false]],
    );
  });

  it('leaves out a torn last line of the mutation log and rejects a corrupt one in the middle', () => {
    const good = [
      copilotMutations.initial(copilotSession('s-3', [])),
      copilotMutations.pushRequest({ requestId: 'r1', ts: T0, prompt: 'a', answer: 'b' }),
    ];
    assert.ok(replayMutationLog(`${good.join('\n')}\n{"kind":1,"k":["requ`));
    assert.throws(() => replayMutationLog(`${good[0]}\n{oops\n${good[1]}\n`));
  });

  it('accepts chat sessions of workspace storage and of empty windows, nothing else', () => {
    assert.ok(copilotChat.accepts('ab12/chatSessions/s.json'));
    assert.ok(copilotChat.accepts('ab12/chatSessions/s.jsonl'));
    assert.ok(copilotChat.accepts('s.json'), 'globalStorage/emptyWindowChatSessions/s.json');
    assert.ok(!copilotChat.accepts('ab12/workspace.json'));
    assert.ok(!copilotChat.accepts('ab12/state.vscdb'));
    assert.ok(
      copilotChat.descends!('ab12') && copilotChat.descends!('ab12/chatSessions') && !copilotChat.descends!('ab12/ms-python.python'),
    );
  });

  it('estimates each answer of a Copilot Chat transcript (0.51+), from the visible prompt and the answer', () => {
    const relative = 'ab12/GitHub.copilot-chat/transcripts/7f3a.jsonl';
    assert.ok(copilotChat.accepts(relative));
    assert.ok(copilotChat.descends!('ab12/GitHub.copilot-chat') && copilotChat.descends!('ab12/GitHub.copilot-chat/transcripts'));
    const reader = lineReader(copilotChat, relative);
    const got = events(
      readAll(reader, [
        copilotTranscript.event('session.start', T0, {
          sessionId: 'sess-9',
          selectedModel: 'gpt-4.1',
          context: { cwd: '/home/dev/src/web' },
        }),
        copilotTranscript.event('user.message', T0 + 1, { content: 'Rename the checkout handler and update its callers.' }),
        copilotTranscript.event(
          'assistant.message',
          T0 + 900,
          {
            content: 'I will search for callers first.',
            toolRequests: [{ name: 'grep_search', arguments: '{"query":"checkoutHandler"}' }],
          },
          'a1',
        ),
        copilotTranscript.event('tool.execution_complete', T0 + 950, { toolCallId: 'call_1', success: true }),
        copilotTranscript.event('session.model_change', T0 + 960, { newModel: 'claude-sonnet-4' }),
        copilotTranscript.event(
          'assistant.message',
          T0 + 1500,
          { content: 'Renamed in 3 files.', reasoningText: 'All callers are in src/.' },
          'a2',
        ),
      ]),
    );
    assert.equal(got.length, 2);
    assert.deepEqual(
      got.map((e) => [e.model, e.provider, e.estimated]),
      [
        ['gpt-4.1', 'openai', true],
        ['claude-sonnet-4', 'anthropic', true],
      ],
    );
    assert.ok(got[0].inputTokens > 5 && got[0].outputTokens > 5);
    assert.equal(got[1].inputTokens, 0, 'no new user text before the second answer');
    assert.ok(got[1].reasoningTokens > 0 && got[1].outputTokens > got[1].reasoningTokens);
    assert.equal(got[0].id, makeEventId('copilot-chat', 'sess-9:a1'));
  });

  it('finds Code, Insiders and VSCodium on Linux, macOS and Windows', () => {
    const linux = copilotChat.defaultRoots({ env: {}, home: '/home/u', platform: 'linux' });
    assert.ok(linux.includes('/home/u/.config/Code/User/workspaceStorage'));
    assert.ok(linux.includes('/home/u/.config/Code - Insiders/User/workspaceStorage'));
    assert.ok(linux.includes('/home/u/.config/VSCodium/User/globalStorage/emptyWindowChatSessions'));
    const mac = copilotChat.defaultRoots({ env: {}, home: '/Users/u', platform: 'darwin' });
    assert.ok(mac.includes('/Users/u/Library/Application Support/Code/User/workspaceStorage'));
    const win = copilotChat.defaultRoots({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, home: 'C:\\Users\\u', platform: 'win32' });
    assert.ok(win.includes('C:\\Users\\u\\AppData\\Roaming\\Code\\User\\workspaceStorage'));
  });
});

describe('Gemini CLI adapter', () => {
  const tokens = { input: 12_000, output: 300, cached: 8_000, thoughts: 150, tool: 40 };

  it('reads a legacy session .json: cached input as cache reads, thoughts billed as output', () => {
    const reader = documentReader(geminiCli, '9f3e/chats/session-2026-11-20T09-00-abcd1234.json');
    const got = events(
      reader.read(
        JSON.stringify({
          sessionId: 'abcd1234-0000',
          projectHash: '9f3e',
          startTime: new Date(T0).toISOString(),
          lastUpdated: new Date(T0).toISOString(),
          messages: [
            geminiUserMessage('u1', T0),
            geminiMessage({ id: 'g1', ts: T0 + 900, tokens }),
            geminiMessage({ id: 'g2', ts: T0 + 950 }),
          ],
        }),
      ),
    );
    assert.deepEqual(
      got.map((e) => [e.inputTokens, e.cacheReadTokens, e.outputTokens, e.reasoningTokens, e.model, e.provider]),
      [[4_040, 8_000, 450, 150, 'gemini-2.5-pro', 'google']],
    );
  });

  it('reads the JSON Lines log: a message re-appended with its tokens counts once, $set message lists too', () => {
    const reader = lineReader(geminiCli, '9f3e/chats/session-2026-11-20T09-00-abcd1234.jsonl');
    const lines = [
      JSON.stringify({
        sessionId: 'abcd1234-0000',
        projectHash: '9f3e',
        startTime: new Date(T0).toISOString(),
        directories: ['/home/dev/src/cli'],
      }),
      JSON.stringify(geminiUserMessage('u1', T0)),
      JSON.stringify(geminiMessage({ id: 'g1', ts: T0 + 900 })),
      JSON.stringify(geminiMessage({ id: 'g1', ts: T0 + 900, tokens })),
      JSON.stringify({ $set: { lastUpdated: new Date(T0 + 1000).toISOString() } }),
      JSON.stringify({ $rewindTo: 'g1' }),
      JSON.stringify({
        $set: { messages: [geminiMessage({ id: 'g1', ts: T0 + 900, tokens }), geminiMessage({ id: 'g2', ts: T0 + 2000, tokens })] },
      }),
    ];
    const got = events(readAll(reader, lines));
    // g1 appears twice with tokens: the scanner drops the repeat by id (same id both times).
    assert.deepEqual(
      got.map((e) => e.id),
      [makeEventId('google', 'abcd1234-0000:g1'), makeEventId('google', 'abcd1234-0000:g1'), makeEventId('google', 'abcd1234-0000:g2')],
    );
    assert.ok(got.every((e) => e.project === 'cli'));
  });

  it('accepts chats of projects and of sub-agents', () => {
    assert.ok(geminiCli.accepts('9f3e/chats/session-2026-11-20T09-00-abcd1234.jsonl'));
    assert.ok(geminiCli.accepts('9f3e/chats/abcd1234-0000/sub-1.jsonl'));
    assert.ok(!geminiCli.accepts('9f3e/logs.json'));
  });
});
