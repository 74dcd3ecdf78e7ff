import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { GatewayServer, type GuardDecision } from '../../src/capture/gateway/server';
import { GatewayHost } from '../../src/capture/gateway/host';
import { makeEventId, type UsageEvent } from '../../src/core/events';
import { countTokens } from '../../src/core/tokenizer';
import { ANTHROPIC_USAGE, CHAT_USAGE, FakeUpstream, RESPONSES_USAGE, STREAM_WORDS } from '../support/fakeUpstream';

const SECRET = 'a'.repeat(32);
const API_KEY = 'sk-test-SECRET-KEY-never-stored-0123456789';

function rawRequest(
  port: number,
  options: { path: string; method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; firstChunkAt: number; endAt: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstChunkAt = 0;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: options.path,
        method: options.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (!firstChunkAt) firstChunkAt = performance.now() - started;
          chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            firstChunkAt,
            endAt: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('metering gateway (real SDKs → gateway → local fake upstream)', function () {
  this.timeout(30_000);
  const upstream = new FakeUpstream();
  const recorded: UsageEvent[] = [];
  let guard: (r: { provider: string; model: string }) => GuardDecision = () => ({ allow: true });
  let gateway: GatewayServer;
  let port = 0;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    await upstream.start();
    gateway = new GatewayServer({
      secret: SECRET,
      upstreams: { openai: upstream.url, anthropic: upstream.url },
      sink: { record: (e) => recorded.push(e) },
      guard: (r) => guard(r),
      maxBodyBytes: 1024 * 1024,
    });
    port = await gateway.listen(0);
    openai = new OpenAI({ apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}/${SECRET}/openai/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}/${SECRET}/anthropic`, maxRetries: 0 });
  });
  after(async () => {
    await gateway.close();
    await upstream.stop();
  });
  beforeEach(() => {
    recorded.length = 0;
    guard = () => ({ allow: true });
  });

  /** Events are recorded when the response ends; give the last bytes a moment to be parsed. */
  async function nextEvent(): Promise<UsageEvent> {
    for (let i = 0; i < 100 && recorded.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(recorded.length, 1, 'exactly one event per request');
    return recorded[0];
  }

  it('records OpenAI chat usage exactly as reported, cached tokens split from input', async () => {
    const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hello' }] });
    const e = await nextEvent();
    assert.equal(completion.choices[0].message.content, STREAM_WORDS.join(''));
    assert.deepEqual(
      [e.inputTokens, e.cacheReadTokens, e.outputTokens, e.reasoningTokens, e.cacheWriteTokens],
      [CHAT_USAGE.prompt_tokens - 1000, 1000, CHAT_USAGE.completion_tokens, 12, 0],
    );
    assert.equal(e.model, 'gpt-4o-2026-01-01', 'the model as the response reports it');
    assert.equal(e.requestId, completion.id);
    assert.equal(e.id, makeEventId('openai', completion.id));
    assert.equal(e.estimated, false);
    assert.equal(e.status, 200);
    assert.equal(e.source, 'gateway');
    assert.match(e.promptFingerprint ?? '', /^fp_[0-9a-f]{32}$/);
    assert.equal(upstream.requests.at(-1)!.headers.authorization, `Bearer ${API_KEY}`, 'auth passes through untouched');
  });

  it('reads usage from the final chunk of an OpenAI stream and streams every chunk through', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    const e = await nextEvent();
    assert.equal(text, STREAM_WORDS.join(''));
    assert.equal(e.inputTokens + e.cacheReadTokens, CHAT_USAGE.prompt_tokens);
    assert.equal(e.outputTokens, CHAT_USAGE.completion_tokens);
    assert.equal(e.estimated, false);
  });

  it('estimates with the tokenizer when a stream reports no usage, and says so', async () => {
    const messages = [{ role: 'user' as const, content: 'Explain the difference between a mutex and a semaphore, briefly.' }];
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-no-usage', messages, stream: true });
    for await (const chunk of stream) void chunk;
    const e = await nextEvent();
    assert.equal(e.estimated, true);
    assert.equal(e.outputTokens, countTokens(STREAM_WORDS.join(''), 'gpt-4o'));
    assert.equal(e.inputTokens, countTokens(messages[0].content, 'gpt-4o'));
  });

  it('meters the Responses API from response.completed, streaming and not', async () => {
    const stream = await openai.responses.create({ model: 'gpt-5', input: 'Write a haiku', stream: true });
    for await (const event of stream) void event;
    let e = await nextEvent();
    assert.deepEqual([e.inputTokens, e.cacheReadTokens, e.outputTokens, e.reasoningTokens], [800, 100, 70, 30]);
    assert.equal(e.requestId, 'resp_fake123');
    recorded.length = 0;
    const response = await openai.responses.create({ model: 'gpt-5', input: 'again' });
    e = await nextEvent();
    assert.equal(e.outputTokens, RESPONSES_USAGE.output_tokens);
    assert.equal(response.id, 'resp_fake123');
  });

  it('meters embeddings and completions', async () => {
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'vector me' });
    const embedding = await nextEvent();
    assert.deepEqual([embedding.inputTokens, embedding.outputTokens], [8, 0]);
    recorded.length = 0;
    await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'hello' });
    const completion = await nextEvent();
    assert.deepEqual([completion.inputTokens, completion.outputTokens], [5, 2]);
  });

  it('records Anthropic usage with cache reads and writes, non-streaming and streaming', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let e = await nextEvent();
    assert.deepEqual(
      [e.inputTokens, e.cacheWriteTokens, e.cacheReadTokens, e.outputTokens],
      [
        ANTHROPIC_USAGE.input_tokens,
        ANTHROPIC_USAGE.cache_creation_input_tokens,
        ANTHROPIC_USAGE.cache_read_input_tokens,
        ANTHROPIC_USAGE.output_tokens,
      ],
    );
    assert.equal(e.id, makeEventId('anthropic', message.id), 'the same id a Claude Code log record of this message gets');
    recorded.length = 0;
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    const final = await stream.finalMessage();
    e = await nextEvent();
    assert.equal(final.content[0].type === 'text' ? final.content[0].text : '', STREAM_WORDS.join(''));
    assert.equal(e.outputTokens, ANTHROPIC_USAGE.output_tokens, 'the final count from message_delta, not the placeholder');
    assert.equal(e.cacheReadTokens, ANTHROPIC_USAGE.cache_read_input_tokens);
    assert.equal(e.estimated, false);
  });

  it('passes count_tokens and unknown paths through without recording usage', async () => {
    const counted = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(counted.input_tokens, 42);
    const models = await openai.models.list();
    assert.equal(models.data[0].id, 'gpt-4o');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(recorded.length, 0);
  });

  it('gives the client exactly the bytes it gets directly, streaming and compressed', async () => {
    for (const body of [
      { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'x' }] },
      { model: 'gpt-4o-gzip', messages: [{ role: 'user', content: 'x' }] },
    ]) {
      const viaGateway = await rawRequest(port, { path: `/${SECRET}/openai/v1/chat/completions`, body: JSON.stringify(body) });
      const direct = await rawRequest(upstream.port, { path: '/v1/chat/completions', body: JSON.stringify(body) });
      // The fake's ids are random per response; compare with them normalised.
      const normalise = (b: Buffer, encoding: unknown) =>
        (encoding === 'gzip' ? zlib.gunzipSync(b) : b).toString('utf8').replace(/chatcmpl-[a-z0-9]+/g, 'chatcmpl-X');
      assert.equal(viaGateway.headers['content-encoding'], direct.headers['content-encoding']);
      assert.equal(
        normalise(viaGateway.body, viaGateway.headers['content-encoding']),
        normalise(direct.body, direct.headers['content-encoding']),
      );
    }
    // The compressed copy is decoded after the response has been passed on: wait for its event.
    let gzipEvent: UsageEvent | undefined;
    for (let i = 0; i < 200 && !gzipEvent; i++) {
      gzipEvent = recorded.find((e) => e.model.startsWith('gpt-4o-gzip'));
      if (!gzipEvent) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(gzipEvent?.outputTokens, CHAT_USAGE.completion_tokens, 'a gzip body is metered from a decompressed copy');
  });

  it('delivers a slow stream chunk by chunk, without buffering', async () => {
    const r = await rawRequest(port, {
      path: `/${SECRET}/openai/v1/chat/completions`,
      body: JSON.stringify({ model: 'gpt-4o-slow', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.ok(
      r.endAt - r.firstChunkAt > 600,
      `first bytes at ${r.firstChunkAt.toFixed(0)} ms, end at ${r.endAt.toFixed(0)} ms: the stream was buffered`,
    );
  });

  it('meters a stream the client abandons, marked estimated with status 499', async () => {
    const controller = new AbortController();
    const stream = await anthropic.messages.create(
      { model: 'claude-haiku-4-5-slow', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'long story please' }] },
      { signal: controller.signal },
    );
    let deltas = 0;
    try {
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && ++deltas === 2) controller.abort();
      }
    } catch {
      // The SDK may end the iteration or throw on abort; either way the connection is gone.
    }
    assert.equal(deltas, 2);
    const e = await nextEvent();
    assert.equal(e.status, 499);
    assert.equal(e.estimated, true);
    assert.equal(e.inputTokens, ANTHROPIC_USAGE.input_tokens, "input usage from message_start is still the provider's");
    assert.ok(e.outputTokens > 0);
  });

  it('meters partial output when the upstream fails mid-stream', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-error-mid',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const chunk of stream) void chunk;
    });
    const e = await nextEvent();
    assert.equal(e.estimated, true);
    assert.equal(e.outputTokens, countTokens(STREAM_WORDS.slice(0, 4).join(''), 'gpt-4o'));
  });

  it('returns upstream errors unchanged and records nothing for them', async () => {
    const r = await rawRequest(port, {
      path: `/${SECRET}/anthropic/v1/messages`,
      body: JSON.stringify({ model: 'claude-x-bad', messages: [] }),
    });
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.body.toString()), {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    });
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(recorded.length, 0);
  });

  it("refuses over budget in each provider's own error format, naming the budget", async () => {
    guard = () => ({
      allow: false,
      message: 'Daily budget of $5 (set by this workspace) is used up. Run "Token Meter: Allow 1 Hour Over Budget" to continue.',
    });
    const probe = 'over-budget-probe';
    await assert.rejects(
      openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: probe }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 429);
        assert.match(error.message, /Daily budget of \$5 \(set by this workspace\)/);
        assert.equal((error as { code?: string }).code, 'token_meter_budget_exceeded');
        return true;
      },
    );
    await assert.rejects(
      anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: probe }] }),
      (error: unknown) => {
        assert.ok(error instanceof Anthropic.RateLimitError);
        assert.match(error.message, /Allow 1 Hour Over Budget/);
        return true;
      },
    );
    assert.equal(recorded.length, 0);
    assert.equal(upstream.requests.filter((r) => r.body.includes(probe)).length, 0, 'refused requests never reach the upstream');
  });

  describe('security', () => {
    it('refuses a foreign Host (DNS rebinding) and browser Origins with 403', async () => {
      const body = JSON.stringify({ model: 'gpt-4o', messages: [] });
      const rebinding = await rawRequest(port, {
        path: `/${SECRET}/openai/v1/chat/completions`,
        headers: { host: 'evil.example.com' },
        body,
      });
      assert.equal(rebinding.status, 403);
      assert.match(rebinding.body.toString(), /only answers requests addressed to 127\.0\.0\.1 or localhost/);
      const browser = await rawRequest(port, {
        path: `/${SECRET}/openai/v1/chat/completions`,
        headers: { origin: 'https://example.com' },
        body,
      });
      assert.equal(browser.status, 403);
      const localhost = await rawRequest(port, {
        path: `/${SECRET}/openai/v1/models`,
        method: 'GET',
        headers: { host: `localhost:${port}` },
      });
      assert.equal(localhost.status, 200);
    });

    it('answers 404 without the per-install secret', async () => {
      for (const p of ['/openai/v1/models', `/${'b'.repeat(32)}/openai/v1/models`, '/']) {
        assert.equal((await rawRequest(port, { path: p, method: 'GET' })).status, 404, p);
      }
    });

    it('refuses bodies over the limit with a clear 413', async () => {
      const huge = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }] });
      const r = await rawRequest(port, { path: `/${SECRET}/openai/v1/chat/completions`, body: huge });
      assert.equal(r.status, 413);
      assert.match(JSON.parse(r.body.toString()).error.message, /larger than the Token Meter gateway accepts \(1 MB/);
      const chunked = await new Promise<number>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port, path: `/${SECRET}/anthropic/v1/messages`, method: 'POST' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(-1));
        for (let i = 0; i < 3; i++) req.write(Buffer.alloc(512 * 1024, 'y'));
        req.end();
      });
      assert.equal(chunked, 413, 'a body without Content-Length is cut off at the limit too');
    });

    it('survives malformed request bodies and keeps serving', async () => {
      const r = await rawRequest(port, { path: `/${SECRET}/openai/v1/chat/completions`, body: '{"model": "gpt-4o", "messages": [' });
      assert.ok(r.status >= 200);
      const ok = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'still alive?' }] });
      assert.ok(ok.id);
    });
  });
});

describe('gateway host: one gateway per machine', function () {
  this.timeout(30_000);

  it('persists a private secret, lets a second process follow, and takes over when the owner leaves', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-gw-'));
    const upstream = await new FakeUpstream().start();
    const events: string[] = [];
    const port = 40000 + Math.floor(Math.random() * 20000);
    const common = { dataDir, port, upstreams: { openai: upstream.url, anthropic: upstream.url }, checkEveryMs: 200 };
    const first = await GatewayHost.start({ ...common, sink: { record: () => events.push('first') } });
    const second = await GatewayHost.start({ ...common, sink: { record: () => events.push('second') } });
    assert.equal(first.role, 'owner');
    assert.equal(second.role, 'follower');
    assert.equal(first.state.secret, second.state.secret);
    assert.equal(fs.statSync(path.join(dataDir, 'gateway.json')).mode & 0o777, 0o600);
    const client = new OpenAI({ apiKey: API_KEY, baseURL: first.urls.openai, maxRetries: 0 });
    await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    await first.dispose();
    for (let i = 0; i < 50 && (second.role as string) !== 'owner'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(second.role as string, 'owner', 'the follower took over');
    await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(events, ['first', 'second']);
    await second.dispose();
    await upstream.stop();
    const written = fs
      .readdirSync(dataDir)
      .map((f) => fs.readFileSync(path.join(dataDir, f), 'utf8'))
      .join('\n');
    assert.ok(!written.includes(API_KEY), 'no API key in any file the gateway writes');
  });
});
