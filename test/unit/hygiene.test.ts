import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRequestFacts } from '../../src/capture/gateway/requestFacts';
import { GatewayServer } from '../../src/capture/gateway/server';
import { fingerprintOf, NearDuplicateIndex } from '../../src/core/hygiene/nearDuplicates';
import { hygieneReport } from '../../src/core/hygiene/report';
import { DEFAULT_HYGIENE_SETTINGS, parseHygieneSettings } from '../../src/core/hygiene/settings';
import {
  contentWords,
  fnv1a,
  jaccard,
  mix32,
  normalise,
  normalisedHash,
  paragraphs,
  shingleHashes,
  words,
} from '../../src/core/hygiene/text';
import type { HygieneFinding, PromptObservation } from '../../src/core/hygiene/types';
import { typingQuietDelay, WarningRateLimiter } from '../../src/core/hygiene/warnings';
import { PriceBook } from '../../src/core/pricing';
import { FindingsLog } from '../../src/ui/hygiene/findingsLog';
import { CHAT_USAGE, FakeUpstream } from '../support/fakeUpstream';
import { agentContext, Gen, pastedFile, seededRandom } from './hygiene/evalSet';
import { MODEL, newAnalyzer, runSteps, T0, type Step } from './hygiene/scenarios';

const MINUTE = 60_000;
const QUESTION =
  'How do I paginate orders and customers in PostgreSQL when writes must not block? I tried OFFSET and LIMIT but it takes minutes.';
const fp = (text: string) => fingerprintOf(shingleHashes(contentWords(text)));

describe('prompt hygiene: text and fingerprints', () => {
  it('normalises case and spacing, and shingles into sorted unique hashes', () => {
    assert.equal(normalise('  Hello\n\tWORLD  '), 'hello world');
    const s = shingleHashes(contentWords('sort sort the list list'));
    for (let i = 1; i < s.length; i++) assert.ok(s[i] > s[i - 1], 'sorted, no repeats');
    assert.equal(jaccard(s, s), 1);
    assert.equal(jaccard(shingleHashes(['a', 'b']), shingleHashes(['c', 'd'])), 0);
  });

  it('splits words as /[\\p{L}\\p{N}_]+/gu does on lower-cased text, astral letters, lone surrogates and all', () => {
    assert.deepEqual(words('Hello, World_42! naïve İstanbul 東京 𝐀𝐁c 😀x ٣٤'), [
      'hello',
      'world_42',
      'naïve',
      'i',
      'stanbul',
      '東京',
      '𝐀𝐁c',
      'x',
      '٣٤',
    ]);
    const pieces = ['a', 'Z', '0', '_', ' ', '.', 'é', 'İ', 'ß', '東', '𝐀', '\ud800', '\udc00', '😀', '٣', '\u0301', '-', '\n', 'ǅ', 'Σ'];
    const next = seededRandom(7);
    for (let k = 0; k < 3000; k++) {
      const text = Array.from({ length: Math.floor(next() * 24) }, () => pieces[Math.floor(next() * pieces.length)]).join('');
      assert.deepEqual(words(text), text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [], JSON.stringify(text));
    }
  });

  it('hashes the normalised text without building it: normalisedHash is fnv1a(normalise(text))', () => {
    assert.equal(normalisedHash('  Hello\n\tWORLD  '), fnv1a('hello world'));
    const pieces = [
      'a',
      'B',
      ' ',
      '  ',
      '\t',
      '\n',
      '\r\n',
      '\v',
      '\f',
      '\u00a0',
      '\u1680',
      '\u2003',
      '\u2028',
      '\u3000',
      '\ufeff',
      '\u200b',
      'İ',
      'Σ',
      '😀',
      '.',
    ];
    const next = seededRandom(11);
    for (let k = 0; k < 3000; k++) {
      const text = Array.from({ length: Math.floor(next() * 16) }, () => pieces[Math.floor(next() * pieces.length)]).join('');
      assert.equal(normalisedHash(text), fnv1a(normalise(text)), JSON.stringify(text));
    }
  });

  it('shingles each word and each adjacent pair, as defined', () => {
    const random = seededRandom(5);
    const next = () => Math.floor(random() * 2 ** 32);
    for (let k = 0; k < 500; k++) {
      const seq = Array.from({ length: next() % 40 }, () => 'abcde'[next() % 5].repeat(1 + (next() % 3)));
      const defined = seq.flatMap((w, i) => [
        mix32(fnv1a(w)),
        ...(i + 1 < seq.length ? [mix32(fnv1a(seq[i + 1], fnv1a(w) ^ 0x9e3779b9))] : []),
      ]);
      assert.deepEqual(
        [...shingleHashes(seq)],
        [...new Set(defined)].sort((a, b) => a - b),
      );
    }
  });

  it('keeps MinHash signatures as they were: the minimum per hash function, the same functions', () => {
    const random = seededRandom(9);
    const next = () => Math.floor(random() * 2 ** 32);
    for (let k = 0; k < 200; k++) {
      const a = Uint32Array.from({ length: next() % 300 }, next);
      const b = Uint32Array.from({ length: next() % 300 }, next);
      const union = fingerprintOf(Uint32Array.from([...a, ...b])).signature;
      const [sa, sb] = [fingerprintOf(a).signature, fingerprintOf(b).signature];
      assert.deepEqual(
        [...union],
        [...sa].map((v, i) => Math.min(v, sb[i])),
      );
    }
    // The evaluation set's thresholds are tuned on these hash functions: a digest of signatures
    // taken before the signature loop was reordered (commit 4013db1).
    const digest = createHash('sha256');
    for (const shingles of [[], [0], [1], [0xffffffff], [0xdeadbeef, 42, 7]])
      digest.update(fingerprintOf(Uint32Array.from(shingles)).signature);
    assert.equal(digest.digest('hex').slice(0, 16), 'af22f8c671a12a84');
  });

  it('splits paragraphs at blank lines and skips short ones', () => {
    const long = 'x'.repeat(300);
    const blocks = paragraphs(`hi\n\n${long}\n\n${long}\n\nok`, 200);
    assert.equal(blocks.length, 2);
    assert.equal(blocks[0].hash, blocks[1].hash);
    assert.equal(blocks[0].chars, 300);
  });
});

describe('prompt hygiene: near-duplicate index', () => {
  it('finds a reworded question, not an unrelated one, and only inside the window', () => {
    const index = new NearDuplicateIndex(100);
    index.add(fp(QUESTION), 1000, 1);
    index.add(fp('How do I restart a cron job in Kubernetes when nodes run out of memory?'), 1000, 2);
    const reworded =
      'What is the best way to paginate orders and customers in PostgreSQL if writes must not block? I attempted OFFSET and LIMIT but it takes minutes.';
    assert.deepEqual(
      index.lookup(fp(reworded), 0.55, 0).map((m) => m.key),
      [1],
    );
    assert.deepEqual(index.lookup(fp(reworded), 0.55, 1001), [], 'older than the window');
  });

  it('keeps at most its capacity, dropping the oldest', () => {
    const index = new NearDuplicateIndex(3);
    const g = new Gen(5);
    const texts = Array.from({ length: 5 }, () => pastedFile(g, 3));
    texts.forEach((t, i) => index.add(fp(t), i, i));
    assert.equal(index.size, 3);
    assert.deepEqual(index.lookup(fp(texts[0]), 0.9, 0), [], 'the oldest is gone');
    assert.deepEqual(
      index.lookup(fp(texts[4]), 0.9, 0).map((m) => m.key),
      [4],
    );
  });

  it('examines a small share of 10,000 varied fingerprints per lookup', () => {
    const index = new NearDuplicateIndex(10_000);
    const g = new Gen(9);
    const vocabulary = Array.from({ length: 5000 }, () => Math.floor(g.random() * 2 ** 40).toString(36));
    const prompt = () => Array.from({ length: 20 }, () => g.pick(vocabulary)).join(' ');
    for (let i = 0; i < 10_000; i++) index.add(fp(prompt()), 0, i);
    index.lookup(fp(prompt()), 0.55, 0);
    assert.ok(index.lastCandidates < 500, `${index.lastCandidates} candidates`);
  });
});

describe('prompt hygiene: detectors', () => {
  const ask = (ts: number, question: string, extra: Partial<Step> = {}): Step => ({ ts, question, ...extra });

  it('repeated prompt: the third ask within ten minutes is one finding, its saving the request cost; a fourth is not another', () => {
    const analyzer = newAnalyzer();
    const first = runSteps(analyzer, [ask(T0, QUESTION), ask(T0 + MINUTE, QUESTION.toUpperCase())]);
    assert.deepEqual(first, []);
    const usage = { inputTokens: 200, outputTokens: 45, cacheReadTokens: 1000, cacheWriteTokens: 0 };
    const third: PromptObservation = {
      source: 'gateway',
      provider: 'openai',
      model: MODEL,
      ts: T0 + 2 * MINUTE,
      text: QUESTION,
      question: `${QUESTION} Thanks!`,
      usage,
    };
    const findings = analyzer.analyze(third, 1200);
    assert.deepEqual(
      findings.map((f) => f.kind),
      ['repeatedPrompt'],
    );
    const f = findings[0];
    assert.equal(f.kind, 'repeatedPrompt');
    const cost = new PriceBook().costOf({ model: MODEL, ...usage })!;
    assert.equal(f.saving.usd, cost);
    assert.equal(f.saving.tokens, 1245);
    assert.equal(f.saving.fix, 'reuse-answer');
    assert.match(f.evidence, /asked 3 times within 10 m/);
    assert.deepEqual(runSteps(analyzer, [ask(T0 + 3 * MINUTE, QUESTION)]), [], 'the same run is reported once');
  });

  it('repeated prompt: three asks spread over more than the window, or short replies like "continue", are not findings', () => {
    assert.deepEqual(runSteps(newAnalyzer(), [ask(T0, QUESTION), ask(T0 + 6 * MINUTE, QUESTION), ask(T0 + 12 * MINUTE, QUESTION)]), []);
    assert.deepEqual(runSteps(newAnalyzer(), [ask(T0, 'continue'), ask(T0 + 1000, 'continue'), ask(T0 + 2000, 'continue')]), []);
  });

  it('costs findings at the peak multiplier in force', () => {
    const steps = [ask(T0, QUESTION), ask(T0 + 1000, QUESTION), ask(T0 + 2000, QUESTION)];
    const plain = runSteps(newAnalyzer(), steps)[0];
    const peak = runSteps(newAnalyzer(DEFAULT_HYGIENE_SETTINGS, 2), steps)[0];
    assert.equal(peak.multiplier, 2);
    assert.ok(plain.costUsd! > 0);
    assert.equal(peak.costUsd, plain.costUsd! * 2);
    assert.equal(peak.saving.usd, plain.saving.usd! * 2);
  });

  it('retry storm: the same request after two failures; successes are not a storm', () => {
    const failed = runSteps(newAnalyzer(), [
      ask(T0, QUESTION, { error: 'HTTP 429' }),
      ask(T0 + 5000, QUESTION, { error: 'HTTP 429' }),
      ask(T0 + 10_000, QUESTION),
    ]);
    const storm = failed.filter((f) => f.kind === 'retryStorm');
    assert.equal(storm.length, 1);
    assert.match(storm[0].evidence, /3 times within 2 m after 2 failures/);
    assert.equal(storm[0].saving.fix, 'back-off');
    const fine = runSteps(newAnalyzer(), [ask(T0, QUESTION), ask(T0 + 5000, QUESTION), ask(T0 + 10_000, QUESTION)]);
    assert.ok(!fine.some((f) => f.kind === 'retryStorm'));
  });

  it('verbose prompt: far above the usual size for that source and model, with the excess as saving', () => {
    const g = new Gen(3);
    const history: Step[] = Array.from({ length: 25 }, (_, i) => ask(T0 + i * MINUTE, `${QUESTION} ${i}`));
    const big = ask(T0 + 30 * MINUTE, `${QUESTION}\n\n${pastedFile(g, 400)}`);
    const findings = runSteps(newAnalyzer(), [...history, big]).filter((f) => f.kind === 'verbosePrompt');
    assert.equal(findings.length, 1);
    assert.match(findings[0].evidence, /× your usual \d+ for gpt-4o through gateway/);
    assert.ok(findings[0].saving.tokens > 0 && findings[0].saving.tokens < findings[0].tokens);
    assert.equal(findings[0].saving.fix, 'trim-context');
    const fewSamples = runSteps(newAnalyzer(), [...history.slice(0, 5), big]);
    assert.ok(!fewSamples.some((f) => f.kind === 'verbosePrompt'), 'no verdict before 20 samples');
  });

  it('re-pasted block: the same file pasted into a new question within the hour', () => {
    const g = new Gen(4);
    const file = pastedFile(g, 120);
    const findings = runSteps(newAnalyzer(), [
      ask(T0, `Why is this slow?\n\n${file}`),
      ask(T0 + 10 * MINUTE, `Where is the bug?\n\n${file}`),
    ]);
    assert.deepEqual(
      findings.map((f) => f.kind),
      ['resentPaste'],
    );
    const later = runSteps(newAnalyzer(), [ask(T0, `Why is this slow?\n\n${file}`), ask(T0 + 61 * MINUTE, `Where is the bug?\n\n${file}`)]);
    assert.deepEqual(later, []);
  });

  it('filler: courtesy and repeated instructions over the threshold; a plain question is fine', () => {
    const padded = `I hope this message finds you well and that you are having a great day. ${QUESTION} Thank you so much in advance for your help with this. Keep the answer under ten lines. Keep the answer under ten lines.`;
    const findings = runSteps(newAnalyzer(), [ask(T0, padded)]);
    assert.deepEqual(
      findings.map((f) => f.kind),
      ['filler'],
    );
    assert.equal(findings[0].saving.fix, 'trim-filler');
    assert.deepEqual(runSteps(newAnalyzer(), [ask(T0, `${QUESTION} Thanks!`)]), []);
  });

  it('context loop: ten quick agent steps each re-sending a large context, reported once per run', () => {
    const g = new Gen(6);
    let context = agentContext(g, 20, 60);
    const steps: Step[] = [];
    for (let i = 0; i < 21; i++) {
      context += `\n\nTool result ${i}: ${pastedFile(g, 2)}`;
      steps.push({ ts: T0 + i * 10_000, context });
    }
    const loops = runSteps(newAnalyzer(), steps).filter((f) => f.kind === 'contextLoop');
    assert.equal(loops.length, 2, 'steps 2-11 make one run, 12-21 the next');
    assert.equal(loops[0].saving.fix, 'fresh-conversation');
    const slow = steps.map((s, i) => ({ ...s, ts: T0 + i * 2 * MINUTE }));
    assert.ok(!runSteps(newAnalyzer(), slow).some((f) => f.kind === 'contextLoop'), 'at a human pace it is a conversation');
  });

  it('output budget: 64k on a one-line question, not on a large request', () => {
    const findings = runSteps(newAnalyzer(), [ask(T0, QUESTION, { maxOutputTokens: 64_000 })]);
    assert.deepEqual(
      findings.map((f) => f.kind),
      ['outputBudget'],
    );
    assert.equal(findings[0].saving.tokens, 64_000 - 4096);
    assert.deepEqual(runSteps(newAnalyzer(), [ask(T0, QUESTION, { maxOutputTokens: 8000 })]), []);
  });

  it('turned-off detectors find nothing', () => {
    const settings = { ...DEFAULT_HYGIENE_SETTINGS, detectors: { ...DEFAULT_HYGIENE_SETTINGS.detectors, outputBudget: false } };
    assert.deepEqual(runSteps(newAnalyzer(settings), [ask(T0, QUESTION, { maxOutputTokens: 64_000 })]), []);
  });

  it('findings carry no prompt text', () => {
    const g = new Gen(8);
    const file = pastedFile(g, 120);
    const secret = 'zebrafish-credential-7731';
    const steps = [
      ask(T0, `${secret} ${QUESTION}\n\n${file}`, { maxOutputTokens: 64_000 }),
      ask(T0 + 1000, `${secret} ${QUESTION}\n\n${file}`),
      ask(T0 + 2000, `${secret} ${QUESTION}\n\n${file}`),
    ];
    const findings = runSteps(newAnalyzer(), steps);
    assert.ok(findings.length >= 2);
    const stored = JSON.stringify(findings);
    assert.ok(!stored.includes(secret) && !stored.includes('paginate') && !stored.includes('loadUser'));
  });
});

describe('prompt hygiene: warnings, settings, report', () => {
  it('rate limiter: one warning per kind per interval on an injected clock, snooze and mute', () => {
    const limiter = new WarningRateLimiter(60 * MINUTE);
    let now = T0;
    assert.equal(limiter.tryWarn('repeatedPrompt', now, []), true);
    assert.equal(limiter.tryWarn('repeatedPrompt', (now += 59 * MINUTE), []), false);
    assert.equal(limiter.tryWarn('filler', now, []), true, 'kinds are limited separately');
    assert.equal(limiter.tryWarn('repeatedPrompt', (now += MINUTE), []), true);
    limiter.snooze(now, 60 * MINUTE);
    assert.equal(limiter.tryWarn('contextLoop', now + 30 * MINUTE, []), false);
    assert.equal(limiter.tryWarn('contextLoop', now + 60 * MINUTE, []), true);
    assert.equal(limiter.tryWarn('outputBudget', now + 60 * MINUTE, ['outputBudget']), false);
  });

  it('rate limiter: the snooze and the last warning of each kind survive a reload', () => {
    const before = new WarningRateLimiter(60 * MINUTE);
    assert.equal(before.tryWarn('repeatedPrompt', T0, []), true);
    before.snooze(T0 + MINUTE, 60 * MINUTE);
    const after = new WarningRateLimiter(60 * MINUTE);
    after.restore(JSON.parse(JSON.stringify(before.toJSON())));
    assert.equal(after.tryWarn('filler', T0 + 30 * MINUTE, []), false, 'still snoozed');
    assert.equal(after.tryWarn('repeatedPrompt', T0 + 61 * MINUTE + 1, []), true, 'snooze over, interval over');
    assert.equal(after.tryWarn('filler', T0 + 62 * MINUTE, []), true);
    const fresh = new WarningRateLimiter(60 * MINUTE);
    fresh.restore({ snoozedUntil: 'soon', lastWarned: [['filler', 'x'], 7] });
    assert.equal(fresh.tryWarn('filler', T0, []), true, 'a malformed saved state is ignored');
  });

  it('holds a warning until two quiet seconds after the last keystroke', () => {
    assert.equal(typingQuietDelay(undefined, T0, 2000), 0);
    assert.equal(typingQuietDelay(T0 - 500, T0, 2000), 1500);
    assert.equal(typingQuietDelay(T0 - 2500, T0, 2000), 0);
  });

  it('settings: defaults, values, and a problem naming each bad value', () => {
    assert.deepEqual(parseHygieneSettings({}), { settings: DEFAULT_HYGIENE_SETTINGS, problems: [] });
    const { settings, problems } = parseHygieneSettings({
      repeatCount: 4,
      repeatWindowMinutes: 5,
      detectors: { filler: false, bogus: true },
      mutedKinds: ['retryStorm', 'nope'],
      verboseFactor: 1,
    });
    assert.equal(settings.repeatCount, 4);
    assert.equal(settings.repeatWindowMs, 5 * MINUTE);
    assert.equal(settings.detectors.filler, false);
    assert.deepEqual(settings.mutedKinds, ['retryStorm']);
    assert.equal(settings.verboseFactor, DEFAULT_HYGIENE_SETTINGS.verboseFactor);
    assert.equal(problems.length, 3);
    assert.match(
      problems.join('\n'),
      /detectors: "bogus"[\s\S]*mutedKinds: "nope"[\s\S]*tokenMeter\.hygiene\.verboseFactor must be a number, 1\.5 or more \(got 1\); using 4\./,
    );
  });

  it('report: the last seven days by kind, then each finding with its fix', () => {
    const finding = (ts: number, usd: number): HygieneFinding => ({
      kind: 'repeatedPrompt',
      ts,
      source: 'gateway',
      provider: 'openai',
      model: MODEL,
      evidence: 'The same question was asked 3 times within 10 m, word for word.',
      tokens: 1245,
      costUsd: usd,
      multiplier: 1,
      saving: { tokens: 1245, usd, fix: 'reuse-answer' },
    });
    const now = T0 + 86_400_000;
    const text = hygieneReport(
      [finding(now - 60_000, 0.5), finding(now - 2 * 86_400_000, 0.25), finding(now - 8 * 86_400_000, 9)],
      now,
      'UTC',
    );
    assert.match(text, /^2 findings; fixing them would have saved about 2\.49k tokens \(\$0\.75 /m);
    assert.match(
      text,
      /\| Repeated prompt \| 2 \| 2\.49k \| 2\.49k tokens, \$0\.75 \| reuse the previous answer instead of asking again \|/,
    );
    assert.equal(text.match(/^- \*\*/gm)?.length, 2);
    assert.match(hygieneReport([], now, 'UTC'), /No findings/);
  });

  it('findings log: survives a reload, leaves out what is over 35 days old and unreadable lines, and never writes while reading', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-hygiene-'));
    const log = new FindingsLog(dir);
    const finding = (ts: number): HygieneFinding => ({
      kind: 'filler',
      ts,
      source: 'gateway',
      provider: 'openai',
      model: MODEL,
      evidence: 'About 40 tokens are filler.',
      tokens: 40,
      costUsd: 0.0001,
      multiplier: 1,
      saving: { tokens: 40, usd: 0.0001, fix: 'trim-filler' },
    });
    const legacy = path.join(dir, 'hygiene-findings.jsonl');
    fs.writeFileSync(legacy, `${JSON.stringify(finding(T0 - 40 * 86_400_000))}\n${JSON.stringify(finding(T0 - 86_400_000))}\n{not json\n`);
    log.append(finding(T0 - 35 * 86_400_000 - 60_000));
    log.append(finding(T0));
    const files = () =>
      new Map(
        fs
          .readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .map((f) => path.join(dir, f))
          .filter((f) => fs.statSync(f).isFile())
          .map((f) => [f, fs.readFileSync(f, 'utf8')]),
      );
    const before = files();
    const loaded = new FindingsLog(dir).load(T0);
    assert.deepEqual(files(), before, 'reading changed no file (another window may be appending)');
    assert.deepEqual(loaded, [finding(T0 - 86_400_000), finding(T0)]);
  });

  it('findings log: an append deletes whole expired days, and the old single file once all of it has expired', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-hygiene-'));
    const finding = (ts: number): HygieneFinding => ({
      kind: 'filler',
      ts,
      source: 'gateway',
      provider: 'openai',
      model: MODEL,
      evidence: 'e',
      tokens: 1,
      costUsd: 0,
      multiplier: 1,
      saving: { tokens: 1, usd: 0, fix: 'trim-filler' },
    });
    const legacy = path.join(dir, 'hygiene-findings.jsonl');
    fs.writeFileSync(legacy, `${JSON.stringify(finding(T0 - 40 * 86_400_000))}\n`);
    const first = new FindingsLog(dir);
    first.append(finding(T0 - 50 * 86_400_000));
    first.append(finding(T0 - 2 * 86_400_000));
    assert.deepEqual(
      fs.readdirSync(first.dir),
      [`${new Date(T0 - 2 * 86_400_000).toISOString().slice(0, 10)}.jsonl`],
      'the 50-day-old day is gone',
    );
    assert.equal(fs.existsSync(legacy), false, 'the old file held only expired findings');
    new FindingsLog(dir).append(finding(T0));
    assert.deepEqual(
      fs.readdirSync(first.dir).sort(),
      [new Date(T0 - 2 * 86_400_000).toISOString().slice(0, 10), new Date(T0).toISOString().slice(0, 10)].map((d) => `${d}.jsonl`),
    );
  });
});

describe('prompt hygiene: what the gateway hands over', () => {
  it('reads the final user question and the output budget from request bodies', () => {
    const chat = readRequestFacts(
      Buffer.from(
        JSON.stringify({
          model: 'gpt-4o',
          max_completion_tokens: 900,
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Why?' },
          ],
        }),
      ),
    );
    assert.equal(chat.question, 'Why?');
    assert.equal(chat.maxOutputTokens, 900);
    const toolStep = readRequestFacts(
      Buffer.from(
        JSON.stringify({
          model: 'gpt-4o',
          messages: [
            { role: 'user', content: 'Why?' },
            { role: 'tool', content: 'result' },
          ],
        }),
      ),
    );
    assert.equal(toolStep.question, undefined);
    const anthropic = readRequestFacts(
      Buffer.from(
        JSON.stringify({
          model: 'claude',
          max_tokens: 1000,
          thinking: { type: 'enabled', budget_tokens: 32_000 },
          messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'x' }] }],
        }),
      ),
    );
    assert.equal(anthropic.question, undefined);
    assert.equal(anthropic.maxOutputTokens, 32_000);
    const responses = readRequestFacts(
      Buffer.from(JSON.stringify({ model: 'gpt-4o', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi there' }] }] })),
    );
    assert.equal(responses.question, 'Hi there');
  });

  it('gives the observer each answered or failed request, with the reported usage, after the response', async () => {
    const upstream = await new FakeUpstream().start();
    const seen: PromptObservation[] = [];
    const gateway = new GatewayServer({
      secret: 's3cret',
      upstreams: { openai: upstream.url, anthropic: upstream.url },
      sink: { record: () => undefined },
      onPrompt: (o) => seen.push(o),
    });
    const port = await gateway.listen(0);
    try {
      const post = (model: string) =>
        fetch(`http://127.0.0.1:${port}/s3cret/openai/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, max_tokens: 300, messages: [{ role: 'user', content: QUESTION }] }),
        }).then((r) => r.text());
      await post('gpt-4o');
      await post('gpt-4o-429');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(seen.length, 2);
      assert.equal(seen[0].question, QUESTION);
      assert.equal(seen[0].maxOutputTokens, 300);
      assert.deepEqual(seen[0].usage, {
        inputTokens: CHAT_USAGE.prompt_tokens - 1000,
        outputTokens: CHAT_USAGE.completion_tokens,
        cacheReadTokens: 1000,
        cacheWriteTokens: 0,
      });
      assert.equal(seen[0].error, undefined);
      assert.equal(seen[1].error, 'HTTP 429');
    } finally {
      await gateway.close();
      await upstream.stop();
    }
  });
});
