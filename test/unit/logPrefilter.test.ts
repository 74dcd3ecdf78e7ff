import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateClaudeHistory } from '../../bench/support/claudeHistory';
import { generateCodexHistory } from '../../bench/support/codexHistory';
import { claudeCode, USAGE_NEEDLES } from '../../src/capture/logs/claudeCode';
import { codex, RECORD_TYPE_NEEDLES } from '../../src/capture/logs/codex';
import { readLineRecords } from '../../src/capture/logs/lineFile';
import { asObject } from '../../src/capture/logs/records';
import type { LineReader, LogAdapter, LogRecord } from '../../src/capture/logs/types';
import { claudeAssistantLine, claudeSummaryLine, claudeUserLine, codexLines } from '../support/assistantLogs';

/**
 * The byte prefilters of the Claude Code and Codex readers (LineReader.needles) let the scanner skip
 * a line without decoding it. Skipping is only sound if a line without a needle can never carry
 * what the reader counts: checked here on the adapters' fixtures, on histories from the benchmark's
 * generators, and on lines that name the needles only inside strings.
 */

function hasNeedle(line: string, needles: readonly Buffer[]): boolean {
  const bytes = Buffer.from(line);
  return needles.some((needle) => bytes.includes(needle));
}

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);

function linesOf(root: string): string[] {
  const lines: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.jsonl')) lines.push(...fs.readFileSync(p, 'utf8').split('\n').filter(Boolean));
    }
  };
  walk(root);
  return lines;
}

/** Claude Code: a line carries usage when its message has a usage object. */
function carriesClaudeUsage(line: string): boolean {
  return asObject(asObject(asObject(JSON.parse(line))?.message)?.usage) !== undefined;
}

/** Codex: the records the reader uses. */
function mattersToCodex(line: string): boolean {
  const record = asObject(JSON.parse(line));
  const type = record?.type;
  return type === 'session_meta' || type === 'turn_context' || (type === 'event_msg' && asObject(record?.payload)?.type === 'token_count');
}

const tricky = {
  // The needles inside strings: escaped, so never a match.
  claude: [
    claudeUserLine(T0, 'Why is "usage" always 0 in the "message"?'),
    claudeUserLine(T0, '{"message":{"usage":{"input_tokens":5,"output_tokens":7}}}'),
    claudeSummaryLine(),
  ],
  codex: [
    codexLines.agentMessage(T0, 'The event is "token_count" and the first one is "session_meta".'),
    codexLines.agentMessage(T0, '{"type":"turn_context","payload":{"model":"gpt-5"}}'),
  ],
};

function claudeFixtures(): string[] {
  return [
    ...tricky.claude,
    claudeAssistantLine({ messageId: 'msg_1', ts: T0, usage: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4, cacheWrite1h: 1 } }),
    claudeAssistantLine({ messageId: 'msg_2', ts: T0, usage: { input: 1, output: 1 }, stopReason: null, text: 'the "usage" field' }),
    claudeAssistantLine({ messageId: 'msg_3', ts: T0, model: '<synthetic>', usage: { input: 0, output: 0 } }),
    claudeUserLine(T0),
  ];
}

function codexFixtures(): string[] {
  const total = { input: 100, cached: 20, output: 10, reasoning: 2 };
  return [
    ...tricky.codex,
    codexLines.sessionMeta(T0, 's1'),
    codexLines.turnContext(T0, 'gpt-5'),
    codexLines.tokenCount(T0, total, total, { primary: 10, secondary: 2, resetsAt: T0 + 3600_000 }),
    codexLines.rateLimitsOnly(T0, 10, 600),
    codexLines.agentMessage(T0, 'done'),
  ];
}

describe('byte prefilters of the log readers', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-meter-prefilter-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * Over the fixtures and a generated history: no line without a needle matters to the reader, and
   * both kinds of line were seen; the tricky lines name the needles only inside strings.
   */
  function skipsOnlyWhatNeverMatters(
    lines: string[],
    needles: readonly Buffer[],
    matters: (line: string) => boolean,
    tricky: string[],
  ): void {
    let skipped = 0;
    let kept = 0;
    for (const line of lines) {
      const mattered = matters(line);
      if (!hasNeedle(line, needles)) {
        skipped++;
        assert.equal(mattered, false, `skipped a line the reader uses: ${line.slice(0, 200)}`);
      } else if (mattered) kept++;
    }
    assert.ok(skipped > 100 && kept > 100, `both kinds seen (${skipped} skipped, ${kept} used)`);
    for (const line of tricky) assert.equal(hasNeedle(line, needles), false, line);
  }

  it('Claude Code: a line without the "usage" key in its bytes never carries usage', () => {
    const history = generateClaudeHistory(path.join(dir, 'claude'), 1024 * 1024);
    skipsOnlyWhatNeverMatters([...claudeFixtures(), ...linesOf(history.root)], USAGE_NEEDLES, carriesClaudeUsage, tricky.claude);
  });

  it('Codex: a line naming none of the record types in its bytes is never one the reader uses', () => {
    const history = generateCodexHistory(path.join(dir, 'codex'), 1024 * 1024);
    skipsOnlyWhatNeverMatters([...codexFixtures(), ...linesOf(history.root)], RECORD_TYPE_NEEDLES, mattersToCodex, tricky.codex);
  });

  /**
   * Each line through the reader's line() (decoded, parsed whenever it may matter) against the file
   * read by the scanner's readLineRecords, which decodes only lines with a needle.
   */
  function sameRecords(adapter: LogAdapter, lines: string[]): void {
    const file = path.join(dir, `${adapter.source}.jsonl`);
    fs.writeFileSync(file, `${[...lines, '{"torn": tr', 'not json'].join('\n')}\n`);
    const open = () => adapter.open({ path: file, root: dir, relative: path.basename(file) }, undefined);
    const onText = open();
    const onBytes = open();
    assert.ok(onText.kind === 'lines' && onBytes.kind === 'lines' && onBytes.reader.needles);
    const expected: LogRecord[] = [];
    let malformed: number;
    for (const line of lines) expected.push(...(onText.reader as LineReader).line(line));
    for (const broken of ['{"torn": tr', 'not json']) assert.throws(() => (onText.reader as LineReader).line(broken));
    expected.push(...((onText.reader as LineReader).flush?.() ?? []));
    const got: LogRecord[] = [];
    const read = readLineRecords(file, onBytes.reader, 0, fs.statSync(file).size, (records) => got.push(...records));
    got.push(...(onBytes.reader.flush?.() ?? []));
    malformed = read.malformed;
    assert.deepEqual(got, expected);
    assert.equal(malformed, 2, 'a torn line and a line that is not JSON are counted as malformed');
  }

  it('reading a file on bytes gives the records of reading each line as text, and counts the same malformed lines', () => {
    sameRecords(claudeCode, claudeFixtures());
    sameRecords(codex, codexFixtures());
  });
});
