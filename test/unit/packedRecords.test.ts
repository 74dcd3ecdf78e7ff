import assert from 'node:assert/strict';
import { claudeCode } from '../../src/capture/logs/claudeCode';
import { codex } from '../../src/capture/logs/codex';
import { packRecords, unpackRecords } from '../../src/capture/logs/packedRecords';
import type { LineReader, LogRecord } from '../../src/capture/logs/types';
import { validateUsageEvent } from '../../src/core/events';
import { claudeAssistantLine, codexLines } from '../support/assistantLogs';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);

function read(reader: LineReader, lines: string[]): LogRecord[] {
  const records = [...lines.flatMap((line) => reader.line(line)), ...(reader.flush?.() ?? [])];
  // As the parse workers hand them over: events validated.
  return records.map((r) => (r.kind === 'usage' ? { ...r, event: validateUsageEvent(r.event, T0 + 86_400_000) } : r));
}

describe('packed log records (parse worker to scanning thread)', () => {
  it('come back through JSON as they were, keys in the same order, with sessions, optional fields and rate limits', () => {
    const claude = claudeCode.open({ path: '/l/p/s.jsonl', root: '/l', relative: 'p/s.jsonl' }, undefined);
    const rollout = codex.open({ path: '/c/rollout-a.jsonl', root: '/c', relative: 'rollout-a.jsonl' }, undefined);
    assert.ok(claude.kind === 'lines' && rollout.kind === 'lines');
    const total = { input: 100, cached: 20, output: 10, reasoning: 2 };
    const records = [
      ...read(claude.reader, [
        claudeAssistantLine({
          messageId: 'msg_1',
          ts: T0,
          usage: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4, cacheWrite1h: 1, speed: 'fast' },
        }),
        claudeAssistantLine({ messageId: 'msg_2', ts: T0 + 1, usage: { input: 5, output: 6 }, cwd: '/' }),
      ]),
      ...read(rollout.reader, [
        codexLines.sessionMeta(T0, 's1'),
        codexLines.turnContext(T0, 'gpt-5'),
        codexLines.tokenCount(T0 + 2, total, total, { primary: 10, secondary: 2, resetsAt: T0 + 3600_000 }),
      ]),
    ];
    assert.equal(records.length, 4, 'two Claude Code events, a Codex event and its rate limits');
    const unpacked = unpackRecords(JSON.parse(JSON.stringify(packRecords(records))));
    assert.deepEqual(unpacked, records);
    assert.equal(JSON.stringify(unpacked), JSON.stringify(records), 'the same keys in the same order');
    assert.deepEqual(unpackRecords(packRecords([])), []);
  });
});
