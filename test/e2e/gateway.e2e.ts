import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatTokens } from '../../src/core/format';
import { CHAT_USAGE, FakeUpstream } from '../support/fakeUpstream';
import { exactly, pollFor, TOKEN_METER_ID, VsCodeSession } from './harness';
import { freePort, isListening } from '../support/net';

const METER_ID = `${TOKEN_METER_ID}.tokenMeter.meter`;

describe('gateway: AI clients started in a VS Code terminal are metered', function () {
  this.timeout(180_000);
  const upstream = new FakeUpstream();
  let outDir = '';
  let session: VsCodeSession | undefined;
  let gatewayPort = 0;

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-e2e-terminal-'));
    await upstream.start();
    gatewayPort = await freePort();
    session = await VsCodeSession.start({
      name: 'gateway',
      userSettings: {
        'tokenMeter.gateway.enabled': true,
        'tokenMeter.gateway.port': gatewayPort,
        'tokenMeter.gateway.openaiUpstream': upstream.url,
        'tokenMeter.gateway.anthropicUpstream': upstream.url,
        'tokenMeter.statusBar.display': 'tokens',
        'tokenMeter.timeZone': 'UTC',
      },
    });
    await session.waitForStatusBarText(METER_ID, exactly('0 tokens today'), 60_000);
    await pollFor(
      async () => ((await isListening(gatewayPort)) ? true : undefined),
      30_000,
      () => `no gateway answered on 127.0.0.1:${gatewayPort}`,
    );
    await session.runCommand('Terminal: Create New Terminal');
    await session.page.locator('.terminal-wrapper.active .xterm').waitFor({ state: 'visible', timeout: 30_000 });
  });
  after(async () => {
    await session?.stop();
    await upstream.stop();
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  async function typeInTerminal(command: string): Promise<void> {
    await session!.page.locator('.terminal-wrapper.active .xterm').click();
    await session!.page.keyboard.type(command);
    await session!.page.keyboard.press('Enter');
  }

  it('gives a new integrated terminal the gateway base URLs', async () => {
    const envFile = path.join(outDir, 'env.txt');
    await typeInTerminal(`env | grep _BASE_URL | sort > ${envFile}`);
    const env = await pollFor(
      async () =>
        fs.existsSync(envFile) && fs.readFileSync(envFile, 'utf8').includes('ANTHROPIC') ? fs.readFileSync(envFile, 'utf8') : undefined,
      30_000,
      () => 'the terminal never wrote its environment',
    );
    await session!.screenshot('1-terminal-env');
    assert.match(env, new RegExp(`^OPENAI_BASE_URL=http://127\\.0\\.0\\.1:${gatewayPort}/[0-9a-f]{32}/openai/v1$`, 'm'));
    assert.match(env, new RegExp(`^ANTHROPIC_BASE_URL=http://127\\.0\\.0\\.1:${gatewayPort}/[0-9a-f]{32}/anthropic$`, 'm'));
  });

  it('moves the status bar by the usage the upstream reports for a request sent from that terminal', async () => {
    const outFile = path.join(outDir, 'response.json');
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello from the terminal' }] });
    await typeInTerminal(
      `curl -s "$OPENAI_BASE_URL/chat/completions" -H 'content-type: application/json' -H 'authorization: Bearer sk-e2e' -d '${body}' > ${outFile}`,
    );
    const response = await pollFor(
      async () => (fs.existsSync(outFile) && fs.statSync(outFile).size > 0 ? fs.readFileSync(outFile, 'utf8') : undefined),
      30_000,
      () => 'curl never wrote the response',
    );
    assert.match(response, /"object":"chat.completion"/);
    const expected = `${formatTokens(CHAT_USAGE.total_tokens)} tokens today`;
    const text = await session!.waitForStatusBarText(METER_ID, exactly(expected), 30_000);
    await session!.screenshot('2-metered-request');
    assert.equal(text, expected);
    assert.equal(upstream.requests.at(-1)!.headers.authorization, 'Bearer sk-e2e', 'the key reached the upstream untouched');
  });
});
