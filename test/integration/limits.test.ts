import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { recordLimitHeaders } from '../../src/capture/gateway/limitHeaders';
import { GatewayServer } from '../../src/capture/gateway/server';
import { accountKey } from '../../src/core/limits/headers';
import { LIMITS_FILE, LimitStore } from '../../src/store/limitStore';
import { FakeUpstream, STREAM_WORDS } from '../support/fakeUpstream';

const SECRET = 'b'.repeat(32);
const OAUTH_TOKEN = 'sk-ant-oat01-SUBSCRIPTION-TOKEN-never-stored-0123456789';
const BETA = 'oauth-2025-04-20,claude-code-20250219';
const ORG_ID = '4b7c2e1a-0000-4000-8000-123456789abc';
const P = 'anthropic-ratelimit-unified-';

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("limits through the gateway: subscription traffic's rate-limit headers are recorded, the traffic passes unchanged", function () {
  this.timeout(30_000);
  const upstream = new FakeUpstream();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-limits-'));
  const store = new LimitStore(dataDir);
  const problems: string[] = [];
  let gateway: GatewayServer;
  let port = 0;
  const reset5h = Math.floor(Date.now() / 1000) + 2 * 3600;
  const reset7d = Math.floor(Date.now() / 1000) + 3 * 86400;

  before(async () => {
    await upstream.start();
    gateway = new GatewayServer({
      secret: SECRET,
      upstreams: { openai: upstream.url, anthropic: upstream.url },
      sink: { record: () => undefined },
      onResponseHeaders: recordLimitHeaders(store, (m) => problems.push(m)),
    });
    port = await gateway.listen(0);
  });
  after(async () => {
    await gateway.close();
    await upstream.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    upstream.requests.length = 0;
    fs.rmSync(path.join(dataDir, LIMITS_FILE), { force: true });
    upstream.extraResponseHeaders = {
      'anthropic-organization-id': ORG_ID,
      [`${P}status`]: 'allowed',
      [`${P}5h-status`]: 'allowed',
      [`${P}5h-utilization`]: '0.42',
      [`${P}5h-reset`]: String(reset5h),
      [`${P}7d-status`]: 'allowed',
      [`${P}7d-utilization`]: '0.18',
      [`${P}7d-reset`]: String(reset7d),
      [`${P}7d_oi-utilization`]: '0.07',
      [`${P}7d_oi-reset`]: String(reset7d),
      [`${P}representative-claim`]: 'five_hour',
    };
  });

  function subscriptionClient(): Anthropic {
    return new Anthropic({
      apiKey: null,
      authToken: OAUTH_TOKEN,
      baseURL: `http://127.0.0.1:${port}/${SECRET}/anthropic`,
      defaultHeaders: { 'anthropic-beta': BETA },
      maxRetries: 0,
    });
  }

  function assertBearerPassedUnchanged(): void {
    assert.equal(upstream.requests.length, 1);
    const headers = upstream.requests[0].headers;
    assert.equal(headers.authorization, `Bearer ${OAUTH_TOKEN}`);
    assert.equal(headers['x-api-key'], undefined);
    assert.equal(headers['anthropic-beta'], BETA);
  }

  function assertNoSecretOnDisk(): void {
    const text = fs.readFileSync(path.join(dataDir, LIMITS_FILE), 'utf8');
    assert.ok(!text.includes(OAUTH_TOKEN) && !text.includes('oat01'), 'the token is never written');
    assert.ok(!text.includes(ORG_ID), 'the organization id is stored only as a short hash');
    assert.equal(fs.statSync(path.join(dataDir, LIMITS_FILE)).mode & 0o777, 0o600);
  }

  it('JSON response: the real SDK with a bearer token; every window recorded, the binding claim kept', async () => {
    const { data, response } = await subscriptionClient()
      .messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal((data.content[0] as { text: string }).text, STREAM_WORDS.join(''));
    assert.equal(response.headers.get(`${P}5h-utilization`), '0.42', 'the client sees the headers too');
    assertBearerPassedUnchanged();
    const latest = await until(() => (store.latest().length === 3 ? store.latest() : undefined), 'three readings');
    const w = Object.fromEntries(latest.map((r) => [r.window, r]));
    assert.equal(w['5h'].usedRatio, 0.42);
    assert.equal(w['5h'].resetsAt, reset5h * 1000);
    assert.equal(w['5h'].binding, true);
    assert.equal(w['7d'].usedRatio, 0.18);
    assert.equal(w['7d_oi'].usedRatio, 0.07);
    assert.ok(latest.every((r) => r.source === 'anthropic-headers' && r.account === accountKey(ORG_ID) && r.provider === 'anthropic'));
    assertNoSecretOnDisk();
    assert.deepEqual(problems, []);
  });

  it('SSE response: recorded the same way, the stream arrives whole', async () => {
    upstream.extraResponseHeaders[`${P}5h-utilization`] = '0.43';
    const stream = subscriptionClient().messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const text = await stream.finalText();
    assert.equal(text, STREAM_WORDS.join(''));
    assertBearerPassedUnchanged();
    const fiveHour = await until(() => store.latest().find((r) => r.window === '5h'), 'the 5h reading');
    assert.equal(fiveHour.usedRatio, 0.43);
    assert.equal(store.read().history[`anthropic\u0000${accountKey(ORG_ID)}\u00005h`]?.at(-1)?.[1], 0.43);
    assertNoSecretOnDisk();
  });

  it('the request body reaches the upstream byte for byte', async () => {
    const body = Buffer.from(
      '{ "model":"claude-sonnet-4-6",\n  "max_tokens": 8, "messages":[{"role":"user","content":"h\\u00e9llo ✓"}] }\n',
    );
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: `/${SECRET}/anthropic/v1/messages`,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${OAUTH_TOKEN}`,
            'anthropic-beta': BETA,
            'anthropic-version': '2023-06-01',
          },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assertBearerPassedUnchanged();
    assert.deepEqual(Buffer.from(upstream.requests[0].body, 'utf8'), body);
  });

  it("OpenAI: Codex's x-codex-* windows on a streamed response are recorded", async () => {
    upstream.extraResponseHeaders = {
      'x-codex-primary-used-percent': '64',
      'x-codex-primary-reset-after-seconds': '1800',
      'x-codex-primary-window-minutes': '300',
      'x-codex-secondary-used-percent': '21',
      'x-codex-secondary-window-minutes': '10080',
      'x-codex-secondary-reset-after-seconds': '400000',
    };
    const openai = new OpenAI({
      apiKey: 'chatgpt-access-token-not-stored',
      baseURL: `http://127.0.0.1:${port}/${SECRET}/openai/v1`,
      maxRetries: 0,
    });
    const stream = await openai.chat.completions.create({ model: 'gpt-5', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    for await (const chunk of stream) void chunk;
    const latest = await until(() => (store.latest().length === 2 ? store.latest() : undefined), 'two readings');
    assert.deepEqual(latest.map((r) => [r.provider, r.window, r.usedRatio, r.source]).sort(), [
      ['openai', '5h', 0.64, 'openai-headers'],
      ['openai', '7d', 0.21, 'openai-headers'],
    ]);
    assert.ok(!fs.readFileSync(path.join(dataDir, LIMITS_FILE), 'utf8').includes('chatgpt-access-token'));
  });
});

describe('limit store', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-limitstore-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const base = { provider: 'anthropic', account: 'default', source: 'anthropic-headers' as const };

  it('keeps the latest per window, ignores older readings, moves the binding flag, and bounds history to a week', () => {
    let now = Date.parse('2026-11-20T12:00:00Z');
    const store = new LimitStore(dir, () => now);
    store.record([
      { ...base, window: '5h', usedRatio: 0.2, binding: true, resetsAt: now + 3600_000, observedAt: now },
      { ...base, window: '7d', usedRatio: 0.1, resetsAt: now + 86400_000, observedAt: now },
    ]);
    store.record([{ ...base, window: '5h', usedRatio: 0.1, observedAt: now - 1000 }]);
    assert.equal(store.latest().find((r) => r.window === '5h')?.usedRatio, 0.2, 'an older reading does not replace a newer one');
    store.record([{ ...base, window: '7d', usedRatio: 0.11, binding: true, resetsAt: now + 86400_000, observedAt: now + 1 }]);
    assert.deepEqual(
      store
        .latest()
        .filter((r) => r.binding)
        .map((r) => r.window),
      ['7d'],
    );
    assert.equal(
      store.record([{ ...base, window: '7d', usedRatio: 0.11, binding: true, resetsAt: now + 86400_000, observedAt: now + 2 }]),
      false,
      'unchanged and recent: no write',
    );
    for (let i = 1; i <= 8 * 24 * 4; i++) {
      now += 15 * 60_000;
      store.record([{ ...base, window: '7d', usedRatio: 0.11 + i / 10_000, resetsAt: now + 86400_000, observedAt: now }]);
    }
    const points = store.read().history['anthropic\u0000default\u00007d'];
    assert.ok(points.length <= 7 * 24 * 4 + 1 && points.length >= 7 * 24 * 4, `a week of quarter hours, got ${points.length}`);
    assert.ok(points[0][0] >= now - 7 * 86400_000);
    assert.equal(
      store.latest().find((r) => r.window === '5h'),
      undefined,
      'a reading whose window reset over a week ago is dropped',
    );
  });

  it('a damaged file reads as empty and is replaced by the next reading', () => {
    fs.writeFileSync(path.join(dir, LIMITS_FILE), '{"version":1,"latest":[{"provider":');
    const store = new LimitStore(dir);
    assert.deepEqual(store.read(), { latest: [], history: {} });
    store.record([{ ...base, window: '5h', usedRatio: 0.5, observedAt: Date.now() }]);
    assert.equal(store.latest().length, 1);
  });
});
