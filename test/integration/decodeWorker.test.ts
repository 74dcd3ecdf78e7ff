import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { validateUsageEvent, type UsageEvent } from '../../src/core/events';
import { resolveSettings, rollupContextFor, type RawSettings } from '../../src/core/settings';
import { DecodeHere, DecodePool } from '../../src/store/decodePool';
import { encodeCompact, type ChunkTally, type SegmentFormat } from '../../src/store/eventCodec';
import { EVENTS_DIR, SegmentReader, type SegmentReaderOptions } from '../../src/store/eventLog';
import type { RecountInput, RecountMessage } from '../../src/store/recountWorker';
import { UsageStore } from '../../src/store/usageStore';
import { OPTIONAL_EVENT_FIELDS, testContext } from '../support/events';

// Reads the event log with the built decode worker (`npm run build` first), against reading it on one thread.
const DECODE_WORKER = path.resolve(__dirname, '../../dist/decodeWorker.js');
const CLI = path.resolve(__dirname, '../../dist/cli.js');
const RECOUNT_WORKER = path.resolve(__dirname, '../../dist/recountWorker.js');
const NOW = Date.UTC(2026, 10, 25, 12);
const HOST = os.hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'host';
const MODELS = ['claude-sonnet-4-5', 'gpt-4o', 'odd\tmodel\\name\nnext', 'модель-🚀', 'gemini-2.5-pro'];
const PROJECTS = [undefined, 'web', 'ünï ✓ \\t\r', 'données', 'api'];

/** The i-th event: every optional field present in some events and absent in others, with escapes and non-ASCII. */
function sampleEvent(i: number): UsageEvent {
  const model = MODELS[i % MODELS.length];
  return validateUsageEvent(
    {
      id: i % 7 === 0 ? `id-${i}\twith\\escapes\nand ü` : `id-${i}-ключ`,
      ts: NOW - 40 * 86400_000 + (i % 3000) * 997_000,
      source: ['gateway', 'claude-code', 'codex'][i % 3],
      provider: model.startsWith('gpt') ? 'openai' : 'anthropic',
      model,
      inputTokens: 1000 + (i % 5000),
      outputTokens: 200 + (i % 900),
      cacheReadTokens: (i % 3) * 4000,
      cacheWriteTokens: i % 4 === 0 ? 2000 : 0,
      cacheWrite1hTokens: i % 8 === 0 ? 500 : undefined,
      reasoningTokens: i % 5 === 0 ? 100 : 0,
      estimated: i % 6 === 0,
      project: PROJECTS[i % PROJECTS.length],
      serviceTier: i % 9 === 0 ? 'flex' : undefined,
      reportedCostUsd: i % 10 === 0 ? 0.000123 * (i % 97) : undefined,
      requestId: i % 2 === 0 ? `req_${i}_ä` : undefined,
      promptFingerprint: i % 3 === 0 ? `fp:${(i * 2654435761) % 4294967296}abcdef` : undefined,
      latencyMs: i % 4 === 1 ? 100 + i : undefined,
      status: i % 11 === 0 ? 429 : i % 4 === 1 ? 200 : undefined,
    },
    NOW,
  );
}

/** Malformed lines, each with its own problem, mixed in among the good ones. */
const MALFORMED_COMPACT = [
  'only\tthree\tfields',
  `bad-escape\\q\t${NOW}\tapi\topenai\tgpt-4o\t1\t1\t0\t0\t0\t0`,
  `bad-count\t${NOW}\tapi\topenai\tgpt-4o\t1x\t1\t0\t0\t0\t0`,
  `future\t${NOW + 3 * 86400_000}\tapi\topenai\tgpt-4o\t1\t1\t0\t0\t0\t0`,
];
const MALFORMED_JSON = ['{not json', '{"source":"api","id":"x"}', '[1,2]'];

function segmentName(day: string, pid: number, tag: string, format: SegmentFormat): string {
  return `${day}_${HOST}_${pid}_${tag}${format === 'compact' ? '.ev1' : '.jsonl'}`;
}

/** A process id that is certainly not running (a child that has exited). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

/**
 * Segment texts: two compact ones and a JSON one with malformed lines among every few hundred good
 * ones (and empty lines), one ending in a torn record of a dead writer, one in a record still being
 * written by a live one (this process).
 */
function writeSegments(eventsDir: string, events: number): { pending: { name: string; rest: string } } {
  fs.mkdirSync(eventsDir, { recursive: true });
  const lines = (from: number, to: number, format: SegmentFormat) => {
    let text = '';
    for (let i = from; i < to; i++) {
      const e = sampleEvent(i);
      text += `${format === 'compact' ? encodeCompact(e) : JSON.stringify(e)}\n`;
      if (i % 301 === 0) {
        const bad = format === 'compact' ? MALFORMED_COMPACT : MALFORMED_JSON;
        text += `${bad[(i / 301) % bad.length]}\n\n`;
      }
      // A count of -0, which JSON validation lets through: not to be read back as 0.
      if (format === 'json' && i === from + 501)
        text += `${JSON.stringify({ ...e, id: 'minus-zero' }).replace('"cacheReadTokens":0', '"cacheReadTokens":-0')}\n`;
    }
    return text;
  };
  const third = Math.floor(events / 3);
  const torn = encodeCompact(sampleEvent(events + 1));
  const growing = encodeCompact(sampleEvent(events + 2));
  fs.writeFileSync(path.join(eventsDir, segmentName('2026-11-10', deadPid(), 'aaaa', 'json')), lines(0, third, 'json'));
  // Not a file: reported, in its turn, between the segments before and after it.
  fs.mkdirSync(path.join(eventsDir, segmentName('2026-11-10', deadPid(), 'adir', 'compact')));
  fs.writeFileSync(
    path.join(eventsDir, segmentName('2026-11-11', deadPid(), 'bbbb', 'compact')),
    lines(third, 2 * third, 'compact') + torn.slice(0, 25),
  );
  const live = segmentName('2026-11-12', process.pid, 'cccc', 'compact');
  // Cut inside a multi-byte character of the id ("ключ"), as a write in progress may leave it.
  const cut = Buffer.from(growing).indexOf(Buffer.from('ю')) + 1;
  fs.writeFileSync(
    path.join(eventsDir, live),
    Buffer.concat([Buffer.from(lines(2 * third, events, 'compact')), Buffer.from(growing).subarray(0, cut)]),
  );
  return { pending: { name: live, rest: `${Buffer.from(growing).subarray(cut).toString('latin1')}\n` } };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tm-decode-'));
}

/**
 * The real decode worker behind a wrapper that notes each chunk it is handed (and, with dieAt, exits
 * on that one before it is decoded), and notes when it is ready to take chunks.
 */
function wrappedWorker(dir: string, { dieAt = 0, delayMs = 0 } = {}): { file: string; chunks: () => number; waitUntilReady: () => void } {
  const log = path.join(dir, 'chunks.log');
  const ready = path.join(dir, 'ready');
  const file = path.join(dir, 'wrappedDecodeWorker.js');
  fs.writeFileSync(
    file,
    `const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
let seen = 0;
workerData.port.on('message', () => {
  fs.appendFileSync(${JSON.stringify(log)}, 'chunk\\n');
  if (++seen === ${dieAt}) process.exit(1);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${delayMs});
});
require(${JSON.stringify(DECODE_WORKER)});
fs.writeFileSync(${JSON.stringify(ready)}, '');
`,
  );
  return {
    file,
    chunks: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').length - 1 : 0),
    waitUntilReady: () => waitForFile(ready),
  };
}

/** Blocks (a worker's start does not need this thread) until `file` exists. */
function waitForFile(file: string): void {
  const started = Date.now();
  while (!fs.existsSync(file)) {
    if (Date.now() - started > 30_000) throw new Error(`${file} did not appear: the worker did not start`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}

interface Read {
  events: UsageEvent[];
  problems: string[];
  eventsRead: number[];
  positions: string;
}

/** A clock at NOW whose first reading waits until the worker takes chunks (again after `rearm`). */
function readyClock(waitUntilReady: () => void): { now: () => number; rearm: () => void } {
  let waited = false;
  return {
    now: () => {
      if (!waited) waitUntilReady();
      waited = true;
      return NOW;
    },
    rearm: () => (waited = false),
  };
}

/**
 * Reads the segments twice (before and after the live writer finishes its record and adds more),
 * with the reader's clock waiting, on the first chunk, until the worker takes chunks: so every
 * chunk goes to it rather than being decoded here while it starts.
 */
function readTwice(
  eventsDir: string,
  pending: { name: string; rest: string },
  options: SegmentReaderOptions,
  waitUntilReady = () => {},
): Read {
  const problems: string[] = [];
  const events: UsageEvent[] = [];
  const clock = readyClock(waitUntilReady);
  // Each read has its own copy of the folder, named in some messages.
  const reader = new SegmentReader(eventsDir, (m) => problems.push(m.replaceAll(eventsDir, '<events>')), clock.now, options);
  const eventsRead = [reader.readNew((e) => events.push(e)).eventsRead];
  fs.appendFileSync(path.join(eventsDir, pending.name), Buffer.from(pending.rest, 'latin1'));
  fs.appendFileSync(path.join(eventsDir, pending.name), `${encodeCompact(sampleEvent(1_000_000))}\nbroken line\n`);
  clock.rearm();
  eventsRead.push(reader.readNew((e) => events.push(e)).eventsRead);
  return { events, problems, eventsRead, positions: JSON.stringify([...reader.positions].map(([name, p]) => [name, p.offset])) };
}

/** The same events (in the same key order, which deepStrictEqual ignores), counts, problems and positions. */
function assertSameRead(read: Read, plain: Read): void {
  assert.deepStrictEqual(read.events, plain.events);
  assert.equal(JSON.stringify(read.events), JSON.stringify(plain.events));
  assert.deepEqual(read.eventsRead, plain.eventsRead);
  assert.deepEqual(read.problems, plain.problems);
  assert.equal(read.positions, plain.positions);
}

function copyDir(from: string): string {
  const to = tempDir();
  fs.cpSync(from, to, { recursive: true });
  return to;
}

describe('decoding the event log on a worker thread (dist/decodeWorker.js)', function () {
  this.timeout(120_000);

  it('reads the same events, in the same order, with the same problems and positions as one thread', () => {
    const dir = tempDir();
    const { pending } = writeSegments(path.join(dir, 'events'), 6000);
    // Chunk sizes that cut lines, and the multi-byte characters in them, at many places.
    for (const chunkBytes of [4096, 65_537, 200_003]) {
      const plainDir = copyDir(dir);
      const workerDir = copyDir(dir);
      const plain = readTwice(path.join(plainDir, 'events'), pending, { chunkBytes });
      const worker = wrappedWorker(workerDir);
      const viaWorker = readTwice(
        path.join(workerDir, 'events'),
        pending,
        { chunkBytes, decodeWorker: { file: worker.file, minBytes: 0, chunksAhead: 2 } },
        worker.waitUntilReady,
      );
      assert.ok(worker.chunks() >= 3, `the worker decoded only ${worker.chunks()} chunks`);
      assertSameRead(viaWorker, plain);
    }
  });

  it('the fixture has what the test claims: every optional field, malformed lines of each kind, a torn record', () => {
    const dir = tempDir();
    const { pending } = writeSegments(path.join(dir, 'events'), 6000);
    const read = readTwice(path.join(dir, 'events'), pending, {});
    for (const field of OPTIONAL_EVENT_FIELDS) {
      assert.ok(
        read.events.some((e) => field in e),
        `no event has ${field}`,
      );
    }
    assert.ok(read.events.some((e) => e.model.includes('\t') && e.project?.includes('\\') && /[^\x00-\x7f]/.test(e.id)));
    assert.ok(Object.is(read.events.find((e) => e.id === 'minus-zero')?.cacheReadTokens, -0));
    assert.equal(read.events.at(-1)!.id, sampleEvent(1_000_000).id, 'the live writer’s record, once complete, is read');
    assert.equal(read.events.at(-2)!.id, sampleEvent(6002).id);
    const messages = read.problems.join('\n');
    assert.match(
      messages,
      /aaaa\.jsonl: skipped \d+ unreadable lines \(not JSON\)[^]*adir\.ev1 could not be read \(it is not a file\)[^]*bbbb/,
    );
    assert.match(messages, /bbbb\.ev1 ends with an incomplete record/);
    assert.match(messages, /bbbb\.ev1: skipped \d+ unreadable lines \("ts" is not a time/);
    assert.match(messages, /cccc\.ev1: skipped \d+ unreadable lines/);
  });

  it('while the worker is slow, this thread decodes later chunks itself, and still counts every chunk in its turn', () => {
    const dir = tempDir();
    const { pending } = writeSegments(path.join(dir, 'events'), 6000);
    const chunkBytes = 16_384;
    const bytes = fs
      .readdirSync(path.join(dir, 'events'))
      .reduce((n, f) => n + (fs.statSync(path.join(dir, 'events', f)).isFile() ? fs.statSync(path.join(dir, 'events', f)).size : 0), 0);
    const plain = readTwice(path.join(copyDir(dir), 'events'), pending, { chunkBytes });
    const slowDir = copyDir(dir);
    const slow = wrappedWorker(slowDir, { delayMs: 20 });
    const read = readTwice(
      path.join(slowDir, 'events'),
      pending,
      { chunkBytes, decodeWorker: { file: slow.file, minBytes: 0, chunksAhead: 6 } },
      slow.waitUntilReady,
    );
    assert.ok(slow.chunks() >= 2, `the worker decoded ${slow.chunks()} chunks`);
    assert.ok(
      slow.chunks() < bytes / chunkBytes / 2,
      `the worker decoded ${slow.chunks()} of at least ${Math.ceil(bytes / chunkBytes)} chunks`,
    );
    assertSameRead(read, plain);
  });

  it('a store rebuilt with the decode worker equals one rebuilt on one thread', () => {
    const dir = tempDir();
    writeSegments(path.join(dir, EVENTS_DIR), 30_000);
    const open = (dataDir: string, decodeWorker?: { file: string; minBytes: number; chunksAhead: number }, waitUntilReady = () => {}) => {
      const problems: string[] = [];
      const store = UsageStore.open({
        dataDir,
        context: testContext(),
        now: readyClock(waitUntilReady).now,
        onProblem: (m) => problems.push(m.replaceAll(dataDir, '<data>')),
        decodeWorker,
      });
      const sections = store.rollups.toSections();
      store.dispose();
      // The segments' positions and everything counted; not their inodes, which differ between the copies.
      return { sections, problems, snapshot: fs.readFileSync(path.join(dataDir, 'rollups.json'), 'utf8').replace(/"ino":\d+/g, '') };
    };
    const plain = open(copyDir(dir));
    const workerDir = copyDir(dir);
    const worker = wrappedWorker(workerDir);
    const viaWorker = open(workerDir, { file: worker.file, minBytes: 0, chunksAhead: 2 }, worker.waitUntilReady);
    assert.ok(worker.chunks() >= 3, `the worker decoded only ${worker.chunks()} chunks`);
    assert.ok(plain.sections.rows.length > 100);
    // Compared whole, without printing a megabyte of difference.
    assert.ok(JSON.stringify(viaWorker.sections) === JSON.stringify(plain.sections), 'the rollups differ');
    assert.ok(viaWorker.snapshot === plain.snapshot, 'rollups.json differs');
    assert.deepEqual(viaWorker.problems, plain.problems);
  });

  it('a worker that dies midway, or a worker file that is missing, leaves the same events decoded here', () => {
    const dir = tempDir();
    const { pending } = writeSegments(path.join(dir, 'events'), 6000);
    const plain = readTwice(path.join(copyDir(dir), 'events'), pending, { chunkBytes: 65_537 });
    const dyingDir = copyDir(dir);
    const dying = wrappedWorker(dyingDir, { dieAt: 3 });
    const afterDeath = readTwice(
      path.join(dyingDir, 'events'),
      pending,
      { chunkBytes: 65_537, decodeWorker: { file: dying.file, minBytes: 0, chunksAhead: 2 } },
      dying.waitUntilReady,
    );
    assert.equal(dying.chunks(), 3, 'the worker took two chunks, and died on the third');
    const missing = readTwice(path.join(copyDir(dir), 'events'), pending, {
      chunkBytes: 65_537,
      decodeWorker: { file: path.join(dir, 'no-such-worker.js'), minBytes: 0 },
    });
    for (const read of [afterDeath, missing]) {
      assertSameRead(read, plain);
    }
  });

  it('a worker that fails to start leaves every chunk to this thread, and its error to no one', async () => {
    const dir = tempDir();
    const { pending } = writeSegments(path.join(dir, 'events'), 3000);
    const plain = readTwice(path.join(copyDir(dir), 'events'), pending, { chunkBytes: 65_537 });
    const broken = path.join(dir, 'broken.js');
    fs.writeFileSync(broken, "throw new Error('this worker cannot start');\n");
    // The first chunk waits until the worker has surely failed.
    const read = readTwice(
      path.join(copyDir(dir), 'events'),
      pending,
      { chunkBytes: 65_537, decodeWorker: { file: broken, minBytes: 0 } },
      () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000),
    );
    assert.deepStrictEqual(read.events, plain.events);
    assert.deepEqual(read.problems, plain.problems);
    assert.equal(read.positions, plain.positions);
    // The worker's error arrives as an event on this thread later: with nothing to take it, it would crash the process.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  it('a worker that stops answering, or answers with a failure, is given up and its chunks are decoded here', () => {
    const dir = tempDir();
    const ready = path.join(dir, 'ready');
    const silent = path.join(dir, 'silent.js');
    const failing = path.join(dir, 'failing.js');
    // Both say they take requests (the pool's READY flag, index 1), then never decode one.
    const start = `const { workerData } = require('node:worker_threads');
const signals = new Int32Array(workerData.signals);
Atomics.store(signals, 1, 1);
require('node:fs').writeFileSync(${JSON.stringify(ready)}, '');
`;
    fs.writeFileSync(silent, `${start}workerData.port.on('message', () => {});\n`);
    fs.writeFileSync(
      failing,
      `${start}workerData.port.on('message', (r) => {
  workerData.port.postMessage({ id: r.id, outcome: 'failed', error: 'cannot' });
  Atomics.add(signals, 0, 1);
  Atomics.notify(signals, 0);
});\n`,
    );
    const chunks = [0, 1, 2, 3, 4].map((c) => {
      let text = '';
      for (let i = c * 100; i < c * 100 + 100; i++) text += `${encodeCompact(sampleEvent(i))}\n`;
      return `${text}${MALFORMED_COMPACT[c % MALFORMED_COMPACT.length]}\n`;
    });
    const decodeAll = (decoding: DecodePool | DecodeHere) => {
      const tallies: ChunkTally[] = [];
      for (const text of chunks) {
        const bytes = decoding.allocate(Buffer.byteLength(text));
        bytes.write(text);
        decoding.chunk(bytes, bytes.length, 'compact', NOW, (t) => tallies.push(t));
      }
      decoding.finish();
      decoding.dispose();
      return tallies;
    };
    const expected: UsageEvent[] = [];
    const expectedTallies = decodeAll(new DecodeHere((e) => expected.push(e)));
    for (const file of [silent, failing]) {
      fs.rmSync(ready, { force: true });
      const events: UsageEvent[] = [];
      const pool = new DecodePool(file, (e) => events.push(e), 2, 300);
      // Once the fixture is up, chunks are handed to it rather than decoded here while it starts.
      waitForFile(ready);
      assert.deepEqual(decodeAll(pool), expectedTallies, file);
      assert.deepStrictEqual(events, expected, file);
      assert.equal(pool.decodedHere, chunks.length, file);
    }
  });

  it('the CLI reads a large log with the decode worker and exits on its own, with the totals of one thread', () => {
    const dataDir = largeLog();
    const expected = UsageStore.open({ dataDir: copyDir(dataDir), context: testContext() });
    const expectedTokens = expected.rollups
      .rows()
      .reduce((n, r) => n + r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens, 0);
    expected.dispose();
    const since = new Date(Date.now() - 3 * 86400_000).toISOString().slice(0, 10);
    const run = spawnSync(process.execPath, [CLI, 'report', '--since', since, '--json', '--no-logs', '--offline', '--data-dir', dataDir], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.signal, null, 'the CLI did not exit on its own');
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { totals: { totalTokens: number } };
    assert.equal(report.totals.totalTokens, expectedTokens);
  });

  it('the bundled recount worker decodes a large log on a worker of its own, counts what one thread counts, and ends', async () => {
    const dataDir = largeLog();
    const raw: RawSettings = { values: { timeZone: 'UTC' }, sources: {} };
    const { settings } = resolveSettings(raw, 'UTC');
    const context = rollupContextFor(settings);
    const expected = UsageStore.open({ dataDir: copyDir(dataDir), context, retentionDays: settings.retentionDays });
    const workerData: RecountInput = { dataDir, raw, systemZone: 'UTC', fingerprint: context.fingerprint };
    const worker = new Worker(RECOUNT_WORKER, { workerData });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const message = await new Promise<RecountMessage>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.deepEqual(message, { type: 'done' });
    // A decode worker left running would keep the recount worker's thread alive.
    assert.equal(await exited, 0);
    const recounted = UsageStore.open({
      dataDir,
      context,
      retentionDays: settings.retentionDays,
      backgroundRecountBytes: 1,
      recountInBackground: () => Promise.reject(new Error('not expected')),
    });
    assert.equal(recounted.isRecounting, false, 'the recount was saved');
    assert.ok(JSON.stringify(recounted.rollups.toSections()) === JSON.stringify(expected.rollups.toSections()), 'the recount differs');
    recounted.dispose();
    expected.dispose();
  });
});

/** A data directory whose event log is over the 6 MB from which a read is decoded on the worker. */
function largeLog(): string {
  const dataDir = tempDir();
  const eventsDir = path.join(dataDir, EVENTS_DIR);
  fs.mkdirSync(eventsDir, { recursive: true });
  let text = '';
  for (let i = 0; i < 70_000; i++) text += `${encodeCompact({ ...sampleEvent(i), ts: Date.now() - 3600_000 - i * 1000 })}\n`;
  assert.ok(Buffer.byteLength(text) > 6 * 1024 * 1024);
  fs.writeFileSync(path.join(eventsDir, segmentName(new Date().toISOString().slice(0, 10), deadPid(), 'dddd', 'compact')), text);
  return dataDir;
}
