import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import type { UsageSink } from '../../core/events';
import type { PromptObserver } from '../../core/hygiene/types';
import { matchAnthropicRoute } from './anthropic';
import type { MeteredRoute, Provider, ResponseFacts, ResponseMeter } from './meter';
import { matchOpenAiRoute } from './openai';
import { readRequestFacts, type RequestFacts } from './requestFacts';
import { checkRequestOrigin } from './security';
import { usageEventFor } from './usageEvent';

/**
 * The local metering gateway: a reverse proxy on 127.0.0.1 for OpenAI- and Anthropic-style APIs.
 * Clients use `http://127.0.0.1:<port>/<secret>/openai/v1` or `…/<secret>/anthropic` as their base
 * URL. Bytes pass through unchanged and unbuffered (SSE included) while a copy is parsed for the
 * usage the API reports; one UsageEvent is recorded per metered request.
 */

export type GuardDecision = { allow: true } | { allow: false; message: string };

export interface GatewayOptions {
  /** Per-install secret every path must start with, so other local users cannot use the relay. */
  secret: string;
  upstreams: Record<Provider, string>;
  sink: UsageSink;
  /** Request bodies above this are refused with 413. */
  maxBodyBytes?: number;
  /** Budget enforcement: a refusal is answered in the provider's own error format (HTTP 429). */
  guard?: (request: { provider: Provider; model: string }) => GuardDecision;
  /**
   * For prompt-hygiene analysis: each billable request's prompt (in memory, never stored) once its
   * answer is complete or has failed, so the observer works off the response path.
   */
  onPrompt?: PromptObserver;
  /**
   * Each upstream response's headers as they arrive (the provider's rate-limit headers are read from
   * them). Called after the response has been passed on; an exception here never affects the proxy.
   */
  onResponseHeaders?: (provider: Provider, headers: http.IncomingHttpHeaders) => void;
  /** Idle time allowed on the upstream connection before the request fails. */
  upstreamTimeoutMs?: number;
  now?: () => number;
}

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_UPSTREAM_TIMEOUT_MS = 10 * 60_000;
export const HEALTH_PATH = '__token-meter/health';

/** Headers that describe one connection, not the message; Node sets its own. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];
/** The request body is re-sent whole, so its length is set anew; the Host is the upstream's. */
const NOT_FORWARDED_UPSTREAM = new Set([...HOP_BY_HOP, 'host', 'content-length']);
/** The response body passes through byte for byte, so its length stays. */
const NOT_FORWARDED_DOWNSTREAM = new Set(HOP_BY_HOP);

function errorBody(provider: Provider | undefined, status: number, message: string, code: string): string {
  if (provider === 'anthropic') {
    const type = status === 429 ? 'rate_limit_error' : status === 413 ? 'request_too_large' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return JSON.stringify({ type: 'error', error: { type, message } });
  }
  return JSON.stringify({ error: { message, type: status === 429 ? 'insufficient_quota' : status >= 500 ? 'server_error' : 'invalid_request_error', code } });
}

function sendError(res: http.ServerResponse, provider: Provider | undefined, status: number, message: string, code: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // x-should-retry: false stops the official SDKs from retrying what will fail the same way again.
  res.writeHead(status, { 'content-type': 'application/json', 'x-should-retry': 'false' });
  res.end(errorBody(provider, status, message, code));
}

function decoderFor(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

interface Pending {
  provider: Provider;
  route: MeteredRoute | undefined;
  request: RequestFacts;
  started: number;
}

export class GatewayServer {
  private readonly server: http.Server;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private readonly now: () => number;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: GatewayOptions) {
    this.now = options.now ?? Date.now;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
    // Long generations stream for minutes; the upstream timeout guards stalls instead.
    this.server.requestTimeout = 0;
  }

  /** Binds loopback only. Resolves with the port (useful with port 0). */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const refusal = checkRequestOrigin(req.headers);
    if (refusal) {
      sendError(res, undefined, 403, refusal, 'token_meter_forbidden');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const parts = url.pathname.split('/');
    // ['', secret, provider, ...rest]
    if (parts[1] !== this.options.secret) {
      sendError(res, undefined, 404, 'Not found.', 'not_found');
      return;
    }
    if (parts.slice(2).join('/') === HEALTH_PATH) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ service: 'token-meter-gateway', pid: process.pid }));
      return;
    }
    const provider = parts[2] === 'openai' || parts[2] === 'anthropic' ? (parts[2] as Provider) : undefined;
    if (!provider) {
      sendError(res, undefined, 404, 'Unknown provider: use /<secret>/openai/… or /<secret>/anthropic/….', 'not_found');
      return;
    }
    const rest = `/${parts.slice(3).join('/')}`;
    const method = req.method ?? 'GET';
    const route = provider === 'openai' ? matchOpenAiRoute(method, rest) : matchAnthropicRoute(method, rest);

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBodyBytes) {
      this.refuseTooLarge(req, res, provider);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        refused = true;
        this.refuseTooLarge(req, res, provider);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (refused) return;
      const body = Buffer.concat(chunks);
      const request = route ? readRequestFacts(body) : { streaming: false, promptText: '' };
      if (route?.billable) {
        const model = request.model ?? 'unknown';
        const decision = this.options.guard?.({ provider, model }) ?? { allow: true };
        if (!decision.allow) {
          sendError(res, provider, 429, decision.message, 'token_meter_budget_exceeded');
          return;
        }
      }
      this.forward(req, res, { provider, route, request, started: this.now() }, `${rest}${url.search}`, body);
    });
  }

  private refuseTooLarge(req: http.IncomingMessage, res: http.ServerResponse, provider: Provider): void {
    const mb = Math.round(this.maxBodyBytes / 1024 / 1024);
    sendError(res, provider, 413, `Request body is larger than the Token Meter gateway accepts (${mb} MB; setting tokenMeter.gateway.maxBodyMB).`, 'token_meter_body_too_large');
    req.resume();
  }

  private notePrompt(pending: Pending, status: number, facts?: ResponseFacts): void {
    if (!this.options.onPrompt || !pending.route?.billable) return;
    const { request } = pending;
    this.options.onPrompt({
      source: 'gateway',
      provider: pending.provider,
      model: facts?.model ?? request.model ?? 'unknown',
      ts: this.now(),
      text: request.promptText,
      question: request.question,
      maxOutputTokens: request.maxOutputTokens,
      usage: facts?.usage && { inputTokens: facts.usage.inputTokens ?? 0, outputTokens: facts.usage.outputTokens ?? 0, cacheReadTokens: facts.usage.cacheReadTokens ?? 0, cacheWriteTokens: facts.usage.cacheWriteTokens ?? 0 },
      error: status >= 400 ? `HTTP ${status}` : facts?.streamError ? 'an error inside the stream' : undefined,
    });
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, pending: Pending, pathAndQuery: string, body: Buffer): void {
    const base = new URL(this.options.upstreams[pending.provider]);
    const target = new URL(`${base.pathname.replace(/\/$/, '')}${pathAndQuery}`, base);
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!NOT_FORWARDED_UPSTREAM.has(name) && value !== undefined) headers[name] = value;
    }
    if (body.length > 0 || req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') headers['content-length'] = body.length;
    const transport = target.protocol === 'https:' ? https : http;
    const upstreamReq = transport.request(target, {
      method: req.method,
      headers,
      agent: target.protocol === 'https:' ? this.agents.https : this.agents.http,
      timeout: this.options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    });
    let meter: ResponseMeter | undefined;
    let decoder: ReturnType<typeof decoderFor>;
    let status = 0;
    let finished = false;

    const finish = (aborted: boolean) => {
      if (finished) return;
      finished = true;
      if (!pending.route?.billable || !meter) return;
      const m = meter;
      const done = () => {
        const facts = m.finish();
        this.record(pending, status, facts, aborted);
        this.notePrompt(pending, status, facts);
      };
      if (decoder) {
        decoder.once('end', done);
        decoder.once('error', done);
        decoder.end();
      } else done();
    };

    upstreamReq.on('timeout', () => upstreamReq.destroy(new Error(`the upstream sent nothing for ${Math.round((this.options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS) / 1000)} s`)));
    upstreamReq.on('error', (error) => {
      if (!res.headersSent) {
        sendError(res, pending.provider, 502, `Token Meter gateway could not reach ${target.origin}: ${error.message}`, 'token_meter_upstream_unreachable');
        this.notePrompt(pending, 502);
      } else {
        finish(true);
        res.destroy();
      }
    });
    upstreamReq.on('response', (upstreamRes) => {
      status = upstreamRes.statusCode ?? 502;
      const responseHeaders: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(upstreamRes.headers)) {
        if (!NOT_FORWARDED_DOWNSTREAM.has(name) && value !== undefined) responseHeaders[name] = value;
      }
      res.writeHead(status, upstreamRes.statusMessage, responseHeaders);
      try {
        this.options.onResponseHeaders?.(pending.provider, upstreamRes.headers);
      } catch {
        // Reading rate limits is a side job: the response goes on.
      }
      if (pending.route?.billable) {
        const contentType = String(upstreamRes.headers['content-type'] ?? '');
        meter = pending.route.createMeter(contentType.includes('text/event-stream'));
        decoder = decoderFor(upstreamRes.headers['content-encoding'] as string | undefined);
        const m = meter;
        decoder?.on('data', (chunk: Buffer) => m.feed(chunk));
        decoder?.on('error', () => undefined);
      }
      upstreamRes.on('data', (chunk: Buffer) => {
        if (!res.write(chunk)) {
          upstreamRes.pause();
          res.once('drain', () => upstreamRes.resume());
        }
        if (decoder) decoder.write(chunk);
        else meter?.feed(chunk);
      });
      upstreamRes.on('end', () => {
        res.end();
        finish(false);
      });
      upstreamRes.on('error', () => {
        finish(true);
        res.destroy();
      });
    });
    res.on('close', () => {
      if (!res.writableFinished) {
        // The client went away mid-response: stop the upstream and meter what was produced.
        upstreamReq.destroy();
        finish(true);
      }
    });
    upstreamReq.end(body);
  }

  private record(pending: Pending, status: number, facts: ResponseFacts, aborted: boolean): void {
    const event = usageEventFor({ source: 'gateway', provider: pending.provider, request: pending.request, facts, status, aborted, started: pending.started, now: this.now() });
    if (event) this.options.sink.record(event);
  }
}
