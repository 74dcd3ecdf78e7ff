import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { get_encoding, type Tiktoken } from 'tiktoken';
import {
  ConversationCounter,
  countTokens,
  createTokenizer,
  encodingForModel,
  getTokenizer,
  type EncodingName,
} from '../../src/core/tokenizer';
import { corpusDocuments, EDGE_CASES } from '../../bench/support/corpus';

describe('tokenizer', function () {
  this.timeout(60_000);

  it('loads nothing until the first count (checked in a fresh process)', () => {
    const script = [
      "const t = require('./src/core/tokenizer');",
      'const before = t.isTokenizerLoaded();',
      "const n = t.getTokenizer('cl100k_base').count('hello world');",
      "console.log(JSON.stringify({ before, n, cl100k: t.isTokenizerLoaded('cl100k_base'), o200k: t.isTokenizerLoaded('o200k_base') }));",
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(out), { before: false, n: 2, cl100k: true, o200k: false });
  });

  const reference = new Map<EncodingName, Tiktoken>();
  after(() => {
    for (const enc of reference.values()) enc.free();
  });

  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    it(`counts exactly like tiktoken (${encoding}) on the code and prose corpus, document by document`, () => {
      const tiktoken = get_encoding(encoding);
      reference.set(encoding, tiktoken);
      const ours = getTokenizer(encoding);
      let documents = 0;
      for (const doc of corpusDocuments()) {
        const expected = tiktoken.encode_ordinary(doc.text).length;
        assert.equal(ours.count(doc.text), expected, `${doc.name}: ${encoding} count differs from tiktoken`);
        documents++;
      }
      assert.ok(documents >= EDGE_CASES.length + 10);
    });

    it(`counts exactly like tiktoken (${encoding}) on tricky boundaries: blank lines, CRLF, slashes, special tokens`, () => {
      const tiktoken = reference.get(encoding) ?? get_encoding(encoding);
      reference.set(encoding, tiktoken);
      const ours = getTokenizer(encoding);
      const samples = [
        'a;\n/* comment */\nb',
        'x\n\n\ny',
        'x\n \n  y',
        'line\r\nnext\r\n\r\nafter',
        'end;\n//path\n/abs/path',
        'a\n\tb\n    c\n',
        '<|endoftext|> is plain text here <|im_start|>',
        'word\n',
        '\nleading',
        'trailing spaces   \nnext',
        '}\n}\n}\n',
        '\u00a0nbsp\n\u00a0start',
        'x\n\u3000ideographic space',
        // Unicode White_Space as tiktoken's regex engine has it: U+0085 is white space, U+FEFF is not.
        'a\u0085b \u0085\u0085c\n\u0085',
        '\ufeffBOM at the start, \ufeff and inside',
        // Contractions in any case, after letters and alone; an apostrophe that starts no contraction.
        "I'm, you're, THEY'LL, she'D, it's, we've, don't, 'twas, rock'n'roll, ''s, x's'",
        "DON'T SHOUT, Don'T, l'été",
        // Digits: cl100k cuts every three, o200k too, and they never join letters or a leading space.
        '1 12 123 1234 12345678901234567890 v2 x86_64 3.14159 1e-10 ١٢٣٤ ²³ ⅕',
        // Letters whose case changes inside a word (o200k cuts there), marks, modifier and title-case letters.
        'camelCaseWord XMLHttpRequest iPhone ǅemal ʰaspirated e\u0301te\u0301 कि नमस्ते',
        // Emoji (surrogate pairs, ZWJ sequences, flags, skin tones), CJK and other scripts.
        '👩‍💻🚀 🇩🇪🇯🇵 👍🏽 x👍y 日本語テキスト 中文，标点。 한국어 𝐀𝐁𝐜 𠀀𠀁',
        // Whitespace runs before text, line breaks, the end of the text, and tabs.
        'a  b   c\t\td \t e\n  \n\t\n   \r\n  end   ',
        '   ',
        '\n \n ',
        // Lone surrogates reach tiktoken as U+FFFD.
        'lone \ud800 high and \udc00 low surrogates',
      ];
      for (const text of samples) {
        assert.equal(ours.count(text), tiktoken.encode_ordinary(text).length, JSON.stringify(text));
      }
    });
  }

  /**
   * Random text from fragments that exercise each branch of the pre-tokenizers: letters of every
   * case and script, marks, digits, contractions, punctuation runs, every kind of white space,
   * emoji and lone surrogates. A fixed seed keeps each run the same, so a failure reproduces.
   */
  function randomTexts(seed: number, count: number): string[] {
    const fragments = [
      ...'aAzZbQ eéÉßſ\'sStTlLvVrReEmMdD0123456789٣⅕²\n\r\t\u000b\u000c\u0085\u00a0\u1680\u2000\u2028\u3000\ufeff.,;:!?/\\()[]{}<>-_=+*&^%$#@~`"|',
      ...'中文日本語한국어αβΓΔабвЖ\u0301\u0308\u093fकǅʰ',
      ...['👍', '🏽', '👩‍💻', '🇩🇪', '𝐀', '𝐚', '𠀀', '\ud800', '\udc00', '<|endoftext|>', '  ', '    ', '\r\n', '\n\n'],
      ...["'ll", "'VE", "'re", 'DON', "N'T", 'x/y', '//', '1234', 'the', ' the', 'Hello', 'HTTPServer', 'getValue', '=>', '});'],
    ];
    let state = seed >>> 0;
    const random = () => {
      // mulberry32
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const texts: string[] = [];
    for (let i = 0; i < count; i++) {
      const length = 1 + Math.floor(random() * 24);
      let text = '';
      for (let k = 0; k < length; k++) text += fragments[Math.floor(random() * fragments.length)];
      texts.push(text);
    }
    return texts;
  }

  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    it(`counts exactly like tiktoken (${encoding}) on 5,000 random texts (seeded)`, () => {
      const tiktoken = reference.get(encoding) ?? get_encoding(encoding);
      reference.set(encoding, tiktoken);
      const ours = createTokenizer(encoding);
      const texts = randomTexts(18, 5000);
      for (const text of texts) assert.equal(ours.count(text), tiktoken.encode_ordinary(text).length, JSON.stringify(text));
      // All of them as one text too: pieces that meet across the joins, counted with a warm cache.
      const joined = texts.join('');
      assert.equal(ours.count(joined), tiktoken.encode_ordinary(joined).length);
    });
  }

  it('counts runs longer than the merge scans, exactly like tiktoken', () => {
    for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
      const tiktoken = reference.get(encoding) ?? get_encoding(encoding);
      reference.set(encoding, tiktoken);
      const ours = createTokenizer(encoding);
      for (const text of [
        'a'.repeat(5000),
        'ab'.repeat(300),
        'x'.repeat(129),
        'Z'.repeat(128),
        'é'.repeat(200),
        ' '.repeat(1000) + 'x',
        '-'.repeat(700),
      ]) {
        assert.equal(ours.count(text), tiktoken.encode_ordinary(text).length, `${encoding}: ${text.slice(0, 8)}… (${text.length})`);
      }
    }
  });

  it('maps models to encodings', () => {
    assert.equal(encodingForModel('gpt-4o-mini'), 'o200k_base');
    assert.equal(encodingForModel('gpt-4.1'), 'o200k_base');
    assert.equal(encodingForModel('gpt-5.4'), 'o200k_base');
    assert.equal(encodingForModel('o3-mini'), 'o200k_base');
    assert.equal(encodingForModel('openai/gpt-4-turbo'), 'cl100k_base');
    assert.equal(encodingForModel('gpt-3.5-turbo-0125'), 'cl100k_base');
    assert.equal(encodingForModel('text-embedding-3-small'), 'cl100k_base');
    assert.equal(encodingForModel('claude-sonnet-4-5'), 'o200k_base');
    assert.equal(countTokens('hello world', 'gpt-4'), 2);
  });

  describe('growing conversations', () => {
    const tokenizer = () => getTokenizer('o200k_base');
    const turn = (i: number) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `Turn ${i}: please look at function f${i}() and explain why it returns ${i * 7}.`,
    });

    it('equals a full recount as turns are added', () => {
      const counter = new ConversationCounter(tokenizer());
      const messages = [];
      for (let i = 0; i < 30; i++) {
        messages.push(turn(i));
        const fresh = new ConversationCounter(tokenizer()).count(messages);
        assert.equal(counter.count(messages), fresh);
      }
      // OpenAI's chat framing: 3 per message + 3 reply priming, on top of role and content tokens.
      const t = tokenizer();
      const manual = 3 + messages.reduce((n, m) => n + 3 + t.count(m.role) + t.count(m.content), 0);
      assert.equal(counter.count(messages), manual);
    });

    it('recounts an edited earlier message and everything after it, and handles names', () => {
      const counter = new ConversationCounter(tokenizer());
      const messages = [turn(0), turn(1), turn(2)];
      counter.count(messages);
      const edited = [turn(0), { ...turn(1), content: 'A much shorter answer.' }, turn(2)];
      assert.equal(counter.count(edited), new ConversationCounter(tokenizer()).count(edited));
      const named = [{ role: 'user', name: 'alice', content: 'hi' }];
      assert.equal(counter.count(named), 3 + 3 + tokenizer().count('user') + tokenizer().count('hi') + 1 + tokenizer().count('alice'));
      assert.equal(counter.count([]), 3);
    });
  });
});
