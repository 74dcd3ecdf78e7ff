// Test-only: run from the command palette (a user action, as vscode.lm requires), it selects
// Token Meter's chat models by vendor, sends one request to the first and writes what it saw to
// the file named by `tokenMeterLmProbe.resultFile`, for test/e2e/lm.e2e.ts to read.
const fs = require('node:fs');
const vscode = require('vscode');

async function send() {
  const config = vscode.workspace.getConfiguration('tokenMeterLmProbe');
  const result = { models: [], text: '', toolCalls: [], error: undefined };
  try {
    const models = await vscode.lm.selectChatModels({ vendor: 'token-meter' });
    result.models = models.map((m) => ({ id: m.id, name: m.name, vendor: m.vendor, family: m.family, maxInputTokens: m.maxInputTokens }));
    if (models.length === 0) throw new Error('no chat model with vendor "token-meter"');
    const tokens = new vscode.CancellationTokenSource();
    const response = await models[0].sendRequest(
      [vscode.LanguageModelChatMessage.User(config.get('prompt'))],
      { justification: 'The Token Meter end-to-end test sends one request through a Token Meter model.' },
      tokens.token,
    );
    for await (const part of response.stream) {
      if (part instanceof vscode.LanguageModelTextPart) result.text += part.value;
      else if (part instanceof vscode.LanguageModelToolCallPart) result.toolCalls.push({ name: part.name, input: part.input });
    }
  } catch (error) {
    result.error = { message: error.message, code: error.code };
  }
  fs.writeFileSync(config.get('resultFile'), JSON.stringify(result, null, 2));
}

// Writing settings.json from outside is not reliably noticed mid-session; the API is.
async function applySettings() {
  const file = vscode.workspace.getConfiguration('tokenMeterLmProbe').get('settingsFile');
  const settings = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const [key, value] of Object.entries(settings)) {
    await vscode.workspace.getConfiguration().update(key, value, vscode.ConfigurationTarget.Global);
  }
}

exports.activate = (context) => {
  context.subscriptions.push(
    vscode.commands.registerCommand('tokenMeterLmProbe.send', send),
    vscode.commands.registerCommand('tokenMeterLmProbe.applySettings', applySettings),
  );
};
