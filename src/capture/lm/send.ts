import { readBoundedText } from '../../core/boundedBody';
import type { UsageEvent, UsageSink } from '../../core/events';
import { matchAnthropicRoute } from '../gateway/anthropic';
import { jsonSseParser, obj, str, type MeteredRoute } from '../gateway/meter';
import { matchOpenAiRoute } from '../gateway/openai';
import { readRequestFacts, type RequestFacts } from '../gateway/requestFacts';
import { usageEventFor } from '../gateway/usageEvent';
import { anthropicEndpoint, anthropicHeaders, anthropicRequestBody, anthropicStreamReader } from './anthropicStyle';
import type { LmOutputPart, LmRequest, StreamReader } from './messages';
import type { ApiStyle, LmModelConfig } from './models';
import { openAiEndpoint, openAiHeaders, openAiRequestBody, openAiStreamReader } from './openaiStyle';

/**
 * Sends a chat request for a configured model and meters it on the gateway's path: the response
 * bytes go to the same meter the gateway uses, and the usage record is built by the same function
 * (`usageEventFor`), with source 'lm-provider' and an id derived from the provider's response id.
 */

interface StyleAdapter {
  endpoint(config: LmModelConfig): string;
  headers(apiKey: string | undefined): Record<string, string>;
  body(config: LmModelConfig, request: LmRequest): Record<string, unknown>;
  reader(): StreamReader;
  route: MeteredRoute;
}

const STYLES: Record<ApiStyle, StyleAdapter> = {
  openai: {
    endpoint: openAiEndpoint,
    headers: openAiHeaders,
    body: openAiRequestBody,
    reader: openAiStreamReader,
    route: matchOpenAiRoute('POST', '/v1/chat/completions')!,
  },
  anthropic: {
    endpoint: anthropicEndpoint,
    headers: anthropicHeaders,
    body: anthropicRequestBody,
    reader: anthropicStreamReader,
    route: matchAnthropicRoute('POST', '/v1/messages')!,
  },
};

export type LmErrorKind = 'auth' | 'notFound' | 'rateLimited' | 'unreachable' | 'upstream';

/** An upstream failure, worded for the person in the chat panel and naming what to check. */
export class LmUpstreamError extends Error {
  constructor(
    readonly kind: LmErrorKind,
    message: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'LmUpstreamError';
  }
}

export interface LmSendOptions {
  config: LmModelConfig;
  apiKey: string | undefined;
  request: LmRequest;
  sink: UsageSink;
  onPart: (part: LmOutputPart) => void;
  signal?: AbortSignal;
  now?: () => number;
}

export interface LmSendResult {
  /** What was recorded; undefined when nothing was billable. */
  event: UsageEvent | undefined;
  /** The request was cancelled before the answer was complete. */
  cancelled: boolean;
}

/** The request body exactly as it is sent, for estimates before sending. */
export function requestBodyFor(config: LmModelConfig, request: LmRequest): Record<string, unknown> {
  return STYLES[config.apiStyle].body(config, request);
}

/** What the gateway would read from this request: its prompt text, the user's question, the output budget. */
export function requestFactsOf(config: LmModelConfig, request: LmRequest): RequestFacts {
  return readRequestFacts(Buffer.from(JSON.stringify(requestBodyFor(config, request))));
}

const MAX_ERROR_BODY = 64 * 1024;

function upstreamMessage(text: string): string {
  try {
    const body = obj(JSON.parse(text));
    const error = obj(body?.error);
    const message = str(error?.message) ?? str(body?.message) ?? str(body?.error);
    if (message) return message;
  } catch {
    // Not JSON: the text itself (a proxy's HTML page is cut short below).
  }
  const plain = text.replace(/\s+/g, ' ').trim();
  return plain.length > 200 ? `${plain.slice(0, 200)}…` : plain;
}

function retryAfterSeconds(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function errorFor(config: LmModelConfig, url: string, status: number, text: string, retryAfter: number | undefined): LmUpstreamError {
  const said = upstreamMessage(text);
  const upstream = `${new URL(url).host} answered ${status}${said ? `: ${said}` : ''}`;
  if (status === 401 || status === 403) {
    return new LmUpstreamError(
      'auth',
      `Model "${config.name}" was refused (${upstream}). Check its API key with "Token Meter: Set Model API Key…" and its entry in tokenMeter.models.`,
      status,
    );
  }
  if (status === 404) {
    return new LmUpstreamError(
      'notFound',
      `Model "${config.model}" was not found at ${url} (${upstream}). Check "model" and "baseUrl" of "${config.name}" in tokenMeter.models.`,
      status,
    );
  }
  if (status === 429) {
    const wait = retryAfter !== undefined ? ` Try again in ${retryAfter} s.` : ' Try again later.';
    return new LmUpstreamError(
      'rateLimited',
      `Model "${config.name}" is rate-limited or out of quota (${upstream}).${wait}`,
      status,
      retryAfter,
    );
  }
  return new LmUpstreamError('upstream', `Model "${config.name}" failed (${upstream}).`, status);
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error as Error)?.name === 'AbortError';
}

export async function sendMetered(options: LmSendOptions): Promise<LmSendResult> {
  const { config, signal } = options;
  const now = options.now ?? Date.now;
  const style = STYLES[config.apiStyle];
  const url = style.endpoint(config);
  const body = Buffer.from(JSON.stringify(style.body(config, options.request)));
  const requestFacts = readRequestFacts(body);
  const started = now();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...style.headers(options.apiKey) },
      body,
      signal,
      // The API key goes to the configured base URL only: a redirect is an error, not followed.
      redirect: 'error',
    });
  } catch (error) {
    if (isAbort(error, signal)) return { event: undefined, cancelled: true };
    const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new LmUpstreamError(
      'unreachable',
      `Could not reach ${new URL(url).origin} for model "${config.name}": ${cause}. Check "baseUrl" in tokenMeter.models.`,
    );
  }

  if (!response.ok) {
    const { text } = await readBoundedText(response, MAX_ERROR_BODY).catch(() => ({ text: '' }));
    throw errorFor(config, url, response.status, text, retryAfterSeconds(response.headers.get('retry-after'), now()));
  }

  const streaming = (response.headers.get('content-type') ?? '').includes('text/event-stream');
  const meter = style.route.createMeter(streaming);
  const reader = style.reader();
  const emit = (parts: LmOutputPart[]) => {
    for (const part of parts) options.onPart(part);
  };
  const parser = jsonSseParser((payload, event) => emit(reader.event(payload, event)));
  let aborted = false;
  let streamFailure: Error | undefined;
  try {
    for await (const chunk of response.body ?? []) {
      const bytes = chunk as Uint8Array;
      meter.feed(bytes);
      if (streaming) parser.feed(bytes);
    }
  } catch (error) {
    aborted = true;
    if (!isAbort(error, signal)) streamFailure = error as Error;
  }
  const facts = meter.finish();
  const event = usageEventFor({
    source: 'lm-provider',
    provider: config.apiStyle,
    request: requestFacts,
    facts,
    status: response.status,
    aborted,
    started,
    now: now(),
  });
  if (event) options.sink.record(event);

  if (streamFailure) throw new LmUpstreamError('upstream', `The answer of model "${config.name}" was cut off: ${streamFailure.message}.`);
  if (aborted) return { event, cancelled: true };
  if (streaming) {
    parser.end();
    emit(reader.end());
  } else if (facts.outputText) {
    // A server that ignored `stream: true` answered in one JSON body; its text is the answer.
    emit([{ kind: 'text', text: facts.outputText }]);
  }
  if (reader.error) throw new LmUpstreamError('upstream', `Model "${config.name}" stopped with an error: ${reader.error}.`);
  return { event, cancelled: false };
}
