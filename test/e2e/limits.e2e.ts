import * as assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { formatClock } from '../../src/core/format';
import { dayKey, weekStartDay } from '../../src/core/time';
import { dashboardFrame, frameText } from './dashboardFrame';
import { FakeUpstream } from '../support/fakeUpstream';
import { freePort, isListening } from '../support/net';
import { exactly, pollFor, TOKEN_METER_ID, VsCodeSession } from './harness';

const SUBSCRIPTION_ID = `${TOKEN_METER_ID}.tokenMeter.subscription`;
const SECRET = 'c0ffee'.padEnd(32, '0');
const OAUTH_TOKEN = 'sk-ant-oat01-e2e-subscription-token';
const P = 'anthropic-ratelimit-unified-';

describe("limits: one subscription request through the gateway shows Anthropic's exact windows, no plan configured", function () {
  this.timeout(180_000);
  const upstream = new FakeUpstream();
  let session: VsCodeSession | undefined;
  let gatewayPort = 0;
  const reset5h = Math.floor(Date.now() / 60_000) * 60 + 2 * 3600 + 20 * 60;
  const reset7d = Math.floor(Date.now() / 60_000) * 60 + 3 * 86_400;

  before(async () => {
    await upstream.start();
    upstream.extraResponseHeaders = {
      [`${P}status`]: 'allowed',
      [`${P}5h-status`]: 'allowed',
      [`${P}5h-utilization`]: '0.42',
      [`${P}5h-reset`]: String(reset5h),
      [`${P}7d-status`]: 'allowed',
      [`${P}7d-utilization`]: '0.18',
      [`${P}7d-reset`]: String(reset7d),
      [`${P}representative-claim`]: 'five_hour',
    };
    gatewayPort = await freePort();
    session = await VsCodeSession.start({
      name: 'limits',
      userSettings: {
        'tokenMeter.gateway.enabled': true,
        'tokenMeter.gateway.port': gatewayPort,
        'tokenMeter.gateway.openaiUpstream': upstream.url,
        'tokenMeter.gateway.anthropicUpstream': upstream.url,
        'tokenMeter.timeZone': 'UTC',
        'tokenMeter.weekStart': 'monday',
      },
      globalStorageFiles: { 'gateway.json': JSON.stringify({ port: gatewayPort, secret: SECRET }) },
    });
    await pollFor(
      async () => ((await isListening(gatewayPort)) ? true : undefined),
      60_000,
      () => `no gateway answered on 127.0.0.1:${gatewayPort}`,
    );
  });
  after(async () => {
    await session?.stop();
    await upstream.stop();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await session?.screenshot(`failed-${this.currentTest.title}`);
  });

  it('the status bar shows 42% and its reset; the tooltip shows the weekly 18% labelled exact', async () => {
    const client = new Anthropic({
      apiKey: null,
      authToken: OAUTH_TOKEN,
      baseURL: `http://127.0.0.1:${gatewayPort}/${SECRET}/anthropic`,
      defaultHeaders: { 'anthropic-beta': 'oauth-2025-04-20' },
      maxRetries: 0,
    });
    await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(upstream.requests.at(-1)!.headers.authorization, `Bearer ${OAUTH_TOKEN}`, 'the bearer reached the upstream untouched');
    const now = Date.now();
    const expected = `5h 42% · resets ${formatClock(reset5h * 1000, now, 'UTC')}`;
    const text = await session!.waitForStatusBarText(SUBSCRIPTION_ID, exactly(expected), 30_000);
    assert.equal(text, expected);
    const tooltip = await session!.hoverStatusBarTooltip(SUBSCRIPTION_ID);
    await session!.screenshot('exact-limits', 'status-bar-corner');
    assert.match(tooltip, /What limits you now/);
    assert.match(
      tooltip,
      new RegExp(
        `weekly: 18% · resets ${formatClock(reset7d * 1000, now, 'UTC')} — exact, from Anthropic's response headers, as of (just now|1 min ago)`,
      ),
    );
    assert.match(tooltip, /5-hour: 42% .*binds now/);
    await session!.dismissHover();
  });

  it("the dashboard's Limits section charts the week's readings and lists the latest of each window", async () => {
    await session!.runCommand('Token Meter: Show My Usage This Week');
    await session!.waitForTab('Token Meter — Usage This Week');
    const frame = await dashboardFrame(session!, weekStartDay(dayKey(Date.now(), 'UTC'), 1));
    const limits = await frameText(frame, '#limits');
    assert.match(limits, /Claude 5-hour\s+42%/);
    assert.match(limits, /Claude weekly\s+18%\s+\S+ \d\d:\d\d\s+exact, from Anthropic's response headers/);
    assert.equal(await frame.locator('#limits .chart canvas').count(), 1, 'the limits chart is drawn');
    await session!.screenshot('dashboard-limits');
  });
});
