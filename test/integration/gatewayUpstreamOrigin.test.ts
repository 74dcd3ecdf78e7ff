import * as assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';
import { isIP } from 'node:net';
import OpenAI from 'openai';
import { GatewayServer } from '../../src/capture/gateway/server';
import { FakeUpstream } from '../support/fakeUpstream';
import { rawExchange, RecordingUpstream, Thief } from '../support/hostileNet';

/**
 * Whatever a request's path holds, the gateway sends it (and its API key) only to the configured
 * upstream's origin, and only under the upstream's own path. A "thief" listening on another local
 * port must never see a connection, and no host name taken from a path may even be looked up.
 */

/** The module object itself (an import namespace is read-only), so its lookup can be watched. */
const dns = require('node:dns') as { lookup: unknown };

const SECRET = 'c'.repeat(32);
const API_KEY = 'sk-test-ORIGIN-KEY-0123456789';
/** The Anthropic upstream has a path of its own, to check nothing climbs out of it. */
const ANTHROPIC_PREFIX = '/api';

describe('gateway: every request stays on the configured upstream', function () {
  this.timeout(60_000);
  const thief = new Thief();
  const upstream = new RecordingUpstream();
  const lookups: string[] = [];
  const originalLookup = dns.lookup;
  let gateway: GatewayServer;
  let port = 0;

  before(async () => {
    await thief.start();
    await upstream.start();
    gateway = new GatewayServer({
      secret: SECRET,
      upstreams: { openai: upstream.origin, anthropic: `${upstream.origin}${ANTHROPIC_PREFIX}` },
      sink: { record: () => undefined },
    });
    port = await gateway.listen(0);
    // Every upstream is a literal 127.0.0.1 address: a name looked up means a host was taken from a path.
    dns.lookup = (hostname: string, options: unknown, callback?: (error: Error) => void) => {
      if (isIP(hostname)) return (originalLookup as (...a: unknown[]) => void)(hostname, options, callback);
      lookups.push(hostname);
      const cb = (typeof options === 'function' ? options : callback) as (error: Error) => void;
      process.nextTick(() => cb(Object.assign(new Error(`test: lookup of "${hostname}" refused`), { code: 'ENOTFOUND' })));
    };
  });
  after(async () => {
    dns.lookup = originalLookup;
    await gateway.close();
    await upstream.stop();
    await thief.stop();
  });
  beforeEach(() => {
    upstream.seen.length = 0;
    lookups.length = 0;
    thief.connections = 0;
  });

  function assertStayedHome(what: string): void {
    assert.equal(thief.connections, 0, `${what}: the thief was contacted`);
    assert.deepEqual(lookups, [], `${what}: a host name from the path was looked up`);
    for (const seen of upstream.seen) {
      assert.ok(seen.path.startsWith('/'), `${what}: upstream saw a request line of "${seen.path}"`);
      assert.ok(!seen.path.startsWith('//'), `${what}: upstream saw "${seen.path}"`);
      if (seen.headers['x-provider'] === 'anthropic') {
        assert.ok(seen.path.startsWith(`${ANTHROPIC_PREFIX}/`), `${what}: climbed out of the upstream's path: "${seen.path}"`);
      }
    }
  }

  async function send(provider: 'openai' | 'anthropic', rest: string): Promise<number> {
    const head = [
      `POST /${SECRET}/${provider}${rest} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      `Authorization: Bearer ${API_KEY}`,
      `x-api-key: ${API_KEY}`,
      `x-provider: ${provider}`,
      'Content-Type: application/json',
    ].join('\r\n');
    return (await rawExchange(port, head, '{"model":"gpt-4o","messages":[]}')).status;
  }

  it('refuses or keeps home a table of hostile paths, on both routes', async () => {
    const t = `127.0.0.1:${thief.port}`;
    const hostile = [
      `//${t}/steal`,
      `///${t}/steal`,
      `////${t}/v1/messages`,
      `/\\${t}/steal`,
      `/\\\\${t}/steal`,
      `/\\/${t}/steal`,
      `/%2F%2F${t}/steal`,
      `/%2f%2f${t}/steal`,
      `/%5C%5C${t}/steal`,
      `/..//${t}/steal`,
      `/../..//${t}/steal`,
      `/%2e%2e//${t}/steal`,
      `/.%2e/%2e%2e//${t}/steal`,
      `/v1/../../..//${t}/steal`,
      `/@${t}/steal`,
      `//user:pass@${t}/steal`,
      `/http://${t}/steal`,
      `/http:${t}/steal`,
      `/https:/${t}/steal`,
      `/\t/${t}/steal`,
      `/\t\t/${t}/steal`,
      `//\t${t}/steal`,
      `/%09/${t}/steal`,
      `//${t}?x=//${t}`,
      `//${t}#frag`,
      `//localhost:${thief.port}/steal`,
      `//[::1]:${thief.port}/steal`,
      `/%00//${t}/steal`,
    ];
    for (const provider of ['openai', 'anthropic'] as const) {
      for (const rest of hostile) {
        const status = await send(provider, rest);
        assertStayedHome(`${provider} ${JSON.stringify(rest)} (status ${status})`);
        assert.ok(status === 200 || (status >= 400 && status < 500), `${provider} ${JSON.stringify(rest)} answered ${status}`);
      }
    }
  });

  it('keeps an absolute-form request target and a path-only Host trick home', async () => {
    const t = `127.0.0.1:${thief.port}`;
    for (const line of [
      `POST http://${t}/${SECRET}/openai/v1/chat/completions HTTP/1.1`,
      `POST //${t}/${SECRET}/openai/v1/chat/completions HTTP/1.1`,
    ]) {
      const r = await rawExchange(port, `${line}\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${API_KEY}`, '{}');
      assertStayedHome(`${line} (status ${r.status})`);
    }
  });

  it('refuses smuggling: a second Host header, two Content-Lengths, Content-Length with chunked', async () => {
    const line = `POST /${SECRET}/openai/v1/chat/completions HTTP/1.1`;
    const twoHosts = await rawExchange(port, `${line}\r\nHost: 127.0.0.1:${port}\r\nHost: 127.0.0.1:${thief.port}`, '{}');
    assert.equal(twoHosts.status, 403);
    for (const head of [
      `${line}\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 2\r\nContent-Length: 40`,
      `${line}\r\nHost: 127.0.0.1:${port}\r\nTransfer-Encoding: chunked`,
    ]) {
      // rawExchange adds its own Content-Length, so each of these carries two framings.
      assert.equal((await rawExchange(port, head, '{}')).status, 400, head);
    }
    assertStayedHome('smuggling');
    assert.equal(upstream.seen.length, 0);
    const hop = await rawExchange(
      port,
      `${line}\r\nHost: 127.0.0.1:${port}\r\nConnection: x-hop\r\nx-hop: for the gateway only\r\nKeep-Alive: timeout=5`,
      '{}',
    );
    assert.equal(hop.status, 200);
    assert.equal(upstream.seen[0].headers['x-hop'], undefined, 'a header named in Connection is hop-by-hop');
  });

  it('for any path, reaches only the upstream (property)', async () => {
    const t = `127.0.0.1:${thief.port}`;
    const piece = fc.oneof(
      fc.constantFrom(
        '/',
        '//',
        '\\',
        '%2F',
        '%2f',
        '%5C',
        '..',
        '.',
        '%2e',
        '@',
        ':',
        '?',
        '#',
        '\t',
        ' ',
        '%09',
        '%00',
        'http:',
        'https://',
        t,
        `localhost:${thief.port}`,
        'v1',
        'chat',
        'completions',
        'messages',
      ),
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'binary-ascii', maxLength: 4 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('openai', 'anthropic') as fc.Arbitrary<'openai' | 'anthropic'>,
        fc.array(piece, { maxLength: 12 }),
        async (provider, pieces) => {
          const rest = pieces.join('');
          if (/[\r\n]/.test(rest)) return; // a line break ends the request line: that is a different request, tested below
          upstream.seen.length = 0;
          await send(provider, `/${rest}`);
          assertStayedHome(`${provider} ${JSON.stringify(rest)}`);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('stays home when a line break splits the request line', async () => {
    const t = `127.0.0.1:${thief.port}`;
    for (const rest of [`//${t}/x\r\nHost: ${t}`, `//${t}/x\nX: y`, `//${t}/x\r`]) {
      await send('openai', rest);
      assertStayedHome(JSON.stringify(rest));
    }
  });

  it('sends a naive client\'s base URL with a trailing slash to the upstream, not to a host named "v1"', async () => {
    const base = `/${SECRET}/anthropic/`;
    const r = await rawExchange(
      port,
      `POST ${base}/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-provider: anthropic`,
      '{"model":"claude-x","max_tokens":1,"messages":[]}',
    );
    assertStayedHome('trailing slash');
    assert.equal(r.status, 200);
    assert.deepEqual(
      upstream.seen.map((s) => s.path),
      [`${ANTHROPIC_PREFIX}/v1/messages`],
    );
    const openaiBase = `/${SECRET}/openai/v1/`;
    const o = await rawExchange(port, `POST ${openaiBase}/chat/completions?x=1 HTTP/1.1\r\nHost: 127.0.0.1:${port}`, '{}');
    assertStayedHome('trailing slash (openai)');
    assert.equal(o.status, 200);
    assert.equal(upstream.seen.at(-1)?.path, '/v1/chat/completions?x=1');
  });
});

describe('gateway: real SDKs with a trailing-slash base URL', function () {
  this.timeout(30_000);
  const upstream = new FakeUpstream();
  let gateway: GatewayServer;
  let port = 0;

  before(async () => {
    await upstream.start();
    gateway = new GatewayServer({
      secret: SECRET,
      upstreams: { openai: upstream.url, anthropic: upstream.url },
      sink: { record: () => undefined },
    });
    port = await gateway.listen(0);
  });
  after(async () => {
    await gateway.close();
    await upstream.stop();
  });

  it('reaches the upstream with openai and @anthropic-ai/sdk clients', async () => {
    const openai = new OpenAI({ apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}/${SECRET}/openai/v1/`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}/${SECRET}/anthropic/`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(completion.id);
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(message.id);
    assert.deepEqual(
      upstream.requests.map((r) => r.path),
      ['/v1/chat/completions', '/v1/messages'],
    );
    assert.equal(upstream.requests[0].headers.authorization, `Bearer ${API_KEY}`);
  });
});
