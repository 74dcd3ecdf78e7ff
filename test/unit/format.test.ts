import * as assert from 'node:assert/strict';
import {
  formatCount,
  formatDuration,
  formatMeasure,
  formatMultiplier,
  formatPercent,
  formatTokens,
  formatUsd,
  formatUsdLimit,
} from '../../src/core/format';

describe('number formats', () => {
  it('formats dollars, never showing unknown cost as $0', () => {
    assert.equal(formatUsd(3.2), '$3.20');
    assert.equal(formatUsd(0.004), '<$0.01');
    assert.equal(formatUsd(0), '$0.00');
    assert.equal(formatUsd(12345.6), '$12,346');
    assert.equal(formatUsd(null), 'unknown');
    assert.equal(formatUsdLimit(10), '$10');
    assert.equal(formatUsdLimit(7.5), '$7.50');
  });
  it('formats token counts compactly', () => {
    assert.equal(formatTokens(950), '950');
    assert.equal(formatTokens(12_300), '12.3k');
    assert.equal(formatTokens(1_234_567), '1.23M');
    assert.equal(formatTokens(123_456_789), '123M');
    assert.equal(formatTokens(2_500_000_000), '2.5B');
  });
  it('formats durations, percentages and multipliers', () => {
    assert.equal(formatDuration(165 * 60_000), '2 h 45 m');
    assert.equal(formatDuration(12 * 60_000), '12 m');
    assert.equal(formatDuration(76 * 3600_000), '3 d 4 h');
    assert.equal(formatPercent(0.004), '<1%');
    assert.equal(formatPercent(0.8), '80%');
    assert.equal(formatMultiplier(1.5), '×1.5');
  });
});

describe('counts and chart values', () => {
  it('puts the noun in the plural except for one', () => {
    assert.equal(formatCount(1, 'day'), '1 day');
    assert.equal(formatCount(0, 'day'), '0 days');
    assert.equal(formatCount(2, 'open repository', 'open repositories'), '2 open repositories');
  });

  it('formats a chart value in its measure as the rest of the extension does', () => {
    assert.equal(formatMeasure('cost', 1234.5), '$1,235');
    assert.equal(formatMeasure('cost', 0.004), '<$0.01');
    assert.equal(formatMeasure('tokens', 1_500), '1.5k');
    assert.equal(formatMeasure('tokens', 2_340_000), '2.34M');
  });
});

describe('local clock', () => {
  it('shows time today and weekday plus time on other days, in the given zone', async () => {
    const { formatClock } = await import('../../src/core/format');
    const now = Date.UTC(2026, 10, 23, 15, 0); // Monday 16:00 in Berlin
    assert.equal(formatClock(Date.UTC(2026, 10, 23, 17, 0), now, 'Europe/Berlin'), '18:00');
    assert.equal(formatClock(Date.UTC(2026, 10, 24, 8, 0), now, 'Europe/Berlin'), 'Tue 09:00');
    assert.equal(formatClock(Date.UTC(2026, 10, 24, 3, 0), now, 'America/Los_Angeles'), '19:00');
  });
});
