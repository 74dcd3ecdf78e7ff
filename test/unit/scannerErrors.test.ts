import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogScanner } from '../../src/capture/logs/scanner';
import type { LogAdapter } from '../../src/capture/logs/types';

/** An adapter that fails on one line the way a bug would (a TypeError), and parses the rest as JSON. */
const buggy: LogAdapter = {
  source: 'buggy',
  label: 'Buggy assistant',
  defaultRoots: () => [],
  accepts: (relative) => relative.endsWith('.jsonl'),
  open: () => ({
    kind: 'lines',
    reader: {
      line(text) {
        if (text === 'trips the bug') throw new TypeError("Cannot read properties of undefined (reading 'usage')");
        JSON.parse(text);
        return [];
      },
      save: () => undefined,
    },
  }),
};

describe('log scanner: malformed input against bugs', () => {
  it("counts only input that is not JSON as malformed, and reports an adapter's TypeError as a bug", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-scan-bug-'));
    const logs = path.join(dir, 'logs');
    fs.mkdirSync(logs);
    fs.writeFileSync(path.join(logs, 'session.jsonl'), '{not json\ntrips the bug\n{"fine":true}\n');
    const problems: string[] = [];
    const scanner = new LogScanner({
      sources: [{ adapter: buggy, roots: [logs] }],
      stateDir: path.join(dir, 'state'),
      sink: () => undefined,
      onProblem: (m) => problems.push(m),
    });
    const summary = scanner.scanAll();
    assert.equal(summary.malformedLines, 0, 'the bug is not counted as a malformed line');
    assert.equal(problems.filter((p) => /malformed/.test(p)).length, 0, problems.join('\n'));
    assert.ok(
      problems.some((p) => /TypeError: Cannot read properties of undefined/.test(p) && /bug in Token Meter/.test(p)),
      problems.join('\n'),
    );
  });

  it('still counts and skips lines that are not JSON', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-scan-bad-'));
    const logs = path.join(dir, 'logs');
    fs.mkdirSync(logs);
    fs.writeFileSync(path.join(logs, 'session.jsonl'), '{not json\n{"fine":true}\n[also not\n');
    const problems: string[] = [];
    const summary = new LogScanner({
      sources: [{ adapter: buggy, roots: [logs] }],
      stateDir: path.join(dir, 'state'),
      sink: () => undefined,
      onProblem: (m) => problems.push(m),
    }).scanAll();
    assert.equal(summary.malformedLines, 2);
    assert.match(problems.join('\n'), /skipped 2 malformed lines/);
  });
});
