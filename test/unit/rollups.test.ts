import * as assert from 'node:assert/strict';
import { Rollups } from '../../src/core/rollups';
import { totalTokens } from '../../src/core/events';
import { testContext, usageEvent } from '../support/events';

describe('rollups', () => {
  it('sums every token kind and cost per day, model, source and project', () => {
    const r = new Rollups(testContext());
    // Prompts under Sonnet 4.5's 200K long-context threshold, so at the base rates: $3 in, $15 out, $0.30 cached.
    r.add(usageEvent({ inputTokens: 100_000, outputTokens: 0 }));
    r.add(usageEvent({ inputTokens: 0, outputTokens: 100_000, cacheReadTokens: 100_000, reasoningTokens: 500 }));
    r.add(usageEvent({ project: 'web' }));
    const rows = r.rows();
    assert.equal(rows.length, 2);
    const main = rows.find((row) => row.project === '')!;
    assert.equal(main.events, 2);
    assert.equal(main.inputTokens, 100_000);
    assert.equal(main.cacheReadTokens, 100_000);
    assert.equal(main.reasoningTokens, 500);
    assert.ok(Math.abs(main.costUsd - (0.3 + 1.5 + 0.03)) < 1e-9);
    assert.equal(main.unpricedTokens, 0);
  });

  it('counts an id once', () => {
    const r = new Rollups(testContext());
    const e = usageEvent();
    assert.equal(r.add(e), true);
    assert.equal(r.add({ ...e }), false);
    assert.equal(r.rows()[0].events, 1);
  });

  it('keeps unknown cost apart from zero and splits peak usage', () => {
    const r = new Rollups(testContext());
    r.add(usageEvent({ model: 'mystery-model', ts: Date.UTC(2026, 10, 23, 9, 30) }));
    r.add(usageEvent({ ts: Date.UTC(2026, 10, 23, 9, 30), inputTokens: 100_000, outputTokens: 0 }));
    r.add(usageEvent({ ts: Date.UTC(2026, 10, 23, 15), inputTokens: 100_000, outputTokens: 0, estimated: true }));
    const [mystery] = r.rows().filter((row) => row.model === 'mystery-model');
    assert.equal(mystery.costUsd, 0);
    assert.equal(mystery.unpricedTokens, 1100);
    assert.equal(mystery.peakTokens, 1100);
    assert.equal(mystery.weightedTokens, 2200);
    const [sonnet] = r.rows().filter((row) => row.model === 'claude-sonnet-4-5');
    const near = (a: number, b: number, message?: string) => assert.ok(Math.abs(a - b) < 1e-9, message ?? `${a} ≈ ${b}`);
    near(sonnet.costUsd, 0.6);
    near(sonnet.weightedCostUsd, 0.9, 'the peak event costs $0.30 × 2, the off-peak one $0.30');
    near(sonnet.peakCostUsd, 0.3);
    assert.equal(sonnet.estimatedTokens, 100_000);
  });

  it('buckets by the local day of the configured zone, across a UTC date boundary', () => {
    const lateUtc = Date.UTC(2026, 10, 23, 23, 30);
    const tokyo = new Rollups(testContext('Asia/Tokyo'));
    const la = new Rollups(testContext('America/Los_Angeles'));
    for (const r of [tokyo, la]) r.add(usageEvent({ ts: lateUtc }));
    assert.equal(tokyo.rows()[0].day, '2026-11-24');
    assert.equal(la.rows()[0].day, '2026-11-23');
    assert.deepEqual(tokyo.rows({ fromDay: '2026-11-24', toDay: '2026-11-24' }).length, 1);
    assert.deepEqual(tokyo.rows({ toDay: '2026-11-23' }).length, 0);
  });

  it('round-trips through JSON, and refuses a snapshot made under other settings', () => {
    const r = new Rollups(testContext());
    const e = usageEvent();
    r.add(e);
    r.add(usageEvent({ model: 'gpt-4o', provider: 'openai' }));
    const json = JSON.parse(JSON.stringify(r.toJSON()));
    const restored = Rollups.fromJSON(json, testContext())!;
    assert.deepEqual(restored.rows(), r.rows());
    assert.equal(restored.add(e), false, 'remembered ids survive a restart');
    assert.equal(Rollups.fromJSON(json, testContext('Europe/Paris')), undefined);
    assert.equal(Rollups.fromJSON({ ...json, rows: [{ day: 1 }] }, testContext()), undefined);
  });

  it('drops days before a cutoff', () => {
    const r = new Rollups(testContext());
    r.add(usageEvent({ ts: Date.UTC(2026, 10, 1) }));
    r.add(usageEvent({ ts: Date.UTC(2026, 10, 20) }));
    r.dropDaysBefore('2026-11-10');
    assert.deepEqual(
      r.rows().map((row) => row.day),
      ['2026-11-20'],
    );
    assert.equal(totalTokens(r.rows()[0]), 1100);
  });
});
