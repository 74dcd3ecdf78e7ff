import * as assert from 'node:assert/strict';
import { formatTokens, formatUsd, formatUsdLimit } from '../../src/core/format';
import { exactly, TOKEN_METER_ID, VsCodeSession } from './harness';
import {
  LARGE_SEED_FILE,
  SEED_FILE,
  SEED_MODEL,
  SEED_PRICE_OVERRIDE,
  SEED_TIME_ZONE,
  seedLargeLog,
  seedTodaysUsage,
} from './usageFixtures';

/** code-server gives a status-bar item the DOM id `<extension id>.<item id>`. */
const METER_ID = `${TOKEN_METER_ID}.tokenMeter.meter`;

/** Keeps a screenshot of whatever the window showed when a scenario failed. */
function screenshotOnFailure(session: () => VsCodeSession | undefined): Mocha.AsyncFunc {
  return async function (this: Mocha.Context) {
    const current = session();
    if (current && this.currentTest?.state === 'failed') {
      await current.screenshot(`failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
    }
  };
}

describe('Token Meter in a real VS Code (code-server 4.139 + Chromium)', function () {
  this.timeout(180_000);

  describe('usage recorded before start, shown in tokens', () => {
    const seeded = seedTodaysUsage(Date.now());
    let session: VsCodeSession | undefined;

    before(async () => {
      session = await VsCodeSession.start({
        name: 'tokens',
        userSettings: { 'tokenMeter.statusBar.display': 'tokens', 'tokenMeter.timeZone': SEED_TIME_ZONE },
        globalStorageFiles: { [SEED_FILE]: seeded.fileContent },
      });
    });
    afterEach(screenshotOnFailure(() => session));
    after(async () => session?.stop());

    it('shows the Token Meter status-bar item after startup', async () => {
      const text = await session!.statusBarItemText(METER_ID, 60_000);
      await session!.screenshot('1-startup');
      assert.ok(text.length > 0, 'the meter item is shown but empty');
    });

    it("totals today's seeded requests in the status bar", async () => {
      const expected = `${formatTokens(seeded.totalTokens)} tokens today`;
      const text = await session!.waitForStatusBarText(METER_ID, exactly(expected));
      await session!.screenshot('2-tokens-today');
      assert.equal(text, expected);
    });

    it('lists the seeded model in the tooltip', async () => {
      const tooltip = await session!.hoverStatusBarTooltip(METER_ID);
      await session!.screenshot('3-tooltip');
      await session!.dismissHover();
      assert.match(tooltip, /Token Meter/);
      assert.ok(tooltip.includes(SEED_MODEL), `tooltip does not name ${SEED_MODEL}:\n${tooltip}`);
    });
  });

  describe('a long event log and no saved totals: recounted in the background at start', () => {
    const seeded = seedLargeLog(Date.now());
    const largeLogDaily = 5000;
    let session: VsCodeSession | undefined;

    before(async () => {
      assert.ok(
        seeded.fileContent.length > 6 * 1024 * 1024,
        `the seeded log (${seeded.fileContent.length} bytes) is too short for a background recount`,
      );
      session = await VsCodeSession.start({
        name: 'large-log',
        userSettings: {
          'tokenMeter.budget.daily': largeLogDaily,
          'tokenMeter.timeZone': SEED_TIME_ZONE,
          'tokenMeter.pricing.overrides': [SEED_PRICE_OVERRIDE],
        },
        globalStorageFiles: { [LARGE_SEED_FILE]: seeded.fileContent },
      });
    });
    afterEach(screenshotOnFailure(() => session));
    after(async () => session?.stop());

    it(`totals all ${seeded.events.length.toLocaleString('en-US')} requests in the status bar, recounted by the recount and decode workers`, async () => {
      const expected = `${formatUsd(seeded.costUsd)} / ${formatUsdLimit(largeLogDaily)} today`;
      const text = await session!.waitForStatusBarText(METER_ID, exactly(expected), 120_000);
      await session!.screenshot('large-log-recounted');
      assert.equal(text, expected);
      // Recounting here instead would give the same figures, with the editor's thread busy meanwhile.
      assert.doesNotMatch(session!.tokenMeterLog(), /Recounting usage in the background failed/);
    });
  });

  describe('a workspace budget overrides the user budget', () => {
    const userDaily = 10;
    const workspaceDaily = 5;
    const seeded = seedTodaysUsage(Date.now());
    let session: VsCodeSession | undefined;

    before(async () => {
      session = await VsCodeSession.start({
        name: 'budget',
        userSettings: {
          'tokenMeter.budget.daily': userDaily,
          'tokenMeter.timeZone': SEED_TIME_ZONE,
          'tokenMeter.pricing.overrides': [SEED_PRICE_OVERRIDE],
        },
        workspaceSettings: { 'tokenMeter.budget.daily': workspaceDaily },
        globalStorageFiles: { [SEED_FILE]: seeded.fileContent },
      });
    });
    afterEach(screenshotOnFailure(() => session));
    after(async () => session?.stop());

    it("meters today's cost against the workspace's daily limit", async () => {
      const expected = `${formatUsd(seeded.costUsd)} / ${formatUsdLimit(workspaceDaily)} today`;
      const text = await session!.waitForStatusBarText(METER_ID, exactly(expected), 60_000);
      await session!.screenshot('1-workspace-budget');
      assert.equal(text, expected);
    });

    it('says in the tooltip that the budget is set by this workspace', async () => {
      const tooltip = await session!.hoverStatusBarTooltip(METER_ID);
      await session!.screenshot('2-budget-tooltip', 'status-bar-corner');
      await session!.dismissHover();
      assert.ok(tooltip.includes('set by this workspace'), `tooltip does not name the workspace as the budget's source:\n${tooltip}`);
      assert.ok(
        tooltip.includes(`of ${formatUsdLimit(workspaceDaily)}`),
        `tooltip does not show the $${workspaceDaily} limit:\n${tooltip}`,
      );
      assert.ok(!tooltip.includes(`of ${formatUsdLimit(userDaily)}`), `tooltip still shows the user's $${userDaily} limit:\n${tooltip}`);
    });
  });
});
