/**
 * Reads at most `maxBytes` of a fetch response's body. Whatever arrives from the network is bounded
 * before it is buffered: a server that sends more gets its connection cancelled, and the caller
 * learns that the body was cut rather than receiving a prefix it might mistake for the whole.
 */
export interface BoundedText {
  text: string;
  /** The body was longer than the bound; `text` holds its first `maxBytes` bytes. */
  truncated: boolean;
}

export async function readBoundedText(response: Response, maxBytes: number): Promise<BoundedText> {
  const body = response.body;
  if (!body) return { text: '', truncated: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
      if (size + value.byteLength > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - size));
        await reader.cancel();
        return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
}
