import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatTokens } from '../../src/core/format';
import { contextWindowFor } from '../../src/core/pricing';
import { countTokens } from '../../src/core/tokenizer';
import { ANTHROPIC_USAGE, FakeUpstream, STREAM_WORDS, TOOL_CALL_INPUT } from '../support/fakeUpstream';
import { exactly, pollFor, TOKEN_METER_ID, VsCodeSession } from './harness';
import { installIntoSession, openQuickInputCommand, packageProbe, PROBE_PROMPT, runProbeCommand } from './lmProbe';

const METER_ID = `${TOKEN_METER_ID}.tokenMeter.meter`;
const MODEL = {
  id: 'fake-claude',
  name: 'Fake Claude',
  apiStyle: 'anthropic',
  model: 'claude-sonnet-4-5',
  contextSize: 200_000,
  maxOutputTokens: 4096,
};
/** The fake answers "*-tools" models with a call of the first tool offered. */
const TOOLS_MODEL = {
  id: 'fake-claude-tools',
  name: 'Fake Claude with tools',
  apiStyle: 'anthropic',
  model: 'claude-sonnet-4-5-tools',
  imageInput: true,
};
/** The fake answers "*-401" models with 401 Invalid API key. */
const DENIED_MODEL = { id: 'fake-gpt-denied', name: 'Fake GPT with a bad key', apiStyle: 'openai', model: 'gpt-4o-401' };
const API_KEY = 'sk-ant-e2e-typed-into-the-input-box';
/** What one request to the fake Anthropic upstream reports, all token kinds together. */
const REPORTED_TOKENS =
  ANTHROPIC_USAGE.input_tokens +
  ANTHROPIC_USAGE.cache_creation_input_tokens +
  ANTHROPIC_USAGE.cache_read_input_tokens +
  ANTHROPIC_USAGE.output_tokens;

/** The 1×1 PNG the probe sends in its toolResult scenario. */
const PIXEL_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('chat-model provider: another extension finds the Token Meter model through vscode.lm, and the meter moves', function () {
  this.timeout(180_000);
  const upstream = new FakeUpstream();
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-e2e-lm-'));
  const resultFile = path.join(outDir, 'probe-result.json');
  const settingsFile = path.join(outDir, 'probe-settings.json');
  let session: VsCodeSession | undefined;
  let probeVsix = '';

  before(async () => {
    await upstream.start();
    probeVsix = await packageProbe(outDir);
    session = await VsCodeSession.start({
      name: 'lm',
      userSettings: {
        // The harness turns AI features off to keep chat panels out of the way; the LM API needs them.
        'chat.disableAIFeatures': false,
        'tokenMeter.models': [
          { ...MODEL, baseUrl: upstream.url },
          { ...TOOLS_MODEL, baseUrl: upstream.url },
          { ...DENIED_MODEL, baseUrl: `${upstream.url}/v1` },
        ],
        'tokenMeter.statusBar.display': 'tokens',
        'tokenMeter.timeZone': 'UTC',
        'tokenMeterLmProbe.resultFile': resultFile,
        'tokenMeterLmProbe.settingsFile': settingsFile,
        'tokenMeterLmProbe.modelId': MODEL.id,
      },
    });
    await session.waitForStatusBarText(METER_ID, exactly('0 tokens today'), 60_000);
  });
  after(async () => {
    await session?.stop();
    await upstream.stop();
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  /** Changes user settings through the probe (the configuration API), as the Settings editor would. */
  async function updateUserSettings(patch: Record<string, unknown>): Promise<void> {
    fs.writeFileSync(settingsFile, JSON.stringify(patch));
    fs.rmSync(`${settingsFile}.applied`, { force: true });
    await session!.runCommand('LM Probe: Apply Test Settings');
    await pollFor(
      async () => (fs.existsSync(`${settingsFile}.applied`) ? true : undefined),
      30_000,
      () => 'the probe never applied the settings',
    );
  }

  const runProbe = (dialogButton = 'Allow') => runProbeCommand(session!, resultFile, dialogButton);
  const openCommand = (title: string) => openQuickInputCommand(session!, title);

  it('stores the API key typed into "Token Meter: Set Model API Key…"', async () => {
    const page = session!.page;
    await openCommand('Token Meter: Set Model API Key…');
    // The model picker of the command, then the password box.
    await page
      .locator('.quick-input-widget .monaco-list-row')
      .filter({ has: page.getByText(MODEL.name, { exact: true }) })
      .click();
    await page.locator('.quick-input-widget input[type="password"]').waitFor({ state: 'visible' });
    await page.keyboard.type(API_KEY);
    await page.keyboard.press('Enter');
    await page.locator('.notifications-toasts', { hasText: `API key for "${MODEL.name}" saved` }).waitFor({ state: 'visible' });
    await session!.screenshot('1-key-saved');
  });

  it('the probe extension selects the model by vendor, gets the streamed answer, and the meter moves by the upstream usage', async () => {
    await installIntoSession(session!, probeVsix);
    await session!.runCommand('Developer: Reload Window');
    await session!.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await session!.waitForStatusBarText(METER_ID, exactly('0 tokens today'), 60_000);
    const result = await runProbe();
    await session!.screenshot('2-probe-done');
    assert.equal(result.error, undefined, `the request failed: ${JSON.stringify(result.error)}`);
    assert.deepEqual(result.models.map((m) => m.id).sort(), [MODEL.id, TOOLS_MODEL.id, DENIED_MODEL.id].sort());
    assert.deepEqual(
      result.models.find((m) => m.id === MODEL.id),
      {
        id: MODEL.id,
        name: MODEL.name,
        vendor: 'token-meter',
        family: MODEL.model,
        maxInputTokens: MODEL.contextSize - MODEL.maxOutputTokens,
      },
    );
    assert.equal(result.text, STREAM_WORDS.join(''));
    assert.equal(result.promptTokens, countTokens(PROBE_PROMPT, MODEL.model), "countTokens answers with the project's tokenizer");

    const sent = upstream.requests.filter((r) => r.path === '/v1/messages');
    assert.equal(sent.length, 1);
    assert.equal(sent[0].headers['x-api-key'], API_KEY);
    assert.equal(JSON.parse(sent[0].body).model, MODEL.model);

    await session!.waitForStatusBarText(METER_ID, exactly(`${formatTokens(REPORTED_TOKENS)} tokens today`));
    await session!.screenshot('3-meter-moved');
  });

  it('with a hard budget used up, refuses before sending and names the budget and the override; after the override it sends', async () => {
    // 1,000 tokens a day, already exceeded by the request above.
    await updateUserSettings({
      'tokenMeter.budget.unit': 'tokens',
      'tokenMeter.budget.daily': 1000,
      'tokenMeter.lm.budgetEnforcement': 'hard',
    });
    await session!.waitForStatusBarText(METER_ID, (text) => text.includes('/ 1k'));
    const refused = await runProbe();
    await session!.screenshot('4-refused');
    assert.equal(refused.error?.code, 'Blocked');
    assert.match(
      refused.error?.message ?? '',
      /daily budget of 1k tokens \(set in your user settings\) is used up \(32\.1k tokens counted, peak-weighted\).*Run "Token Meter: Allow 1 Hour Over Budget"/,
    );
    assert.equal(upstream.requests.filter((r) => r.path === '/v1/messages').length, 1, 'nothing was sent upstream');

    await session!.runCommand('Token Meter: Allow 1 Hour Over Budget');
    const sent = await runProbe();
    assert.equal(sent.error, undefined, `the request failed: ${JSON.stringify(sent.error)}`);
    assert.equal(upstream.requests.filter((r) => r.path === '/v1/messages').length, 2);
    await session!.waitForStatusBarText(METER_ID, (text) => text.startsWith(`${formatTokens(2 * REPORTED_TOKENS)} / 1k tokens`));
    await session!.screenshot('5-sent-after-override');
  });

  it('asks before sending a prompt over the per-request threshold: Cancel refuses, "Send Anyway" sends', async () => {
    // The probe's prompt counted with the project's tokenizer; a threshold one below stops it. The budget override is still in effect.
    const promptTokens = countTokens(PROBE_PROMPT, MODEL.model);
    const threshold = promptTokens - 1;
    await updateUserSettings({ 'tokenMeter.lm.requestThreshold': threshold, 'tokenMeter.lm.askBeforeSending': true });
    const sentBefore = upstream.requests.filter((r) => r.path === '/v1/messages').length;
    const cancelled = await runProbe('Cancel');
    assert.ok(
      cancelled.dialog.includes(
        `This request's prompt is about ${promptTokens} tokens, over your per-request threshold of ${threshold} tokens (tokenMeter.lm.requestThreshold)`,
      ),
      `dialog: ${JSON.stringify(cancelled.dialog)}`,
    );
    assert.equal(cancelled.error?.code, 'Blocked');
    assert.equal(upstream.requests.filter((r) => r.path === '/v1/messages').length, sentBefore);

    const confirmed = await runProbe('Send Anyway');
    await session!.screenshot('6-sent-anyway');
    assert.ok(
      confirmed.dialog.includes(`over your per-request threshold of ${threshold} tokens`),
      `dialog: ${JSON.stringify(confirmed.dialog)}`,
    );
    assert.equal(confirmed.error, undefined, `the request failed: ${JSON.stringify(confirmed.error)}`);
    assert.equal(confirmed.text, STREAM_WORDS.join(''));
    assert.equal(upstream.requests.filter((r) => r.path === '/v1/messages').length, sentBefore + 1);
  });

  it("passes VS Code's tool calls, tool results and images through, both ways", async () => {
    await updateUserSettings({
      'tokenMeter.lm.requestThreshold': 0,
      'tokenMeter.lm.askBeforeSending': false,
      'tokenMeterLmProbe.modelId': TOOLS_MODEL.id,
      'tokenMeterLmProbe.scenario': 'tools',
    });
    const called = await runProbe();
    assert.equal(called.error, undefined, `the request failed: ${JSON.stringify(called.error)}`);
    assert.deepEqual(called.toolCalls, [{ callId: 'toolu_fake1', name: 'read_file', input: TOOL_CALL_INPUT }]);
    const offered = JSON.parse(upstream.requests[upstream.requests.length - 1].body);
    assert.deepEqual(
      offered.tools.map((t: { name: string }) => t.name),
      ['read_file'],
    );

    await updateUserSettings({ 'tokenMeterLmProbe.scenario': 'toolResult' });
    const answered = await runProbe();
    assert.equal(answered.error, undefined, `the request failed: ${JSON.stringify(answered.error)}`);
    const sent = JSON.parse(upstream.requests[upstream.requests.length - 1].body) as {
      messages: Array<{ role: string; content: Array<Record<string, unknown>> }>;
    };
    assert.deepEqual(sent.messages[1], {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_probe', name: 'read_file', input: { path: 'a.ts' } }],
    });
    assert.equal(sent.messages[2].role, 'user');
    assert.deepEqual(sent.messages[2].content[0], { type: 'tool_result', tool_use_id: 'toolu_probe', content: 'export {}' });
    assert.deepEqual(sent.messages[2].content[1], {
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: PIXEL_BASE64 },
    });
  });

  it('turns an upstream 401 into a NoPermissions error that says where to fix the key', async () => {
    await updateUserSettings({ 'tokenMeterLmProbe.modelId': DENIED_MODEL.id, 'tokenMeterLmProbe.scenario': 'text' });
    const denied = await runProbe();
    await session!.screenshot('7-denied');
    assert.equal(denied.error?.code, 'NoPermissions');
    assert.match(
      denied.error?.message ?? '',
      /Model "Fake GPT with a bad key" was refused \(127\.0\.0\.1:\d+ answered 401: Invalid API key\)\. Check its API key with "Token Meter: Set Model API Key…"/,
    );
  });

  it('"Token Meter: Add Model…" adds an endpoint, model and key that the next request uses', async () => {
    const page = session!.page;
    const widget = page.locator('.quick-input-widget');
    const input = widget.locator('input.input');
    await openCommand('Token Meter: Add Model…');
    const step = async (n: number, answer?: string) => {
      await widget.locator('.quick-input-title', { hasText: `(${n}/6)` }).waitFor({ state: 'visible' });
      if (answer !== undefined) await input.fill(answer);
      await page.keyboard.press('Enter');
    };
    await widget.locator('.monaco-list-row', { hasText: 'OpenAI-compatible' }).click();
    await step(2, `${upstream.url}/v1`);
    await step(3, 'gpt-4o');
    await step(4, 'Added GPT');
    await step(5, 'sk-added-through-the-ui');
    // Capabilities: tool calling is preselected.
    await step(6);
    await page.locator('.notifications-toasts', { hasText: '"Added GPT" is in the chat model picker' }).waitFor({ state: 'visible' });
    await session!.screenshot('8-model-added');

    await updateUserSettings({ 'tokenMeterLmProbe.modelId': 'Added GPT', 'tokenMeterLmProbe.scenario': 'text' });
    const result = await runProbe();
    assert.equal(result.error, undefined, `the request failed: ${JSON.stringify(result.error)}`);
    assert.equal(result.text, STREAM_WORDS.join(''));
    assert.deepEqual(
      result.models.find((m) => m.id === 'Added GPT'),
      { id: 'Added GPT', name: 'Added GPT', vendor: 'token-meter', family: 'gpt-4o', maxInputTokens: contextWindowFor('gpt-4o')! - 8192 },
    );
    const sent = upstream.requests[upstream.requests.length - 1];
    assert.equal(sent.path, '/v1/chat/completions');
    assert.equal(sent.headers.authorization, 'Bearer sk-added-through-the-ui');
  });

  it('hands chat-model prompts to prompt hygiene: the same question asked three times is a finding', async () => {
    // A real question (hygiene leaves "continue"-sized ones alone), asked three times in a row.
    const question = 'How do I rename the checkout handler in every caller of it?';
    await updateUserSettings({
      'tokenMeterLmProbe.modelId': MODEL.id,
      'tokenMeterLmProbe.scenario': 'text',
      'tokenMeterLmProbe.prompt': question,
      'tokenMeter.lm.budgetEnforcement': 'soft',
    });
    for (let i = 0; i < 3; i++) assert.equal((await runProbe()).error, undefined);
    const toast = session!.page.locator('.notifications-toasts .notification-toast', { hasText: 'Token Meter: Repeated prompt.' });
    await toast.first().waitFor({ state: 'visible', timeout: 30_000 });
    await session!.screenshot('9-repeated-chat-prompt');
    await session!.runCommand('Token Meter: Show Prompt Hygiene Report');
    const editor = session!.page.locator('.editor-group-container.active .monaco-editor .view-lines');
    const report = await pollFor(
      async () => {
        const text = (await editor.innerText().catch(() => '')).replace(/\s+/g, ' ');
        return text.includes('Repeated prompt') ? text : undefined;
      },
      30_000,
      () => 'the hygiene report shows no repeated prompt',
    );
    assert.match(report, /Repeated prompt\*\* \(lm-provider, claude-sonnet-4-5\)/);
  });
});
