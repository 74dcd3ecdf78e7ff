import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { waitForUpdate, type Provider } from '@pydantic/genai-prices';
import { restoreBundled } from '../../src/core/priceCatalog';
import { refreshCatalog } from '../../src/sync/priceRefresh';
import { resolveSettings, rollupContextFor, type RawSettings } from '../../src/core/settings';
import type { RecountInput, RecountMessage } from '../../src/store/recountWorker';
import { UsageStore } from '../../src/store/usageStore';
import { usageEvent } from '../support/events';

const RECOUNT_WORKER = path.resolve(__dirname, '../../src/store/recountWorker.ts');
const BUNDLED_WORKER = path.resolve(__dirname, '../../dist/recountWorker.js');

/** Settings as VS Code hands them over when the user changed nothing but the time zone. */
function defaultRawSettings(timeZone: string): RawSettings {
  return { values: { timeZone }, sources: { 'budget.daily': 'default', 'budget.weekly': 'default', 'budget.monthly': 'default' } };
}

/** The real recount worker: from source through tsx, or the bundle the extension ships. */
function recountInWorker(dataDir: string, raw: RawSettings, systemZone: string, bundled = false) {
  return (fingerprint: string) =>
    new Promise<void>((resolve, reject) => {
      const workerData: RecountInput = { dataDir, raw, systemZone, fingerprint };
      const worker = bundled
        ? new Worker(BUNDLED_WORKER, { workerData })
        : new Worker(`require('tsx/cjs'); require(${JSON.stringify(RECOUNT_WORKER)});`, { eval: true, workerData });
      worker.once('message', (m: RecountMessage) => (m.type === 'done' ? resolve() : reject(new Error(m.message))));
      worker.once('error', reject);
    });
}

describe('recounting a large event log in the background', function () {
  this.timeout(60_000);
  const raw = defaultRawSettings('Europe/Berlin');
  const context = rollupContextFor(resolveSettings(raw, 'UTC').settings);

  function seededStore(): { dataDir: string; expected: ReturnType<UsageStore['rollups']['rows']> } {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-recount-'));
    const store = UsageStore.open({ dataDir, context });
    const start = Date.now() - 20 * 86_400_000;
    store.recordMany(
      Array.from({ length: 3000 }, (_, i) =>
        usageEvent({ ts: start + i * 577_000, model: i % 3 ? 'gpt-4o' : 'claude-sonnet-4-5', source: i % 2 ? 'gateway' : 'claude-code' }),
      ),
    );
    store.refresh();
    const expected = store.rollups.rows();
    store.dispose();
    fs.rmSync(path.join(dataDir, 'rollups.json'));
    return { dataDir, expected };
  }

  const sorted = (rows: ReturnType<UsageStore['rollups']['rows']>) =>
    [...rows].sort((a, b) => `${a.day}${a.model}${a.source}`.localeCompare(`${b.day}${b.model}${b.source}`));

  it('opens at once, leaves the totals alone while the worker counts, then shows exactly the recount', async () => {
    const { dataDir, expected } = seededStore();
    const problems: string[] = [];
    const store = UsageStore.open({
      dataDir,
      context,
      backgroundRecountBytes: 1,
      recountInBackground: recountInWorker(dataDir, raw, 'UTC'),
      onProblem: (m) => problems.push(m),
    });
    assert.equal(store.isRecounting, true);
    assert.deepEqual(store.rollups.rows(), [], 'nothing is counted on this thread');
    store.record(usageEvent({ ts: Date.now(), model: 'gpt-4o', source: 'api', inputTokens: 4321 }));
    await store.whenCounted();
    assert.deepEqual(problems, [], 'the worker did the recount');
    assert.equal(store.isRecounting, false);
    const rows = store.rollups.rows();
    assert.equal(
      rows.reduce((n, r) => n + r.events, 0),
      3001,
      'the recount plus the event written meanwhile',
    );
    assert.deepEqual(sorted(rows.filter((r) => r.source !== 'api')), sorted(expected));
    store.dispose();
    const reopened = UsageStore.open({
      dataDir,
      context,
      backgroundRecountBytes: 1,
      recountInBackground: () => Promise.reject(new Error('not expected')),
    });
    assert.equal(reopened.isRecounting, false, 'the recount was saved: the next start loads it');
    reopened.dispose();
  });

  it('the bundled worker (dist/recountWorker.js) recounts too', async () => {
    assert.ok(fs.existsSync(BUNDLED_WORKER), 'npm test builds dist/ before the tests');
    const { dataDir, expected } = seededStore();
    const problems: string[] = [];
    const store = UsageStore.open({
      dataDir,
      context,
      backgroundRecountBytes: 1,
      recountInBackground: recountInWorker(dataDir, raw, 'UTC', true),
      onProblem: (m) => problems.push(m),
    });
    await store.whenCounted();
    assert.deepEqual(problems, []);
    assert.deepEqual(sorted(store.rollups.rows()), sorted(expected));
    store.dispose();
  });

  it('the bundled worker prices with the refreshed catalog the window uses', async () => {
    const providers = JSON.parse(JSON.stringify(await waitForUpdate())) as Provider[];
    providers
      .find((p) => p.id === 'anthropic')!
      .models.unshift({ id: 'claude-fable-9', match: { starts_with: 'claude-fable-9' }, prices: { input_mtok: 7, output_mtok: 35 } });
    const server = http.createServer((_req, res) => res.end(JSON.stringify(providers)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-recount-prices-'));
    try {
      const refreshed = await refreshCatalog({ dataDir, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.json` });
      assert.equal(refreshed.status, 'updated');
      const pricedContext = rollupContextFor(resolveSettings(raw, 'UTC').settings);
      const writer = UsageStore.open({ dataDir, context: pricedContext });
      writer.recordMany(
        Array.from({ length: 50 }, (_, i) =>
          usageEvent({ ts: Date.now() - i * 60_000, model: 'claude-fable-9', inputTokens: 1_000_000, outputTokens: 0 }),
        ),
      );
      writer.dispose();
      // Totals it never counted are not saved; a saved file, if any, must not spare the recount.
      fs.rmSync(path.join(dataDir, 'rollups.json'), { force: true });
      const problems: string[] = [];
      const store = UsageStore.open({
        dataDir,
        context: pricedContext,
        backgroundRecountBytes: 1,
        onProblem: (m) => problems.push(m),
        recountInBackground: (fingerprint) =>
          new Promise<void>((resolve, reject) => {
            const workerData: RecountInput = { dataDir, raw, systemZone: 'UTC', fingerprint, refreshedPrices: true };
            new Worker(BUNDLED_WORKER, { workerData }).once('message', (m: RecountMessage) =>
              m.type === 'done' ? resolve() : reject(new Error(m.message)),
            );
          }),
      });
      await store.whenCounted();
      assert.deepEqual(problems, [], 'the worker counted under the same prices, so its recount is used');
      assert.equal(
        store.rollups.rows().reduce((n, r) => n + r.costUsd, 0),
        50 * 7,
      );
      store.dispose();
    } finally {
      server.close();
      await restoreBundled();
    }
  });

  it('falls back to recounting here when the worker fails, and says so once', async () => {
    const { dataDir, expected } = seededStore();
    const problems: string[] = [];
    const store = UsageStore.open({
      dataDir,
      context,
      backgroundRecountBytes: 1,
      recountInBackground: () => Promise.reject(new Error('worker crashed')),
      onProblem: (m) => problems.push(m),
    });
    await store.whenCounted();
    assert.deepEqual(sorted(store.rollups.rows()), sorted(expected));
    assert.deepEqual(problems, ['Recounting usage in the background failed (worker crashed); recounting here instead.']);
    store.dispose();
  });

  it('a recount made under settings that changed meanwhile is not used', async () => {
    const { dataDir } = seededStore();
    const tokyo = rollupContextFor(resolveSettings(defaultRawSettings('Asia/Tokyo'), 'UTC').settings);
    let calls = 0;
    const problems: string[] = [];
    const store = UsageStore.open({
      dataDir,
      context,
      onProblem: (m) => problems.push(m),
      backgroundRecountBytes: 1,
      recountInBackground: (fingerprint) => {
        calls += 1;
        // The first recount is for Berlin; by the time it ends the user chose Tokyo.
        return recountInWorker(dataDir, fingerprint === context.fingerprint ? raw : defaultRawSettings('Asia/Tokyo'), 'UTC')(fingerprint);
      },
    });
    store.setContext(tokyo);
    await store.whenCounted();
    assert.deepEqual(problems, []);
    assert.equal(calls, 2);
    assert.ok(store.rollups.rows().length > 0);
    assert.equal(store.rollups.context.fingerprint, tokyo.fingerprint, 'the totals are counted under the current settings');
    store.dispose();
  });
});
