import * as assert from 'node:assert/strict';
import { usageToCsv, usageToJson, type ExportRow } from '../../src/core/export';

function row(patch: Partial<ExportRow>): ExportRow {
  return {
    day: '2026-11-23',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    source: 'claude-code',
    project: '',
    events: 1,
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 100,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    estimatedTokens: 0,
    costUsd: 0.000135,
    unpricedTokens: 0,
    weightedCostUsd: 0.0002025,
    peakTokens: 115,
    ...patch,
  };
}

describe('usage export', () => {
  it('writes RFC 4180 CSV, sorted, with totals and unknown cost left empty', () => {
    const csv = usageToCsv([
      row({ day: '2026-11-24', project: 'web, "app"' }),
      row({ model: 'mystery', provider: 'other', unpricedTokens: 115, costUsd: 0, weightedCostUsd: 0, project: '=cmd()' }),
    ]);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(
      lines[0],
      'day,provider,model,source,project,events,inputTokens,outputTokens,cacheReadTokens,cacheWriteTokens,cacheWrite5mTokens,cacheWrite1hTokens,reasoningTokens,totalTokens,estimatedTokens,peakTokens,costUsd,providerReportedCostUsd,weightedCostUsd,unpricedTokens',
    );
    assert.equal(lines[1], "2026-11-23,other,mystery,claude-code,'=cmd(),1,10,5,100,0,0,0,0,115,0,115,,0,,115");
    assert.equal(
      lines[2],
      '2026-11-24,anthropic,claude-sonnet-4-5,claude-code,"web, ""app""",1,10,5,100,0,0,0,0,115,0,115,0.000135,0,0.000203,0',
    );
  });

  it('splits cache writes into 5-minute and 1-hour writes; rows from before the split count as 5-minute writes', () => {
    const csv = usageToCsv([row({ cacheWriteTokens: 300, cacheWrite1hTokens: 200 }), row({ day: '2026-11-24', cacheWriteTokens: 300 })]);
    const [header, split, older] = csv
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    const at = (line: string[], column: string) => line[header.indexOf(column)];
    assert.deepEqual(
      [at(split, 'cacheWriteTokens'), at(split, 'cacheWrite5mTokens'), at(split, 'cacheWrite1hTokens')],
      ['300', '100', '200'],
    );
    assert.deepEqual(
      [at(older, 'cacheWriteTokens'), at(older, 'cacheWrite5mTokens'), at(older, 'cacheWrite1hTokens')],
      ['300', '300', '0'],
    );
  });

  it('writes JSON with the period and null for unknown cost', () => {
    const parsed = JSON.parse(
      usageToJson([row({ unpricedTokens: 115 })], {
        fromDay: '2026-11-23',
        toDay: '2026-11-29',
        timeZone: 'UTC',
        generatedAt: '2026-11-23T10:00:00Z',
      }),
    );
    assert.equal(parsed.fromDay, '2026-11-23');
    assert.equal(parsed.rows[0].costUsd, null);
    assert.equal(parsed.rows[0].totalTokens, 115);
  });
});
