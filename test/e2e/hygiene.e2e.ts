import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatTokens, formatUsd } from '../../src/core/format';
import { PriceBook } from '../../src/core/pricing';
import { CHAT_USAGE, FakeUpstream } from '../support/fakeUpstream';
import { dayKey, weekStartDay } from '../../src/core/time';
import { dashboardFrame, frameText } from './dashboardFrame';
import { pollFor, TOKEN_METER_ID, VsCodeSession } from './harness';
import { freePort } from '../support/net';

const METER_ID = `${TOKEN_METER_ID}.tokenMeter.meter`;
const QUESTION =
  'How do I paginate orders and customers in PostgreSQL when writes must not block? I tried OFFSET and LIMIT but it takes minutes.';
const MODEL = 'o1';
const PEAK = 2;

describe('prompt hygiene: the same question sent through the gateway again and again', function () {
  this.timeout(180_000);
  const upstream = new FakeUpstream();
  let session: VsCodeSession | undefined;
  let gatewayPort = 0;

  before(async () => {
    await upstream.start();
    gatewayPort = await freePort();
    session = await VsCodeSession.start({
      name: 'hygiene',
      userSettings: {
        'tokenMeter.gateway.enabled': true,
        'tokenMeter.gateway.port': gatewayPort,
        'tokenMeter.gateway.openaiUpstream': upstream.url,
        'tokenMeter.gateway.anthropicUpstream': upstream.url,
        'tokenMeter.timeZone': 'UTC',
        // Peak all day, so the saving must carry the multiplier in force.
        'tokenMeter.peakHours.enabled': true,
        'tokenMeter.peakHours.timeZone': 'UTC',
        'tokenMeter.peakHours.multiplier': PEAK,
        'tokenMeter.peakHours.windows': [{ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '00:00', end: '24:00' }],
      },
    });
    await session.statusBarItemText(METER_ID, 60_000);
  });
  after(async () => {
    await session?.stop();
    await upstream.stop();
  });

  it('shows exactly one warning, with the saving at the peak weight, and lists the finding in the report', async () => {
    const stateFile = path.join(VsCodeSession.globalStorageDir(session!.userDataDir, TOKEN_METER_ID), 'gateway.json');
    const secret = await pollFor(
      async () => (fs.existsSync(stateFile) ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { secret: string }).secret : undefined),
      30_000,
      () => 'the gateway never wrote its state',
    );
    const send = async () => {
      const res = await fetch(`http://127.0.0.1:${gatewayPort}/${secret}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-e2e' },
        body: JSON.stringify({
          model: MODEL,
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: QUESTION },
          ],
        }),
      });
      assert.equal(res.status, 200);
      await res.text();
    };
    await pollFor(
      async () =>
        await send().then(
          () => true,
          () => undefined,
        ),
      30_000,
      () => 'the gateway never answered',
    );
    // Asked four times within a minute: the third ask is the finding, the fourth is the same run.
    for (let i = 0; i < 3; i++) await send();

    const usage = {
      inputTokens: CHAT_USAGE.prompt_tokens - 1000,
      outputTokens: CHAT_USAGE.completion_tokens,
      cacheReadTokens: 1000,
      cacheWriteTokens: 0,
    };
    const savingUsd = formatUsd(new PriceBook().costOf({ model: MODEL, ...usage })! * PEAK);
    const savingTokens = formatTokens(CHAT_USAGE.total_tokens);
    const saving = `Estimated saving ${savingUsd} (${savingTokens} tokens)`;
    const toasts = session!.page.locator('.notifications-toasts .notification-toast', { hasText: 'Token Meter: Repeated prompt.' });
    await toasts.first().waitFor({ state: 'visible', timeout: 30_000 });
    const text = (await toasts.first().innerText()).replace(/\s+/g, ' ');
    await session!.screenshot('1-repeated-prompt-warning');
    assert.match(text, /The same question was asked 3 times within 10 m, word for word\./);
    assert.ok(text.includes(saving), `"${text}" should include "${saving}"`);
    assert.ok(text.includes('reuse the previous answer instead of asking again'));
    for (const action of ['Show Details', 'Snooze 1 Hour', "Don't Warn About This Kind"])
      assert.ok(text.includes(action), `action ${action}`);

    // Two more repeats later in the same hour: still one warning.
    await send();
    await send();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(await toasts.count(), 1, 'exactly one warning');

    await toasts.first().getByRole('button', { name: 'Show Details' }).click();
    const editor = session!.page.locator('.editor-group-container.active .monaco-editor .view-lines');
    // Monaco renders spaces as no-break spaces.
    const editorText = async () => (await editor.innerText().catch(() => '')).replace(/\s+/g, ' ');
    const report = await pollFor(
      async () => ((await editorText()).includes('Repeated prompt') ? editorText() : undefined),
      30_000,
      () => 'the report never opened',
    );
    await session!.screenshot('2-hygiene-report');
    assert.match(report, /Token Meter: prompt hygiene, last 7 days/);
    const row = `| Repeated prompt | 1 | ${savingTokens} | ${savingTokens} tokens, ${savingUsd} |`;
    assert.ok(report.includes(row), `"${report}" should include "${row}"`);

    // The dashboard counts the week's findings too.
    await session!.runCommand('Token Meter: Show My Usage This Week');
    const frame = await dashboardFrame(session!, weekStartDay(dayKey(Date.now(), 'UTC'), 1));
    assert.equal(await frameText(frame, '#hygiene'), `1 prompt-hygiene finding this week, costing ${savingTokens} tokens (${savingUsd}).`);
  });
});
