import * as assert from 'node:assert/strict';
import { makeEventId, totalTokens, validateUsageEvent, UsageEventError } from '../../src/core/events';

const NOW = Date.UTC(2026, 10, 23, 12);
const base = { source: 'api', provider: 'OpenAI', model: 'gpt-5', requestId: 'resp_1', ts: NOW - 1000, inputTokens: 10, outputTokens: 5 };

describe('UsageEvent validation', () => {
  it('accepts a minimal event, fills defaults and derives a stable id from the request id', () => {
    const e = validateUsageEvent(base, NOW);
    assert.equal(e.provider, 'openai');
    assert.equal(e.cacheReadTokens, 0);
    assert.equal(e.estimated, false);
    assert.equal(e.id, makeEventId('api', 'resp_1'));
    assert.equal(validateUsageEvent(base, NOW).id, e.id);
    assert.equal(totalTokens(e), 15);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['negative tokens', { inputTokens: -1 }, /"inputTokens" must be a whole number/],
    ['fractional tokens', { outputTokens: 1.5 }, /"outputTokens" must be a whole number/],
    ['tokens as a string', { outputTokens: '5' }, /"outputTokens".*"5"/],
    ['missing model', { model: undefined }, /"model" is required/],
    ['future timestamp', { ts: NOW + 2 * 86400_000 }, /"ts" must be a time/],
    ['seconds instead of ms', { ts: NOW / 1000 }, /"ts" must be a time/],
    ['reasoning above output', { reasoningTokens: 6 }, /cannot exceed/],
    ['no id and no requestId', { requestId: undefined }, /Either "id" or "requestId"/],
    ['prompt text as fingerprint', { promptFingerprint: 'please fix my code' }, /never prompt text/],
    ['uppercase source', { source: 'My Ext' }, /lowercase identifier/],
  ];
  for (const [name, patch, message] of bad) {
    it(`rejects ${name} with a message naming the field`, () => {
      assert.throws(
        () => validateUsageEvent({ ...base, ...patch }, NOW),
        (err: unknown) => {
          assert.ok(err instanceof UsageEventError);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('rejects non-objects', () => {
    assert.throws(() => validateUsageEvent(null, NOW), /must be an object \(got null\)/);
    assert.throws(() => validateUsageEvent([1], NOW), /got an array/);
  });
});
