import * as assert from 'node:assert/strict';
import { createApi, type TotalsRange } from '../../src/capture/api';
import type { UsageEvent } from '../../src/core/events';
import { emptyTotals } from '../../src/core/usage';

const NOW = Date.UTC(2026, 10, 23, 12);

function setup() {
  const recorded: UsageEvent[] = [];
  const ranges: TotalsRange[] = [];
  const api = createApi({
    sink: { record: (e) => recorded.push(e) },
    totals: (range) => {
      ranges.push(range);
      return emptyTotals('2026-11-23', '2026-11-23');
    },
    now: () => NOW,
  });
  return { api, recorded, ranges };
}

describe('extension API for other extensions', () => {
  it('records a valid event with source defaulting to "api"', async () => {
    const { api, recorded } = setup();
    const event = await api.recordUsage({ provider: 'openai', model: 'gpt-4o', requestId: 'chatcmpl-1', inputTokens: 10, outputTokens: 2 });
    assert.equal(event.source, 'api');
    assert.equal(event.ts, NOW);
    assert.deepEqual(recorded, [event]);
  });

  it('rejects malformed usage with a message naming the field and records nothing', async () => {
    const { api, recorded } = setup();
    await assert.rejects(
      api.recordUsage({ provider: 'openai', model: 'gpt-4o', requestId: 'x', outputTokens: 'lots' }),
      /"outputTokens" must be a whole number/,
    );
    await assert.rejects(api.recordUsage('hello'), /must be an object/);
    assert.equal(recorded.length, 0);
  });

  it('answers totals for named periods and day ranges, and refuses bad ranges', async () => {
    const { api, ranges } = setup();
    await api.getTotals();
    await api.getTotals('week');
    await api.getTotals({ from: '2026-11-01', to: '2026-11-23' });
    assert.deepEqual(ranges, ['day', 'week', { from: '2026-11-01', to: '2026-11-23' }]);
    await assert.rejects(api.getTotals('year' as never), /range must be/);
    await assert.rejects(api.getTotals({ from: '2026-11-23', to: '2026-11-01' }), /from ≤ to/);
  });
});
