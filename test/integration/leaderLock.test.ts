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
 * one, once it has judged the lock stale, waits to remove or rename it until another contender is
 * done, as a process descheduled between judging and acting would.
 */
function contender(lockFile: string, slow = false): { ready: Promise<void>; go(): void; result: Promise<string> } {
  const script = `
    const fs = require('node:fs');
    const lockFile = ${JSON.stringify(lockFile)};
    if (${slow}) {
      const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      const waitForOther = () => { for (let i = 0; i < 1000 && !fs.existsSync(lockFile + '.done'); i++) sleep(10); };
      for (const name of ['rmSync', 'renameSync']) {
        const original = fs[name];
        fs[name] = (target, ...rest) => { if (target === lockFile) waitForOther(); return original(target, ...rest); };
      }
    }
    const { LeaderLock } = require(${JSON.stringify(LOCK_MODULE)});
    process.stdout.write('ready;');
    fs.readSync(0, Buffer.alloc(1));
    const lock = LeaderLock.tryAcquire(lockFile);
    process.stdout.write(lock ? 'won' : 'lost');
    if (!${slow}) fs.writeFileSync(lockFile + '.done', '');
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
        fs.readdirSync(dir).filter((f) => f.endsWith('.stale')),
        [],
        'nothing is left aside',
      );
    }
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
