import * as assert from 'node:assert/strict';
import { BUILT_CLI } from '../support/cli';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addDays, dayKey } from '../../src/core/time';
import { claudeAssistantLine, claudeUserLine, writeLines } from '../support/assistantLogs';
import { usageEvent } from '../support/events';

const NOBODY = 65534;

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [BUILT_CLI, 'report', ...args], { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The tests run as root, who can read any file whatever its mode; an unreadable folder or file is
 * made real by running the BUILT_CLI as the unprivileged user "nobody" (setpriv, util-linux).
 */
function runAsNobody(args: string[]) {
  const r = spawnSync(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, BUILT_CLI, 'report', ...args],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.error, undefined, 'setpriv (util-linux) is needed to run the BUILT_CLI as an unprivileged user');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(prefix: string, owner?: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (owner !== undefined) fs.chownSync(dir, owner, owner);
  return dir;
}

/** A store with one event of today in its own segment, owned by `owner`. */
function storeWithOneEvent(owner?: number): string {
  const dataDir = tempDir('tm-rep-store-', owner);
  const events = path.join(dataDir, 'events');
  fs.mkdirSync(events);
  fs.writeFileSync(
    path.join(events, 'good.jsonl'),
    `${JSON.stringify(usageEvent({ ts: Date.now() - 1000, inputTokens: 111, outputTokens: 0 }))}\n`,
  );
  if (owner !== undefined) for (const p of [events, path.join(events, 'good.jsonl')]) fs.chownSync(p, owner, owner);
  return dataDir;
}

function expectUsageError(r: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^token-meter report: /);
  assert.match(r.stderr, message);
}

describe('token-meter report: bad input is an error, a partial read a warning (built dist/cli.js)', function () {
  this.timeout(30_000);
  const today = dayKey(Date.now(), 'UTC');

  it('rejects --since days that are not on the calendar', () => {
    const dataDir = storeWithOneEvent();
    for (const since of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-04-31', '2026-00-10']) {
      expectUsageError(
        run(['--since', since, '--json', '--no-logs', '--data-dir', dataDir, '--time-zone', 'UTC']),
        /--since must be a day of the calendar/,
      );
    }
    const leap = run(['--since', '2024-02-29', '--json', '--no-logs', '--data-dir', dataDir, '--time-zone', 'UTC']);
    assert.equal(leap.code, 0, leap.stderr);
  });

  it('rejects a --since after today, and one before 1970', () => {
    const dataDir = storeWithOneEvent();
    expectUsageError(
      run(['--since', addDays(today, 2), '--json', '--no-logs', '--data-dir', dataDir, '--time-zone', 'UTC']),
      /is after today/,
    );
    expectUsageError(
      run(['--since', '0000-01-01', '--json', '--no-logs', '--data-dir', dataDir, '--time-zone', 'UTC']),
      /1970-01-01 or later/,
    );
    const sinceToday = run(['--since', today, '--json', '--no-logs', '--data-dir', dataDir, '--time-zone', 'UTC']);
    assert.equal(sinceToday.code, 0, sinceToday.stderr);
  });

  it('rejects a log folder flag that names a file, not a folder', () => {
    const file = path.join(tempDir('tm-rep-file-'), 'transcript.jsonl');
    fs.writeFileSync(file, '');
    for (const flag of ['--claude-dir', '--codex-dir', '--copilot-dir', '--gemini-dir']) {
      expectUsageError(
        run([flag, file, '--json', '--data-dir', storeWithOneEvent()]),
        new RegExp(`${flag}: .*transcript\\.jsonl is not a folder`),
      );
    }
  });

  it('rejects a --data-dir that does not exist, is a file, or is some other folder', () => {
    const parent = tempDir('tm-rep-dd-');
    expectUsageError(run(['--json', '--no-logs', '--data-dir', path.join(parent, 'typo')]), /--data-dir: .*typo does not exist/);
    fs.writeFileSync(path.join(parent, 'file'), '');
    expectUsageError(run(['--json', '--no-logs', '--data-dir', path.join(parent, 'file')]), /--data-dir: .*file is not a folder/);
    expectUsageError(run(['--json', '--no-logs', '--data-dir', parent]), /--data-dir: .* is not a Token Meter data folder/);
    assert.deepEqual(fs.readdirSync(parent), ['file'], 'nothing was written into a folder that is not a store');
    expectUsageError(
      run(['--json', '--no-logs'], { ...process.env, TOKEN_METER_DATA_DIR: path.join(parent, 'file') }),
      /TOKEN_METER_DATA_DIR: .*file is not a folder/,
    );
  });

  it('gateway: rejects a --data-dir that is a file or a folder of other things, writing nothing there', () => {
    const parent = tempDir('tm-gw-dd-');
    fs.writeFileSync(path.join(parent, 'file'), '');
    for (const [dir, message] of [
      [path.join(parent, 'file'), /--data-dir: .*file is not a folder/],
      [parent, /--data-dir: .* is not a Token Meter data folder/],
    ] as const) {
      const r = spawnSync(process.execPath, [BUILT_CLI, 'gateway', '--port', '4999', '--data-dir', dir], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
    }
    assert.deepEqual(fs.readdirSync(parent), ['file']);
  });

  it('says on stderr, also with --json, that the default store does not exist yet', () => {
    const missing = path.join(tempDir('tm-rep-env-'), 'not-yet');
    const r = run(['--json', '--no-logs'], { ...process.env, TOKEN_METER_DATA_DIR: missing });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).totals.totalTokens, 0);
    assert.match(r.stderr, /No usage yet: .*not-yet/);
  });

  it('warns about a log folder or file it cannot read, and counts the rest', () => {
    const claudeDir = tempDir('tm-rep-claude-', NOBODY);
    const t = Date.now() - 60_000;
    const session = (project: string, id: string) => {
      const file = path.join(claudeDir, 'projects', project, `${id}.jsonl`);
      writeLines(file, [claudeUserLine(t), claudeAssistantLine({ messageId: id, ts: t, usage: { input: 7, output: 3 } })]);
      return file;
    };
    session('readable', 'msg_ok');
    session('locked', 'msg_hidden');
    const lockedFile = session('readable-dir', 'msg_locked_file');
    fs.chmodSync(path.join(claudeDir, 'projects', 'locked'), 0o000);
    fs.chmodSync(lockedFile, 0o000);
    const dataDir = tempDir('tm-rep-nobody-', NOBODY);

    const r = runAsNobody(['--json', '--day', '--time-zone', 'UTC', '--data-dir', dataDir, '--claude-dir', claudeDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Claude Code: could not read the folder .*projects\/locked \(EACCES/);
    assert.match(r.stderr, /Claude Code: could not read .*msg_locked_file\.jsonl: EACCES/);
    if (dayKey(t, 'UTC') === today) assert.equal(JSON.parse(r.stdout).totals.inputTokens, 7, 'the readable session is counted');
  });

  it('never ends with a truncated report: a full disk under the output is an error, a reader that left is not', () => {
    const dataDir = tempDir('tm-rep-out-');
    fs.mkdirSync(path.join(dataDir, 'events'));
    const now = Date.now();
    // Many days, so the report is far larger than both the file limit and a pipe's buffer.
    const lines = Array.from({ length: 1500 }, (_, i) => JSON.stringify(usageEvent({ ts: now - i * 6 * 3600_000 })));
    fs.writeFileSync(path.join(dataDir, 'events', 'many.jsonl'), `${lines.join('\n')}\n`);
    const args = `report --since ${addDays(today, -370)} --by day --json --no-logs --time-zone UTC --data-dir "${dataDir}"`;
    const out = path.join(tempDir('tm-rep-outfile-'), 'report.json');

    const full = spawnSync('bash', ['-c', `ulimit -f 8; "${process.execPath}" "${BUILT_CLI}" ${args} > "${out}"`], { encoding: 'utf8' });
    assert.equal(full.status, 1, `a report cut short by the disk must not exit 0 (stderr: ${full.stderr})`);
    assert.match(full.stderr, /token-meter: could not write the output: EFBIG/);

    const piped = spawnSync('bash', ['-c', `"${process.execPath}" "${BUILT_CLI}" ${args} | head -c 1 >/dev/null; exit \${PIPESTATUS[0]}`], {
      encoding: 'utf8',
    });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stderr, '');
  });

  it('reports the rest of the store and names a segment it cannot read (exit 1)', () => {
    // As nobody: a segment of mode 000.
    const dataDir = storeWithOneEvent(NOBODY);
    const locked = path.join(dataDir, 'events', 'locked.jsonl');
    fs.writeFileSync(locked, `${JSON.stringify(usageEvent({ ts: Date.now() - 1000, inputTokens: 5 }))}\n`);
    fs.chownSync(locked, 0, 0);
    fs.chmodSync(locked, 0o000);
    const r = runAsNobody(['--json', '--no-logs', '--day', '--time-zone', 'UTC', '--data-dir', dataDir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /events\/locked\.jsonl could not be read \(EACCES/);
    if (dayKey(Date.now() - 1000, 'UTC') === today) assert.equal(JSON.parse(r.stdout).totals.inputTokens, 111);

    // As anyone: a "segment" that is a folder.
    const other = storeWithOneEvent();
    fs.mkdirSync(path.join(other, 'events', 'odd.jsonl'));
    const asRoot = run(['--json', '--no-logs', '--day', '--time-zone', 'UTC', '--data-dir', other]);
    assert.equal(asRoot.code, 1, asRoot.stderr);
    assert.match(asRoot.stderr, /events\/odd\.jsonl could not be read \(it is not a file\)/);
    if (dayKey(Date.now() - 1000, 'UTC') === today) assert.equal(JSON.parse(asRoot.stdout).totals.inputTokens, 111);
  });
});
