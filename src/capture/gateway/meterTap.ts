import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import type { ResponseFacts, ResponseMeter } from './meter';

type Decoder = zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress;

function decoderFor(encoding: string | undefined): Decoder | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/**
 * A pass-through for an upstream response body: every chunk goes on to the client unchanged, and a
 * copy (decompressed when the body is) feeds the meter. The copy is read on the side, so the meter
 * stopping at one of its bounds, or failing to decompress, never touches what the client receives.
 */
export class MeterTap extends Transform {
  private decoder: Decoder | undefined;

  constructor(
    private readonly meter: ResponseMeter,
    contentEncoding: string | undefined,
  ) {
    super();
    this.decoder = decoderFor(contentEncoding);
    this.decoder?.on('data', (chunk: Buffer) => this.feed(chunk));
    // A body the client may still read but we cannot decode: the meter estimates from what it has.
    this.decoder?.on('error', () => undefined);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.decoder) this.decoder.write(chunk);
    else this.feed(chunk);
    callback(null, chunk);
  }

  /** Stops decompressing the meter's copy: the meter has stopped reading, or the gateway is closing. */
  dropDecoder(): void {
    if (!this.decoder) return;
    this.decoder.removeAllListeners('data');
    this.decoder.destroy();
    this.decoder = undefined;
  }

  /**
   * The body ended or was cut short: once the decoder has handed over what it still holds (or was
   * dropped meanwhile, by close()), calls `done` once with what the meter learned.
   */
  settle(done: (facts: ResponseFacts) => void): void {
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      done(this.meter.finish());
    };
    const decoder = this.decoder;
    if (decoder && !this.meter.stopped) {
      decoder.once('end', finish);
      decoder.once('error', finish);
      decoder.once('close', finish);
      decoder.end();
    } else {
      this.dropDecoder();
      finish();
    }
  }

  private feed(chunk: Buffer): void {
    if (this.meter.stopped) return;
    this.meter.feed(chunk);
    if (this.meter.stopped) this.dropDecoder();
  }
}
