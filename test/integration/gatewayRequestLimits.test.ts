import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { GatewayServer } from '../../src/capture/gateway/server';
import { MAX_STRING, type UsageEvent } from '../../src/core/events';
import { EVENTS_DIR, SegmentReader } from '../../src/store/eventLog';
import { UsageStore } from '../../src/store/usageStore';
import { testContext } from '../support/events';
import { FakeUpstream } from '../support/fakeUpstream';

/**
 * What a client controls on the way in: how slowly it uploads, and what it names its model. A
 * stalled upload is cut off; a long answer is not; an outlandish model name is truncated, never
 * the reason a request's usage is lost.
 */

const SECRET = 'e'.repeat(32);
const API_KEY = 'sk-test-LIMITS-KEY-0123456789';

describe('gateway: upload timeout and what reaches the store', function () {
  this.timeout(30_000);
  const upstream = new FakeUpstream();
  let gateway: GatewayServer;
  let port = 0;
  let dataDir = '';
  let store: UsageStore;
  const UPLOAD_TIMEOUT_MS = 400;

  before(async () => {
    await upstream.start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-gw-limits-'));
    store = UsageStore.open({ dataDir, context: testContext() });
    gateway = new GatewayServer({
      secret: SECRET,
      upstreams: { openai: upstream.url, anthropic: upstream.url },
      sink: store,
      uploadTimeoutMs: UPLOAD_TIMEOUT_MS,
    });
    port = await gateway.listen(0);
  });
  after(async () => {
    await gateway.close();
    store.dispose();
    await upstream.stop();
  });

  it('answers 408 and disconnects a body that stalls after the headers', async () => {
    const started = performance.now();
    const result = await new Promise<{ status: number; text: string; closedAfter: number }>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () =>
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text, closedAfter: performance.now() - started }),
      );
      socket.write(
        `POST /${SECRET}/anthropic/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":`,
      );
      // ...and never the rest. Without a timeout the socket is held open for good.
      setTimeout(() => socket.destroy(), 10_000);
    });
    assert.equal(result.status, 408, result.text);
    assert.match(result.text, /"type":"error"/, "in Anthropic's error format");
    assert.match(result.text, /did not arrive within 400 ms/);
    assert.ok(result.closedAfter < 5000, `closed after ${result.closedAfter.toFixed(0)} ms`);
    assert.equal(upstream.requests.length, 0, 'nothing was forwarded');
  });

  it('closes a connection whose headers never finish', async () => {
    const closedAfter = await new Promise<number>((resolve) => {
      const started = performance.now();
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.resume();
      socket.on('close', () => resolve(performance.now() - started));
      socket.write(`POST /${SECRET}/openai/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
      setTimeout(() => socket.destroy(), 10_000);
    });
    assert.ok(closedAfter < 5000, `closed after ${closedAfter.toFixed(0)} ms`);
  });

  it('lets an answer stream for longer than the upload timeout', async () => {
    const openai = new OpenAI({ apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}/${SECRET}/openai/v1`, maxRetries: 0 });
    const started = performance.now();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-slow', stream: true, messages: [{ role: 'user', content: 'x' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.ok(performance.now() - started > UPLOAD_TIMEOUT_MS * 2, 'the stream outlasted both upload timers');
    assert.equal(text, 'Hello there, this is a streamed answer.');
  });

  it('keeps the usage of a request with a 100 KB model name, the name truncated as the reader allows', async () => {
    const openai = new OpenAI({ apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}/${SECRET}/openai/v1`, maxRetries: 0 });
    const model = `gpt-4o-${'m'.repeat(100 * 1024)}`;
    const completion = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(completion.id);
    const events: UsageEvent[] = [];
    const problems: string[] = [];
    for (let i = 0; i < 100 && events.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      // A fresh reader validates every stored line, as every window and the CLI do when they read.
      new SegmentReader(path.join(dataDir, EVENTS_DIR), (m) => problems.push(m)).readNew((e) => events.push(e));
    }
    const kept = events.find((e) => e.requestId === completion.id);
    assert.ok(kept, `the event was read back (problems: ${problems.join('; ')})`);
    assert.equal(kept.model.length, MAX_STRING);
    assert.ok(model.startsWith(kept.model));
    assert.equal(kept.outputTokens, 45);
    assert.deepEqual(problems, []);
    const stored = fs
      .readdirSync(path.join(dataDir, EVENTS_DIR))
      .map((f) => fs.readFileSync(path.join(dataDir, EVENTS_DIR, f), 'utf8'))
      .join('');
    assert.ok(!stored.includes(API_KEY) && !stored.includes('"hi"'), 'no key or prompt text stored');
  });
});
