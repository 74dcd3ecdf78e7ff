import * as assert from 'node:assert/strict';
import { BUILT_CLI } from '../support/cli';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitForUpdate, type Provider } from '@pydantic/genai-prices';
import { PriceBook } from '../../src/core/pricing';
import { activeCatalog, restoreBundled } from '../../src/core/priceCatalog';
import { loadCachedCatalog, refreshCatalog, REFRESH_INTERVAL_MS } from '../../src/sync/priceRefresh';
import { claudeAssistantLine, writeLines } from '../support/assistantLogs';

const M = 1_000_000;

/** A local stand-in for the catalog's data URL: serves what the test sets and counts the GETs. */
class CatalogServer {
  body = '';
  status = 200;
  hits = 0;
  private server = http.createServer((req, res) => {
    this.hits += 1;
    res.writeHead(this.status, { 'content-type': 'application/json' });
    res.end(this.body);
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/prices/data.json`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('price refresh: a newer catalog from the (local) update URL', function () {
  this.timeout(30_000);
  const server = new CatalogServer();
  let refreshed: Provider[];

  before(async () => {
    assert.match(process.env.TOKEN_METER_PRICES_URL ?? '', /^http:\/\/127\.0\.0\.1:/, 'tests never refresh from the internet');
    await server.start();
    // The bundled data plus a model it lacks, as a later catalog release would have it.
    const bundled = JSON.parse(JSON.stringify(await waitForUpdate())) as Provider[];
    bundled
      .find((p) => p.id === 'anthropic')!
      .models.unshift({
        id: 'claude-fable-9',
        match: { starts_with: 'claude-fable-9' },
        context_window: 500_000,
        prices: { input_mtok: 7, output_mtok: 35 },
      });
    refreshed = bundled;
  });
  after(() => server.stop());
  afterEach(() => restoreBundled());

  const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'token-meter-prices-'));

  it('installs a good download, keeps it 0600 in global storage, and asks again only after a day', async () => {
    const dataDir = tempDir();
    server.body = JSON.stringify(refreshed);
    server.hits = 0;
    let now = Date.UTC(2026, 11, 1, 9);
    const result = await refreshCatalog({ dataDir, url: server.url, now: () => now });
    assert.equal(result.status, 'updated');
    assert.deepEqual([activeCatalog().origin, activeCatalog().asOf], ['refreshed', '2026-12-01']);
    assert.equal(
      new PriceBook().costOf({
        model: 'claude-fable-9',
        provider: 'anthropic',
        inputTokens: M,
        outputTokens: M,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      }),
      7 + 35,
    );
    const saved = path.join(dataDir, 'prices', 'catalog.json');
    assert.equal(fs.statSync(saved).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(saved)).mode & 0o777, 0o700);

    now += REFRESH_INTERVAL_MS - 60_000;
    assert.equal((await refreshCatalog({ dataDir, url: server.url, now: () => now })).status, 'fresh');
    assert.equal(server.hits, 1, 'at most one GET a day');
    now += 120_000;
    assert.equal((await refreshCatalog({ dataDir, url: server.url, now: () => now })).status, 'updated');
    assert.equal(server.hits, 2);

    // The next start (or the BUILT_CLI, or the recount worker) installs the saved copy without the network.
    await restoreBundled();
    const loaded = loadCachedCatalog(dataDir);
    assert.equal(loaded.problem, undefined);
    assert.equal(loaded.catalog.origin, 'refreshed');
    assert.equal(server.hits, 2);
  });

  it('keeps the prices in use after a bad download, an error status or an unreachable server, and says why', async () => {
    const cases: Array<[number, string, RegExp]> = [
      [200, '{"not": "a catalog"}', /not a list of providers/],
      [200, '[{"id": "x", "name": "X", "api_pattern": ".*", "models": []}]', /has no anthropic claude-sonnet-4-5/],
      [503, 'busy', /answered 503/],
    ];
    for (const [status, body, why] of cases) {
      const dataDir = tempDir();
      server.status = status;
      server.body = body;
      const result = await refreshCatalog({ dataDir, url: server.url });
      assert.equal(result.status, 'failed');
      assert.match(result.status === 'failed' ? result.problem : '', why);
      assert.equal(activeCatalog().origin, 'bundled');
      assert.equal(fs.existsSync(path.join(dataDir, 'prices', 'catalog.json')), false);
    }
    server.status = 200;
    const unreachable = await refreshCatalog({ dataDir: tempDir(), url: 'http://127.0.0.1:9/nothing-listens-here' });
    assert.equal(unreachable.status, 'failed');
    assert.equal(
      new PriceBook().costOf({ model: 'claude-fable-9', inputTokens: 1, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }),
      null,
    );
  });

  it('refuses a corrupt saved copy and prices with the bundled catalog', () => {
    const dataDir = tempDir();
    fs.mkdirSync(path.join(dataDir, 'prices'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'prices', 'catalog.json'), '{"fetchedAt": 1, "asOf": "2026-12-01", "data": [1');
    const loaded = loadCachedCatalog(dataDir);
    assert.match(loaded.problem ?? '', /Ignoring the saved prices/);
    assert.equal(loaded.catalog.origin, 'bundled');
  });

  it('token-meter report refreshes once (to the URL it is given), and --offline never asks', async function () {
    if (!fs.existsSync(BUILT_CLI)) this.skip();
    const home = tempDir();
    const data = path.join(home, 'data');
    fs.mkdirSync(data);
    writeLines(path.join(home, 'claude', 'projects', 'p', 's.jsonl'), [
      claudeAssistantLine({ messageId: 'msg_fable', model: 'claude-fable-9', ts: Date.now() - 60_000, usage: { input: M, output: 0 } }),
    ]);
    server.body = JSON.stringify(refreshed);
    server.hits = 0;
    // Asynchronously: the catalog server answers from this process.
    const run = async (extra: string[]) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [BUILT_CLI, 'report', '--json', '--day', '--data-dir', data, '--claude-dir', path.join(home, 'claude'), ...extra],
        { encoding: 'utf8', env: { ...process.env, HOME: home, TOKEN_METER_PRICES_URL: server.url } },
      );
      return JSON.parse(stdout);
    };
    const offline = await run(['--offline']);
    assert.equal(server.hits, 0);
    assert.equal(offline.prices.origin, 'bundled');
    assert.deepEqual(offline.unpricedModels, [{ model: 'claude-fable-9', tokens: M }]);
    assert.equal(offline.totals.costUsd, null);

    const online = await run([]);
    assert.equal(server.hits, 1);
    assert.equal(online.prices.origin, 'refreshed');
    assert.deepEqual(online.unpricedModels, [], 'the refreshed catalog prices the model, past usage included');
    assert.equal(online.totals.costUsd, 7);

    const again = await run([]);
    assert.equal(server.hits, 1, 'not again the same day');
    assert.equal(again.prices.origin, 'refreshed');
  });
});
