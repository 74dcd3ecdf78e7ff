import assert from 'node:assert/strict';
import { ACTIVITY_DAYS, MinuteActivity } from '../../src/core/activity';
import { usageEvent } from '../support/events';

const T = Date.UTC(2026, 10, 23, 12, 30, 15);
const MINUTE = 60_000;
const DAY = 86_400_000;

describe('minute activity', () => {
  it('sums tokens per provider per minute, keeps a minute of zero tokens, and lists them oldest first', () => {
    const activity = new MinuteActivity();
    activity.add(usageEvent({ ts: T + MINUTE, inputTokens: 10, outputTokens: 1 }));
    activity.add(usageEvent({ ts: T, inputTokens: 100, outputTokens: 5 }));
    activity.add(usageEvent({ ts: T + 20_000, inputTokens: 1, outputTokens: 0, cacheReadTokens: 2, cacheWriteTokens: 3 }));
    activity.add(usageEvent({ ts: T + 2 * MINUTE, inputTokens: 0, outputTokens: 0 }));
    activity.add(usageEvent({ ts: T, provider: 'openai', inputTokens: 7, outputTokens: 0 }));
    const start = Math.floor(T / MINUTE) * MINUTE;
    assert.deepEqual(activity.series('anthropic'), [
      [start, 111],
      [start + MINUTE, 11],
      [start + 2 * MINUTE, 0],
    ]);
    assert.deepEqual(activity.series('anthropic', start + MINUTE, start + 2 * MINUTE), [[start + MINUTE, 11]]);
    assert.deepEqual(activity.series('openai'), [[start, 7]]);
    assert.deepEqual(activity.series('google'), []);
  });

  it('keeps the last ACTIVITY_DAYS before the newest event, the same before and after a save', () => {
    const activity = new MinuteActivity();
    const newest = T + 60 * DAY;
    for (let day = 0; day <= 60; day++) activity.add(usageEvent({ ts: T + day * DAY, inputTokens: day + 1, outputTokens: 0 }));
    activity.add(usageEvent({ ts: newest - ACTIVITY_DAYS * DAY - MINUTE, inputTokens: 1, outputTokens: 0 }));
    const kept = activity.series('anthropic');
    // The event exactly ACTIVITY_DAYS before the newest is in a minute that began before the window.
    assert.equal(kept.length, ACTIVITY_DAYS, 'one event a day');
    assert.equal(kept[0][0], Math.floor((T + 26 * DAY) / MINUTE) * MINUTE);
    const restored = MinuteActivity.fromJSON(JSON.parse(JSON.stringify(activity.toJSON())));
    assert.deepEqual(restored.series('anthropic'), kept);
    restored.add(usageEvent({ ts: newest, inputTokens: 1, outputTokens: 0 }));
    assert.equal(restored.series('anthropic').at(-1)![1], 62, 'adds to a restored minute');
  });
});
