import * as assert from 'node:assert/strict';
import { BUILT_CLI, gatewayArgs } from '../support/cli';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { CompactDecoder } from '../../src/store/eventCodec';
import { MAX_HELD_EVENTS } from '../../src/store/eventLog';
import { UsageStore } from '../../src/store/usageStore';
import { FakeUpstream } from '../support/fakeUpstream';
import { freePort } from '../support/net';
import { testContext } from '../support/events';
import { claudeAssistantLine, claudeUserLine, writeLines } from '../support/assistantLogs';

/**
 * A full disk, made real with `ulimit -f` (RLIMIT_FSIZE): the kernel cuts a write short at the limit
 * and fails the next with EFBIG, exactly as a full disk does with ENOSPC. Space "returns" when the
 * test lifts the limit of the running process with prlimit(1).
 */

const LIMIT_KB = 4;

function segmentText(dataDir: string): string {
  const dir = path.join(dataDir, 'events');
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('');
}

/** Asserts the text is whole event lines only (nothing torn, anywhere) and returns them decoded. */
function wholeRecords(text: string): Array<{ id: string; ts: number }> {
  assert.ok(text === '' || text.endsWith('\n'), `the event log ends in a torn record: …${JSON.stringify(text.slice(-80))}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line, i) => {
      try {
        return new CompactDecoder().decode(line, Date.now());
      } catch {
        throw new Error(`line ${i + 1} of the event log is torn: ${line.slice(0, 120)}`);
      }
    });
}

function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 50);
    };
    tick();
  });
}

function output(child: ChildProcess): { stdout: string; stderr: string } {
  const seen = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c) => (seen.stdout += String(c)));
  child.stderr!.on('data', (c) => (seen.stderr += String(c)));
  return seen;
}

const count = (text: string, pattern: RegExp) => text.split('\n').filter((l) => pattern.test(l)).length;

describe('a full disk (ulimit -f) under the real processes', function () {
  this.timeout(60_000);

  it('the gateway keeps proxying, reports once, never tears a record, and saves the held events when space returns', async () => {
    const upstream = await new FakeUpstream().start();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-full-'));
    const port = await freePort();
    const gateway = spawn(
      'bash',
      ['-c', `ulimit -S -f ${LIMIT_KB}; exec "$0" "$@"`, process.execPath, ...gatewayArgs(port, dataDir, upstream.url)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const seen = output(gateway);
    let exited = false;
    gateway.on('exit', () => (exited = true));
    try {
      await waitFor(() => seen.stdout.includes('Press Ctrl+C'), 10_000, 'the gateway to start');
      const { secret } = JSON.parse(fs.readFileSync(path.join(dataDir, 'gateway.json'), 'utf8')) as { secret: string };
      const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/${secret}/openai/v1`, maxRetries: 0 });
      const ask = async (i: number) => {
        const answer = await openai.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: `question ${i}` }],
        });
        assert.equal(answer.choices[0].message.content, 'Hello there, this is a streamed answer.');
      };

      const REQUESTS = 30;
      for (let i = 0; i < REQUESTS; i++) await ask(i);
      assert.equal(exited, false, `the gateway died: ${seen.stderr}`);
      const whileFull = wholeRecords(segmentText(dataDir));
      assert.ok(
        whileFull.length > 0 && whileFull.length < REQUESTS,
        `expected the ${LIMIT_KB} KB limit to stop the log part way, got ${whileFull.length} of ${REQUESTS} records`,
      );
      assert.equal(count(seen.stderr, /Could not save usage to/), 1, `the failure is reported once, not per event:\n${seen.stderr}`);

      // Space returns: the held events are saved without waiting for another request.
      assert.equal(spawnSync('prlimit', ['--pid', String(gateway.pid), '--fsize=unlimited']).status, 0);
      await waitFor(() => wholeRecords(segmentText(dataDir)).length === REQUESTS, 10_000, 'the held events to be saved');
      // The notice is written after the events, and reaches this end of the pipe a moment later.
      await waitFor(() => count(seen.stderr, /Usage is being saved again/) > 0, 5000, 'the notice that usage is saved again');
      assert.equal(count(seen.stderr, /Usage is being saved again/), 1, seen.stderr);
      await ask(REQUESTS);
      await waitFor(() => wholeRecords(segmentText(dataDir)).length === REQUESTS + 1, 5000, 'the next event');

      const records = wholeRecords(segmentText(dataDir));
      assert.equal(new Set(records.map((r) => r.id)).size, REQUESTS + 1, 'every request recorded once');
      assert.deepEqual(
        records.map((r) => r.ts),
        records.map((r) => r.ts).sort((a, b) => a - b),
        'held events are saved in order, before later ones',
      );

      // kill -9 still loses nothing that reached the disk, and leaves nothing torn.
      gateway.kill('SIGKILL');
      await waitFor(() => exited, 5000, 'the gateway to die');
      const problems: string[] = [];
      const store = UsageStore.open({ dataDir, context: testContext(), onProblem: (m) => problems.push(m) });
      assert.equal(
        store.rollups.rows().reduce((n, r) => n + r.events, 0),
        REQUESTS + 1,
      );
      assert.deepEqual(problems, []);
      store.dispose();
    } finally {
      if (!exited) gateway.kill('SIGKILL');
      await upstream.stop();
    }
  });

  it('a writer holds at most MAX_HELD_EVENTS in memory, reports each kind of trouble once, and says what was lost when it closes', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-full-queue-'));
    const EVENTS = MAX_HELD_EVENTS + 2000;
    const writer = path.join(__dirname, 'fixtures/store/writer.ts');
    const r = spawnSync(
      'bash',
      ['-c', `ulimit -S -f ${LIMIT_KB}; exec "$0" "$@"`, process.execPath, '--import', 'tsx', writer, dataDir, String(EVENTS), 'q'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'done\n');
    const saved = wholeRecords(segmentText(dataDir)).length;
    assert.ok(saved > 0 && saved < EVENTS - MAX_HELD_EVENTS, `saved ${saved}`);
    assert.equal(count(r.stderr, /Could not save usage to/), 1, r.stderr);
    assert.equal(count(r.stderr, new RegExp(`${MAX_HELD_EVENTS} events are already waiting in memory`)), 1, r.stderr);
    assert.equal(count(r.stderr, new RegExp(`problem: ${MAX_HELD_EVENTS} events could not be saved to .* and are lost`)), 1, r.stderr);
  });

  it('a log import that the disk refuses writes nothing torn, exits 1, and is imported exactly once on the next run', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-full-import-'));
    const claudeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-full-claude-'));
    const t = Date.now() - 60_000;
    // Sessions small enough that the first few fit under the limit and a later one does not.
    const SESSIONS = 8;
    const PER_SESSION = 5;
    const MESSAGES = SESSIONS * PER_SESSION;
    for (let s = 0; s < SESSIONS; s++) {
      const lines = [claudeUserLine(t)];
      for (let i = 0; i < PER_SESSION; i++)
        lines.push(
          claudeAssistantLine({
            messageId: `msg_${s}_${i}`,
            ts: t + i,
            usage: { input: 10, output: 1 },
            sessionId: `0000000${s}-0000-4000-8000-000000000001`,
          }),
        );
      writeLines(path.join(claudeDir, 'projects', '-home-dev-shop', `s${s}.jsonl`), lines);
    }
    const report = (limited: boolean) =>
      spawnSync(
        'bash',
        [
          '-c',
          `${limited ? `ulimit -S -f ${LIMIT_KB}; ` : ''}exec "$0" "$@"`,
          process.execPath,
          BUILT_CLI,
          'report',
          '--json',
          '--day',
          '--time-zone',
          'UTC',
          '--data-dir',
          dataDir,
          '--claude-dir',
          claudeDir,
        ],
        { encoding: 'utf8' },
      );

    const full = report(true);
    assert.equal(full.status, 1, full.stderr);
    assert.match(full.stderr, /assistants' logs could not be imported: .*EFBIG/);
    const partial = wholeRecords(segmentText(dataDir)).length;
    assert.ok(partial > 0 && partial < MESSAGES, `expected part of the import to fit, got ${partial} of ${MESSAGES}`);

    const roomy = report(false);
    assert.equal(roomy.status, 0, roomy.stderr);
    const records = wholeRecords(segmentText(dataDir));
    assert.equal(records.length, MESSAGES, 'each message saved exactly once across both runs');
    assert.equal(new Set(records.map((r) => r.id)).size, MESSAGES);
    const today = new Date().toISOString().slice(0, 10);
    if (new Date(t).toISOString().slice(0, 10) === today) assert.equal(JSON.parse(roomy.stdout).totals.requests, MESSAGES);
  });
});
