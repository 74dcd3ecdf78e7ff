import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LeaderLock } from '../../src/store/leaderLock';

const LOCK_MODULE = path.resolve(__dirname, '../../src/store/leaderLock.ts');

/**
 * A process that loads the lock, says `ready`, waits for a byte on stdin, tries to take the lock,
 * says whether it did (and leaves a `.done` file beside the lock), and holds it a while. A `slow`
 * one, once it has judged the lock stale, waits to take its turn at the takeover (or to remove or
 * rename the lock) until another contender is done, as a process descheduled between judging and
 * acting would.
 */
function contender(
  lockFile: string,
  slow = false,
  /** `doneFile`: what this one leaves when done; `putBackWaitsFor`: a slow one putting a lock back waits for this file. */
  { doneFile = `${lockFile}.done`, putBackWaitsFor = '' } = {},
): { ready: Promise<void>; go(): void; result: Promise<string> } {
  const script = `
    const fs = require('node:fs');
    const lockFile = ${JSON.stringify(lockFile)};
    const putBackWaitsFor = ${JSON.stringify(putBackWaitsFor)};
    if (${slow}) {
      const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      const waitForOther = () => { for (let i = 0; i < 1000 && !fs.existsSync(lockFile + '.done'); i++) sleep(10); };
      for (const name of ['rmSync', 'renameSync', 'writeFileSync']) {
        const original = fs[name];
        fs[name] = (target, ...rest) => {
          if (target === lockFile || target === lockFile + '.takeover') waitForOther();
          return original(target, ...rest);
        };
      }
      if (putBackWaitsFor) {
        const originalLink = fs.linkSync;
        fs.linkSync = (from, to) => {
          if (to === lockFile) for (let i = 0; i < 1000 && !fs.existsSync(putBackWaitsFor); i++) sleep(10);
          return originalLink(from, to);
        };
      }
    }
    const { LeaderLock } = require(${JSON.stringify(LOCK_MODULE)});
    process.stdout.write('ready;');
    fs.readSync(0, Buffer.alloc(1));
    const lock = LeaderLock.tryAcquire(lockFile);
    process.stdout.write(lock ? 'won' : 'lost');
    if (!${slow}) fs.writeFileSync(${JSON.stringify(doneFile)}, '');
    setTimeout(() => process.exit(0), 1500);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (out.startsWith('ready;')) markReady();
  });
  const result = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve(out.replace('ready;', '')));
  });
  return { ready, go: () => child.stdin.end('g'), result };
}

/** Starts the contenders at once, when every one of them has loaded, and gives their answers. */
async function race(contenders: Array<ReturnType<typeof contender>>): Promise<string[]> {
  await Promise.all(contenders.map((c) => c.ready));
  for (const c of contenders) c.go();
  return Promise.all(contenders.map((c) => c.result));
}

function staleLock(lockFile: string): void {
  fs.writeFileSync(lockFile, JSON.stringify({ pid: 1, host: 'another-machine', since: 0 }));
  const old = new Date(Date.now() - 120_000);
  fs.utimesSync(lockFile, old, old);
}

describe('leader lock under contention (real processes)', function () {
  this.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-lock-race-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lets one waiter take over a stale lock when another was descheduled between judging it stale and removing it', async () => {
    const lockFile = path.join(dir, 'slow.lock');
    staleLock(lockFile);
    // The slow one goes first, so it has judged the lock stale before the other takes it over.
    const slow = contender(lockFile, true);
    const fast = contender(lockFile);
    await Promise.all([slow.ready, fast.ready]);
    slow.go();
    await new Promise((resolve) => setTimeout(resolve, 300));
    fast.go();
    assert.deepEqual([await fast.result, await slow.result], ['won', 'lost']);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.stale')),
      [],
      'nothing is left aside',
    );
  });

  it('lets exactly one of many waiters take over a stale lock, round after round', async () => {
    for (let round = 0; round < 3; round++) {
      const lockFile = path.join(dir, `round-${round}.lock`);
      staleLock(lockFile);
      const results = await race(Array.from({ length: 6 }, () => contender(lockFile)));
      fs.rmSync(`${lockFile}.done`, { force: true });
      assert.equal(results.filter((r) => r === 'won').length, 1, `round ${round}: ${results.join(', ')}`);
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.endsWith('.stale') || f.endsWith('.takeover')),
        [],
        'nothing is left aside, and no takeover turn is left held',
      );
    }
  });

  it('clears a takeover turn abandoned by a process that died in it, and then lets a waiter take over', () => {
    const lockFile = path.join(dir, 'abandoned.lock');
    staleLock(lockFile);
    fs.writeFileSync(`${lockFile}.takeover`, 'a process that died');
    assert.equal(LeaderLock.tryAcquire(lockFile), undefined, 'a fresh turn is somebody taking over now');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(`${lockFile}.takeover`, old, old);
    assert.equal(LeaderLock.tryAcquire(lockFile), undefined, 'this attempt clears the abandoned turn');
    const lock = LeaderLock.tryAcquire(lockFile);
    assert.ok(lock?.held, 'the next one takes over');
    lock.release();
    assert.ok(!fs.existsSync(`${lockFile}.takeover`));
  });

  it('never lets a third waiter in while a waiter that misjudged a fresh lock puts it back', async () => {
    const lockFile = path.join(dir, 'put-back.lock');
    staleLock(lockFile);
    const thirdDone = `${lockFile}.third-done`;
    // The slow one has judged the lock stale; the first takes it over meanwhile. If the slow one then
    // moved the fresh lock aside to check it, the path would be empty until it put it back, and the
    // third would create its own lock there: two holders.
    const slow = contender(lockFile, true, { putBackWaitsFor: thirdDone });
    const first = contender(lockFile);
    const third = contender(lockFile, false, { doneFile: thirdDone });
    await Promise.all([slow.ready, first.ready, third.ready]);
    slow.go();
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.go();
    // The first holds the lock while it lives (1.5 s); the third tries while it does.
    for (let i = 0; i < 500 && !fs.existsSync(`${lockFile}.done`); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));
    third.go();
    assert.deepEqual([await first.result, await slow.result, await third.result], ['won', 'lost', 'lost'], 'one holder: the first');
  });

  it('steps down at its next heartbeat when the file names another holder', async () => {
    const lockFile = path.join(dir, 'taken.lock');
    let lost = 0;
    const lock = LeaderLock.tryAcquire(lockFile, { heartbeatMs: 50, onLost: () => lost++ });
    assert.ok(lock?.held);
    fs.writeFileSync(lockFile, JSON.stringify({ pid: process.pid + 1, host: os.hostname(), since: Date.now(), id: 'someone-else' }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(lost, 1);
    assert.equal(lock.held, false);
    lock.release();
    assert.ok(fs.existsSync(lockFile), "releasing a lost lock leaves the new holder's file alone");
  });
});
