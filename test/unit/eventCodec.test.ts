import assert from 'node:assert/strict';
import { UsageEventError, validateUsageEvent, type UsageEvent } from '../../src/core/events';
import { CompactDecoder, decodeJsonLine, encodeCompact } from '../../src/store/eventCodec';
import { usageEvent } from '../support/events';

const NOW = Date.UTC(2026, 10, 25);

function roundTrip(e: UsageEvent): UsageEvent {
  const line = encodeCompact(e);
  assert.ok(!line.includes('\n'), 'one line');
  return new CompactDecoder().decode(line, NOW);
}

describe('compact event lines (.ev1)', () => {
  it('round-trips every field, and gives what the JSON line of the same event gives', () => {
    const full = validateUsageEvent(
      {
        ...usageEvent({ source: 'gateway', provider: 'openai', model: 'gpt-5', outputTokens: 900, reasoningTokens: 300 }),
        cacheWriteTokens: 40,
        cacheWrite1hTokens: 10,
        serviceTier: 'flex',
        reportedCostUsd: 0.0123456789,
        estimated: true,
        project: 'web',
        requestId: 'chatcmpl-abc',
        promptFingerprint: 'fp:0123456789abcdef',
        latencyMs: 812,
        status: 200,
      },
      NOW,
    );
    const plain = validateUsageEvent(usageEvent(), NOW);
    for (const e of [full, plain, { ...plain, project: 'api' }, { ...plain, status: 429 }]) {
      assert.deepEqual(roundTrip(e), e);
      assert.deepEqual(roundTrip(e), decodeJsonLine(JSON.stringify(e), NOW));
    }
    assert.equal(encodeCompact(plain).split('\t').length, 11, 'no trailing empty fields');
    assert.equal(encodeCompact({ ...plain, status: 429 }).split('\t').length, 19, 'empty fields before a written one keep their place');
  });

  it('keeps tabs, newlines, backslashes and non-ASCII text in strings', () => {
    const e = validateUsageEvent(usageEvent({ model: 'odd\tmodel\\name\nnext', project: 'ünï ✓ \\t\r' }), NOW);
    const line = encodeCompact(e);
    assert.equal(line.split('\t').length, 12, 'a tab inside a string is escaped');
    assert.deepEqual(roundTrip(e), e);
  });

  it('reuses recent values across lines and still decodes each line on its own terms', () => {
    const decoder = new CompactDecoder();
    const events = Array.from({ length: 40 }, (_, i) =>
      validateUsageEvent(
        usageEvent({ source: ['api', 'codex', 'gateway'][i % 3], model: `model-${i % 20}`, project: i % 2 ? 'p' : undefined }),
        NOW,
      ),
    );
    const text = events.map(encodeCompact).join('\n');
    let start = 0;
    for (const e of events) {
      const end = text.indexOf('\n', start) === -1 ? text.length : text.indexOf('\n', start);
      assert.deepEqual(decoder.decode(text, NOW, start, end), e);
      start = end + 1;
    }
  });

  it('names the field of a malformed line, as the JSON reader does', () => {
    const good = encodeCompact(validateUsageEvent(usageEvent(), NOW)).split('\t');
    const broken = (i: number, value: string) => good.map((f, j) => (j === i ? value : f)).join('\t');
    const cases: Array<[string, RegExp]> = [
      [broken(6, '-4'), /"outputTokens" must be a whole number/],
      [broken(5, '1.5'), /"inputTokens" must be a whole number/],
      [broken(1, '1700'), /"ts" is not a time/],
      [broken(1, String(NOW + 2 * 86400_000)), /"ts" is not a time/],
      [broken(2, 'Not A Source'), /"source" must be a lowercase identifier/],
      [broken(4, ''), /"model" must be a non-empty string/],
      [broken(4, 'x'.repeat(600)), /"model" is longer than 512/],
      [broken(10, 'yes'), /"estimated" must be 1 or 0/],
      [broken(9, '500'), /"reasoningTokens" is more than outputTokens/],
      [good.slice(0, 7).join('\t'), /required fields/],
      [`${good.join('\t')}${'\t'.repeat(8)}\tx`, /more than 19 fields/],
      [`${good.join('\t')}\t\t\t\t\t\tnot a hash!`, /"promptFingerprint" must be a hash/],
      [broken(4, 'bad\\escape'), /unknown escape/],
    ];
    for (const [line, message] of cases) {
      assert.throws(
        () => new CompactDecoder().decode(line, NOW),
        (error: unknown) => error instanceof UsageEventError && message.test(error.message),
        line.slice(0, 80),
      );
    }
  });

  it('reads JSON lines as before, with the same checks', () => {
    const e = validateUsageEvent(usageEvent(), NOW);
    assert.deepEqual(decodeJsonLine(JSON.stringify(e), NOW), e);
    assert.throws(() => decodeJsonLine('{"id":', NOW), /not JSON/);
    assert.throws(() => decodeJsonLine(JSON.stringify({ ...e, inputTokens: -1 }), NOW), /"inputTokens" must be a whole number/);
  });
});
