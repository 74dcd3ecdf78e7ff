import { obj, str } from '../gateway/meter';

/**
 * Chat models the user connects through Token Meter (setting `tokenMeter.models`): an endpoint in
 * one of two API styles, the upstream's model id and what the model can do. Keys are never part of
 * a model's configuration; they live in VS Code's SecretStorage under `secretKeyFor(id)`.
 */

export type ApiStyle = 'openai' | 'anthropic';

export interface LmModelConfig {
  /** Unique among the configured models; the id VS Code's model picker and `selectChatModels` see. */
  id: string;
  /** Shown in the model picker. */
  name: string;
  apiStyle: ApiStyle;
  /** OpenAI style: the base that `/chat/completions` is appended to (`https://api.openai.com/v1`). Anthropic style: the base of `/v1/messages`. */
  baseUrl: string;
  /** The model id sent upstream. */
  model: string;
  contextSize: number;
  maxOutputTokens: number;
  toolCalling: boolean;
  imageInput: boolean;
}

export const DEFAULT_BASE_URLS: Record<ApiStyle, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
};
export const DEFAULT_CONTEXT_SIZE = 128_000;
export const DEFAULT_MAX_OUTPUT_TOKENS = 8192;

export function secretKeyFor(modelId: string): string {
  return `tokenMeter.models.${modelId}.apiKey`;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Validates the `tokenMeter.models` setting; each entry that cannot be used is named in a problem. */
export function parseModelConfigs(raw: unknown): { models: LmModelConfig[]; problems: string[] } {
  const models: LmModelConfig[] = [];
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { models, problems };
  if (!Array.isArray(raw)) return { models, problems: ['tokenMeter.models must be a list of models; it is ignored.'] };
  raw.forEach((item, index) => {
    const entry = obj(item);
    const where = `tokenMeter.models[${index}]`;
    const model = str(entry?.model);
    if (!entry || !model) {
      problems.push(`${where} has no "model" (the upstream model id); it is ignored.`);
      return;
    }
    const apiStyle = entry.apiStyle ?? 'openai';
    if (apiStyle !== 'openai' && apiStyle !== 'anthropic') {
      problems.push(`${where}: "apiStyle" must be "openai" or "anthropic" (got ${JSON.stringify(apiStyle)}); the model is ignored.`);
      return;
    }
    const baseUrl = (str(entry.baseUrl) ?? DEFAULT_BASE_URLS[apiStyle]).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/.test(baseUrl)) {
      problems.push(`${where}: "baseUrl" must be an http(s) URL (got ${JSON.stringify(entry.baseUrl)}); the model is ignored.`);
      return;
    }
    const id = str(entry.id) ?? model;
    if (models.some((m) => m.id === id)) {
      problems.push(`${where}: another model already has the id "${id}"; give one of them a distinct "id". This one is ignored.`);
      return;
    }
    models.push({
      id,
      name: str(entry.name) ?? model,
      apiStyle,
      baseUrl,
      model,
      contextSize: positiveInteger(entry.contextSize) ?? DEFAULT_CONTEXT_SIZE,
      maxOutputTokens: positiveInteger(entry.maxOutputTokens) ?? DEFAULT_MAX_OUTPUT_TOKENS,
      toolCalling: entry.toolCalling !== false,
      imageInput: entry.imageInput === true,
    });
  });
  return { models, problems };
}
