import assert from 'node:assert/strict';
import { CrossSourceMatcher } from '../../src/core/dedup/crossSourceMatcher';
import { RecentIds } from '../../src/core/dedup/recentIds';
import { base64Of, float64sOf, int32sOf } from '../../src/core/packedArrays';
import { usageEvent } from '../support/events';

const T = Date.UTC(2026, 8, 1, 12);

describe('packed saved state (src/core/packedArrays.ts)', () => {
  it('gives back the numbers it packed, NaN and negative ones included', () => {
    const ints = Int32Array.from([0, -1, 2 ** 31 - 1, -(2 ** 31), 42]);
    const floats = Float64Array.from([T, Number.NaN, -0.5, 1e300]);
    assert.deepEqual(int32sOf(base64Of(ints)), ints);
    assert.deepEqual(float64sOf(base64Of(floats)), floats);
    assert.deepEqual(float64sOf(base64Of(new Float64Array(0))), new Float64Array(0));
    // From a subarray too: only its own bytes are packed.
    assert.deepEqual(int32sOf(base64Of(ints.subarray(1, 3))), Int32Array.from([-1, 2 ** 31 - 1]));
  });

  it('reads nothing from text that is not whole numbers of its kind, or not text', () => {
    const sixBytes = Buffer.from([1, 2, 3, 4, 5, 6]).toString('base64');
    assert.equal(int32sOf(sixBytes), undefined);
    assert.equal(float64sOf(sixBytes), undefined);
    assert.equal(float64sOf(base64Of(Int32Array.from([1, 2, 3]))), undefined);
    for (const notText of [undefined, null, 12, ['AAAA'], { times: 'AAAA' }]) {
      assert.equal(int32sOf(notText), undefined);
      assert.equal(float64sOf(notText), undefined);
    }
  });

  it('restores no ids from damaged saved ids, and leaves out sightings whose names are missing', () => {
    const ids = new RecentIds();
    assert.equal(ids.admit('gateway:a', T), true);
    assert.equal(ids.admit('gateway:b', T), true);
    const saved = JSON.parse(JSON.stringify(ids.toJSON())) as ReturnType<RecentIds['toJSON']>;
    assert.equal(RecentIds.fromJSON(saved).admit('gateway:a', T + 1), false, 'intact: remembered');
    const backwards = { ...saved, ends: base64Of(Int32Array.from([9, 3])) };
    assert.equal(RecentIds.fromJSON(backwards).admit('gateway:a', T + 1), true, 'ends that go back: nothing restored');
    assert.equal(RecentIds.fromJSON({ ...saved, times: 'AAAA' }).admit('gateway:a', T + 1), true, 'times of another length');

    const matcher = new CrossSourceMatcher();
    const seen = (source: string, model: string, ts: number) => usageEvent({ source, model, ts, inputTokens: 5, outputTokens: 7 });
    assert.equal(matcher.isSecondSighting(seen('gateway', 'gpt-4o', T)), false);
    assert.equal(matcher.isSecondSighting(seen('gateway', 'claude-sonnet-4-5', T)), false);
    const sightings = JSON.parse(JSON.stringify(matcher.toJSON())) as ReturnType<CrossSourceMatcher['toJSON']>;
    const oneModelLost = CrossSourceMatcher.fromJSON({ ...sightings, models: sightings.models.slice(0, 1) });
    assert.equal(oneModelLost.isSecondSighting(seen('codex', 'gpt-4o', T + 1000)), true, 'the sighting whose model is named');
    assert.equal(oneModelLost.isSecondSighting(seen('codex', 'claude-sonnet-4-5', T + 1000)), false, 'the one whose model is not');
  });
});
