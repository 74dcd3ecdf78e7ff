import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatClock, formatPercent } from '../../src/core/format';
import { appendLines, claudeAssistantLine, claudeUserLine, writeLines } from '../support/assistantLogs';
import { exactly, TOKEN_METER_ID, VsCodeSession } from './harness';

const SUBSCRIPTION_ID = `${TOKEN_METER_ID}.tokenMeter.subscription`;
const CONTEXT_ID = `${TOKEN_METER_ID}.tokenMeter.context`;
const MIN = 60_000;

describe('subscription plans: a Claude Code session on disk shows its 5-hour block and context gauge', function () {
  this.timeout(180_000);
  const claudeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-e2e-claude-'));
  let session: VsCodeSession | undefined;
  const blockStart = Math.floor((Date.now() - 40 * MIN) / MIN) * MIN;
  const sessionFile = path.join(claudeDir, 'projects', '-home-dev-workspace', '5f1e-session.jsonl');

  before(async () => {
    // The session works in a folder named like the e2e workspace ("workspace"), so it is this window's.
    const cwd = '/home/dev/workspace';
    writeLines(sessionFile, [
      claudeUserLine(blockStart, 'Fix the flaky checkout test', cwd),
      claudeAssistantLine({
        messageId: 'msg_e2e_1',
        ts: blockStart + 20_000,
        cwd,
        usage: { input: 40, output: 900, cacheRead: 60_000, cacheWrite: 4_000 },
      }),
      claudeAssistantLine({
        messageId: 'msg_e2e_2',
        ts: Date.now() - 2 * MIN,
        cwd,
        usage: { input: 10, output: 1_050, cacheRead: 120_000, cacheWrite: 3_000 },
      }),
    ]);
    session = await VsCodeSession.start({
      name: 'subscription',
      userSettings: {
        'tokenMeter.timeZone': 'UTC',
        'tokenMeter.logCapture.enabled': true,
        'tokenMeter.logCapture.sources': {
          'claude-code': { roots: [claudeDir], replaceDefaultRoots: true },
          codex: { enabled: false },
          'copilot-chat': { enabled: false },
          'gemini-cli': { enabled: false },
        },
        'tokenMeter.plans': { anthropic: 'claude-max-5x' },
        'tokenMeter.planLimits': { anthropic: { blockTokens: 2_000_000 } },
      },
    });
  });
  after(async () => {
    await session?.stop();
    fs.rmSync(claudeDir, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await session?.screenshot(`failed-${this.currentTest.title}`);
  });

  it('shows the block: tokens against the limit, and when it resets', async () => {
    const tokens = 40 + 900 + 60_000 + 4_000 + 10 + 1_050 + 120_000 + 3_000; // 189,000 of 2M
    const resets = formatClock(blockStart + 5 * 3600_000, Date.now(), 'UTC');
    const text = await session!.waitForStatusBarText(
      SUBSCRIPTION_ID,
      exactly(`5h ${formatPercent(tokens / 2_000_000)} · resets ${resets}`),
      60_000,
    );
    assert.ok(text);
    const tooltip = await session!.hoverStatusBarTooltip(SUBSCRIPTION_ID);
    assert.match(tooltip, /Claude Max 5x/);
    assert.match(tooltip, /189k tokens of ~2M .* limit set by you/);
    await session!.screenshot('block-and-context');
  });

  it('shows the context of the session working in this workspace, and follows it live', async () => {
    await session!.waitForStatusBarText(CONTEXT_ID, exactly('ctx 123k/200k'), 30_000);
    appendLines(sessionFile, [
      claudeAssistantLine({
        messageId: 'msg_e2e_3',
        ts: Date.now(),
        cwd: '/home/dev/workspace',
        usage: { input: 5, output: 200, cacheRead: 160_000, cacheWrite: 5_000 },
      }),
    ]);
    await session!.waitForStatusBarText(CONTEXT_ID, exactly('ctx 165k/200k'), 15_000);
    const tooltip = await session!.hoverStatusBarTooltip(CONTEXT_ID);
    assert.match(tooltip, /Past 80%: run \/compact or \/clear in Claude Code/);
  });
});
