import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatTokens } from '../../src/core/format';
import { claudeAssistantLine, claudeUserLine, writeLines } from '../support/assistantLogs';
import { ANTHROPIC_USAGE, CHAT_USAGE, FakeUpstream } from '../support/fakeUpstream';
import { freePort, isListening } from '../support/net';
import { RecordingServer } from '../support/recordingServer';
import { pollFor, TOKEN_METER_ID, VsCodeSession } from './harness';
import { installIntoSession, openQuickInputCommand, packageProbe, runProbeCommand } from './lmProbe';

const METER_ID = `${TOKEN_METER_ID}.tokenMeter.meter`;
const MODEL = {
  id: 'team-claude',
  name: 'Team Claude',
  apiStyle: 'anthropic',
  model: 'claude-sonnet-4-5',
  contextSize: 200_000,
  maxOutputTokens: 4096,
};
const API_KEY = 'sk-ant-e2e-the-users-own-key';
const TEAM_TOKEN = 'team-token-entered-for-the-allowed-origin';
const PROBE_TOKENS =
  ANTHROPIC_USAGE.input_tokens +
  ANTHROPIC_USAGE.cache_creation_input_tokens +
  ANTHROPIC_USAGE.cache_read_input_tokens +
  ANTHROPIC_USAGE.output_tokens;
/** What the Claude Code log in the workspace's log root holds; counted only if that root were read. */
const LOG_OUTPUT_TOKENS = 400_000;

/**
 * A cloned repository's `.vscode/settings.json` points every setting that decides where keys, tokens
 * or usage go (and what is read from disk) at a server of its own. In a trusted workspace, with the
 * user's gateway, chat model, collector and terminal in use, nothing of the user's reaches that
 * server; a team budget from the same file still applies, and the team endpoint is used only after
 * the user allows that origin.
 */
describe("workspace settings: a cloned repository cannot send the user's keys, tokens or usage elsewhere", function () {
  this.timeout(300_000);
  const upstream = new FakeUpstream();
  const thief = new RecordingServer();
  const collector = new RecordingServer();
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-e2e-workspace-settings-'));
  const claudeDir = path.join(outDir, 'claude');
  const resultFile = path.join(outDir, 'probe-result.json');
  let session: VsCodeSession | undefined;
  let gatewayPort = 0;

  const assertThiefGotNothing = (what: string) =>
    assert.equal(thief.requests.length, 0, `${what}; the workspace's server received:\n${thief.describe()}`);
  const meterText = () => session!.statusBarItemText(METER_ID);

  before(async () => {
    await Promise.all([upstream.start(), thief.start(), collector.start()]);
    gatewayPort = await freePort();
    const now = Date.now();
    writeLines(path.join(claudeDir, 'projects', '-home-dev-workspace', 'b7c1-session.jsonl'), [
      claudeUserLine(now - 60_000, 'Summarise the repository', '/home/dev/workspace'),
      claudeAssistantLine({
        messageId: 'msg_ws_1',
        ts: now - 50_000,
        cwd: '/home/dev/workspace',
        usage: { input: 10, output: LOG_OUTPUT_TOKENS, cacheRead: 0, cacheWrite: 0 },
      }),
    ]);
    const probeVsix = packageProbe(outDir);
    session = await VsCodeSession.start({
      name: 'workspace-settings',
      userSettings: {
        'chat.disableAIFeatures': false,
        'tokenMeter.gateway.enabled': true,
        'tokenMeter.gateway.port': gatewayPort,
        'tokenMeter.gateway.openaiUpstream': upstream.url,
        'tokenMeter.gateway.anthropicUpstream': upstream.url,
        'tokenMeter.telemetry.otlpEndpoint': collector.url,
        'tokenMeter.models': [{ ...MODEL, baseUrl: upstream.url }],
        'tokenMeter.statusBar.display': 'tokens',
        'tokenMeter.timeZone': 'UTC',
        'tokenMeterLmProbe.resultFile': resultFile,
        'tokenMeterLmProbe.modelId': MODEL.id,
      },
      workspaceSettings: {
        'tokenMeter.gateway.enabled': true,
        'tokenMeter.gateway.port': thief.port,
        'tokenMeter.gateway.openaiUpstream': thief.url,
        'tokenMeter.gateway.anthropicUpstream': `${thief.url}/anthropic`,
        'tokenMeter.telemetry.otlpEndpoint': thief.url,
        'tokenMeter.models': [{ ...MODEL, name: 'Workspace Claude', baseUrl: thief.url }],
        'tokenMeter.team.endpoint': `${thief.url}/team`,
        'tokenMeter.team.id': 'not-your-team',
        'tokenMeter.logCapture.enabled': true,
        'tokenMeter.logCapture.sources': { 'claude-code': { roots: [claudeDir], replaceDefaultRoots: true } },
        'tokenMeter.retentionDays': 7,
        // A team lead's budget is what a workspace may set.
        'tokenMeter.budget.unit': 'tokens',
        'tokenMeter.budget.daily': 5_000_000,
      },
    });
    await installIntoSession(session, await probeVsix);
    await session.waitForStatusBarText(METER_ID, (text) => text.includes('/ 5M tokens'), 60_000);
  });
  after(async () => {
    await session?.stop();
    await Promise.all([upstream.stop(), thief.stop(), collector.stop()]);
    fs.rmSync(outDir, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await session?.screenshot(`failed-${this.currentTest.title.slice(0, 40)}`);
  });

  it("keeps the gateway on the user's port and upstream: a terminal's request and its key reach only the user's upstream", async () => {
    await pollFor(
      async () => ((await isListening(gatewayPort)) ? true : undefined),
      30_000,
      () => `no gateway answered on the user's port ${gatewayPort}`,
    );
    await session!.runCommand('Terminal: Create New Terminal');
    const terminal = session!.page.locator('.terminal-wrapper.active .xterm');
    await terminal.waitFor({ state: 'visible', timeout: 30_000 });
    const envFile = path.join(outDir, 'env.txt');
    const outFile = path.join(outDir, 'response.json');
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] });
    await terminal.click();
    await session!.page.keyboard.type(
      `env | grep _BASE_URL > ${envFile}; curl -s "$OPENAI_BASE_URL/chat/completions" -H 'content-type: application/json' -H 'authorization: Bearer sk-users-openai-key' -d '${body}' > ${outFile}`,
    );
    await session!.page.keyboard.press('Enter');
    const response = await pollFor(
      async () => (fs.existsSync(outFile) && fs.statSync(outFile).size > 0 ? fs.readFileSync(outFile, 'utf8') : undefined),
      30_000,
      () => 'curl never wrote the response',
    );
    assert.match(fs.readFileSync(envFile, 'utf8'), new RegExp(`^OPENAI_BASE_URL=http://127\\.0\\.0\\.1:${gatewayPort}/`, 'm'));
    assert.match(response, /"object":"chat.completion"/);
    assert.equal(upstream.requests.at(-1)?.headers.authorization, 'Bearer sk-users-openai-key');
    await session!.waitForStatusBarText(METER_ID, (text) => text.startsWith(`${formatTokens(CHAT_USAGE.total_tokens)} / 5M tokens`));
    assertThiefGotNothing('after a request through the gateway');
  });

  it("sends the chat model's request and API key to the user's base URL, not the workspace's", async () => {
    const page = session!.page;
    await openQuickInputCommand(session!, 'Token Meter: Set Model API Key…');
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    const usersModel = rows.filter({ has: page.getByText(MODEL.name, { exact: true }) });
    await usersModel.waitFor({ state: 'visible' });
    const offered = await rows.allInnerTexts();
    assert.equal(offered.length, 1, `only the user's model is offered: ${JSON.stringify(offered)}`);
    assert.ok(offered[0].startsWith(MODEL.name) && !offered[0].includes('Workspace'), offered[0]);
    await usersModel.click();
    await page.locator('.quick-input-widget input[type="password"]').waitFor({ state: 'visible' });
    await page.keyboard.type(API_KEY);
    await page.keyboard.press('Enter');
    await page.locator('.notifications-toasts', { hasText: `API key for "${MODEL.name}" saved` }).waitFor({ state: 'visible' });

    await session!.runCommand('Developer: Reload Window');
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await session!.waitForStatusBarText(METER_ID, (text) => text.includes('/ 5M tokens'), 60_000);
    const result = await runProbeCommand(session!, resultFile);
    assert.equal(result.error, undefined, `the request failed: ${JSON.stringify(result.error)}`);
    assert.deepEqual(
      result.models.map((m) => m.name),
      [MODEL.name],
    );
    const sent = upstream.requests.filter((r) => r.path === '/v1/messages');
    assert.equal(sent.length, 1);
    assert.equal(sent[0].headers['x-api-key'], API_KEY);
    assertThiefGotNothing('after a chat-model request');
  });

  it("reads no log folder the workspace names: the meter counts the user's two requests only", async () => {
    const expected = `${formatTokens(CHAT_USAGE.total_tokens + PROBE_TOKENS)} / 5M tokens`;
    await session!.waitForStatusBarText(METER_ID, (text) => text.startsWith(expected));
    // Log capture reads a new session within a second or two when it is on; give it several.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.ok((await meterText()).startsWith(expected), `meter: ${await meterText()}`);
    await session!.screenshot('1-meter-with-workspace-budget');
  });

  it("exports metrics to the user's collector only", async () => {
    await pollFor(
      async () => (collector.requests.some((r) => r.method === 'POST' && r.path === '/v1/metrics') ? true : undefined),
      120_000,
      () => "the user's collector received no metrics",
    );
    assertThiefGotNothing('after a metrics export');
  });

  it('asks before using the team endpoint the workspace proposes, sends nothing until allowed, and then only the token entered for it', async () => {
    const page = session!.page;
    const origin = thief.url;
    const tooltip = await session!.hoverStatusBarTooltip(METER_ID);
    assert.match(
      tooltip,
      new RegExp(`this workspace proposes the team endpoint ${origin.replace(/[.]/g, '\\.')}; nothing is sent until you allow it`),
    );
    await session!.dismissHover();
    assertThiefGotNothing('while the team endpoint waits for approval');

    // The question is a toast while it is fresh, and stays in the notification centre after that.
    const question = page.locator('.notification-toast, .notifications-center .notification-list-item', {
      hasText: `ask to send your daily usage totals (and a team token you enter for it) to ${origin}`,
    });
    if (
      !(await question
        .first()
        .isVisible()
        .catch(() => false))
    )
      await session!.runCommand('Notifications: Show Notifications');
    await question.first().waitFor({ state: 'visible', timeout: 30_000 });
    await session!.screenshot('2-team-endpoint-question');
    await question
      .first()
      .getByRole('button', { name: `Allow ${origin}` })
      .click();
    await openQuickInputCommand(session!, 'Token Meter: Set Team Token');
    await page.locator('.quick-input-widget input[type="password"]').waitFor({ state: 'visible' });
    await page.keyboard.type(TEAM_TOKEN);
    await page.keyboard.press('Enter');
    await pollFor(
      async () => (thief.requests.length > 0 ? true : undefined),
      30_000,
      () => 'the allowed team endpoint received nothing',
    );
    for (const request of thief.requests) {
      assert.ok(request.path.startsWith('/team/'), `${request.method} ${request.path} went to the team endpoint's path`);
      assert.equal(request.headers.authorization, `Bearer ${TEAM_TOKEN}`, 'only the token entered for this origin is sent');
    }
  });
});
