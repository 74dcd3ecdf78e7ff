import * as assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import type { ResponseFacts, ResponseMeter } from '../../src/capture/gateway/meter';
import { MeterTap } from '../../src/capture/gateway/meterTap';

/** Keeps what it is fed, up to `limit` bytes, then stops like the real meters do. */
function recordingMeter(limit = Infinity): ResponseMeter & { fed: Buffer[] } {
  const fed: Buffer[] = [];
  let size = 0;
  return {
    fed,
    get stopped() {
      return size > limit;
    },
    feed(chunk) {
      size += chunk.length;
      if (size <= limit) fed.push(Buffer.from(chunk));
    },
    finish: (): ResponseFacts => ({ outputText: Buffer.concat(fed).toString() }),
  };
}

async function through(tap: MeterTap, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => out.push(c));
  await pipeline(Readable.from(chunks), tap, sink);
  return Buffer.concat(out);
}

function settled(tap: MeterTap): Promise<ResponseFacts> {
  return new Promise((resolve) => tap.settle(resolve));
}

describe('gateway MeterTap: the pass-through that feeds the meter', () => {
  it('passes a plain body unchanged and feeds the meter the same bytes', async () => {
    const meter = recordingMeter();
    const tap = new MeterTap(meter, undefined);
    const passed = await through(tap, [Buffer.from('data: {"a":1}\n\n'), Buffer.from('data: [DONE]\n\n')]);
    assert.equal(passed.toString(), 'data: {"a":1}\n\ndata: [DONE]\n\n');
    assert.equal((await settled(tap)).outputText, 'data: {"a":1}\n\ndata: [DONE]\n\n');
  });

  it('passes a gzip body compressed and meters its decompressed copy, flushed before settling', async () => {
    const body = Buffer.from(JSON.stringify({ usage: { prompt_tokens: 5 } }).repeat(200));
    const gzipped = zlib.gzipSync(body);
    const meter = recordingMeter();
    const tap = new MeterTap(meter, ' GZIP ');
    const passed = await through(tap, [gzipped.subarray(0, 10), gzipped.subarray(10)]);
    assert.deepEqual(passed, gzipped, 'the client gets the compressed bytes');
    assert.equal((await settled(tap)).outputText, body.toString());
  });

  it('stops decompressing once the meter has passed its bound, and still passes every byte', async () => {
    const body = Buffer.alloc(4 * 1024 * 1024, 'x');
    const compressed = zlib.brotliCompressSync(body);
    const meter = recordingMeter(64 * 1024);
    const tap = new MeterTap(meter, 'br');
    const passed = await through(tap, [compressed]);
    assert.deepEqual(passed, compressed);
    const facts = await settled(tap);
    assert.ok(meter.stopped);
    assert.ok(facts.outputText.length <= 64 * 1024, 'nothing past the bound was kept');
  });

  it('meters what it could decode of a corrupt body and settles once', async () => {
    const meter = recordingMeter();
    const tap = new MeterTap(meter, 'deflate');
    const passed = await through(tap, [Buffer.from('not deflate at all')]);
    assert.equal(passed.toString(), 'not deflate at all');
    let calls = 0;
    await new Promise<void>((resolve) =>
      tap.settle(() => {
        calls += 1;
        resolve();
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(calls, 1);
  });
});
