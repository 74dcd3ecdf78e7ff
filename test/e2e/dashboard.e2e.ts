import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { makeEventId, totalTokens, validateUsageEvent } from '../../src/core/events';
import { formatTokens, formatUsd } from '../../src/core/format';
import { addDays, dayKey, startOfDay, weekStartDay } from '../../src/core/time';
import { dashboardFrame, frameText as text } from './dashboardFrame';
import { pollFor, TOKEN_METER_ID, VsCodeSession } from './harness';
import { SEED_FILE, SEED_MODEL, SEED_PRICE_OVERRIDE, SEED_TIME_ZONE, seedTodaysUsage } from './usageFixtures';

const DASHBOARD_COMMAND = 'Token Meter: Show My Usage This Week';
const DASHBOARD_TITLE = 'Token Meter — Usage This Week';
const METER_ID = `${TOKEN_METER_ID}.tokenMeter.meter`;

/** One request last week (Wednesday of it, at noon UTC), so switching weeks changes every figure. */
function seedLastWeek(now: number) {
  const fromDay = addDays(weekStartDay(dayKey(now, SEED_TIME_ZONE), 1), -7);
  const event = validateUsageEvent(
    {
      id: makeEventId('api', 'e2e-dashboard-last-week'),
      ts: startOfDay(addDays(fromDay, 2), SEED_TIME_ZONE) + 12 * 3600_000,
      source: 'gateway',
      provider: 'anthropic',
      model: SEED_MODEL,
      inputTokens: 2_000_000,
      outputTokens: 100_000,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      estimated: false,
    },
    now,
  );
  const p = SEED_PRICE_OVERRIDE;
  return { fromDay, event, costUsd: (event.inputTokens * p.input + event.outputTokens * p.output) / 1e6, totalTokens: totalTokens(event) };
}

/** The "drawn in N ms" lines the extension logs, from VS Code's log folder of this session. */
/** Waits until the dashboard's chart shows `measure` (its `data-measure`), failing with `why` after 10 s. */
async function chartShows(frame: Frame, measure: 'cost' | 'tokens', why: string): Promise<void> {
  await pollFor(
    async () => ((await frame.locator('#dashboard').getAttribute('data-measure')) === measure ? true : undefined),
    10_000,
    () => why,
  );
}

function drawTimes(session: VsCodeSession): string[] {
  const logs = path.join(session.userDataDir, 'logs');
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'Token Meter.log')
        found.push(
          ...fs
            .readFileSync(full, 'utf8')
            .split('\n')
            .filter((l) => l.includes('Dashboard for the week')),
        );
    }
  };
  if (fs.existsSync(logs)) walk(logs);
  return found;
}

describe('Usage dashboard in a real VS Code (code-server 4.139 + Chromium)', function () {
  this.timeout(180_000);
  const now = Date.now();
  const today = seedTodaysUsage(now);
  const lastWeek = seedLastWeek(now);
  const thisWeekFrom = weekStartDay(dayKey(now, SEED_TIME_ZONE), 1);
  let session: VsCodeSession | undefined;

  before(async () => {
    session = await VsCodeSession.start({
      name: 'dashboard',
      userSettings: {
        'tokenMeter.timeZone': SEED_TIME_ZONE,
        'tokenMeter.weekStart': 'monday',
        'tokenMeter.pricing.overrides': [SEED_PRICE_OVERRIDE],
        'tokenMeter.budget.daily': 10,
        'workbench.colorTheme': 'Default Dark Modern',
      },
      globalStorageFiles: { [SEED_FILE]: today.fileContent + JSON.stringify(lastWeek.event) + '\n' },
    });
  });
  afterEach(async function () {
    if (session && this.currentTest?.state === 'failed') {
      await session.screenshot(`failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
    }
  });
  after(async () => session?.stop());

  it('opens from F1 and shows the seeded week in the webview', async () => {
    await session!.statusBarItemText(METER_ID, 60_000);
    await session!.runCommand(DASHBOARD_COMMAND);
    await session!.waitForTab(DASHBOARD_TITLE);
    const frame = await dashboardFrame(session!, thisWeekFrom);
    assert.equal(await text(frame, '#total-tokens'), formatTokens(today.totalTokens));
    assert.equal(await text(frame, '#total-cost'), formatUsd(today.costUsd));
    const byModel = await text(frame, '#by-model');
    assert.ok(byModel.includes(SEED_MODEL), `the model table does not name ${SEED_MODEL}:\n${byModel}`);
    const todayRow = await text(frame, 'table.by-day tr:has-text("(today)")');
    assert.ok(todayRow.includes(formatUsd(today.costUsd)), `today's row does not show ${formatUsd(today.costUsd)}: ${todayRow}`);
    // Git is off in the test profile; the count arrives after the usage figures.
    let outcomes = '';
    await pollFor(
      async () => (/^Commits: Git is turned off/.test((outcomes = await text(frame, '#outcomes'))) ? true : undefined),
      30_000,
      () => `the dashboard never said why commits are not counted; it said ${JSON.stringify(outcomes)}`,
    );
    assert.equal(await text(frame, '#hygiene'), 'No prompt-hygiene findings this week: no repeated or oversized prompts seen.');
    assert.equal(await frame.locator('.chart canvas').count(), 1, 'the by-day chart is drawn');
    await session!.screenshot('1-dashboard-dark');
  });

  it('switches to last week and back', async () => {
    let frame = await dashboardFrame(session!, thisWeekFrom);
    await frame.locator('#previous-week').click();
    frame = await dashboardFrame(session!, lastWeek.fromDay);
    assert.equal(await text(frame, '#total-tokens'), formatTokens(lastWeek.totalTokens));
    assert.equal(await text(frame, '#total-cost'), formatUsd(lastWeek.costUsd));
    assert.match(await text(frame, '#by-source'), /Gateway/);
    await session!.screenshot('2-last-week');
    // From the keyboard this time: the buttons are real buttons.
    await frame.locator('#next-week').focus();
    await session!.page.keyboard.press('Enter');
    frame = await dashboardFrame(session!, thisWeekFrom);
    assert.equal(await text(frame, '#total-tokens'), formatTokens(today.totalTokens));
    assert.ok(await frame.locator('#next-week').isDisabled(), 'there is no week after this one');
  });

  it('switches the chart between cost and tokens, keeping the table beside it', async () => {
    let frame = await dashboardFrame(session!, thisWeekFrom);
    await frame.locator('#measure-tokens').click();
    await chartShows(frame, 'tokens', 'the chart did not switch to tokens');
    frame = await dashboardFrame(session!, thisWeekFrom);
    assert.equal(await frame.locator('#measure-tokens').getAttribute('aria-pressed'), 'true');
    assert.match(await text(frame, 'table.by-day caption'), /\(tokens, split by peak hours\)/);
    await frame.locator('#measure-cost').click();
    await chartShows(frame, 'cost', 'the chart did not switch back to cost');
  });

  it('keeps keyboard focus on the control that redrew it', async () => {
    // The focused element of the webview's document, by its id ('' when focus is on the page itself).
    const focusedId = async (frame: Frame) =>
      (await frame
        .locator(':focus')
        .getAttribute('id')
        .catch(() => null)) ?? '';
    let frame = await dashboardFrame(session!, thisWeekFrom);
    // Redrawn by the webview itself.
    await frame.locator('#measure-tokens').focus();
    await session!.page.keyboard.press('Enter');
    await chartShows(frame, 'tokens', 'the chart did not switch to tokens');
    assert.equal(await focusedId(frame), 'measure-tokens');
    await session!.page.keyboard.press('Shift+Tab');
    await session!.page.keyboard.press('Enter');
    await chartShows(frame, 'cost', 'Shift+Tab, Enter did not reach the Cost button');
    assert.equal(await focusedId(frame), 'measure-cost');
    // Redrawn with a view the extension sent.
    await frame.locator('#previous-week').focus();
    await session!.page.keyboard.press('Enter');
    frame = await dashboardFrame(session!, lastWeek.fromDay);
    assert.equal(await focusedId(frame), 'previous-week');
    await session!.page.keyboard.press('Tab');
    await session!.page.keyboard.press('Enter');
    frame = await dashboardFrame(session!, thisWeekFrom);
  });

  it('comes back on the week it showed after the window reloads', async () => {
    const frame = await dashboardFrame(session!, thisWeekFrom);
    await frame.locator('#previous-week').click();
    await dashboardFrame(session!, lastWeek.fromDay);
    // "Developer: Reload Window" goes through the workbench's shutdown, which saves the editors' state
    // (the webview's included) before the page reloads; a bare browser reload does not wait for that save.
    const page = session!.page;
    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await session!.runCommand('Developer: Reload Window');
    await reloaded;
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await session!.waitForTab(DASHBOARD_TITLE);
    const restored = await dashboardFrame(session!, lastWeek.fromDay, 60_000);
    assert.equal(await text(restored, '#total-tokens'), formatTokens(lastWeek.totalTokens));
    await restored.locator('#next-week').click();
    await dashboardFrame(session!, thisWeekFrom);
  });

  it('exports the shown week as CSV', async () => {
    const frame = await dashboardFrame(session!, thisWeekFrom);
    // The suggested file: in the workspace, named after the shown week.
    const target = path.join(session!.workspaceDir, `token-meter-usage-${thisWeekFrom}-to-${addDays(thisWeekFrom, 6)}.csv`);
    await frame.locator('#export-csv').click();
    // code-server's save dialog is a quick input holding the suggested path.
    const input = session!.page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await pollFor(
      async () => ((await input.inputValue()).endsWith(path.basename(target)) ? true : undefined),
      30_000,
      () => "the save dialog never suggested the week's file name",
    );
    await input.press('Enter');
    const csv = await pollFor(
      async () => (fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined),
      30_000,
      () => `${target} was never written`,
    );
    const [header, ...rows] = csv
      .trim()
      .split('\r\n')
      .map((line) => line.split(','));
    assert.equal(rows.length, 1, `expected today's one rollup row:\n${csv}`);
    const record = Object.fromEntries(header.map((h, i) => [h, rows[0][i]]));
    assert.equal(record.day, dayKey(now, SEED_TIME_ZONE));
    assert.equal(record.model, SEED_MODEL);
    assert.equal(Number(record.events), today.events.length);
    assert.equal(Number(record.totalTokens), today.totalTokens);
    assert.ok(Math.abs(Number(record.costUsd) - today.costUsd) < 1e-6, `costUsd ${record.costUsd} != ${today.costUsd}`);
    await session!.screenshot('3-exported');
  });

  it('follows a switch to the light theme', async () => {
    // The export's notification would cover part of the screenshot.
    await session!.runCommand('Notifications: Clear All Notifications');
    await session!.runCommand('Preferences: Toggle between Light/Dark Themes');
    const frame = await dashboardFrame(session!, thisWeekFrom);
    await pollFor(
      async () => ((await frame.locator('body').getAttribute('class'))?.includes('vscode-light') ? true : undefined),
      30_000,
      () => 'the webview never switched to the light theme',
    );
    await dashboardFrame(session!, thisWeekFrom);
    await session!.screenshot('4-dashboard-light');
  });

  it('opens from the status-bar meter after being closed', async () => {
    await session!.page.keyboard.press('Escape');
    await session!.runCommand('View: Close All Editors');
    await pollFor(
      async () => ((await session!.tabTitles()).includes(DASHBOARD_TITLE) ? undefined : true),
      30_000,
      () => 'the dashboard tab did not close',
    );
    await session!.statusBarItem(METER_ID).click();
    await session!.waitForTab(DASHBOARD_TITLE);
    const frame = await dashboardFrame(session!, thisWeekFrom);
    assert.equal(await text(frame, '#total-tokens'), formatTokens(today.totalTokens));
    const times = drawTimes(session!);
    console.log(`      ${times.map((l) => l.replace(/^.*\] /, '')).join('\n      ')}`);
    assert.ok(times.length >= 5, `the extension logged ${times.length} drawn dashboards`);
  });
});
