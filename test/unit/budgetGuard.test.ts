import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { GatewayServer } from '../../src/capture/gateway/server';
import { formatBudgetAmount, parseBudget } from '../../src/core/budget';
import {
  BudgetGuard,
  BudgetOverride,
  OVERRIDE_COMMAND_ID,
  OVERRIDE_COMMAND_TITLE,
  OVERRIDE_DURATION_MS,
  type BudgetEnforcement,
  type OverrideStorage,
} from '../../src/core/budgetGuard';
import type { Settings } from '../../src/core/settings';
import type { UsageReader, UsageRowLike } from '../../src/core/usage';
import { BudgetOverrideFile } from '../../src/store/budgetOverrideFile';
import { DATA_FILES } from '../../src/store/paths';
import { FakeUpstream } from '../support/fakeUpstream';

const SECRET = 'b'.repeat(32);
const TODAY = '2026-11-23';
const NOON = Date.UTC(2026, 10, 23, 12);

/** A $5 daily budget set by the workspace, with `spent()` dollars counted today (peak-weighted). */
function usageReader(spent: () => number, clock: () => number): UsageReader {
  const budget = parseBudget({ daily: 5, unit: 'usd' }, { daily: 'workspace' }).budget;
  // Only the fields the guard reads; the extension assembles the full Settings with resolveSettings.
  const settings = { budget, timeZone: 'UTC', weekStart: 1 } as unknown as Settings;
  const row = (): UsageRowLike => ({
    day: TODAY,
    model: 'gpt-4o',
    events: 1,
    inputTokens: 1000,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    estimatedTokens: 0,
    costUsd: spent(),
    unpricedTokens: 0,
    weightedCostUsd: spent(),
    weightedTokens: 1000,
    peakTokens: 0,
  });
  return { settings, rows: (from, to) => (from <= TODAY && TODAY <= to ? [row()] : []), now: clock };
}

describe('hard budgets on the gateway path (real gateway → local fake upstream, BudgetGuard, override file)', function () {
  this.timeout(20_000);
  const upstream = new FakeUpstream();
  let gateway: GatewayServer;
  let openai: OpenAI;
  let dataDir: string;
  let now = NOON;
  let spent = 0;
  let enforcement: BudgetEnforcement = 'hard';
  let guard: BudgetGuard;

  before(async () => {
    await upstream.start();
    gateway = new GatewayServer({
      secret: SECRET,
      upstreams: { openai: upstream.url, anthropic: upstream.url },
      sink: { record: () => {} },
      // As GatewayController wires it: the guard is asked before each request is forwarded.
      guard: () => guard.gatewayDecision(enforcement),
    });
    const port = await gateway.listen(0);
    openai = new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/${SECRET}/openai/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gateway.close();
    await upstream.stop();
  });
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-budget-guard-'));
    now = NOON;
    spent = 0;
    enforcement = 'hard';
    guard = new BudgetGuard(
      usageReader(
        () => spent,
        () => now,
      ),
      new BudgetOverride(new BudgetOverrideFile(dataDir), () => now),
    );
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const ask = (probe: string) => openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: probe }] });
  const reachedUpstream = (probe: string) => upstream.requests.some((r) => r.body.includes(probe));

  async function assertRefused(probe: string): Promise<string> {
    let message = '';
    await assert.rejects(ask(probe), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 429);
      message = error.message;
      return true;
    });
    assert.equal(reachedUpstream(probe), false, 'a refused request never reaches the upstream');
    return message;
  }

  it('refuses once a hard budget is used up, naming the budget, where it was set, and the override', async () => {
    spent = 6;
    const message = await assertRefused('over-budget-1');
    assert.match(
      message,
      /Token Meter: daily budget of \$5 \(set by this workspace\) is used up \(\$6\.00 counted, peak-weighted\)\. Run "Token Meter: Allow 1 Hour Over Budget" in VS Code to continue for 1 h, or raise the budget\./,
    );
  });

  it('lets requests through under the limit, and over it in soft mode', async () => {
    spent = 4.99;
    await ask('under-budget');
    assert.ok(reachedUpstream('under-budget'));
    spent = 6;
    enforcement = 'soft';
    await ask('soft-over-budget');
    assert.ok(reachedUpstream('soft-over-budget'));
  });

  it('after "Allow 1 Hour Over Budget" lets requests through, through a private file every window reads', async () => {
    spent = 6;
    await assertRefused('before-override');
    const until = guard.override.allowOneHour();
    assert.equal(until, NOON + OVERRIDE_DURATION_MS);
    await ask('after-override');
    assert.ok(reachedUpstream('after-override'));
    const file = path.join(dataDir, DATA_FILES.budgetOverride);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(new BudgetOverride(new BudgetOverrideFile(dataDir), () => now).isActive(), true, "another window's view");
  });

  it('refuses again once the hour is over (injected clock)', async () => {
    spent = 6;
    guard.override.allowOneHour();
    now = NOON + OVERRIDE_DURATION_MS - 1;
    await ask('last-millisecond');
    assert.ok(reachedUpstream('last-millisecond'));
    now = NOON + OVERRIDE_DURATION_MS;
    await assertRefused('hour-over');
  });
});

describe('BudgetGuard and the override store', () => {
  it('reads a missing or damaged override file as "not allowed"', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-override-'));
    try {
      const file = new BudgetOverrideFile(dataDir);
      assert.equal(file.readUntil(), 0);
      for (const text of ['{', 'null', '{"until":"soon"}', '[]']) {
        fs.writeFileSync(path.join(dataDir, DATA_FILES.budgetOverride), text);
        assert.equal(file.readUntil(), 0, text);
      }
      file.writeUntil(NOON);
      assert.equal(file.readUntil(), NOON);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reads the override only when a budget would stop the request', () => {
    let reads = 0;
    const storage: OverrideStorage = {
      readUntil: () => (reads++, 0),
      writeUntil: () => {},
    };
    let spent = 1;
    const guard = new BudgetGuard(
      usageReader(
        () => spent,
        () => NOON,
      ),
      new BudgetOverride(storage, () => NOON),
    );
    assert.deepEqual(guard.gatewayDecision('hard'), { allow: true });
    assert.equal(reads, 0);
    spent = 5;
    assert.equal(guard.gatewayDecision('hard').allow, false);
    assert.equal(reads, 1);
  });

  it("stops a chat request that would take a budget over its limit, in the editor's words", () => {
    const guard = new BudgetGuard(
      usageReader(
        () => 4.5,
        () => NOON,
      ),
      new BudgetOverride({ readUntil: () => 0, writeUntil: () => {} }, () => NOON),
    );
    assert.equal(guard.refusal({ enforcement: 'hard', audience: 'editor', cost: 0.5 }), undefined, 'exactly the limit is allowed');
    assert.equal(
      guard.refusal({ enforcement: 'hard', audience: 'editor', cost: 0.6, about: "This request's prompt is about 60k tokens ($0.60)" })
        ?.message,
      'Token Meter: your daily budget of $5 (set by this workspace) would be exceeded: $4.50 counted so far, peak-weighted. This request\'s prompt is about 60k tokens ($0.60). Run "Token Meter: Allow 1 Hour Over Budget" (tokenMeter.allowOverBudget) to continue for 1 h, or raise the budget.',
    );
    assert.equal(guard.gatewayDecision('hard').allow, true, 'the gateway cannot estimate a request, so only a used-up budget stops it');
  });

  it('names a command the extension contributes, by its palette title', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
      contributes: { commands: Array<{ command: string; title: string; category?: string }> };
    };
    // A localized manifest names its strings "%key%", with the English text in package.nls.json.
    const nlsFile = path.join(__dirname, '../../package.nls.json');
    const nls = (fs.existsSync(nlsFile) ? JSON.parse(fs.readFileSync(nlsFile, 'utf8')) : {}) as Record<string, string>;
    const english = (text = '') => text.replace(/^%(.+)%$/, (whole, key: string) => nls[key] ?? whole);
    const command = manifest.contributes.commands.find((c) => c.command === OVERRIDE_COMMAND_ID);
    assert.ok(command, `${OVERRIDE_COMMAND_ID} is contributed`);
    assert.equal(`${english(command.category)}: ${english(command.title)}`, OVERRIDE_COMMAND_TITLE);
  });

  it('writes amounts in the budget unit, a limit without trailing zeros', () => {
    assert.equal(formatBudgetAmount(10, 'usd'), '$10.00');
    assert.equal(formatBudgetAmount(10, 'usd', 'limit'), '$10');
    assert.equal(formatBudgetAmount(7.5, 'usd', 'limit'), '$7.50');
    assert.equal(formatBudgetAmount(32_100, 'tokens'), '32.1k tokens');
    assert.equal(formatBudgetAmount(1000, 'tokens', 'limit'), '1k tokens');
  });
});
