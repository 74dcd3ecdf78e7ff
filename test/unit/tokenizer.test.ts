import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { ConversationCounter, countTokens, encodingForModel, getTokenizer, type EncodingName } from '../../src/core/tokenizer';
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
      ];
      for (const text of samples) {
        assert.equal(ours.count(text), tiktoken.encode_ordinary(text).length, JSON.stringify(text));
      }
    });
  }

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
