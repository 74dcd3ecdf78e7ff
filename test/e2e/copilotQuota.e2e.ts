import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { copilotUserJson } from '../support/copilotQuota';
import { exactly, pollFor, TOKEN_METER_ID, VsCodeSession } from './harness';

const SUBSCRIPTION_ID = `${TOKEN_METER_ID}.tokenMeter.subscription`;
const GITHUB_TOKEN = 'gho_e2eSessionTokenNeverStored0123456789';

/** The first day of next month, 00:00 UTC: where GitHub's monthly Copilot quota resets. */
function nextMonthUtc(now: number): Date {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .flatMap((e) => (e.isFile() ? [path.join(e.parentPath, e.name)] : []));
}

describe("Copilot quota: VS Code's GitHub session, a local stand-in of GitHub's Copilot user endpoint, the month's quota in the status bar", function () {
  this.timeout(240_000);
  const reset = nextMonthUtc(Date.now());
  const authorizations: string[] = [];
  let endpoint: http.Server | undefined;
  let session: VsCodeSession | undefined;

  before(async () => {
    endpoint = http.createServer((req, res) => {
      if (req.url !== '/api/v3/copilot_internal/user') {
        res.writeHead(404).end();
        return;
      }
      authorizations.push(req.headers.authorization ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(copilotUserJson(reset.toISOString())));
    });
    await new Promise<void>((resolve) => endpoint!.listen(0, '127.0.0.1', resolve));
    const port = (endpoint.address() as AddressInfo).port;
    session = await VsCodeSession.start({
      name: 'copilot-quota',
      userSettings: {
        'tokenMeter.copilotQuota.enabled': true,
        // As for GitHub Enterprise: the configurable endpoint, here plain http on this machine.
        'tokenMeter.copilotQuota.endpoint': `http://127.0.0.1:${port}/api/v3/copilot_internal/user`,
        'tokenMeter.timeZone': 'UTC',
      },
      githubSession: { accessToken: GITHUB_TOKEN, scopes: [['user:email']] },
    });
  });
  after(async () => {
    await session?.stop();
    await new Promise((resolve) => endpoint?.close(resolve));
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await session?.screenshot(`failed-${this.currentTest.title}`);
  });

  it('asks before using the GitHub sign-in, and sends nothing until the user agrees', async () => {
    const toast = session!.page.locator('.notification-toast', { hasText: 'Token Meter reads your GitHub Copilot quota' });
    await toast.waitFor({ state: 'visible', timeout: 60_000 });
    assert.deepEqual(authorizations, [], 'no request before the user agreed');
    await session!.screenshot('copilot-sign-in-question');
    await toast.locator('.monaco-button', { hasText: /^Sign In$/ }).click();
    // VS Code's own question: may Token Meter use the GitHub account?
    const consent = session!.page.locator('.monaco-dialog-box');
    await consent.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await consent.innerText(), /Token Meter/);
    await consent.locator('.monaco-button', { hasText: /^Allow$/ }).click();
    // Then which account: the session VS Code already has (offline, GitHub cannot name it).
    const picker = session!.page.locator('.quick-input-widget');
    await picker.locator('.quick-input-title', { hasText: "'Token Meter' wants to access a GitHub account" }).waitFor({ timeout: 30_000 });
    await picker.locator('.monaco-list-row', { hasNotText: 'Sign in to another account' }).first().click();
  });

  it("sends the session's token to the configured endpoint only, and shows the month's quota with its reset", async () => {
    await pollFor(
      async () => (authorizations.length > 0 ? true : undefined),
      60_000,
      () => 'the stand-in endpoint was never asked',
    );
    assert.equal(authorizations[0], `token ${GITHUB_TOKEN}`);
    const resetText = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(reset);
    const expected = `month 60% · resets ${resetText}`;
    assert.equal(await session!.waitForStatusBarText(SUBSCRIPTION_ID, exactly(expected), 60_000), expected);
    const tooltip = await session!.hoverStatusBarTooltip(SUBSCRIPTION_ID);
    await session!.screenshot('copilot-quota', 'status-bar-corner');
    assert.match(tooltip, /GitHub Copilot/);
    assert.match(
      tooltip,
      new RegExp(
        `premium requests \\(month\\): 60% \\(120 of 300 left · no paid overage\\) · resets ${resetText} — binds now — from GitHub, as of (just now|1 min ago)`,
      ),
    );
    await session!.dismissHover();
  });

  it('keeps the readings and never the GitHub token', () => {
    const stored = filesUnder(VsCodeSession.globalStorageDir(session!.userDataDir, TOKEN_METER_ID));
    const limits = stored.filter((f) => path.basename(f) === 'limits.json');
    assert.equal(limits.length, 1, `the readings are kept (files: ${stored.map((f) => path.basename(f)).join(', ')})`);
    assert.match(fs.readFileSync(limits[0], 'utf8'), /premium_interactions/);
    for (const file of stored) assert.ok(!fs.readFileSync(file).includes(GITHUB_TOKEN), `${file} holds the GitHub token`);
  });
});
