import * as vscode from 'vscode';
import { contextWindowFor } from '../../core/pricing';
import { DEFAULT_BASE_URLS, DEFAULT_MAX_OUTPUT_TOKENS, secretKeyFor, type ApiStyle, type LmModelConfig } from '../../capture/lm/models';
import type { TokenMeterChatProvider } from '../../capture/lm/provider';
import { readChatModelSettings, writeSetting } from '../config';

/**
 * The commands that connect chat models: "Add Model…" (endpoint, model id, key), "Set Model API
 * Key…" and "Manage Models…" (the model picker's management command). Configurations go to the
 * user setting `tokenMeter.models`; keys only to SecretStorage.
 */

const STEPS = 6;

function stepTitle(step: number): string {
  return vscode.l10n.t('Token Meter: Add Model ({0}/{1})', step, STEPS);
}

async function ask(
  step: number,
  prompt: string,
  value: string,
  validate?: (v: string) => string | undefined,
  password = false,
): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: stepTitle(step),
    prompt,
    value,
    password,
    ignoreFocusOut: true,
    validateInput: validate,
  });
}

function rawModels(): unknown[] {
  return readChatModelSettings();
}

async function saveModels(models: unknown[]): Promise<void> {
  await writeSetting('models', models);
}

export async function addModelCommand(secrets: vscode.SecretStorage, provider: TokenMeterChatProvider): Promise<void> {
  const style = await vscode.window.showQuickPick(
    [
      {
        label: vscode.l10n.t('OpenAI-compatible'),
        detail: vscode.l10n.t('OpenAI, Azure OpenAI, OpenRouter, vLLM, Ollama, LM Studio… (Chat Completions)'),
        value: 'openai' as ApiStyle,
      },
      { label: vscode.l10n.t('Anthropic'), detail: vscode.l10n.t('Anthropic Messages API'), value: 'anthropic' as ApiStyle },
    ],
    { title: stepTitle(1), placeHolder: vscode.l10n.t('Which API does the endpoint speak?'), ignoreFocusOut: true },
  );
  if (!style) return;
  const baseUrl = await ask(
    2,
    style.value === 'openai'
      ? vscode.l10n.t('Base URL (the part before /chat/completions)')
      : vscode.l10n.t('Base URL (the part before /v1/messages)'),
    DEFAULT_BASE_URLS[style.value],
    (v) => (/^https?:\/\/[^/]/.test(v.trim()) ? undefined : vscode.l10n.t('An http:// or https:// URL.')),
  );
  if (baseUrl === undefined) return;
  const model = await ask(3, vscode.l10n.t('Model id, as the endpoint names it (for example gpt-4.1 or claude-sonnet-4-5)'), '', (v) =>
    v.trim() ? undefined : vscode.l10n.t('The model id is required.'),
  );
  if (!model) return;
  const existing = new Set(provider.models().map((m) => m.id));
  const name = await ask(4, vscode.l10n.t('Name in the model picker (also its id; must be unique)'), model.trim(), (v) =>
    !v.trim() ? vscode.l10n.t('A name is required.') : existing.has(v.trim()) ? vscode.l10n.t('Another model has this name.') : undefined,
  );
  if (!name) return;
  const key = await ask(
    5,
    vscode.l10n.t("API key (stored in VS Code's secret storage, never in settings). Leave empty for local servers without keys."),
    '',
    undefined,
    true,
  );
  if (key === undefined) return;
  const capabilities = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('Tool calling'), detail: vscode.l10n.t('Needed for agent mode.'), picked: true, value: 'toolCalling' },
      {
        label: vscode.l10n.t('Image input'),
        detail: vscode.l10n.t('Pictures can be attached to requests.'),
        picked: false,
        value: 'imageInput',
      },
    ],
    { title: stepTitle(6), placeHolder: vscode.l10n.t('What can the model do?'), canPickMany: true, ignoreFocusOut: true },
  );
  if (!capabilities) return;
  const contextSize = contextWindowFor(model.trim());
  const config: Partial<LmModelConfig> = {
    id: name.trim(),
    name: name.trim(),
    apiStyle: style.value,
    baseUrl: baseUrl.trim().replace(/\/+$/, ''),
    model: model.trim(),
    ...(contextSize ? { contextSize } : {}),
    maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS,
    toolCalling: capabilities.some((c) => c.value === 'toolCalling'),
    imageInput: capabilities.some((c) => c.value === 'imageInput'),
  };
  if (key) await secrets.store(secretKeyFor(config.id!), key);
  await saveModels([...rawModels(), config]);
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Token Meter: "{0}" is in the chat model picker. Its context size and capabilities can be edited in tokenMeter.models.',
      name.trim(),
    ),
  );
}

async function pickModel(provider: TokenMeterChatProvider, title: string): Promise<LmModelConfig | undefined> {
  const models = provider.models();
  if (models.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Token Meter: no chat models yet. Run "Token Meter: Add Model…" first.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    models.map((m) => ({ label: m.name, description: m.model, detail: m.baseUrl, model: m })),
    { title, ignoreFocusOut: true },
  );
  return picked?.model;
}

export async function setModelApiKeyCommand(secrets: vscode.SecretStorage, provider: TokenMeterChatProvider): Promise<void> {
  const model = await pickModel(provider, vscode.l10n.t('Token Meter: Set Model API Key'));
  if (!model) return;
  const key = await vscode.window.showInputBox({
    title: vscode.l10n.t('API key for {0}', model.name),
    prompt: vscode.l10n.t("Stored in VS Code's secret storage. Leave empty to remove the key."),
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return;
  if (key) await secrets.store(secretKeyFor(model.id), key);
  else await secrets.delete(secretKeyFor(model.id));
  void vscode.window.showInformationMessage(
    key
      ? vscode.l10n.t('Token Meter: API key for "{0}" saved.', model.name)
      : vscode.l10n.t('Token Meter: API key for "{0}" removed.', model.name),
  );
}

async function removeModelCommand(secrets: vscode.SecretStorage, provider: TokenMeterChatProvider): Promise<void> {
  const model = await pickModel(provider, vscode.l10n.t('Token Meter: Remove Model'));
  if (!model) return;
  await secrets.delete(secretKeyFor(model.id));
  await saveModels(
    rawModels().filter((m) => {
      const entry = m as { id?: unknown; model?: unknown };
      return (entry.id ?? entry.model) !== model.id;
    }),
  );
}

export async function manageModelsCommand(secrets: vscode.SecretStorage, provider: TokenMeterChatProvider): Promise<void> {
  const actions = [
    { label: vscode.l10n.t('$(add) Add Model…'), run: () => addModelCommand(secrets, provider) },
    { label: vscode.l10n.t('$(key) Set Model API Key…'), run: () => setModelApiKeyCommand(secrets, provider) },
    { label: vscode.l10n.t('$(trash) Remove Model…'), run: () => removeModelCommand(secrets, provider) },
    {
      label: vscode.l10n.t('$(settings) Edit tokenMeter.models'),
      run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'tokenMeter.models'),
    },
  ];
  const picked = await vscode.window.showQuickPick(actions, { title: vscode.l10n.t('Token Meter: Chat Models') });
  await picked?.run();
}

/** Registers the chat-model provider and its commands. */
export function registerChatModels(
  context: vscode.ExtensionContext,
  provider: TokenMeterChatProvider,
  vendor: string,
): vscode.Disposable[] {
  const { secrets } = context;
  return [
    provider,
    vscode.lm.registerLanguageModelChatProvider(vendor, provider),
    vscode.commands.registerCommand('tokenMeter.addModel', () => addModelCommand(secrets, provider)),
    vscode.commands.registerCommand('tokenMeter.setModelApiKey', () => setModelApiKeyCommand(secrets, provider)),
    vscode.commands.registerCommand('tokenMeter.manageModels', () => manageModelsCommand(secrets, provider)),
  ];
}
