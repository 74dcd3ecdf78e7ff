import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitForUpdate } from '@pydantic/genai-prices';
import { makeEventId, validateUsageEvent } from '../../src/core/events';
import { formatUsd } from '../../src/core/format';
import { ANTHROPIC_USAGE, FakeUpstream } from '../support/fakeUpstream';
import { freePort } from '../support/net';
import { exactly, pollFor, TOKEN_METER_ID, VsCodeSession } from './harness';

const METER_ID = `${TOKEN_METER_ID}.tokenMeter.meter`;
const REQUESTS = 4;

/** Claude Opus 4.8 list prices, USD per million tokens, from Anthropic's pricing page (not the catalog). */
const OPUS_4_8 = { input: 5, write5m: 6.25, write1h: 10, read: 0.5, output: 25 };
const LIST_PRICE_PER_REQUEST =
  (ANTHROPIC_USAGE.input_tokens * OPUS_4_8.input +
    ANTHROPIC_USAGE.cache_creation.ephemeral_5m_input_tokens * OPUS_4_8.write5m +
    ANTHROPIC_USAGE.cache_creation.ephemeral_1h_input_tokens * OPUS_4_8.write1h +
    ANTHROPIC_USAGE.cache_read_input_tokens * OPUS_4_8.read +
    ANTHROPIC_USAGE.output_tokens * OPUS_4_8.output) /
  1_000_000;

/** A model the bundled catalog does not know, used before the refresh; the refreshed catalog prices it at $7 input. */
const NEW_MODEL = 'claude-fable-9';
const NEW_MODEL_INPUT = 100_000;
const NEW_MODEL_COST = (NEW_MODEL_INPUT * 7) / 1_000_000;

describe("prices: claude-opus-4-8 through the gateway is priced, with the prices' date", function () {
  this.timeout(180_000);
  const upstream = new FakeUpstream();
  let outDir = '';
  let catalogHits = 0;
  let catalogBody = '';
  // Stands in for the catalog's update URL, so the extension's daily refresh runs without the internet.
  const catalog = http.createServer((_req, res) => {
    catalogHits += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(catalogBody);
  });
  let session: VsCodeSession | undefined;
  let previousUrl: string | undefined;

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-e2e-pricing-'));
    await upstream.start();
    // The bundled data plus a model it lacks, as a later catalog release would have it.
    const providers = JSON.parse(JSON.stringify(await waitForUpdate())) as Array<{ id: string; models: unknown[] }>;
    providers
      .find((p) => p.id === 'anthropic')!
      .models.unshift({ id: NEW_MODEL, match: { starts_with: NEW_MODEL }, prices: { input_mtok: 7, output_mtok: 35 } });
    catalogBody = JSON.stringify(providers);
    const seeded = validateUsageEvent({
      id: makeEventId('api', 'e2e-new-model'),
      ts: Date.now() - 60_000,
      source: 'api',
      provider: 'anthropic',
      model: NEW_MODEL,
      inputTokens: NEW_MODEL_INPUT,
      outputTokens: 0,
    });
    await new Promise<void>((resolve) => catalog.listen(0, '127.0.0.1', resolve));
    previousUrl = process.env.TOKEN_METER_PRICES_URL;
    // code-server and its extension host inherit this process's environment.
    process.env.TOKEN_METER_PRICES_URL = `http://127.0.0.1:${(catalog.address() as AddressInfo).port}/data.json`;
    const gatewayPort = await freePort();
    session = await VsCodeSession.start({
      name: 'pricing',
      userSettings: {
        'tokenMeter.gateway.enabled': true,
        'tokenMeter.gateway.port': gatewayPort,
        'tokenMeter.gateway.openaiUpstream': upstream.url,
        'tokenMeter.gateway.anthropicUpstream': upstream.url,
        'tokenMeter.statusBar.display': 'cost',
        'tokenMeter.timeZone': 'UTC',
      },
      globalStorageFiles: { 'events/seed.jsonl': `${JSON.stringify(seeded)}\n` },
    });
    // Unknown before the refresh; priced, past usage included, once the refreshed catalog is in.
    await session.waitForStatusBarText(METER_ID, exactly(`${formatUsd(NEW_MODEL_COST)} today`), 60_000);
    await session.runCommand('Terminal: Create New Terminal');
    await session.page.locator('.terminal-wrapper.active .xterm').waitFor({ state: 'visible', timeout: 30_000 });
  });
  after(async () => {
    await session?.stop();
    await upstream.stop();
    await new Promise((resolve) => catalog.close(resolve));
    if (previousUrl === undefined) delete process.env.TOKEN_METER_PRICES_URL;
    else process.env.TOKEN_METER_PRICES_URL = previousUrl;
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  it(`shows ${REQUESTS} Opus 4.8 requests with 5-minute and 1-hour cache writes at list price in the status bar`, async () => {
    const outFile = path.join(outDir, 'done.txt');
    const body = JSON.stringify({
      model: 'claude-opus-4-8',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hello from the terminal' }],
    });
    await session!.page.locator('.terminal-wrapper.active .xterm').click();
    await session!.page.keyboard.type(
      `for i in $(seq ${REQUESTS}); do curl -s "$ANTHROPIC_BASE_URL/v1/messages" -H 'content-type: application/json' -H 'x-api-key: sk-ant-e2e' -H 'anthropic-version: 2023-06-01' -d '${body}' >> ${outFile}; done`,
    );
    await session!.page.keyboard.press('Enter');
    await pollFor(
      async () =>
        fs.existsSync(outFile) && fs.readFileSync(outFile, 'utf8').split('"type":"message"').length > REQUESTS ? true : undefined,
      30_000,
      () => 'curl never finished its requests',
    );
    const expected = `${formatUsd(NEW_MODEL_COST + REQUESTS * LIST_PRICE_PER_REQUEST)} today`;
    const text = await session!.waitForStatusBarText(METER_ID, exactly(expected), 30_000);
    await session!.screenshot('1-opus-dollars');
    assert.equal(text, expected);
  });

  it('names the date of the prices in the tooltip, from the refreshed catalog', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const tooltip = await pollFor(
      async () => {
        const t = await session!.hoverStatusBarTooltip(METER_ID);
        await session!.dismissHover();
        return t.includes(`Prices as of ${today}`) ? t : undefined;
      },
      30_000,
      () => `the tooltip never said "Prices as of ${today}"`,
    );
    await session!.screenshot('2-prices-date');
    assert.match(tooltip, /refreshed from the @pydantic\/genai-prices catalog/);
    assert.equal(catalogHits, 1, 'one GET of the catalog');
    assert.ok(tooltip.includes('claude-opus-4-8'), `the tooltip lists today's model:\n${tooltip}`);
    assert.ok(
      tooltip.includes(`${NEW_MODEL} now priced; their past usage was recounted`),
      `the tooltip says the refresh priced ${NEW_MODEL}:\n${tooltip}`,
    );
  });
});
