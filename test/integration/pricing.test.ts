import * as assert from 'node:assert/strict';
import { BUILT_CLI } from '../support/cli';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { codex } from '../../src/capture/logs/codex';
import { LogScanner } from '../../src/capture/logs/scanner';
import { GatewayServer } from '../../src/capture/gateway/server';
import { listPriceContext } from '../../src/core/settings';
import { UsageStore } from '../../src/store/usageStore';
import { claudeAssistantLine, codexLines, writeLines } from '../support/assistantLogs';
import { ANTHROPIC_USAGE, FakeUpstream, RESPONSES_USAGE } from '../support/fakeUpstream';

const SECRET = 'p'.repeat(32);

/**
 * Anthropic's published list prices for Claude Opus 4.8, USD per million tokens (Anthropic
 * "Pricing" page: base input $5, 5-minute cache writes $6.25, 1-hour cache writes $10, cache hits
 * $0.50, output $25; no long-context surcharge). Typed here from that page, not read from the catalog.
 */
const OPUS_4_8 = { input: 5, write5m: 6.25, write1h: 10, read: 0.5, output: 25 };
const OPUS_MODEL = 'claude-opus-4-8';

/** The fake upstream's usage of one Messages response, priced by hand. */
function listPriceOfOneResponse(): number {
  const u = ANTHROPIC_USAGE;
  return (
    (u.input_tokens * OPUS_4_8.input +
      u.cache_creation.ephemeral_5m_input_tokens * OPUS_4_8.write5m +
      u.cache_creation.ephemeral_1h_input_tokens * OPUS_4_8.write1h +
      u.cache_read_input_tokens * OPUS_4_8.read +
      u.output_tokens * OPUS_4_8.output) /
    1_000_000
  );
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'token-meter-pricing-'));
}

describe('prices end to end: what a request costs is the published list price', function () {
  this.timeout(30_000);
  const upstream = new FakeUpstream();
  let gateway: GatewayServer;
  let store: UsageStore;
  let dir: string;
  let port = 0;

  before(async () => {
    await upstream.start();
    dir = tempDir();
    store = UsageStore.open({ dataDir: path.join(dir, 'data'), context: listPriceContext('UTC') });
    gateway = new GatewayServer({
      secret: SECRET,
      upstreams: { openai: upstream.url, anthropic: upstream.url },
      sink: store,
      maxBodyBytes: 1 << 20,
    });
    port = await gateway.listen(0);
  });
  after(async () => {
    await gateway.close();
    await upstream.stop();
    store.dispose();
  });

  const costOf = (filter: (r: { model: string; source: string }) => boolean) => {
    store.refresh();
    const rows = store.rollups.rows().filter(filter);
    return {
      costUsd: rows.reduce((n, r) => n + r.costUsd, 0),
      unpriced: rows.reduce((n, r) => n + r.unpricedTokens, 0),
      writes1h: rows.reduce((n, r) => n + r.cacheWrite1hTokens, 0),
      events: rows.reduce((n, r) => n + r.events, 0),
    };
  };

  it('Anthropic SDK traffic through the gateway, JSON and SSE, with 5-minute and 1-hour cache writes', async () => {
    const anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: `http://127.0.0.1:${port}/${SECRET}/anthropic`, maxRetries: 0 });
    await anthropic.messages.create({ model: OPUS_MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    await anthropic.messages
      .stream({ model: OPUS_MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi again' }] })
      .finalMessage();
    await new Promise((r) => setTimeout(r, 100));
    const got = costOf((r) => r.source === 'gateway' && r.model === OPUS_MODEL);
    assert.equal(got.events, 2);
    assert.equal(got.unpriced, 0);
    assert.equal(got.writes1h, 2 * ANTHROPIC_USAGE.cache_creation.ephemeral_1h_input_tokens, 'the SSE message_start carries the split too');
    assert.ok(Math.abs(got.costUsd - 2 * listPriceOfOneResponse()) < 1e-12, `${got.costUsd} = 2 × ${listPriceOfOneResponse()}`);
  });

  it('Claude Code records of the same usage cost the same, and report --json carries the split', () => {
    const home = tempDir();
    const data = path.join(home, 'data');
    fs.mkdirSync(data);
    const t = Date.now() - 60_000;
    const usage = {
      input: ANTHROPIC_USAGE.input_tokens,
      output: ANTHROPIC_USAGE.output_tokens,
      cacheRead: ANTHROPIC_USAGE.cache_read_input_tokens,
      cacheWrite: ANTHROPIC_USAGE.cache_creation_input_tokens,
      cacheWrite1h: ANTHROPIC_USAGE.cache_creation.ephemeral_1h_input_tokens,
    };
    writeLines(path.join(home, 'claude', 'projects', 'p', 's.jsonl'), [
      claudeAssistantLine({ messageId: 'msg_opus_1', model: OPUS_MODEL, ts: t, usage }),
      claudeAssistantLine({ messageId: 'msg_opus_2', model: OPUS_MODEL, ts: t + 1000, usage }),
    ]);
    const r = spawnSync(
      process.execPath,
      [
        BUILT_CLI,
        'report',
        '--json',
        '--day',
        '--offline',
        '--time-zone',
        'UTC',
        '--data-dir',
        data,
        '--claude-dir',
        path.join(home, 'claude'),
      ],
      { encoding: 'utf8', env: { ...process.env, HOME: home } },
    );
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.ok(
      Math.abs(report.totals.costUsd - Math.round(2 * listPriceOfOneResponse() * 1e6) / 1e6) < 1e-12,
      `${report.totals.costUsd} vs ${2 * listPriceOfOneResponse()}`,
    );
    assert.equal(report.totals.cacheWrite1hTokens, 2 * ANTHROPIC_USAGE.cache_creation.ephemeral_1h_input_tokens);
    assert.equal(report.totals.cacheWrite5mTokens, 2 * ANTHROPIC_USAGE.cache_creation.ephemeral_5m_input_tokens);
    assert.deepEqual(report.unpricedModels, []);
    assert.equal(report.prices.origin, 'bundled');
    assert.match(report.prices.asOf, /^\d{4}-\d{2}-\d{2}$/);
  });

  it('a Codex session whose config.toml names its own model_provider, through the gateway, counts once', async () => {
    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/${SECRET}/openai/v1`, maxRetries: 0 });
    await openai.responses.create({ model: 'gpt-5-codex', input: 'hi' });
    await new Promise((r) => setTimeout(r, 50));
    const t = Date.now();
    const total = {
      input: RESPONSES_USAGE.input_tokens,
      cached: RESPONSES_USAGE.input_tokens_details.cached_tokens,
      output: RESPONSES_USAGE.output_tokens,
      reasoning: RESPONSES_USAGE.output_tokens_details.reasoning_tokens,
    };
    writeLines(path.join(dir, 'codex', '2026', '12', '01', 'rollout-custom.jsonl'), [
      codexLines.sessionMeta(t, 'custom-provider-session', '/home/dev/src/api', 'token-meter-gateway'),
      codexLines.turnContext(t, 'gpt-5-codex'),
      codexLines.tokenCount(t + 1, total, total),
    ]);
    new LogScanner({
      sources: [{ adapter: codex, roots: [path.join(dir, 'codex')] }],
      stateDir: path.join(dir, 'data'),
      sink: (e) => store.recordMany(e),
      onProblem: assert.fail,
    }).scanAll();
    const got = costOf((r) => r.model.startsWith('gpt-5-codex'));
    assert.equal(got.events, 1, 'the gateway sighting and the Codex log line are one request');
  });
});
