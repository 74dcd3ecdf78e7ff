import * as assert from 'node:assert/strict';
import { renderTable } from '../../src/core/table';

describe('aligned tables', () => {
  it('aligns text left and numbers right', () => {
    const out = renderTable(
      ['Model', 'Tokens'],
      [
        ['gpt-4o', '1.2k'],
        ['claude-sonnet-4-5', '15'],
      ],
    );
    assert.equal(
      out,
      ['Model              Tokens', '-----------------  ------', 'gpt-4o               1.2k', 'claude-sonnet-4-5      15'].join('\n'),
    );
  });
  it('draws markdown pipe tables with right-aligned rules', () => {
    const out = renderTable(['Day', 'Cost'], [['Mon', '$1.00']], { markdown: true });
    assert.equal(out, ['| Day |  Cost |', '| --- | ----: |', '| Mon | $1.00 |'].join('\n'));
  });
});
