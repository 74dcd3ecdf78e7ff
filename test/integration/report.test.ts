import * as assert from 'node:assert/strict';
import { BUILT_CLI } from '../support/cli';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PriceBook } from '../../src/core/pricing';
import { totalTokens } from '../../src/core/events';
import { usageEvent } from '../support/events';

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BUILT_CLI, 'report', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('token-meter report (built dist/cli.js on a real store)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-report-'));
  const now = Date.now();
  const fixtures = [
    usageEvent({
      ts: now - 60_000,
      model: 'claude-sonnet-4-5',
      inputTokens: 1200,
      outputTokens: 300,
      cacheReadTokens: 50_000,
      cacheWriteTokens: 2000,
      source: 'claude-code',
      project: 'web',
    }),
    usageEvent({
      ts: now - 120_000,
      model: 'gpt-4o',
      provider: 'openai',
      inputTokens: 800,
      outputTokens: 200,
      reasoningTokens: 0,
      source: 'gateway',
    }),
    usageEvent({
      ts: now - 180_000,
      model: 'gpt-5',
      provider: 'openai',
      inputTokens: 500,
      outputTokens: 900,
      reasoningTokens: 400,
      source: 'gateway',
      estimated: true,
    }),
  ];
  const outOfRange = usageEvent({ ts: now - 40 * 86400_000, inputTokens: 99_999 });

  before(() => {
    fs.mkdirSync(path.join(dataDir, 'events'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'events', 'seed.jsonl'), [...fixtures, outOfRange].map((e) => JSON.stringify(e)).join('\n') + '\n');
  });

  it('prints JSON whose totals equal the sum of the records', () => {
    const { code, stdout, stderr } = run(['--day', '--json', '--data-dir', dataDir, '--time-zone', 'UTC']);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    const sum = (f: 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'reasoningTokens') =>
      fixtures.reduce((n, e) => n + e[f], 0);
    // Fixtures a few minutes old may straddle UTC midnight; only those on today's UTC day count.
    const today = new Date(now).toISOString().slice(0, 10);
    const todays = fixtures.filter((e) => new Date(e.ts).toISOString().slice(0, 10) === today);
    if (todays.length === fixtures.length) {
      assert.equal(report.totals.inputTokens, sum('inputTokens'));
      assert.equal(report.totals.outputTokens, sum('outputTokens'));
      assert.equal(report.totals.cacheReadTokens, sum('cacheReadTokens'));
      assert.equal(report.totals.cacheWriteTokens, sum('cacheWriteTokens'));
      assert.equal(report.totals.reasoningTokens, sum('reasoningTokens'));
    }
    const prices = new PriceBook();
    assert.equal(
      report.totals.totalTokens,
      todays.reduce((n, e) => n + totalTokens(e), 0),
    );
    assert.ok(Math.abs(report.totals.costUsd - todays.reduce((n, e) => n + prices.costOf(e)!, 0)) < 1e-6);
    assert.deepEqual(
      report.day.map((d: { key: string }) => d.key),
      todays.length ? [today] : [],
    );
  });

  it('groups by model and shows unknown cost as null, never 0', () => {
    fs.writeFileSync(
      path.join(dataDir, 'events', 'mystery.jsonl'),
      JSON.stringify(usageEvent({ ts: now - 1000, model: 'mystery-llm', inputTokens: 10, outputTokens: 5 })) + '\n',
    );
    const { stdout } = run(['--month', '--json', '--by', 'model', '--data-dir', dataDir, '--time-zone', 'UTC']);
    const report = JSON.parse(stdout);
    const mystery = report.model.find((m: { key: string }) => m.key === 'mystery-llm');
    assert.equal(mystery.costUsd, null);
    assert.equal(mystery.totalTokens, 15);
    assert.equal(report.totals.costUsd, null);
    assert.ok(report.totals.knownCostUsd > 0);
    fs.rmSync(path.join(dataDir, 'events', 'mystery.jsonl'));
  });

  it('prints a readable table by default', () => {
    const { code, stdout } = run(['--week', '--by', 'source', '--data-dir', dataDir]);
    assert.equal(code, 0);
    assert.match(stdout, /^Source\s+Requests\s+Input\s+Output\s+Cache read\s+Cache write\s+Total\s+Cost$/m);
    assert.match(stdout, /^gateway\s+2\s/m);
    assert.match(stdout, /^Total\s+3\s/m);
    assert.match(stdout, /tokens are estimates/);
  });

  it('rejects bad arguments on stderr with exit code 2', () => {
    for (const args of [['--by', 'color'], ['--day', '--week'], ['--since', 'yesterday'], ['--time-zone', 'Mars/Base'], ['--frobnicate']]) {
      const { code, stdout, stderr } = run(args);
      assert.equal(code, 2, args.join(' '));
      assert.equal(stdout, '');
      assert.match(stderr, /^token-meter report: /);
    }
  });

  it('explains a missing default store instead of failing', () => {
    const r = spawnSync(process.execPath, [BUILT_CLI, 'report'], {
      encoding: 'utf8',
      env: { ...process.env, TOKEN_METER_DATA_DIR: path.join(dataDir, 'nope') },
    });
    assert.equal(r.status, 0);
    assert.match(r.stderr, /No usage yet: .*no Token Meter data in .*nope/);
  });
});
