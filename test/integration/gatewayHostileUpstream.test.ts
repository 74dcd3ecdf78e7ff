import * as assert from 'node:assert/strict';
import { gatewayArgs } from '../support/cli';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DEFAULT_METER_LIMITS, type MeterLimits } from '../../src/capture/gateway/meter';
import { GatewayServer } from '../../src/capture/gateway/server';
import type { UsageEvent } from '../../src/core/events';
import { freePort } from '../support/net';

/**
 * A hostile or broken upstream must not kill, pin or bloat the gateway: the meter's copy is bounded
 * (decoded bytes, line length, kept text), past a bound metering stops and the usage is marked
 * estimated, and the client still gets every byte unchanged.
 */

const SECRET = 'd'.repeat(32);
const CHAT_PATH = `/${SECRET}/openai/v1/chat/completions`;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** An upstream whose answer each test writes itself. */
class HostileUpstream {
  handler: Handler = (_req, res) => res.end();
  private readonly server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => this.handler(req, res));
  });
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function chunkEvent(content: string): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-hostile', object: 'chat.completion.chunk', model: 'gpt-4o', choices: [{ index: 0, delta: { content } }] })}\n\n`;
}
const USAGE_EVENT = `data: ${JSON.stringify({ id: 'chatcmpl-hostile', object: 'chat.completion.chunk', model: 'gpt-4o', choices: [], usage: { prompt_tokens: 7, completion_tokens: 9 } })}\n\ndata: [DONE]\n\n`;

/** Writes the pieces with backpressure and returns the sha256 of everything written. */
async function writeAll(res: http.ServerResponse, pieces: Iterable<string | Buffer>): Promise<string> {
  const hash = createHash('sha256');
  for (const piece of pieces) {
    if (res.destroyed) break;
    hash.update(piece);
    if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
  }
  res.end();
  return hash.digest('hex');
}

function post(
  port: number,
  pathname: string,
  body = '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}',
): Promise<{ status: number; sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: pathname, method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          hash.update(c);
          bytes += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sha256: hash.digest('hex'), bytes }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One gzip member of 64 MiB of 'a' (no newline), repeated: gunzip reads concatenated members as one stream. */
function gzipBomb(decodedMiB: number): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 'a'), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.ceil(decodedMiB / 64) }, () => member));
}

describe('gateway: a hostile upstream stream', function () {
  this.timeout(60_000);
  const upstream = new HostileUpstream();
  const recorded: UsageEvent[] = [];
  const gateways: GatewayServer[] = [];

  async function gateway(limits?: Partial<MeterLimits>): Promise<number> {
    const g = new GatewayServer({
      secret: SECRET,
      upstreams: { openai: upstream.url, anthropic: upstream.url },
      sink: { record: (e) => recorded.push(e) },
      meterLimits: limits,
    });
    gateways.push(g);
    return g.listen(0);
  }

  async function nextEvent(): Promise<UsageEvent> {
    for (let i = 0; i < 300 && recorded.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(recorded.length, 1, 'exactly one event');
    return recorded[0];
  }

  before(() => upstream.start());
  after(() => upstream.stop());
  beforeEach(() => {
    recorded.length = 0;
  });
  afterEach(async () => {
    for (const g of gateways.splice(0)) await g.close();
  });

  it('has default bounds far above real answers', () => {
    assert.ok(Object.isFrozen(DEFAULT_METER_LIMITS));
    assert.ok(DEFAULT_METER_LIMITS.maxDecodedBytes >= 32 * 1024 * 1024 && DEFAULT_METER_LIMITS.maxDecodedBytes <= 256 * 1024 * 1024);
    assert.ok(DEFAULT_METER_LIMITS.maxLineChars >= 1024 * 1024 && DEFAULT_METER_LIMITS.maxLineChars <= 16 * 1024 * 1024);
    assert.ok(DEFAULT_METER_LIMITS.maxTextChars >= 1024 * 1024 && DEFAULT_METER_LIMITS.maxTextChars <= 16 * 1024 * 1024);
  });

  it('stops metering past the decoded-bytes bound, passes every byte, and marks the usage estimated', async () => {
    const port = await gateway({ maxDecodedBytes: 1024 * 1024 });
    const delta = 'x'.repeat(60 * 1024);
    let sent = '';
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      void writeAll(res, [...Array.from({ length: 64 }, () => chunkEvent(delta)), USAGE_EVENT]).then((h) => (sent = h));
    };
    const got = await post(port, CHAT_PATH);
    assert.equal(got.status, 200);
    assert.equal(got.sha256, sent, 'the client got exactly what the upstream sent');
    const e = await nextEvent();
    assert.equal(e.estimated, true, 'the usage report at the end was past the bound, so the counts are estimates');
    assert.ok(e.outputTokens > 0, 'output estimated from the text read before the bound');
  });

  it('stops metering at a line longer than the line bound', async () => {
    const port = await gateway({ maxLineChars: 64 * 1024 });
    let sent = '';
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      void writeAll(res, [chunkEvent('hello'), `data: ${'y'.repeat(4 * 1024 * 1024)}\n\n`, USAGE_EVENT]).then((h) => (sent = h));
    };
    const got = await post(port, CHAT_PATH);
    assert.equal(got.sha256, sent);
    const e = await nextEvent();
    assert.equal(e.estimated, true);
  });

  it('keeps only the text bound of a long answer and estimates the rest from its length', async () => {
    const port = await gateway({ maxTextChars: 64 * 1024 });
    const word = 'lorem ipsum dolor sit amet, ';
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      void writeAll(res, [...Array.from({ length: 400 }, () => chunkEvent(word.repeat(100))), 'data: [DONE]\n\n']);
    };
    await post(port, CHAT_PATH);
    const e = await nextEvent();
    assert.equal(e.estimated, true);
    // Exact count of the whole answer would be 400 × the count of one piece; the estimate scales the kept part.
    const { countTokens } = await import('../../src/core/tokenizer');
    const exact = 400 * countTokens(word.repeat(100), 'gpt-4o');
    assert.ok(Math.abs(e.outputTokens - exact) / exact < 0.02, `estimated ${e.outputTokens}, exact ${exact}`);
  });

  it('answers 502 to a status line Node cannot relay, and keeps serving', async () => {
    const odd = net.createServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok'));
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', () => resolve()));
    const oddGateway = new GatewayServer({
      secret: SECRET,
      upstreams: { openai: `http://127.0.0.1:${(odd.address() as AddressInfo).port}`, anthropic: upstream.url },
      sink: { record: () => undefined },
    });
    gateways.push(oddGateway);
    const oddPort = await oddGateway.listen(0);
    try {
      const got = await post(oddPort, CHAT_PATH);
      assert.equal(got.status, 502);
      upstream.handler = (_req, res) => res.end('{}');
      assert.equal((await post(oddPort, `/${SECRET}/anthropic/v1/models`)).status, 200, 'the same gateway still serves');
    } finally {
      await new Promise((r) => odd.close(r));
    }
  });

  it('with the default bounds, stays responsive while a gzip bomb of 1 GiB without newlines streams', async () => {
    const port = await gateway();
    const bomb = gzipBomb(1024);
    let sent = '';
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      const pieces: Buffer[] = [];
      for (let i = 0; i < bomb.length; i += 16 * 1024) pieces.push(bomb.subarray(i, i + 16 * 1024));
      void writeAll(res, pieces).then((h) => (sent = h));
    };
    const answer = post(port, CHAT_PATH);
    // While the bomb is being relayed and its copy decoded, the gateway still answers at once.
    const healthTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const health = await new Promise<number>((resolve) => {
        http
          .get({ host: '127.0.0.1', port, path: `/${SECRET}/__token-meter/health`, timeout: 5000 }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', () => resolve(-1));
      });
      assert.equal(health, 200);
      healthTimes.push(performance.now() - started);
    }
    const got = await answer;
    assert.equal(got.sha256, sent, 'the compressed bytes pass through unchanged');
    assert.equal(got.bytes, bomb.length);
    const e = await nextEvent();
    assert.equal(e.estimated, true);
    assert.ok(
      Math.max(...healthTimes) < 1000,
      `health answered in ${healthTimes.map((t) => t.toFixed(0)).join(', ')} ms while the bomb streamed`,
    );
    assert.ok(process.memoryUsage().rss < 1.5 * 1024 ** 3, `RSS ${Math.round(process.memoryUsage().rss / 1024 ** 2)} MiB`);
  });
});

describe('gateway CLI: SIGTERM while a gzip bomb streams', function () {
  this.timeout(60_000);

  it('stops within seconds', async () => {
    const upstream = await new HostileUpstream().start();
    const bomb = gzipBomb(1024);
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      res.end(bomb);
    };
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-gw-bomb-'));
    const port = await freePort();
    const child = spawn(process.execPath, gatewayArgs(port, dataDir, upstream.url), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 100 && !stdout.includes('OPENAI_BASE_URL='); i++) await new Promise((r) => setTimeout(r, 50));
      const base = /OPENAI_BASE_URL=(\S+)/.exec(stdout)?.[1];
      assert.ok(base, `the gateway printed its URL: ${stdout}`);
      const url = new URL(`${base}/chat/completions`);
      // Read the answer slowly enough that the bomb is still being relayed when the signal comes.
      const request = http.request(
        { host: '127.0.0.1', port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => res.resume(),
      );
      request.on('error', () => undefined);
      request.end('{"model":"gpt-4o","stream":true,"messages":[]}');
      await new Promise((r) => setTimeout(r, 300));
      const signalled = performance.now();
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000))]);
      assert.notEqual(code, 'timeout', 'the gateway did not stop within 5 s of SIGTERM');
      assert.equal(code, 0);
      assert.ok(performance.now() - signalled < 5000);
    } finally {
      child.kill('SIGKILL');
      await upstream.stop();
    }
  });
});
