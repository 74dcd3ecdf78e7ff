// Bundled as its own file (dist/encodings/cl100k_base.js) so the rank table loads on first use only.
import encodingModule = require('gpt-tokenizer/cjs/encoding/cl100k_base');

// countStringTokens counts ordinary text (special-token strings count as plain text, like
// tiktoken's encode_ordinary) without the per-call option parsing of countTokens. It is not in
// gpt-tokenizer's typings; the version is pinned and the unit tests compare every count with tiktoken.
const ordinary = encodingModule.default as unknown as { countStringTokens(text: string): number };

export function countOrdinary(text: string): number {
  return ordinary.countStringTokens(text);
}
