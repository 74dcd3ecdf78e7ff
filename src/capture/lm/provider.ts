import * as vscode from 'vscode';
import { countTokens } from '../../core/tokenizer';
import { estimateTokens } from '../../core/tokenizer/estimate';
import type { BudgetGuard } from '../../core/budgetGuard';
import type { UsageSink } from '../../core/events';
import type { UsageReader } from '../../core/usage';
import type { LmInputPart, LmMessage, LmOutputPart, LmRequest, LmRole } from './messages';
import { parseModelConfigs, secretKeyFor, type LmModelConfig } from './models';
import { decidePreSend, parseLmGuardSettings } from './preSend';
import type { RequestFacts } from '../gateway/requestFacts';
import type { PromptObserver } from '../../core/hygiene/types';
import type { LmUpstreamError } from './send';

/**
 * The VS Code side of Token Meter's chat models: lists the models of `tokenMeter.models` in the
 * model picker, translates VS Code's messages to the neutral form, checks the estimate before
 * sending, and streams the metered answer back as response parts. Everything else is pure and
 * lives beside it (models, messages, the two API styles, send, preSend).
 */

export const LM_VENDOR = 'token-meter';

function roleOf(role: vscode.LanguageModelChatMessageRole): LmRole {
  if (role === vscode.LanguageModelChatMessageRole.User) return 'user';
  if (role === vscode.LanguageModelChatMessageRole.Assistant) return 'assistant';
  // The proposed System role (3) and anything newer.
  return 'system';
}

const textDecoder = new TextDecoder();

function toolResultText(content: readonly unknown[]): string {
  return content
    .map((c) => {
      if (c instanceof vscode.LanguageModelTextPart) return c.value;
      if (c instanceof vscode.LanguageModelDataPart) return c.mimeType.startsWith('image/') ? '' : textDecoder.decode(c.data);
      if (c instanceof vscode.LanguageModelPromptTsxPart) return JSON.stringify(c.value);
      return '';
    })
    .join('');
}

function toInputPart(part: unknown): LmInputPart | undefined {
  if (part instanceof vscode.LanguageModelTextPart) return { kind: 'text', text: part.value };
  if (part instanceof vscode.LanguageModelToolCallPart)
    return { kind: 'toolCall', callId: part.callId, name: part.name, input: part.input };
  if (part instanceof vscode.LanguageModelToolResultPart)
    return { kind: 'toolResult', callId: part.callId, text: toolResultText(part.content) };
  if (part instanceof vscode.LanguageModelDataPart) {
    if (part.mimeType.startsWith('image/')) return { kind: 'image', mimeType: part.mimeType, data: part.data };
    if (part.mimeType.startsWith('text/') || part.mimeType === 'application/json')
      return { kind: 'text', text: textDecoder.decode(part.data) };
  }
  // Other data parts (editor hints such as cache markers) have no meaning upstream.
  return undefined;
}

export function toLmMessage(message: vscode.LanguageModelChatRequestMessage): LmMessage {
  return { role: roleOf(message.role), parts: message.content.map(toInputPart).filter((p): p is LmInputPart => p !== undefined) };
}

function toLmRequest(
  messages: readonly vscode.LanguageModelChatRequestMessage[],
  options: vscode.ProvideLanguageModelChatResponseOptions,
): LmRequest {
  return {
    messages: messages.map(toLmMessage),
    tools: (options.tools ?? []).map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
    toolMode: options.toolMode === vscode.LanguageModelChatToolMode.Required ? 'required' : 'auto',
    modelOptions: { ...(options.modelOptions ?? {}) },
  };
}

function toResponsePart(part: LmOutputPart): vscode.LanguageModelResponsePart {
  return part.kind === 'text'
    ? new vscode.LanguageModelTextPart(part.text)
    : new vscode.LanguageModelToolCallPart(part.callId, part.name, part.input);
}

function toLanguageModelError(error: LmUpstreamError): vscode.LanguageModelError {
  switch (error.kind) {
    case 'auth':
      return vscode.LanguageModelError.NoPermissions(error.message);
    case 'notFound':
      return vscode.LanguageModelError.NotFound(error.message);
    case 'rateLimited':
      return vscode.LanguageModelError.Blocked(error.message);
    default:
      return new vscode.LanguageModelError(error.message);
  }
}

interface ModelInformation extends vscode.LanguageModelChatInformation {
  readonly config: LmModelConfig;
}

/** The settings the provider reads, from the extension's settings service. */
export interface ChatProviderSettings {
  /** The raw `tokenMeter.models` value, from the user's own settings (a workspace never sets where a key goes). */
  models(): unknown;
  /** `tokenMeter.lm.*`: the check before a request is sent. */
  preSend(): Parameters<typeof parseLmGuardSettings>[0];
  /** Fires when `tokenMeter.models` changes (and not for other settings). */
  onDidChangeModels(listener: () => void): vscode.Disposable;
}

export class TokenMeterChatProvider implements vscode.LanguageModelChatProvider<ModelInformation>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** Configuration problems already reported, so re-reading the setting on every request stays quiet. */
  private readonly reportedProblems = new Set<string>();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly settings: ChatProviderSettings,
    /** Where metered answers are recorded, and the settings and usage their estimates are checked against. */
    private readonly usage: UsageSink & UsageReader,
    /** Hard budgets and "Allow 1 Hour Over Budget", as the gateway applies them. */
    private readonly budget: BudgetGuard,
    private readonly reportProblem: (message: string) => void,
    /** Prompt hygiene sees each prompt (in memory only) once it has been answered. */
    private readonly observePrompt?: PromptObserver,
  ) {
    this.disposables.push(
      settings.onDidChangeModels(() => this.changed.fire()),
      secrets.onDidChange((e) => {
        if (e.key.startsWith('tokenMeter.models.')) this.changed.fire();
      }),
    );
  }

  models(): LmModelConfig[] {
    const { models, problems } = parseModelConfigs(this.settings.models());
    for (const problem of problems) {
      if (this.reportedProblems.has(problem)) continue;
      this.reportedProblems.add(problem);
      this.reportProblem(problem);
    }
    return models;
  }

  async provideLanguageModelChatInformation(options: vscode.PrepareLanguageModelChatModelOptions): Promise<ModelInformation[]> {
    // Asked on the user's behalf (not silently) with nothing configured: offer to add a model.
    if (!options.silent && this.models().length === 0) await vscode.commands.executeCommand('tokenMeter.addModel');
    return this.models().map((config) => ({
      config,
      id: config.id,
      name: config.name,
      family: config.model,
      version: config.apiStyle,
      detail: vscode.l10n.t('Token Meter'),
      tooltip:
        config.apiStyle === 'openai'
          ? vscode.l10n.t('{0} via {1} (OpenAI API), metered by Token Meter', config.model, config.baseUrl)
          : vscode.l10n.t('{0} via {1} (Anthropic API), metered by Token Meter', config.model, config.baseUrl),
      maxInputTokens: Math.max(1, config.contextSize - config.maxOutputTokens),
      maxOutputTokens: config.maxOutputTokens,
      capabilities: { toolCalling: config.toolCalling, imageInput: config.imageInput },
    }));
  }

  async provideLanguageModelChatResponse(
    model: ModelInformation,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    // The picker may hold a model whose configuration has since changed: use the current one.
    const config = this.models().find((m) => m.id === model.id);
    if (!config)
      throw vscode.LanguageModelError.NotFound(
        vscode.l10n.t('Token Meter has no model "{0}" any more; add it again with "Token Meter: Add Model…".', model.id),
      );
    // The HTTP clients of both API styles load with the first request, not at activation (esbuild wraps a module required here).
    const { LmUpstreamError, requestFactsOf, sendMetered } = require('./send') as typeof import('./send');
    const request = toLmRequest(messages, options);
    const facts = requestFactsOf(config, request);
    await this.checkBeforeSending(config, facts);
    const controller = new AbortController();
    const cancellation = token.onCancellationRequested(() => controller.abort());
    const observe = (patch: {
      event?: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
      error?: string;
    }) =>
      this.observePrompt?.({
        source: 'lm-provider',
        provider: config.apiStyle,
        model: config.model,
        ts: this.usage.now(),
        text: facts.promptText,
        ...(facts.question !== undefined ? { question: facts.question } : {}),
        ...(facts.maxOutputTokens !== undefined ? { maxOutputTokens: facts.maxOutputTokens } : {}),
        ...(patch.event ? { usage: patch.event } : {}),
        ...(patch.error ? { error: patch.error } : {}),
      });
    try {
      const result = await sendMetered({
        config,
        apiKey: await this.secrets.get(secretKeyFor(config.id)),
        request,
        sink: this.usage,
        signal: controller.signal,
        onPart: (part) => progress.report(toResponsePart(part)),
        now: this.usage.now,
      });
      observe({ event: result.event });
    } catch (error) {
      observe({ error: (error as Error).message });
      throw error instanceof LmUpstreamError ? toLanguageModelError(error) : error;
    } finally {
      cancellation.dispose();
    }
  }

  private async checkBeforeSending(config: LmModelConfig, facts: RequestFacts): Promise<void> {
    const guard = parseLmGuardSettings(this.settings.preSend());
    if (guard.requestThreshold === 0 && guard.budgetEnforcement === 'soft') return;
    const decision = decidePreSend({
      settings: this.usage.settings,
      now: this.usage.now(),
      model: config.model,
      promptTokens: estimateTokens(facts.promptText, config.model),
      guard,
      budget: this.budget,
    });
    if (decision.action === 'send') return;
    if (guard.askBeforeSending) {
      const sendAnyway = vscode.l10n.t('Send Anyway');
      // The reason is worded in English by preSend and the core's budget guard.
      const choice = await vscode.window.showWarningMessage(decision.message, { modal: true }, sendAnyway);
      if (choice === sendAnyway) return;
    }
    throw vscode.LanguageModelError.Blocked(decision.message);
  }

  async provideTokenCount(model: ModelInformation, text: string | vscode.LanguageModelChatRequestMessage): Promise<number> {
    if (typeof text === 'string') return countTokens(text, model.family);
    const parts = toLmMessage(text).parts.map((p) =>
      p.kind === 'text' || p.kind === 'toolResult' ? p.text : p.kind === 'toolCall' ? `${p.name}${JSON.stringify(p.input)}` : '',
    );
    return countTokens(parts.join('\n'), model.family);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
