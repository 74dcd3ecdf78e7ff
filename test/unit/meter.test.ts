import * as assert from 'node:assert/strict';
import { buildMeterView, type MeterInput, type MeterTotals } from '../../src/core/meter';

const NOW = Date.UTC(2026, 10, 23, 15, 15);

function totals(partial: Partial<MeterTotals> = {}): MeterTotals {
  return { totalTokens: 0, costUsd: 0, unpricedTokens: 0, weightedCostUsd: 0, weightedTokens: 0, estimatedTokens: 0, ...partial };
}

function input(patch: Partial<MeterInput> = {}): MeterInput {
  const today = totals({ totalTokens: 120_000, costUsd: 2.9, weightedCostUsd: 3.2, weightedTokens: 150_000, estimatedTokens: 6_000 });
  return {
    now: NOW,
    display: 'cost',
    defaultPeriod: 'day',
    unit: 'usd',
    periods: {
      day: today,
      week: totals({ totalTokens: 500_000, costUsd: 11, weightedCostUsd: 12 }),
      month: totals({ totalTokens: 2_000_000, costUsd: 40, weightedCostUsd: 44 }),
    },
    todayByModel: [{ key: 'claude-sonnet-4-5', ...today }],
    budgets: [],
    peak: {
      enabled: true,
      peakNow: true,
      multiplier: 1.5,
      nextChange: { at: NOW + 165 * 60_000, peak: false },
      timeZone: 'UTC',
      description: 'Mon–Fri 09:00–18:00 (UTC)',
    },
    formatClock: (ts) => new Date(ts).toISOString().slice(11, 16),
    problems: [],
    ...patch,
  };
}

describe('status-bar meter view', () => {
  it('names the prices\' date and lists unpriced models, each with "Set a Price for <model>…"', () => {
    const view = buildMeterView(
      input({
        prices: { asOf: '2026-11-30', origin: 'refreshed' },
        unpricedModels: [{ model: 'house_model-7', tokens: 12_000 }],
        periods: { ...input().periods, month: totals({ totalTokens: 2_000_000, costUsd: 40, reportedCostUsd: 1.5 }) },
      }),
    );
    assert.match(view.tooltipMarkdown, /Prices as of 2026-11-30 \(refreshed from the @pydantic\/genai-prices catalog\)\./);
    assert.match(
      view.tooltipMarkdown,
      /`house\\_model-7` — 12k tokens — \[Set a Price for house\\_model-7…\]\(command:tokenMeter\.setModelPrice\?%5B%22house_model-7%22%5D\)/,
    );
    assert.match(view.tooltipMarkdown, /\$1\.50 of this month's cost is as the provider reported it/);
    assert.doesNotMatch(buildMeterView(input()).tooltipMarkdown, /Without a known price/);
  });

  it('shows the pressing budget with its peak state, as in "$3.20 / $10 today · peak ×1.5"', () => {
    const view = buildMeterView(
      input({
        budgets: [
          { period: 'day', limit: 10, used: 3.2, ratio: 0.32, level: 'ok', sourceLabel: 'set by this workspace' },
          { period: 'week', limit: 100, used: 12, ratio: 0.12, level: 'ok', sourceLabel: 'set in your user settings' },
        ],
      }),
    );
    assert.equal(view.text, '$(pulse) $3.20 / $10 today · peak ×1.5 until 18:00');
    assert.equal(view.level, 'normal');
    assert.match(view.tooltipMarkdown, /Daily budget:\*\* \$3\.20 of \$10 \(32%\) — set by this workspace/);
    assert.match(view.tooltipMarkdown, /Peak now until 18:00 · 2 h 45 m/);
    assert.match(view.tooltipMarkdown, /Estimated: 5% of today's tokens/);
    assert.match(view.tooltipMarkdown, /claude-sonnet-4-5 \| 120k \| \$2\.90/);
  });

  it('picks the budget closest to its limit and colours by level', () => {
    const view = buildMeterView(
      input({
        budgets: [
          { period: 'day', limit: 10, used: 3.2, ratio: 0.32, level: 'ok', sourceLabel: 'default' },
          { period: 'week', limit: 13, used: 12, ratio: 0.92, level: 'warning', sourceLabel: 'set by this workspace' },
        ],
      }),
    );
    assert.equal(view.text, '$(warning) $12.00 / $13 this week · peak ×1.5 until 18:00');
    assert.equal(view.level, 'warning');
    const over = buildMeterView(
      input({ budgets: [{ period: 'day', limit: 3, used: 3.2, ratio: 1.07, level: 'over', sourceLabel: 'default' }] }),
    );
    assert.equal(over.level, 'error');
    assert.match(over.accessibilityLabel, /over budget/);
  });

  it('says while "Allow 1 Hour Over Budget" lets requests past hard budgets, and not after', () => {
    const budgets = [{ period: 'day' as const, limit: 3, used: 3.2, ratio: 1.07, level: 'over' as const, sourceLabel: 'default' }];
    const during = buildMeterView(input({ budgets, overrideUntil: NOW + 45 * 60_000 }));
    assert.match(during.tooltipMarkdown, /\*\*Allow 1 Hour Over Budget:\*\* hard budgets let requests through until 16:00\./);
    assert.doesNotMatch(buildMeterView(input({ budgets, overrideUntil: NOW })).tooltipMarkdown, /Allow 1 Hour Over Budget/);
    assert.doesNotMatch(buildMeterView(input({ budgets })).tooltipMarkdown, /Allow 1 Hour Over Budget/);
  });

  it('shows tokens mode and no peak suffix off-peak', () => {
    const view = buildMeterView(
      input({ display: 'tokens', peak: { ...input().peak, peakNow: false, nextChange: { at: NOW + 60_000 * 60 * 18, peak: true } } }),
    );
    assert.equal(view.text, '$(pulse) 120k tokens today');
    assert.match(view.tooltipMarkdown, /Off-peak now · peak starts 09:15 · in 18 h/);
  });

  it('never shows unknown cost as $0', () => {
    const unknown = totals({ totalTokens: 5000, unpricedTokens: 5000 });
    const view = buildMeterView(
      input({ periods: { day: unknown, week: unknown, month: unknown }, todayByModel: [{ key: 'mystery-model', ...unknown }] }),
    );
    assert.equal(view.text, '$(pulse) cost unknown today · peak ×1.5 until 18:00');
    assert.match(view.tooltipMarkdown, /mystery-model \| 5k \| cost unknown/);
    const partly = totals({ totalTokens: 5000, unpricedTokens: 1000, costUsd: 1.5 });
    assert.equal(
      buildMeterView(input({ periods: { day: partly, week: partly, month: partly }, peak: { ...input().peak, enabled: false } })).text,
      '$(pulse) $1.50+? today',
    );
  });

  it('lists settings problems in the tooltip', () => {
    const view = buildMeterView(input({ problems: ['tokenMeter.budget.daily: -5 is negative; no daily limit applies.'] }));
    assert.match(view.tooltipMarkdown, /tokenMeter\.budget\.daily: -5 is negative/);
  });
});
