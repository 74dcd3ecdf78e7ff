import assert from 'node:assert/strict';
import { formatClock } from '../../src/core/format';
import { buildLimitsSection } from '../../src/core/limits/dashboard';
import type { LimitReading } from '../../src/core/limits/reading';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const HOUR = 3600_000;

describe('dashboard: the Limits section', () => {
  const clock = (ts: number) => formatClock(ts, NOW, 'UTC');

  it('a line per window over the past week (older points left out), the latest reading of each in the table', () => {
    const latest: LimitReading[] = [
      {
        provider: 'anthropic',
        account: 'default',
        window: '7d',
        usedRatio: 0.18,
        resetsAt: NOW + 3 * 24 * HOUR,
        source: 'anthropic-headers',
        observedAt: NOW - 3 * 60_000,
      },
      {
        provider: 'anthropic',
        account: 'default',
        window: '5h',
        usedRatio: 0.9,
        resetsAt: NOW - HOUR,
        source: 'claude-code',
        observedAt: NOW - 5 * HOUR,
      },
    ];
    const section = buildLimitsSection({
      now: NOW,
      latest,
      history: {
        'anthropic\u0000default\u00007d': [
          [NOW - 8 * 24 * HOUR, 0.9],
          [NOW - 2 * HOUR, 0.123],
          [NOW - 3 * 60_000, 0.18],
        ],
        'anthropic\u0000default\u00005h': [[NOW - 5 * HOUR, 0.9]],
      },
      formatClock: clock,
    });
    assert.deepEqual(section.series, [
      { label: 'Claude 5-hour', points: [[NOW - 5 * HOUR, 90]] },
      {
        label: 'Claude weekly',
        points: [
          [NOW - 2 * HOUR, 12.3],
          [NOW - 3 * 60_000, 18],
        ],
      },
    ]);
    assert.deepEqual(
      section.rows.map((r) => [r.label, r.usedText, r.resetText, r.sourceText, r.ageText, r.current]),
      [
        ['Claude 5-hour', '90%', 'reset 11:00', 'from Claude Code', 'as of 5 h ago', false],
        ['Claude weekly', '18%', 'Mon 12:00', "exact, from Anthropic's response headers", 'as of 3 min ago', true],
      ],
    );
    assert.equal(section.from, NOW - 7 * 24 * HOUR);
  });

  it('without readings it says where they come from', () => {
    const section = buildLimitsSection({ now: NOW, latest: [], history: {}, formatClock: clock });
    assert.deepEqual(section.rows, []);
    assert.match(section.text, /Connect Claude Code Status Line/);
  });
});
