import * as assert from 'node:assert/strict';
import { evaluateBudget, parseBudget } from '../../src/core/budget';

describe('budgets', () => {
  it('keeps limits with their source and default thresholds', () => {
    const { budget, problems } = parseBudget({ daily: 5, weekly: 0, monthly: 100 }, { daily: 'workspace', monthly: 'user' });
    assert.deepEqual(problems, []);
    assert.deepEqual(budget.limits, [
      { period: 'day', limit: 5, source: 'workspace' },
      { period: 'month', limit: 100, source: 'user' },
    ]);
    assert.deepEqual(budget.thresholds, [0.5, 0.8, 1]);
    assert.equal(budget.unit, 'usd');
  });

  it('maps thresholds to levels: notice, warning, over', () => {
    const { budget } = parseBudget({ daily: 10 });
    const level = (used: number) => evaluateBudget(budget, { day: used, week: 0, month: 0 })[0].level;
    assert.equal(level(4.99), 'ok');
    assert.equal(level(5), 'notice');
    assert.equal(level(8), 'warning');
    assert.equal(level(10), 'over');
    assert.equal(level(25), 'over');
    assert.equal(evaluateBudget(budget, { day: 2.5, week: 0, month: 0 })[0].ratio, 0.25);
  });

  it('works with custom threshold lists', () => {
    const two = parseBudget({ daily: 100, warningThresholds: [90, 70] }).budget;
    assert.deepEqual(two.thresholds, [0.7, 0.9]);
    assert.equal(evaluateBudget(two, { day: 75, week: 0, month: 0 })[0].level, 'warning');
    assert.equal(evaluateBudget(two, { day: 95, week: 0, month: 0 })[0].level, 'over');
  });

  it('names each bad setting and disables only that limit', () => {
    const { budget, problems } = parseBudget({ daily: -5, weekly: 'ten', monthly: 50, unit: 'euros', warningThresholds: 'high' });
    assert.deepEqual(
      budget.limits.map((l) => l.period),
      ['month'],
    );
    assert.equal(budget.unit, 'usd');
    assert.deepEqual(budget.thresholds, [0.5, 0.8, 1]);
    assert.equal(problems.length, 4);
    assert.match(problems[0], /^tokenMeter\.budget\.unit must be "usd" or "tokens" \(got "euros"\)/);
    assert.match(problems[1], /^tokenMeter\.budget\.daily must be a number, 0 or more \(got -5\); no daily limit applies\./);
    assert.match(problems[2], /^tokenMeter\.budget\.weekly .*\(got "ten"\)/);
    assert.match(problems[3], /^tokenMeter\.budget\.warningThresholds must be a list/);
  });
});
