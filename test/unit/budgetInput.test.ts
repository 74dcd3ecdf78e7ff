import * as assert from 'node:assert/strict';
import { parseBudgetInput } from '../../src/ui/budgetInput';

describe('budget input', () => {
  it('accepts plain, dollar and grouped amounts', () => {
    assert.equal(parseBudgetInput('10'), 10);
    assert.equal(parseBudgetInput(' $7.50 '), 7.5);
    assert.equal(parseBudgetInput('2,000,000'), 2_000_000);
    assert.equal(parseBudgetInput('0'), 0);
  });
  it('rejects what is not an amount', () => {
    for (const text of ['', '-5', 'ten', '1e3', '7.', '$']) assert.equal(parseBudgetInput(text), undefined, text);
  });
});
