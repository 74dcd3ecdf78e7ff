import assert from 'node:assert/strict';
import { CROSS_SOURCE_MATCH_MS } from '../../src/core/dedup/crossSourceMatcher';
import { DEDUP_WINDOW_MS } from '../../src/core/dedup/window';
import { Rollups } from '../../src/core/rollups';
import type { UsageEvent } from '../../src/core/events';
import { testContext, usageEvent } from '../support/events';
import { savedIdEntries, savedSightingEntries } from '../support/savedState';

const T = Date.UTC(2026, 8, 1, 12);

/** The same rollups after a save and a restart. */
const reopened = (rollups: Rollups) => Rollups.fromJSON(JSON.parse(JSON.stringify(rollups.toJSON())), testContext())!;

describe('de-duplication window (src/core/dedup/)', () => {
  it('counts an id once while it is within the window, over many windows, and counts a copy older than the window', () => {
    const rollups = new Rollups(testContext());
    const sent: UsageEvent[] = [];
    const every = 10 * 60_000;
    const window = DEDUP_WINDOW_MS / every;
    let counted = 0;
    for (let i = 0; i < 5 * window; i++) {
      const e = usageEvent({ ts: T + i * every, inputTokens: 1000 + i });
      sent.push(e);
      assert.equal(rollups.add(e), true);
      counted++;
      // A copy of the request sent six days ago (a second window reading the same log): the same request.
      if (i >= window - 144) assert.equal(rollups.add({ ...sent[i - (window - 144)] }), false, `copy of event ${i - (window - 144)}`);
      // A copy of one from eight days ago, further back than anything is remembered: counted again.
      if (i >= window + 144) {
        assert.equal(rollups.add({ ...sent[i - (window + 144)] }), true, `copy of event ${i - (window + 144)}`);
        counted++;
      }
    }
    assert.equal(
      rollups.rows().reduce((sum, row) => sum + row.events, 0),
      counted,
    );
  });

  it('gives a copy older than the window the same verdict whether or not the rollups were saved in between', () => {
    const first = usageEvent({ ts: T });
    const later = (rollups: Rollups) => {
      rollups.add(first);
      for (let hour = 1; hour <= 8 * 24; hour++) rollups.add(usageEvent({ ts: T + hour * 3600_000, inputTokens: hour }));
      return rollups;
    };
    const kept = later(new Rollups(testContext()));
    const restarted = reopened(later(new Rollups(testContext())));
    assert.equal(restarted.add({ ...first }), true, 'eight days on, the id is forgotten after a restart');
    assert.equal(kept.add({ ...first }), true, 'and without one');
  });

  it('pairs a cross-source twin the same way whether or not the rollups were saved in between', () => {
    const seen = (patch: Partial<UsageEvent>) =>
      usageEvent({ provider: 'openai', model: 'gpt-5-codex', inputTokens: 800, outputTokens: 70, cacheReadTokens: 100, ...patch });
    const later = (rollups: Rollups) => {
      rollups.add(seen({ source: 'gateway', ts: T }));
      for (let hour = 1; hour <= 8 * 24; hour++) rollups.add(usageEvent({ ts: T + hour * 3600_000, inputTokens: hour }));
      return rollups;
    };
    // A Codex log line read late (a first scan of old logs) for a request the gateway saw eight days before the newest event.
    const codexLate = seen({ source: 'codex', ts: T + 30_000 });
    assert.equal(reopened(later(new Rollups(testContext()))).add(codexLate), true, 'after a restart');
    assert.equal(later(new Rollups(testContext())).add({ ...codexLate }), true, 'without one');

    const recent = new Rollups(testContext());
    recent.add(seen({ source: 'gateway', ts: T }));
    recent.add(usageEvent({ ts: T + DEDUP_WINDOW_MS - 60_000 }));
    assert.equal(recent.add(seen({ source: 'codex', ts: T + 30_000 })), false, 'still within the window: paired');
  });

  it('pairs the earliest unpaired sighting within the window, one to one, across a restart', () => {
    const seen = (source: string, ts: number) =>
      usageEvent({ source, ts, provider: 'anthropic', model: 'claude-sonnet-4-5', inputTokens: 5, outputTokens: 7, cacheWriteTokens: 3 });
    const rollups = new Rollups(testContext());
    assert.equal(rollups.add(seen('gateway', T)), true);
    assert.equal(rollups.add(seen('gateway', T + 100_000)), true);
    assert.equal(rollups.add(seen('gateway', T + 200_000)), true);
    const restored = reopened(rollups);
    // Both of the first two are within two minutes of T + 100 s: the earlier one is taken, so the
    // next log line, at T + 210 s, finds only the later ones.
    assert.equal(restored.add(seen('claude-code', T + 100_000)), false);
    assert.equal(restored.add(seen('claude-code', T + 210_000)), false, 'pairs with T + 100 s');
    assert.equal(restored.add(seen('claude-code', T + 215_000)), false, 'pairs with T + 200 s');
    assert.equal(restored.add(seen('claude-code', T + 216_000)), true, 'nothing left');
    assert.equal(
      restored.rows().reduce((sum, row) => sum + row.events, 0),
      4,
    );
  });

  it('pairs a sighting once: a third source finds nothing left, before and after a restart', () => {
    const seen = (source: string, ts: number) => usageEvent({ source, ts, model: 'claude-sonnet-4-5', inputTokens: 11, outputTokens: 13 });
    const rollups = new Rollups(testContext());
    assert.equal(rollups.add(seen('gateway', T)), true);
    assert.equal(rollups.add(seen('claude-code', T + 1000)), false, 'pairs with the gateway sighting');
    assert.equal(rollups.add(seen('copilot-chat', T + 2000)), true, 'the gateway sighting is taken');
    const restored = reopened(rollups);
    assert.equal(restored.add(seen('codex', T + 3000)), false, 'pairs with the Copilot sighting');
    assert.equal(restored.add(seen('api', T + 4000)), true);
    assert.equal(restored.add(seen('gateway', T + 5000)), false, 'pairs with the last one');
    assert.deepEqual(savedSightingEntries(restored.toJSON()), []);
  });

  it('reads de-duplication state saved by the version before (cross-source keys as text)', () => {
    const fresh = new Rollups(testContext()).toJSON();
    const saved = {
      ...fresh,
      recentMatches: [['openai\u0000gpt-5-codex\u0000800\u000070\u0000100\u00000', T, 'gateway']],
      recentIds: [['gateway:abc', T]],
    };
    const restored = Rollups.fromJSON(JSON.parse(JSON.stringify(saved)), testContext())!;
    const codex = usageEvent({
      source: 'codex',
      ts: T + CROSS_SOURCE_MATCH_MS,
      provider: 'openai',
      model: 'gpt-5-codex-2026-01-01',
      inputTokens: 800,
      outputTokens: 70,
      cacheReadTokens: 100,
    });
    assert.equal(restored.add(codex), false, 'pairs with the saved gateway sighting');
    assert.equal(restored.add(usageEvent({ id: 'gateway:abc', ts: T })), false, 'the saved id is remembered');
    assert.deepEqual(savedSightingEntries(restored.toJSON()), [], 'the saved sighting was taken');
  });

  it('keeps keys apart that differ in one count only, and keeps what a restart saved', () => {
    const rollups = new Rollups(testContext());
    const counts = [0, 1, 2, 3];
    for (const a of counts)
      for (const b of counts)
        for (const c of counts)
          for (const d of counts)
            rollups.add(usageEvent({ source: 'gateway', ts: T, inputTokens: a, outputTokens: b, cacheReadTokens: c, cacheWriteTokens: d }));
    const restored = reopened(rollups);
    assert.equal(savedSightingEntries(restored.toJSON()).length, 256);
    for (const a of counts)
      for (const b of counts)
        for (const c of counts)
          for (const d of counts)
            assert.equal(
              restored.add(
                usageEvent({ source: 'codex', ts: T + 1, inputTokens: a, outputTokens: b, cacheReadTokens: c, cacheWriteTokens: d }),
              ),
              false,
              `${a} ${b} ${c} ${d}`,
            );
    assert.deepEqual(savedSightingEntries(restored.toJSON()), []);
  });
});

describe('de-duplication on random streams (src/core/dedup/)', () => {
  /** A seeded generator (a linear congruential one), so a failure can be replayed. */
  const random = (seed: number) => () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };

  /**
   * Requests with repeated ids, cross-source twins near and far, identical counts from one source,
   * late arrivals from up to two windows back, and ids outside ASCII.
   */
  function stream(seed: number, length: number): UsageEvent[] {
    const next = random(seed);
    const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
    const sources = ['gateway', 'codex', 'claude-code', 'api'];
    const models = ['gpt-5-codex', 'gpt-5-codex-2026-01-01', 'claude-sonnet-4-5', 'gemini-2.5-pro'];
    const step = pick([1000, 60_000, 600_000, 3 * 3600_000]);
    const countRange = pick([2, 5, 50, 100_000]);
    const sent: UsageEvent[] = [];
    let t = T;
    for (let i = 0; i < length; i++) {
      t += Math.floor(next() * step * 2);
      const roll = next();
      if (roll < 0.15 && sent.length > 0) sent.push({ ...pick(sent.slice(-500)) });
      else if (roll < 0.2 && sent.length > 0) sent.push({ ...pick(sent) });
      else if (roll < 0.4 && sent.length > 0) {
        const twin = pick(sent.slice(-200));
        sent.push({ ...twin, id: `twin-${i}`, source: pick(sources), ts: twin.ts + Math.floor((next() - 0.5) * 300_000) });
      } else
        sent.push(
          usageEvent({
            id: `${next() < 0.01 ? 'ü\ud800' : 'id'}-${i}`,
            ts: next() < 0.1 ? t - Math.floor(next() * 2 * DEDUP_WINDOW_MS) : t,
            source: pick(sources),
            model: pick(models),
            inputTokens: Math.floor(next() * countRange),
            outputTokens: Math.floor(next() * countRange),
            cacheReadTokens: Math.floor(next() * 3),
            cacheWriteTokens: Math.floor(next() * 2),
          }),
        );
    }
    return sent;
  }

  it('gives every event the same verdict whether or not the rollups were saved and reopened in between', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const events = stream(seed, 6000);
      const kept = new Rollups(testContext());
      let reopenedEach = new Rollups(testContext());
      const next = random(seed * 7919);
      let repeats = 0;
      events.forEach((e, i) => {
        if (next() < 0.002) reopenedEach = reopened(reopenedEach);
        const counted = kept.add({ ...e });
        assert.equal(reopenedEach.add({ ...e }), counted, `seed ${seed}, event ${i}`);
        if (!counted) repeats++;
      });
      assert.ok(repeats > events.length / 10, `seed ${seed}: the stream repeats requests (${repeats})`);
      assert.deepEqual(sortedState(reopened(reopenedEach)), sortedState(kept), `seed ${seed}: the same state is saved`);
    }
  });

  /** What the rollups save of de-duplication, in an order that does not depend on table layout. */
  function sortedState(rollups: Rollups) {
    const saved = rollups.toJSON();
    const sorted = (entries: unknown[]) => entries.map((entry) => JSON.stringify(entry)).sort();
    return { recentIds: sorted(savedIdEntries(saved)), recentMatches: sorted(savedSightingEntries(saved)) };
  }
});
