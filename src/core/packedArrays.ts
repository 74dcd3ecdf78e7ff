/**
 * Typed arrays as base64 text, for saved state too large for JSON arrays of numbers to write and
 * read quickly (the de-duplication memory and minute activity in rollups.json). The bytes are in the
 * machine's order (little-endian on every platform VS Code runs on); the file never leaves it.
 */

export function base64Of(array: Int32Array | Float64Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

/** The Int32Array that base64Of made `text` from; undefined when `text` is not whole 32-bit numbers. */
export function int32sOf(text: unknown): Int32Array | undefined {
  const bytes = bytesOf(text, Int32Array.BYTES_PER_ELEMENT);
  return bytes && new Int32Array(bytes);
}

/** The Float64Array that base64Of made `text` from; undefined when `text` is not whole 64-bit numbers. */
export function float64sOf(text: unknown): Float64Array | undefined {
  const bytes = bytesOf(text, Float64Array.BYTES_PER_ELEMENT);
  return bytes && new Float64Array(bytes);
}

/** The bytes of base64 `text` in an ArrayBuffer of their own (aligned, unlike Buffer's pool). */
function bytesOf(text: unknown, elementSize: number): ArrayBuffer | undefined {
  if (typeof text !== 'string') return undefined;
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length % elementSize !== 0) return undefined;
  const bytes = new ArrayBuffer(decoded.length);
  new Uint8Array(bytes).set(decoded);
  return bytes;
}
