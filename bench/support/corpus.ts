import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A deterministic code + prose corpus built from files that ship inside pinned devDependencies
 * (versions fixed by package-lock.json), so every machine builds the same text offline:
 * TypeScript's standard library declarations (code with JSDoc prose) and package READMEs and
 * changelogs (prose with code samples).
 */
const ROOT = path.resolve(__dirname, '..', '..');

const CODE_FILES = [
  'node_modules/typescript/lib/lib.dom.d.ts',
  'node_modules/typescript/lib/lib.es5.d.ts',
  'node_modules/typescript/lib/lib.webworker.d.ts',
  'node_modules/mocha/lib/runner.js',
  'node_modules/esbuild/lib/main.js',
];

const PROSE_FILES = [
  'node_modules/typescript/README.md',
  'node_modules/mocha/README.md',
  'node_modules/openai/README.md',
  'node_modules/openai/CHANGELOG.md',
  'node_modules/@anthropic-ai/sdk/README.md',
  'node_modules/@anthropic-ai/sdk/CHANGELOG.md',
  'node_modules/playwright-core/README.md',
  'node_modules/gpt-tokenizer/README.md',
  'node_modules/js-tiktoken/README.md',
];

/** Lines that exercise the tokenizer's edge cases: scripts, emoji, whitespace runs, numbers. */
export const EDGE_CASES = [
  '',
  ' ',
  '\n\n\n',
  'Hello, world! How are you doing today?',
  '  indented    with   irregular     spaces\t\ttabs\r\nand CRLF\r\n',
  '日本語のテキストと中文文本，还有한국어 텍스트.',
  'Emoji: 👩‍💻🚀🔥 family 👨‍👩‍👧‍👦 flags 🇩🇪🇯🇵 and skin tones 👍🏽',
  'Numbers 1234567890 3.14159 1e-10 0xDEADBEEF 1_000_000',
  'const x = (a, b) => a ?? b; // arrow & nullish\nif (x !== undefined) { return `template ${x}`; }',
  'Ünïcödé àccents, ligatures ﬁ ﬂ, math ∑∫√∞, arrows → ⇒, dashes — –',
  'https://example.com/path?query=1&other=two#fragment user@example.org',
  '    '.repeat(50) + 'deep indentation',
  'a'.repeat(5000),
  "I'm, you're, they'll, she'd, it's, we've — contractions.",
  'Ελληνικά, русский текст, עברית, العربية, हिन्दी, ไทย',
];

function read(relative: string): string {
  return fs.readFileSync(path.join(ROOT, relative), 'utf8');
}

/** The whole corpus as one string of at least `minBytes` (files repeat in order when needed). */
export function buildCorpus(minBytes = 2 * 1024 * 1024): string {
  const files = [...CODE_FILES, ...PROSE_FILES].filter((f) => fs.existsSync(path.join(ROOT, f)));
  const parts: string[] = [EDGE_CASES.join('\n')];
  let size = Buffer.byteLength(parts[0]);
  while (size < minBytes) {
    for (const file of files) {
      const text = read(file);
      parts.push(text);
      size += Buffer.byteLength(text);
      if (size >= minBytes) break;
    }
  }
  return parts.join('\n');
}

/** The corpus as documents (one per file), for tests that compare counts piece by piece. */
export function corpusDocuments(): Array<{ name: string; text: string }> {
  const docs = [...CODE_FILES, ...PROSE_FILES].filter((f) => fs.existsSync(path.join(ROOT, f))).map((f) => ({ name: f, text: read(f) }));
  return [...EDGE_CASES.map((text, i) => ({ name: `edge-case-${i}`, text })), ...docs];
}
