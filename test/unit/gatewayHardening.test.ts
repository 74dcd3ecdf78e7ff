import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_METER_LIMITS, type ResponseFacts } from '../../src/capture/gateway/meter';
import { matchAnthropicRoute } from '../../src/capture/gateway/anthropic';
import { matchOpenAiRoute } from '../../src/capture/gateway/openai';
import { promptFingerprint } from '../../src/capture/gateway/requestFacts';
import { SseParser, type SseEvent } from '../../src/capture/gateway/sse';
import { parseRequestTarget, upstreamUrl } from '../../src/capture/gateway/target';
import { usageEventFor } from '../../src/capture/gateway/usageEvent';
import { estimateTokens, MAX_TOKENIZED_CHARS } from '../../src/core/tokenizer/estimate';
import { MAX_STRING, validateUsageEvent } from '../../src/core/events';
import { countTokens } from '../../src/core/tokenizer';

const encode = (s: string) => new TextEncoder().encode(s);

function parse(chunks: string[], maxLineChars?: number): { events: SseEvent[]; parser: SseParser } {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e), maxLineChars);
  for (const c of chunks) parser.feed(encode(c));
  parser.end();
  return { events, parser };
}

describe('gateway meter: bounded SSE parsing', () => {
  it('gives the same events however the bytes are split (property)', () => {
    const stream = 'event: a\ndata: one\r\n\r\n: comment\ndata: two\ndata: lines\n\ndata: {"x":"é✓"}\n\nevent: b\ndata:last';
    const whole = parse([stream]).events;
    assert.equal(whole.length, 4);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 12 }), (cuts) => {
        const bytes = encode(stream);
        const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
        const events: SseEvent[] = [];
        const parser = new SseParser((e) => events.push(e));
        let from = 0;
        for (const p of [...points, bytes.length]) {
          parser.feed(bytes.subarray(from, p));
          from = p;
        }
        parser.end();
        assert.deepEqual(events, whole);
      }),
    );
  });

  it('stops at a line longer than the bound, default and injected', () => {
    const long = parse([`data: ${'x'.repeat(DEFAULT_METER_LIMITS.maxLineChars)}`, '\n\ndata: after\n\n']);
    assert.equal(long.parser.overflowed, true);
    assert.deepEqual(long.events, []);
    const fits = parse([`data: ${'x'.repeat(DEFAULT_METER_LIMITS.maxLineChars - 10)}\n\n`]);
    assert.equal(fits.parser.overflowed, false);
    assert.equal(fits.events.length, 1);
    const injected = parse(['data: ', 'y'.repeat(50), 'y'.repeat(50), '\n\n', 'data: after\n\n'], 64);
    assert.equal(injected.parser.overflowed, true);
    assert.deepEqual(injected.events, []);
  });

  it('stops when one event gathers more data lines than the bound, none of them long', () => {
    const { parser, events } = parse([Array.from({ length: 100 }, () => 'data: 0123456789\n').join('')], 256);
    assert.equal(parser.overflowed, true);
    assert.deepEqual(events, []);
  });
});

describe('gateway meter: bounded copies of answers', () => {
  it('keeps at most maxTextChars of a streamed answer and counts the rest', () => {
    const meter = matchOpenAiRoute('POST', '/v1/chat/completions')!.createMeter(true, { maxTextChars: 100 });
    for (let i = 0; i < 10; i++)
      meter.feed(encode(`data: ${JSON.stringify({ choices: [{ delta: { content: 'abcdefghij'.repeat(3) } }] })}\n\n`));
    const facts = meter.finish();
    assert.equal(facts.outputText.length, 100);
    assert.equal(facts.outputChars, 300);
    assert.equal(facts.meteringStopped, undefined);
  });

  it('stops reading a body past maxDecodedBytes, streaming or JSON, and says so', () => {
    const stream = matchAnthropicRoute('POST', '/v1/messages')!.createMeter(true, { maxDecodedBytes: 1000 });
    stream.feed(
      encode(
        `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 12, output_tokens: 1 } } })}\n\n`,
      ),
    );
    assert.equal(stream.stopped, false);
    stream.feed(new Uint8Array(2000));
    assert.equal(stream.stopped, true);
    const facts = stream.finish();
    assert.equal(facts.meteringStopped, true);
    assert.equal(facts.usage?.inputTokens, 12, 'what was read before the bound is kept');
    assert.equal(facts.usage?.outputTokens, undefined, 'the placeholder output count is not a report');
    const json = matchOpenAiRoute('POST', '/v1/chat/completions')!.createMeter(false, { maxDecodedBytes: 10 });
    json.feed(encode('{"usage":{"prompt_tokens":1,"completion_tokens":2}}'));
    assert.equal(json.stopped, true);
    assert.equal(json.finish().meteringStopped, true);
  });
});

describe('gateway estimate: bounded work', () => {
  const prose = 'The quick brown fox jumps over the lazy dog while the compiler warns about unused imports. ';

  it('counts short text exactly', () => {
    const text = prose.repeat(20);
    assert.equal(estimateTokens(text, 'gpt-4o'), countTokens(text, 'gpt-4o'));
  });

  it('tokenizes at most MAX_TOKENIZED_CHARS of a 29 MB prompt, in pieces of at most 1 Ki characters, within 2% of the exact count', () => {
    const text = prose.repeat(Math.ceil(29e6 / prose.length));
    let tokenized = 0;
    let longest = 0;
    const estimate = estimateTokens(text, 'gpt-4o', {
      count: (piece, model) => {
        tokenized += piece.length;
        longest = Math.max(longest, piece.length);
        return countTokens(piece, model);
      },
    });
    assert.ok(tokenized <= MAX_TOKENIZED_CHARS, `tokenized ${tokenized} characters`);
    assert.ok(longest <= 1024, `a piece of ${longest} characters`);
    // The text repeats one sentence, so its exact count is the count of 1,000 repeats, scaled.
    const exact = (countTokens(prose.repeat(1000), 'gpt-4o') / 1000) * Math.ceil(29e6 / prose.length);
    assert.ok(Math.abs(estimate - exact) / exact < 0.02, `estimate ${estimate}, exact ${exact}`);
  });

  it('cuts a run without spaces into pieces, and scales a kept prefix to the whole length', () => {
    const pieces: number[] = [];
    estimateTokens('x'.repeat(20_000), 'gpt-4o', { count: (p) => (pieces.push(p.length), 1) });
    assert.ok(Math.max(...pieces) <= 1024);
    assert.equal(estimateTokens('abcd', 'gpt-4o', { totalChars: 40, count: () => 3 }), 30);
  });

  it('fingerprints a huge prompt by its ends and length, cheaply and deterministically', () => {
    const big = prose.repeat(100_000);
    assert.equal(promptFingerprint(big), promptFingerprint(big.slice(0)));
    assert.notEqual(promptFingerprint(big), promptFingerprint(`X${big.slice(1)}`));
    assert.notEqual(promptFingerprint(big), promptFingerprint(big + prose));
    assert.equal(promptFingerprint('  Hello   World '), promptFingerprint('hello world'));
    assert.equal(promptFingerprint('   '), undefined);
  });
});

describe('gateway usage events: always what the reader accepts', () => {
  const NOW = Date.UTC(2026, 11, 1, 12);

  it('truncates a 100 KB model name instead of producing a record the reader drops', () => {
    const event = usageEventFor({
      source: 'gateway',
      provider: 'openai',
      request: { model: 'm'.repeat(100_000), streaming: false, promptText: 'hi' },
      facts: { outputText: 'ok', responseId: 'r'.repeat(5000) },
      status: 200,
      aborted: false,
      started: NOW,
      now: NOW,
    })!;
    assert.equal(event.model.length, MAX_STRING);
    assert.equal(event.requestId?.length, MAX_STRING);
    assert.doesNotThrow(() => validateUsageEvent(event, NOW));
  });

  it('for any response facts, the event validates (property)', () => {
    const count = fc.oneof(fc.nat(), fc.constant(2 ** 53 - 1), fc.integer({ min: 100_000_000, max: 2 ** 40 }));
    const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constant(' '), fc.string({ minLength: 600, maxLength: 1200 }));
    fc.assert(
      fc.property(
        fc.record(
          { inputTokens: count, outputTokens: count, cacheReadTokens: count, cacheWriteTokens: count, reasoningTokens: count },
          { requiredKeys: [] },
        ),
        fc.option(text, { nil: undefined }),
        fc.option(text, { nil: undefined }),
        fc.option(text, { nil: undefined }),
        fc.integer({ min: -10_000, max: 10_000 }),
        fc.boolean(),
        fc.constantFrom(200, 201, 429, 500),
        (usage, model, requestModel, responseId, skew, stopped, status) => {
          const facts: ResponseFacts = { usage, model, responseId, outputText: 'some output', meteringStopped: stopped || undefined };
          const event = usageEventFor({
            source: 'gateway',
            provider: 'anthropic',
            request: { model: requestModel, streaming: true, promptText: 'a prompt' },
            facts,
            status,
            aborted: false,
            started: NOW + skew,
            now: NOW,
          });
          assert.ok(event);
          assert.doesNotThrow(() => validateUsageEvent(event, NOW), JSON.stringify(event).slice(0, 300));
          if (stopped) assert.equal(event.estimated, true);
        },
      ),
    );
  });
});

describe('gateway target: only ever the upstream', () => {
  it('for any request target, a forward URL is refused or on the upstream origin under its path (property)', () => {
    const upstreams = [
      new URL('https://api.openai.com'),
      new URL('http://127.0.0.1:8080/api/'),
      new URL('https://proxy.example/openai/v1'),
    ];
    const piece = fc.oneof(
      fc.constantFrom('/', '//', '\\', '%2F', '%5c', '..', '%2e%2E', '.', '@', ':', '?', '#', '%00', '%', 'http:', 'evil.example', '\t'),
      fc.string({ maxLength: 5 }),
      fc.string({ unit: 'binary', maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...upstreams), fc.array(piece, { maxLength: 14 }), (upstream, pieces) => {
        const parsed = parseRequestTarget(`/${pieces.join('')}`);
        if (!parsed.ok) return;
        const target = upstreamUrl(upstream, parsed.value.segments, parsed.value.query, parsed.value.trailingSlash);
        if (!target.ok) return;
        assert.equal(target.value.origin, upstream.origin);
        assert.ok(target.value.pathname.startsWith(upstream.pathname.replace(/\/?$/, '/')), target.value.href);
        assert.ok(!target.value.pathname.includes('//'), target.value.href);
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps an ordinary API path, its query and encoded characters as sent', () => {
    const parsed = parseRequestTarget('/v1//chat/completions/?api-version=2025-01-01&x=%2F');
    assert.ok(parsed.ok);
    const target = upstreamUrl(
      new URL('https://x.openai.azure.com/openai/deployments/my%20model'),
      parsed.value.segments,
      parsed.value.query,
      parsed.value.trailingSlash,
    );
    assert.ok(target.ok);
    assert.equal(
      target.value.href,
      'https://x.openai.azure.com/openai/deployments/my%20model/v1/chat/completions/?api-version=2025-01-01&x=%2F',
    );
    for (const refused of ['//evil/x', 'evil/x', '/a/%2F%2Fevil', '/a/..', '/a/%2e%2e/b', '/a\\b', '/a/%zz']) {
      const result = parseRequestTarget(refused);
      if (refused === '//evil/x') {
        assert.ok(result.ok && result.value.segments[0] === 'evil', 'repeated slashes collapse into a path, never a host');
        continue;
      }
      assert.equal(result.ok, false, refused);
    }
  });
});
