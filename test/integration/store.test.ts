import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeEventId, type UsageEvent } from '../../src/core/events';
import { CompactDecoder, encodeCompact } from '../../src/store/eventCodec';
import { SegmentReader, SegmentWriter } from '../../src/store/eventLog';
import { DATA_FILES } from '../../src/store/paths';
import { UsageStore } from '../../src/store/usageStore';
import { testContext, usageEvent } from '../support/events';
import { unpackedSnapshot } from '../support/savedState';

const WRITER = path.join(__dirname, 'fixtures/store/writer.ts');

function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tm-store-'));
}

function startWriter(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

function waitForLine(child: ChildProcess, predicate: (line: string) => boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no matching line within ${timeoutMs} ms; got: ${buffered.slice(-300)}`)), timeoutMs);
    child.stdout!.on('data', (chunk) => {
      buffered += String(chunk);
      for (const line of buffered.split('\n')) {
        if (predicate(line)) {
          clearTimeout(timer);
          resolve(line);
          return;
        }
      }
    });
  });
}

function totalEvents(store: UsageStore): number {
  return store.rollups.rows().reduce((n, r) => n + r.events, 0);
}

function eventLines(dataDir: string): string[] {
  const dir = path.join(dataDir, 'events');
  return fs.readdirSync(dir).flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean));
}

describe('usage store (real files, real processes)', function () {
  this.timeout(60_000);

  it('counts a batch it wrote at once, without reading it back, and agrees with a store that reads it', () => {
    const dataDir = tempDataDir();
    const store = UsageStore.open({ dataDir, context: testContext() });
    const other = UsageStore.writerFor(dataDir);
    other.appendMany([usageEvent({ inputTokens: 7 })]); // another process's segment, not read yet
    store.recordCounted([usageEvent({ inputTokens: 1 }), usageEvent({ inputTokens: 2 })]);
    assert.equal(totalEvents(store), 2, 'its own batch is counted at once');
    store.recordCounted([usageEvent({ inputTokens: 3 })]);
    assert.equal(totalEvents(store), 3, 'so is the next one');
    store.refresh();
    other.close();
    assert.equal(totalEvents(store), 4, 'the other segment is read; its own batches are not read again');
    store.dispose();
    const reopened = UsageStore.open({ dataDir, context: testContext() });
    assert.equal(totalEvents(reopened), 4, 'rollups.json positions match what was counted');
    fs.rmSync(path.join(dataDir, 'rollups.json'));
    const rebuilt = UsageStore.open({ dataDir, context: testContext() });
    // Costs may differ in the last bit: a recount adds the segments up in another order.
    const exact = (rows: ReturnType<typeof rebuilt.rollups.rows>) =>
      rows.map((r) => ({
        ...r,
        costUsd: r.costUsd.toFixed(9),
        weightedCostUsd: r.weightedCostUsd.toFixed(9),
        peakCostUsd: r.peakCostUsd.toFixed(9),
      }));
    assert.deepEqual(exact(rebuilt.rollups.rows()), exact(reopened.rollups.rows()), 'a recount from the event log gives the same rollups');
    reopened.dispose();
    rebuilt.dispose();
  });

  it('counts every event from several writer processes exactly once, with no interleaved lines', async () => {
    const dataDir = tempDataDir();
    const writers = ['a', 'b', 'c', 'd'].map((prefix) => startWriter([dataDir, '2000', prefix]));
    const codes = await Promise.all(writers.map(waitForExit));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const lines = eventLines(dataDir);
    assert.equal(lines.length, 8000);
    const decoder = new CompactDecoder();
    for (const line of lines) decoder.decode(line, Date.now());
    const store = UsageStore.open({ dataDir, context: testContext() });
    assert.equal(totalEvents(store), 8000);
    store.dispose();
  });

  it('shows a write in one window to another window within 2 seconds', async () => {
    const dataDir = tempDataDir();
    const windowA = startWriter([dataDir, '0', 'winA', '15000']);
    const windowB = startWriter([dataDir, '0', 'winB', '15000']);
    await Promise.all([
      waitForLine(windowA, (l) => l.includes('"events":0'), 10_000),
      waitForLine(windowB, (l) => l.includes('"events":0'), 10_000),
    ]);
    const sawFive = waitForLine(windowB, (l) => l.includes('"events":5'), 2000);
    const started = Date.now();
    windowA.stdin!.write('5\n');
    await sawFive;
    const elapsed = Date.now() - started;
    assert.ok(elapsed <= 2000, `window B saw window A's events after ${elapsed} ms`);
    windowA.kill();
    windowB.kill();
  });

  it('loses no completed event when a writer is killed with SIGKILL mid-stream', async () => {
    const dataDir = tempDataDir();
    const writer = startWriter([dataDir, 'forever', 'k']);
    await waitForLine(writer, (l) => l === 'ready', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    writer.kill('SIGKILL');
    await waitForExit(writer);
    const lines = eventLines(dataDir);
    assert.ok(lines.length > 100, `the writer wrote ${lines.length} events before it was killed`);
    const problems: string[] = [];
    const store = UsageStore.open({ dataDir, context: testContext(), onProblem: (m) => problems.push(m) });
    const complete = fs
      .readdirSync(path.join(dataDir, 'events'))
      .reduce((n, f) => n + fs.readFileSync(path.join(dataDir, 'events', f), 'utf8').split('\n').length - 1, 0);
    assert.equal(totalEvents(store), complete, 'every line that ended with a newline is counted');
    assert.ok(problems.length <= 1, 'a torn tail, if any, is reported once');
    store.dispose();
  });

  it('skips a torn last line left by a dead writer, reports it once, and counts the rest', () => {
    const dataDir = tempDataDir();
    const events = path.join(dataDir, 'events');
    fs.mkdirSync(events, { recursive: true });
    // pid 2^22+1 is above Linux's pid_max, so this writer is certainly dead.
    const segment = path.join(events, `2026-11-23_${os.hostname()}_4194305_dead.jsonl`);
    const good = [usageEvent(), usageEvent()].map((e) => JSON.stringify(e)).join('\n');
    fs.writeFileSync(segment, `${good}\n{"id":"torn","ts":17`);
    const problems: string[] = [];
    const store = UsageStore.open({ dataDir, context: testContext(), onProblem: (m) => problems.push(m) });
    assert.equal(totalEvents(store), 2);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /ends with an incomplete record .* it was skipped/);
    store.record(usageEvent());
    store.refresh();
    store.refresh();
    assert.equal(totalEvents(store), 3);
    assert.equal(problems.length, 1, 'reported once, not on every refresh');
    store.dispose();
  });

  it('waits for a partial last line from a live writer, then counts it', () => {
    const dataDir = tempDataDir();
    const events = path.join(dataDir, 'events');
    fs.mkdirSync(events, { recursive: true });
    const segment = path.join(events, `2026-11-23_${os.hostname()}_${process.pid}_live.jsonl`);
    const line = JSON.stringify(usageEvent());
    fs.writeFileSync(segment, line.slice(0, 25));
    const store = UsageStore.open({ dataDir, context: testContext() });
    assert.equal(totalEvents(store), 0);
    fs.appendFileSync(segment, `${line.slice(25)}\n`);
    assert.equal(store.refresh(), true);
    assert.equal(totalEvents(store), 1);
    store.dispose();
  });

  it('skips corrupt and invalid lines in the middle, counting and reporting them once per file', () => {
    const dataDir = tempDataDir();
    const events = path.join(dataDir, 'events');
    fs.mkdirSync(events, { recursive: true });
    const lines = [
      JSON.stringify(usageEvent()),
      'garbage{',
      JSON.stringify({ ...usageEvent(), inputTokens: -4 }),
      JSON.stringify(usageEvent()),
      'ünïcode ✓ not json',
    ];
    fs.writeFileSync(path.join(events, 'seed.jsonl'), `${lines.join('\n')}\n`);
    const problems: string[] = [];
    const store = UsageStore.open({ dataDir, context: testContext(), onProblem: (m) => problems.push(m) });
    assert.equal(totalEvents(store), 2);
    assert.deepEqual(problems.length, 1);
    assert.match(problems[0], /events\/seed\.jsonl: skipped 3 unreadable lines/);
    store.dispose();
  });

  it('rebuilds identical totals when the snapshot is missing, corrupt or made under other settings', () => {
    const dataDir = tempDataDir();
    const store = UsageStore.open({ dataDir, context: testContext() });
    for (let i = 0; i < 50; i++)
      store.record(usageEvent({ ts: Date.UTC(2026, 10, 20 + (i % 3), 9 + (i % 2)), model: i % 5 ? 'gpt-4o' : 'mystery' }));
    store.refresh();
    const expected = store.rollups.rows();
    store.dispose();
    assert.ok(fs.existsSync(path.join(dataDir, 'rollups.json')));
    const reopen = () => {
      const s = UsageStore.open({ dataDir, context: testContext() });
      const rows = s.rollups.rows();
      s.dispose();
      return rows;
    };
    assert.deepEqual(reopen(), expected, 'from the snapshot');
    fs.rmSync(path.join(dataDir, 'rollups.json'));
    assert.deepEqual(reopen(), expected, 'rebuilt after deletion');
    assert.ok(fs.existsSync(path.join(dataDir, 'rollups.json')), 'the rebuilt totals are saved, so the next start need not recount');
    fs.writeFileSync(path.join(dataDir, 'rollups.json'), '{"version":1,"segm');
    assert.deepEqual(reopen(), expected, 'rebuilt after corruption');
    const paris = UsageStore.open({ dataDir, context: testContext('Pacific/Kiritimati') });
    assert.notDeepEqual(
      paris.rollups
        .rows()
        .map((r) => r.day)
        .sort(),
      expected.map((r) => r.day).sort(),
      'a new zone recounts days',
    );
    paris.dispose();
  });

  it('de-duplicates the same request recorded by two processes', () => {
    const dataDir = tempDataDir();
    const one = UsageStore.open({ dataDir, context: testContext() });
    const two = UsageStore.open({ dataDir, context: testContext() });
    const e = usageEvent({ id: makeEventId('anthropic', 'msg_01') });
    one.record(e);
    two.record({ ...e, source: 'claude-code' });
    one.refresh();
    two.refresh();
    assert.equal(totalEvents(one), 1);
    assert.equal(totalEvents(two), 1);
    one.dispose();
    two.dispose();
  });

  it('prunes segments and days older than the retention period', () => {
    const dataDir = tempDataDir();
    const events = path.join(dataDir, 'events');
    fs.mkdirSync(events, { recursive: true });
    fs.writeFileSync(
      path.join(events, `2026-01-02_${os.hostname()}_1_old.jsonl`),
      `${JSON.stringify(usageEvent({ ts: Date.UTC(2026, 0, 2) }))}\n`,
    );
    fs.writeFileSync(
      path.join(events, `2026-11-20_${os.hostname()}_1_new.jsonl`),
      `${JSON.stringify(usageEvent({ ts: Date.UTC(2026, 10, 20) }))}\n`,
    );
    const store = UsageStore.open({ dataDir, context: testContext(), retentionDays: 30, now: () => Date.UTC(2026, 10, 23) });
    assert.deepEqual(fs.readdirSync(events), [`2026-11-20_${os.hostname()}_1_new.jsonl`]);
    assert.deepEqual(
      store.rollups.rows().map((r) => r.day),
      ['2026-11-20'],
    );
    store.dispose();
  });

  it('clears all local data: the event log, the totals, prompt-hygiene findings and limit readings, keeping the gateway and log-reading state', () => {
    const dataDir = tempDataDir();
    const store = UsageStore.open({ dataDir, context: testContext() });
    store.record(usageEvent());
    store.refresh();
    const records = [`${DATA_FILES.hygieneFindings}/2026-11-23.jsonl`, DATA_FILES.hygieneFindingsLegacy, DATA_FILES.limits];
    const kept = [DATA_FILES.gateway, DATA_FILES.logsState];
    for (const name of [...records, ...kept]) {
      fs.mkdirSync(path.dirname(path.join(dataDir, name)), { recursive: true });
      fs.writeFileSync(path.join(dataDir, name), '{}\n');
    }
    store.clear();
    assert.equal(totalEvents(store), 0);
    for (const name of records) assert.equal(fs.existsSync(path.join(dataDir, name)), false, `${name} is deleted`);
    for (const name of kept) assert.equal(fs.existsSync(path.join(dataDir, name)), true, `${name} is kept`);
    store.record(usageEvent());
    store.refresh();
    assert.equal(totalEvents(store), 1, 'recording works again after clearing');
    store.dispose();
  });
});

/** A store in `dataDir` that has counted one request through the gateway, `e`, to be seen again after a restart. */
function storeWithOneRequest(dataDir: string): { store: UsageStore; e: UsageEvent } {
  const store = UsageStore.open({ dataDir, context: testContext() });
  const e = usageEvent({ source: 'gateway', provider: 'openai', model: 'gpt-4o', inputTokens: 777, outputTokens: 77 });
  store.record(e);
  store.refresh();
  return { store, e };
}

/** Records `e` again (the same id) and as a log would see it (another source and id, 5 s later), and reads them. */
function recordAgainAndFromALog(store: UsageStore, e: UsageEvent): void {
  store.record(e);
  store.record({ ...e, id: 'codex:other-id', source: 'codex', ts: e.ts + 5000 });
  store.refresh();
}

describe('event log formats: compact .ev1 segments, JSON .jsonl segments from earlier versions', () => {
  const dead = (name: string, ext: string) => `2026-11-23_${os.hostname()}_4194305_${name}${ext}`;
  const exact = (rows: ReturnType<UsageStore['rollups']['rows']>) =>
    rows
      .map((r) => ({
        ...r,
        costUsd: r.costUsd.toFixed(9),
        weightedCostUsd: r.weightedCostUsd.toFixed(9),
        peakCostUsd: r.peakCostUsd.toFixed(9),
      }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const sample = () =>
    Array.from({ length: 60 }, (_, i) =>
      usageEvent({
        ts: Date.UTC(2026, 10, 20 + (i % 3), 8 + (i % 3)),
        source: ['api', 'codex', 'gateway'][i % 3],
        model: i % 4 ? 'gpt-4o' : 'claude-sonnet-4-5',
        inputTokens: 100 + i,
        project: i % 2 ? 'web' : undefined,
        ...(i % 5 === 0 ? { requestId: `req-${i}`, latencyMs: 300 + i, status: 200 } : {}),
      }),
    );

  it('writes compact lines, and counts an old JSON log, a compact log and a mix of both to identical totals', () => {
    const events = sample();
    const jsonDir = tempDataDir();
    fs.mkdirSync(path.join(jsonDir, 'events'));
    fs.writeFileSync(path.join(jsonDir, 'events', dead('old', '.jsonl')), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const compactDir = tempDataDir();
    const writer = UsageStore.writerFor(compactDir);
    writer.appendMany(events);
    writer.close();
    const written = fs.readdirSync(path.join(compactDir, 'events'));
    assert.equal(written.length, 1);
    assert.match(written[0], /\.ev1$/);
    assert.equal(fs.statSync(path.join(compactDir, 'events', written[0])).mode & 0o777, 0o600);
    const mixedDir = tempDataDir();
    fs.mkdirSync(path.join(mixedDir, 'events'));
    fs.writeFileSync(
      path.join(mixedDir, 'events', dead('old', '.jsonl')),
      events
        .slice(0, 25)
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
    );
    // The same requests again (as a second window would record them) are counted once.
    fs.writeFileSync(
      path.join(mixedDir, 'events', dead('new', '.ev1')),
      events
        .slice(20)
        .map((e) => `${encodeCompact(e)}\n`)
        .join(''),
    );
    const totals = [jsonDir, compactDir, mixedDir].map((dataDir) => {
      const problems: string[] = [];
      const store = UsageStore.open({ dataDir, context: testContext(), onProblem: (m) => problems.push(m) });
      assert.deepEqual(problems, []);
      assert.equal(totalEvents(store), events.length);
      const rows = exact(store.rollups.rows());
      store.dispose();
      return rows;
    });
    assert.deepEqual(totals[1], totals[0]);
    assert.deepEqual(totals[2], totals[0]);
  });

  it('skips a torn last compact line left by a dead writer, and reports a corrupt line once with its field, counting the rest', () => {
    const dataDir = tempDataDir();
    const events = path.join(dataDir, 'events');
    fs.mkdirSync(events);
    const lines = sample()
      .slice(0, 5)
      .map((e) => encodeCompact(e));
    const corrupt = lines[2].split('\t');
    corrupt[6] = 'many';
    lines[2] = corrupt.join('\t');
    fs.writeFileSync(path.join(events, dead('torn', '.ev1')), `${lines.join('\n')}\n${lines[0].slice(0, 30)}`);
    const problems: string[] = [];
    const store = UsageStore.open({ dataDir, context: testContext(), onProblem: (m) => problems.push(m) });
    assert.equal(totalEvents(store), 4);
    assert.equal(problems.length, 2, problems.join(' | '));
    assert.ok(problems.some((p) => /ends with an incomplete record .* it was skipped/.test(p)));
    assert.ok(problems.some((p) => /torn\.ev1: skipped 1 unreadable line \("outputTokens" must be a whole number/.test(p)));
    store.refresh();
    assert.equal(problems.length, 2, 'reported once, not on every refresh');
    store.dispose();
  });

  it('opens a version 2 rollups.json (one JSON object) as it is, without recounting', () => {
    const dataDir = tempDataDir();
    const store = UsageStore.open({ dataDir, context: testContext() });
    store.recordCounted(sample());
    const expected = exact(store.rollups.rows());
    const positions = Object.fromEntries(
      fs.readdirSync(path.join(dataDir, 'events')).map((name) => {
        const stat = fs.statSync(path.join(dataDir, 'events', name));
        return [name, { offset: stat.size, ino: stat.ino }];
      }),
    );
    // What version 2 saved; its rows are doubled so that a recount would show.
    const snapshot = unpackedSnapshot(store.rollups.toJSON());
    store.dispose();
    const doubled = snapshot.rows.map((r) => ({ ...r, events: r.events * 2 }));
    fs.writeFileSync(
      path.join(dataDir, 'rollups.json'),
      JSON.stringify({ version: 2, segments: positions, rollups: { ...snapshot, rows: doubled } }),
    );
    const reopened = UsageStore.open({ dataDir, context: testContext() });
    assert.equal(totalEvents(reopened), 2 * 60, 'the saved totals were used');
    reopened.dispose();
    fs.rmSync(path.join(dataDir, 'rollups.json'));
    const recounted = UsageStore.open({ dataDir, context: testContext() });
    assert.deepEqual(exact(recounted.rollups.rows()), expected);
    recounted.dispose();
    const saved = fs.readFileSync(path.join(dataDir, 'rollups.json'), 'utf8').split('\n');
    assert.equal(saved.length, 4, 'version 4: the rows, then three sections a line each');
    assert.equal(JSON.parse(saved[0]).version, 4);
  });

  it('opens a version 3 rollups.json (de-duplication state as JSON lists) without recounting, and keeps its state', () => {
    const dataDir = tempDataDir();
    const { store, e } = storeWithOneRequest(dataDir);
    const legacy = unpackedSnapshot(store.rollups.toJSON());
    store.dispose();
    // What version 3 saved: the same first line, then the sections as lists; the rows doubled so that a recount would show.
    const head = JSON.parse(fs.readFileSync(path.join(dataDir, 'rollups.json'), 'utf8').split('\n')[0]) as {
      version: number;
      rows: number[][];
    };
    head.version = 3;
    head.rows = head.rows.map((row) => row.map((value, i) => (i === 5 ? value * 2 : value)));
    fs.writeFileSync(
      path.join(dataDir, 'rollups.json'),
      [head, legacy.recentIds, legacy.recentMatches, legacy.activity].map((part) => JSON.stringify(part)).join('\n'),
    );
    const reopened = UsageStore.open({ dataDir, context: testContext() });
    assert.equal(totalEvents(reopened), 2, 'the saved totals were used');
    recordAgainAndFromALog(reopened, e);
    assert.equal(totalEvents(reopened), 2, 'both were known from the saved state');
    assert.equal(reopened.rollups.activity.series('openai').length, 1);
    reopened.dispose();
  });

  it('restores the de-duplication state from rollups.json when new events come after a restart', () => {
    const dataDir = tempDataDir();
    const { store: first, e } = storeWithOneRequest(dataDir);
    first.dispose();
    const second = UsageStore.open({ dataDir, context: testContext() });
    recordAgainAndFromALog(second, e);
    assert.equal(totalEvents(second), 1);
    assert.equal(second.rollups.activity.series('openai').length, 1);
    second.dispose();
  });
});

describe('event log reader: a failing consumer is a bug, not an unreadable line', () => {
  it("lets the consumer's exception through instead of counting the event as malformed, and reads the rest next time", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-reader-'));
    const writer = new SegmentWriter(path.join(dir, 'events'));
    writer.append(usageEvent({ id: 'first' }));
    writer.append(usageEvent({ id: 'second' }));
    writer.close();
    const problems: string[] = [];
    const reader = new SegmentReader(path.join(dir, 'events'), (message) => problems.push(message));
    assert.throws(
      () =>
        reader.readNew(() => {
          throw new TypeError('rollups broke');
        }),
      /rollups broke/,
    );
    assert.deepEqual(problems, [], 'nothing was reported as unreadable');
    const seen: string[] = [];
    reader.readNew((e) => seen.push(e.id));
    assert.ok(seen.includes('second'), `the events are still there to be read: ${seen.join(', ')}`);
  });
});
