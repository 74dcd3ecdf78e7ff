import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TokenMeterApi } from '../../../src/capture/api';

describe('Token Meter in desktop VS Code', () => {
  let api: TokenMeterApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<TokenMeterApi>('tokenmeter.token-meter');
    assert.ok(extension, 'the extension is installed');
    api = await extension.activate();
  });

  it('registers its palette commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['tokenMeter.showUsageThisWeek', 'tokenMeter.setBudget', 'tokenMeter.exportUsage', 'tokenMeter.clearLocalData']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });

  it('records usage through the API and reports it in the totals', async () => {
    const before = await api.getTotals('day');
    await api.recordUsage({
      source: 'api',
      provider: 'openai',
      model: 'gpt-4o',
      requestId: `desktop-${Date.now()}`,
      inputTokens: 100,
      outputTokens: 20,
    });
    const after = await api.getTotals('day');
    assert.equal(after.totalTokens - before.totalTokens, 120);
  });

  it('rejects malformed usage with a clear error', async () => {
    await assert.rejects(
      api.recordUsage({ source: 'api', provider: 'openai', model: 'gpt-4o', requestId: 'x', inputTokens: -5 }),
      /inputTokens/,
    );
  });
});
