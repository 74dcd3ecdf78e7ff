import assert from 'node:assert/strict';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { validateUsageEvent, type UsageEvent } from '../../src/core/events';
import { ChunkDecoder, encodeCompact, type SegmentFormat } from '../../src/store/eventCodec';
import { EventPacker, unpackEvents, type PackedEvents } from '../../src/store/packedEvents';
import { OPTIONAL_EVENT_FIELDS, usageEvent } from '../support/events';

const NOW = Date.UTC(2026, 10, 25);

/** Every optional field alone, all of them, none; strings with escapes and non-ASCII. */
function events(): UsageEvent[] {
  const full = {
    ...usageEvent({ id: 'id\twith\\tab ü', model: 'модель\n🚀', project: 'données', outputTokens: 900, reasoningTokens: 300 }),
    cacheWriteTokens: 40,
    cacheWrite1hTokens: 10,
    serviceTier: 'flex',
    reportedCostUsd: 0.0123456789,
    estimated: true,
    requestId: 'req_ä',
    promptFingerprint: 'fp:0123456789abcdef',
    latencyMs: 812,
    status: 200,
  };
  const plain = usageEvent();
  const optional = OPTIONAL_EVENT_FIELDS;
  return [full, plain, ...optional.map((field) => ({ ...plain, id: `only-${field}`, [field]: full[field], cacheWriteTokens: 40 }))].map(
    (e) => validateUsageEvent(e, NOW),
  );
}

/** Decodes lines of `format` as a decode worker does, packs them, sends them over a real MessagePort (transferring the arrays), and unpacks them. */
function throughPort(lines: string, format: SegmentFormat): { decoded: UsageEvent[]; unpacked: UsageEvent[] } {
  const decoded: UsageEvent[] = [];
  const packer = new EventPacker(lines.split('\n').length);
  new ChunkDecoder().decode(lines, format, NOW, (e) => {
    decoded.push(e);
    assert.ok(packer.add(e));
  });
  const { packed, transfer } = packer.finish();
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(packed, transfer);
  assert.equal(packed.numbers.byteLength, 0, 'the arrays are transferred, not copied');
  const received = receiveMessageOnPort(port2)!.message as PackedEvents;
  port1.close();
  const unpacked: UsageEvent[] = [];
  unpackEvents(received, format, (e) => unpacked.push(e));
  return { decoded, unpacked };
}

describe('packed events (decode worker to reading thread)', () => {
  for (const format of ['compact', 'json'] as const) {
    it(`${format} lines come back as the decoder made them: every field, keys in its order`, () => {
      const lines = events()
        .map((e) => `${format === 'compact' ? encodeCompact(e) : JSON.stringify(e)}\n`)
        .join('');
      const { decoded, unpacked } = throughPort(lines, format);
      assert.equal(decoded.length, events().length);
      assert.deepStrictEqual(unpacked, decoded);
      assert.equal(JSON.stringify(unpacked), JSON.stringify(decoded));
    });
  }

  it('refuses a count of -0 (a JSON line may have one), which it would carry back as 0', () => {
    const packer = new EventPacker(1);
    assert.equal(packer.add({ ...events()[1], cacheReadTokens: -0 }), false);
    assert.equal(packer.add(events()[1]), true);
    assert.equal(packer.finish().packed.count, 1);
  });
});
