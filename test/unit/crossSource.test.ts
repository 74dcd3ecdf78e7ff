import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CROSS_SOURCE_MATCH_MS } from '../../src/core/dedup/crossSourceMatcher';
import { Rollups } from '../../src/core/rollups';
import { LeaderLock } from '../../src/store/leaderLock';
import { testContext, usageEvent } from '../support/events';

describe('cross-source matching (a request seen by two sources without a shared id)', () => {
  const T = Date.UTC(2026, 10, 23, 12);
  const seen = (patch: Parameters<typeof usageEvent>[0]) =>
    usageEvent({ provider: 'openai', model: 'gpt-5-codex', inputTokens: 800, outputTokens: 70, cacheReadTokens: 100, ts: T, ...patch });

  it('counts the second sighting from another source once, whatever came first', () => {
    for (const order of [
      ['gateway', 'codex'],
      ['codex', 'gateway'],
    ]) {
      const rollups = new Rollups(testContext());
      assert.equal(rollups.add(seen({ source: order[0] })), true);
      assert.equal(
        rollups.add(seen({ source: order[1], ts: T + 3000, model: 'gpt-5-codex-2026-01-01' })),
        false,
        'dated model name, 3 s later',
      );
      assert.equal(rollups.rows()[0].events, 1);
    }
  });

  it("pairs sightings by the model's vendor, not a client's provider label (a Codex model_provider stored before it was ignored)", () => {
    const rollups = new Rollups(testContext());
    assert.equal(rollups.add(seen({ source: 'gateway', provider: 'openai' })), true);
    assert.equal(rollups.add(seen({ source: 'codex', provider: 'my-gateway', ts: T + 2000 })), false);
  });

  it('keeps two identical requests from the same source, and a third sighting pairs with nothing', () => {
    const rollups = new Rollups(testContext());
    assert.equal(rollups.add(seen({ source: 'gateway' })), true);
    assert.equal(rollups.add(seen({ source: 'gateway', ts: T + 10 })), true);
    assert.equal(rollups.add(seen({ source: 'codex', ts: T + 20 })), false);
    assert.equal(rollups.add(seen({ source: 'codex', ts: T + 30 })), false, 'pairs with the second gateway sighting');
    assert.equal(rollups.add(seen({ source: 'codex', ts: T + 40 })), true, 'nothing left to pair with');
  });

  it('does not match across the time window or when any count differs', () => {
    const rollups = new Rollups(testContext());
    rollups.add(seen({ source: 'gateway' }));
    assert.equal(rollups.add(seen({ source: 'codex', ts: T + CROSS_SOURCE_MATCH_MS + 1 })), true);
    assert.equal(rollups.add(seen({ source: 'codex', outputTokens: 71 })), true);
  });

  it('pairs many identical events one to one, only across sources and within the window', () => {
    const rollups = new Rollups(testContext());
    const n = 20_000;
    // One identical request a second from the gateway, the Codex log seeing each 1.5 s later.
    for (let i = 0; i < n; i++) assert.equal(rollups.add(seen({ source: 'gateway', ts: T + i * 1000 })), true);
    let paired = 0;
    for (let i = 0; i < n; i++) if (!rollups.add(seen({ source: 'codex', ts: T + i * 1000 + 1500 }))) paired++;
    assert.equal(paired, n, 'every log sighting pairs with a gateway sighting');
    assert.equal(rollups.add(seen({ source: 'codex', ts: T + 500 })), true, 'all gateway sightings are taken');
    // A sighting more than the window away from every unpaired one from another source stays its own request.
    const late = T + n * 1000 + CROSS_SOURCE_MATCH_MS + 10_000;
    assert.equal(rollups.add(seen({ source: 'gateway', ts: late })), true);
    assert.equal(rollups.add(seen({ source: 'codex', ts: late - CROSS_SOURCE_MATCH_MS - 1 })), true, 'out of window, before');
    assert.equal(rollups.add(seen({ source: 'codex', ts: late + CROSS_SOURCE_MATCH_MS })), false, 'the window is inclusive');
    assert.equal(
      rollups.rows().reduce((sum, r) => sum + r.events, 0),
      n + 3,
    );

    const oneSource = new Rollups(testContext());
    for (let i = 0; i < n; i++)
      assert.equal(oneSource.add(seen({ source: 'claude-code', ts: T + i })), true, 'one source never pairs with itself');
    assert.equal(oneSource.rows()[0].events, n);
  });

  it('finds a twin in the neighbouring time slot, earlier or later, and after a snapshot', () => {
    const slotEdge = Math.ceil(T / CROSS_SOURCE_MATCH_MS) * CROSS_SOURCE_MATCH_MS;
    const rollups = new Rollups(testContext());
    rollups.add(seen({ source: 'gateway', ts: slotEdge - 1 }));
    rollups.add(seen({ source: 'gateway', ts: slotEdge + CROSS_SOURCE_MATCH_MS + 5 }));
    const restored = Rollups.fromJSON(JSON.parse(JSON.stringify(rollups.toJSON())), testContext())!;
    assert.equal(restored.add(seen({ source: 'codex', ts: slotEdge + CROSS_SOURCE_MATCH_MS - 10 })), false, 'earlier slot');
    assert.equal(restored.add(seen({ source: 'codex', ts: slotEdge + CROSS_SOURCE_MATCH_MS - 20 })), false, 'later slot');
    assert.equal(restored.add(seen({ source: 'codex', ts: slotEdge + CROSS_SOURCE_MATCH_MS - 30 })), true, 'none left');
  });

  it('survives a snapshot', () => {
    const rollups = new Rollups(testContext());
    rollups.add(seen({ source: 'gateway' }));
    const restored = Rollups.fromJSON(JSON.parse(JSON.stringify(rollups.toJSON())), testContext())!;
    assert.equal(restored.add(seen({ source: 'codex', ts: T + 1000 })), false);
  });
});

describe('leader lock', () => {
  const file = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tm-lock-')), 'logs.lock');

  it('is held by one process at a time and released for the next', () => {
    const lockFile = file();
    const first = LeaderLock.tryAcquire(lockFile);
    assert.ok(first);
    assert.equal(LeaderLock.tryAcquire(lockFile), undefined);
    assert.equal(LeaderLock.owner(lockFile)?.pid, process.pid);
    first.release();
    const second = LeaderLock.tryAcquire(lockFile);
    assert.ok(second);
    second.release();
  });

  it('is taken over from a process that died holding it', () => {
    const lockFile = file();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(lockFile, JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), since: Date.now() }));
    const lock = LeaderLock.tryAcquire(lockFile);
    assert.ok(lock, 'a dead owner does not block');
    lock.release();
  });

  it('is taken over when its owner stopped touching it', () => {
    const lockFile = file();
    fs.writeFileSync(lockFile, JSON.stringify({ pid: 1, host: 'another-machine', since: 0 }));
    assert.equal(LeaderLock.tryAcquire(lockFile, { staleMs: 60_000 }), undefined, 'fresh: respected');
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(lockFile, old, old);
    const lock = LeaderLock.tryAcquire(lockFile, { staleMs: 60_000 });
    assert.ok(lock);
    lock.release();
  });
});
