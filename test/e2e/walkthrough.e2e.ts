import * as assert from 'node:assert/strict';
import { openQuickInputCommand } from './lmProbe';
import { pollFor, VsCodeSession } from './harness';

const TITLE = 'Get Started with Token Meter';
const STEPS = [
  'Usage your assistants already log',
  'Meter every request from your terminals',
  'Add a metered chat model',
  'Set a budget',
  "Join your team's budget",
];

describe('Get Started walkthrough', function () {
  this.timeout(180_000);
  let session: VsCodeSession | undefined;

  before(async () => {
    session = await VsCodeSession.start({ name: 'walkthrough' });
  });
  after(async () => {
    await session?.stop();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await session?.screenshot('failed-walkthrough');
  });

  it('opens from "Welcome: Open Walkthrough…" with its five steps, and a step shows its page', async () => {
    const page = session!.page;
    await openQuickInputCommand(session!, 'Welcome: Open Walkthrough...');
    const choice = page.locator('.quick-input-widget .monaco-list-row', { hasText: TITLE });
    await choice.first().waitFor({ state: 'visible', timeout: 30_000 });
    await choice.first().click();
    const walkthrough = page.locator('.gettingStartedContainer');
    await walkthrough.getByText(TITLE, { exact: true }).first().waitFor({ state: 'visible', timeout: 30_000 });
    for (const step of STEPS) await walkthrough.getByText(step, { exact: true }).first().waitFor({ state: 'visible' });
    await walkthrough.getByText(STEPS[1], { exact: true }).first().click();
    await walkthrough.getByRole('button', { name: 'Turn On the Gateway' }).first().waitFor({ state: 'visible' });
    // The step's page (media/walkthrough/gateway.md) renders in a webview beside the steps.
    await pollFor(
      async () => {
        for (const frame of page.frames()) {
          const text = await frame
            .locator('body')
            .innerText({ timeout: 1000 })
            .catch(() => '');
          if (text.includes('The metering gateway runs on 127.0.0.1')) return true;
        }
        return undefined;
      },
      30_000,
      () => "the gateway step's page did not render",
    );
    const shot = await session!.screenshot('get-started');
    assert.ok(shot);
  });
});
