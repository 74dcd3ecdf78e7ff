// Test-only: run from the command palette (a user action, as vscode.lm requires), it selects
// Token Meter's chat models by vendor, sends one request (the `tokenMeterLmProbe.scenario`) to the
// model `tokenMeterLmProbe.modelId` and writes what it saw to the file named by
// `tokenMeterLmProbe.resultFile`, for test/e2e/lm.e2e.ts to read.
const fs = require('node:fs');
const vscode = require('vscode');

const READ_FILE_TOOL = { name: 'read_file', description: 'Reads a file of the workspace', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } };
// A 1×1 PNG: enough for the provider to translate an image part.
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

function requestFor(scenario, prompt) {
  const ask = vscode.LanguageModelChatMessage.User(prompt);
  if (scenario === 'tools') return { messages: [ask], tools: [READ_FILE_TOOL] };
  if (scenario === 'toolResult') {
    return {
      messages: [
        ask,
        vscode.LanguageModelChatMessage.Assistant([new vscode.LanguageModelToolCallPart('toolu_probe', 'read_file', { path: 'a.ts' })]),
        vscode.LanguageModelChatMessage.User([new vscode.LanguageModelToolResultPart('toolu_probe', [new vscode.LanguageModelTextPart('export {}')]), vscode.LanguageModelDataPart.image(PIXEL, 'image/png')]),
      ],
      tools: [READ_FILE_TOOL],
    };
  }
  return { messages: [ask], tools: [] };
}

async function send() {
  const config = vscode.workspace.getConfiguration('tokenMeterLmProbe');
  const result = { models: [], promptTokens: undefined, text: '', toolCalls: [], error: undefined };
  try {
    const models = await vscode.lm.selectChatModels({ vendor: 'token-meter' });
    result.models = models.map((m) => ({ id: m.id, name: m.name, vendor: m.vendor, family: m.family, maxInputTokens: m.maxInputTokens }));
    const model = config.get('modelId') ? models.find((m) => m.id === config.get('modelId')) : models[0];
    if (!model) throw new Error(`no chat model with vendor "token-meter" and id "${config.get('modelId')}"`);
    result.promptTokens = await model.countTokens(config.get('prompt'));
    const { messages, tools } = requestFor(config.get('scenario'), config.get('prompt'));
    const tokens = new vscode.CancellationTokenSource();
    const response = await model.sendRequest(
      messages,
      { justification: 'The Token Meter end-to-end test sends requests through Token Meter models.', tools },
      tokens.token,
    );
    for await (const part of response.stream) {
      if (part instanceof vscode.LanguageModelTextPart) result.text += part.value;
      else if (part instanceof vscode.LanguageModelToolCallPart) result.toolCalls.push({ callId: part.callId, name: part.name, input: part.input });
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
  // The command palette closes before the command finishes; the test waits for this file.
  fs.writeFileSync(`${file}.applied`, '');
}

exports.activate = (context) => {
  context.subscriptions.push(
    vscode.commands.registerCommand('tokenMeterLmProbe.send', send),
    vscode.commands.registerCommand('tokenMeterLmProbe.applySettings', applySettings),
  );
};
