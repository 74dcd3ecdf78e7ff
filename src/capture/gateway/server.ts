import { timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import type { UsageSink } from '../../core/events';
import type { PromptObserver } from '../../core/hygiene/types';
import { matchAnthropicRoute } from './anthropic';
import type { MeteredRoute, MeterLimits, Provider, ResponseFacts } from './meter';
import { MeterTap } from './meterTap';
import { matchOpenAiRoute } from './openai';
import { readRequestFacts, type RequestFacts } from './requestFacts';
import { checkRequestOrigin } from './security';
import { parseRequestTarget, parseUpstream, upstreamUrl } from './target';
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
  /**
   * Time a client has to send a request's headers, and again its body, before it is answered 408
   * and disconnected. Only the upload: an answer may stream for as long as the upstream sends.
   */
  uploadTimeoutMs?: number;
  /** Bounds on the meter's copy of each response (see MeterLimits); defaults are far above real answers. */
  meterLimits?: Partial<MeterLimits>;
  now?: () => number;
}

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_UPSTREAM_TIMEOUT_MS = 10 * 60_000;
/** A local client uploads 32 MB in well under a second; a minute only stops a stalled or hostile one. */
export const DEFAULT_UPLOAD_TIMEOUT_MS = 60_000;
export const HEALTH_PATH = '__token-meter/health';

/** Headers that describe one connection, not the message; Node sets its own. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];
/** The request body is re-sent whole, so its length is set anew; the Host is the upstream's. */
const NOT_FORWARDED_UPSTREAM = new Set([...HOP_BY_HOP, 'host', 'content-length', 'expect']);
/** The response body passes through byte for byte, so its length stays. */
const NOT_FORWARDED_DOWNSTREAM = new Set(HOP_BY_HOP);

/** End-to-end headers of a message: hop-by-hop ones dropped, and so is any header its Connection header names. */
function endToEndHeaders(headers: http.IncomingHttpHeaders, dropped: ReadonlySet<string>): http.OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!dropped.has(name) && !named.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

function sameSecret(candidate: string | undefined, secret: string): boolean {
  if (candidate === undefined) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function errorBody(provider: Provider | undefined, status: number, message: string, code: string): string {
  if (provider === 'anthropic') {
    const type =
      status === 429 ? 'rate_limit_error' : status === 413 ? 'request_too_large' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return JSON.stringify({ type: 'error', error: { type, message } });
  }
  return JSON.stringify({
    error: { message, type: status === 429 ? 'insufficient_quota' : status >= 500 ? 'server_error' : 'invalid_request_error', code },
  });
}

function sendError(
  res: http.ServerResponse,
  provider: Provider | undefined,
  status: number,
  message: string,
  code: string,
  close = false,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // x-should-retry: false stops the official SDKs from retrying what will fail the same way again.
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'x-should-retry': 'false' };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(errorBody(provider, status, message, code));
}

interface Pending {
  provider: Provider;
  route: MeteredRoute | undefined;
  request: RequestFacts;
  started: number;
}

/** One request from the moment it is sent upstream until its usage is recorded. */
interface Exchange {
  pending: Pending;
  target: URL;
  upstreamReq: http.ClientRequest;
  res: http.ServerResponse;
  /** The meter's tap on the response body; only for billable routes, once the answer's headers are in. */
  tap?: MeterTap;
  status: number;
  finished: boolean;
  /** Stops the exchange where it is (close()). */
  stop: () => void;
}

export class GatewayServer {
  private readonly server: http.Server;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private readonly now: () => number;
  private readonly maxBodyBytes: number;
  private readonly uploadTimeoutMs: number;
  private readonly upstreams: Record<Provider, URL>;
  /** How to stop each exchange still running, so close() leaves no decoder or socket working. */
  private readonly running = new Set<() => void>();

  constructor(private readonly options: GatewayOptions) {
    this.now = options.now ?? Date.now;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
    this.upstreams = {
      openai: parseUpstream(options.upstreams.openai, 'OpenAI'),
      anthropic: parseUpstream(options.upstreams.anthropic, 'Anthropic'),
    };
    this.server = http.createServer(
      {
        // Node's own limits on receiving a request (never on sending the answer): the headers, and,
        // behind the body timer in handle(), the whole request.
        headersTimeout: this.uploadTimeoutMs,
        requestTimeout: this.uploadTimeoutMs * 2,
        connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(this.uploadTimeoutMs / 4))),
      },
      (req, res) => this.handle(req, res),
    );
    this.server.keepAliveTimeout = 65_000;
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
    for (const stop of [...this.running]) stop();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    try {
      this.route(req, res);
    } catch {
      // A fault here must cost one request, never the process that meters every other one.
      sendError(res, undefined, 500, 'Token Meter gateway could not handle this request.', 'token_meter_internal_error', true);
    }
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const refusal = checkRequestOrigin(req.headers, req.rawHeaders);
    if (refusal) {
      sendError(res, undefined, 403, refusal, 'token_meter_forbidden');
      return;
    }
    const target = parseRequestTarget(req.url ?? '');
    if (!target.ok) {
      sendError(res, undefined, 400, `Token Meter gateway refused this request path: ${target.reason}.`, 'token_meter_bad_path', true);
      return;
    }
    const [secret, providerName, ...rest] = target.value.segments;
    if (!sameSecret(secret, this.options.secret)) {
      sendError(res, undefined, 404, 'Not found.', 'not_found');
      return;
    }
    if ([providerName, ...rest].join('/') === HEALTH_PATH) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ service: 'token-meter-gateway', pid: process.pid }));
      return;
    }
    const provider = providerName === 'openai' || providerName === 'anthropic' ? (providerName as Provider) : undefined;
    if (!provider) {
      sendError(res, undefined, 404, 'Unknown provider: use /<secret>/openai/… or /<secret>/anthropic/….', 'not_found');
      return;
    }
    const destination = upstreamUrl(this.upstreams[provider], rest, target.value.query, target.value.trailingSlash);
    if (!destination.ok) {
      sendError(res, provider, 400, `Token Meter gateway refused this request path: ${destination.reason}.`, 'token_meter_bad_path', true);
      return;
    }
    const method = req.method ?? 'GET';
    const path = `/${rest.join('/')}`;
    const route = provider === 'openai' ? matchOpenAiRoute(method, path) : matchAnthropicRoute(method, path);

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBodyBytes) {
      this.refuseTooLarge(req, res, provider);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const uploadTimer = setTimeout(() => {
      refused = true;
      const limit = this.uploadTimeoutMs >= 1000 ? `${Math.round(this.uploadTimeoutMs / 1000)} s` : `${this.uploadTimeoutMs} ms`;
      sendError(
        res,
        provider,
        408,
        `The request body did not arrive within ${limit}; the Token Meter gateway closed the connection.`,
        'token_meter_upload_timeout',
        true,
      );
      req.resume();
    }, this.uploadTimeoutMs);
    uploadTimer.unref();
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        refused = true;
        clearTimeout(uploadTimer);
        this.refuseTooLarge(req, res, provider);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      clearTimeout(uploadTimer);
      res.destroy();
    });
    req.on('close', () => clearTimeout(uploadTimer));
    req.on('end', () => {
      clearTimeout(uploadTimer);
      if (refused) return;
      try {
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
        this.forward(req, res, { provider, route, request, started: this.now() }, destination.value, body);
      } catch {
        sendError(res, provider, 500, 'Token Meter gateway could not forward this request.', 'token_meter_internal_error', true);
      }
    });
  }

  private refuseTooLarge(req: http.IncomingMessage, res: http.ServerResponse, provider: Provider): void {
    const mb = Math.round(this.maxBodyBytes / 1024 / 1024);
    sendError(
      res,
      provider,
      413,
      `Request body is larger than the Token Meter gateway accepts (${mb} MB; setting tokenMeter.gateway.maxBodyMB).`,
      'token_meter_body_too_large',
    );
    req.resume();
  }

  private notePrompt(pending: Pending, status: number, facts?: ResponseFacts): void {
    if (!this.options.onPrompt || !pending.route?.billable) return;
    const { request } = pending;
    try {
      this.options.onPrompt({
        source: 'gateway',
        provider: pending.provider,
        model: facts?.model ?? request.model ?? 'unknown',
        ts: this.now(),
        text: request.promptText,
        question: request.question,
        maxOutputTokens: request.maxOutputTokens,
        usage: facts?.usage && {
          inputTokens: facts.usage.inputTokens ?? 0,
          outputTokens: facts.usage.outputTokens ?? 0,
          cacheReadTokens: facts.usage.cacheReadTokens ?? 0,
          cacheWriteTokens: facts.usage.cacheWriteTokens ?? 0,
        },
        error: status >= 400 ? `HTTP ${status}` : facts?.streamError ? 'an error inside the stream' : undefined,
      });
    } catch {
      // Prompt hygiene is advice: its failure must not touch the request or the gateway.
    }
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, pending: Pending, target: URL, body: Buffer): void {
    const upstreamReq = this.requestUpstream(req, pending.provider, target, body.length);
    const exchange: Exchange = {
      pending,
      target,
      upstreamReq,
      res,
      status: 0,
      finished: false,
      stop: () => {
        exchange.tap?.dropDecoder();
        upstreamReq.destroy();
        res.destroy();
      },
    };
    this.running.add(exchange.stop);
    upstreamReq.on('timeout', () =>
      upstreamReq.destroy(new Error(`the upstream sent nothing for ${Math.round(this.upstreamTimeoutMs / 1000)} s`)),
    );
    upstreamReq.on('error', (error) => {
      if (!res.headersSent) {
        this.fail(exchange, `Token Meter gateway could not reach ${target.origin}: ${error.message}`, 'token_meter_upstream_unreachable');
      } else {
        this.finish(exchange, true);
        res.destroy();
      }
    });
    upstreamReq.on('response', (upstreamRes) => this.relay(exchange, upstreamRes));
    res.on('close', () => {
      if (!res.writableEnded) {
        // The client went away mid-response: stop the upstream and meter what was produced.
        upstreamReq.destroy();
        this.finish(exchange, true);
      }
    });
    upstreamReq.end(body);
  }

  private get upstreamTimeoutMs(): number {
    return this.options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  }

  /** The request to the provider, with the client's end-to-end headers; the key goes nowhere but the upstream's origin. */
  private requestUpstream(req: http.IncomingMessage, provider: Provider, target: URL, bodyLength: number): http.ClientRequest {
    // upstreamUrl() built the target from the upstream alone; this is the last check before a key leaves.
    if (target.origin !== this.upstreams[provider].origin) throw new Error('forward target is not on the upstream origin');
    const headers = endToEndHeaders(req.headers, NOT_FORWARDED_UPSTREAM);
    if (bodyLength > 0 || req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') headers['content-length'] = bodyLength;
    const secure = target.protocol === 'https:';
    return (secure ? https : http).request(target, {
      method: req.method,
      headers,
      agent: secure ? this.agents.https : this.agents.http,
      timeout: this.upstreamTimeoutMs,
    });
  }

  /**
   * Passes the upstream's answer on: its status and headers, then its body through a pipeline whose
   * pass-through feeds the meter (backpressure from the client reaches the upstream; a failure on
   * either side ends both).
   */
  private relay(exchange: Exchange, upstreamRes: http.IncomingMessage): void {
    const { pending, res } = exchange;
    exchange.status = upstreamRes.statusCode ?? 502;
    try {
      res.writeHead(exchange.status, upstreamRes.statusMessage, endToEndHeaders(upstreamRes.headers, NOT_FORWARDED_DOWNSTREAM));
    } catch {
      // A status or header Node will not send on (e.g. status 099): the answer cannot be relayed.
      upstreamRes.destroy();
      this.fail(
        exchange,
        `Token Meter gateway received an answer from ${exchange.target.origin} that it cannot pass on (HTTP status ${exchange.status}).`,
        'token_meter_bad_upstream_answer',
      );
      return;
    }
    try {
      this.options.onResponseHeaders?.(pending.provider, upstreamRes.headers);
    } catch {
      // Reading rate limits is a side job: the response goes on.
    }
    // Cut short means the upstream's body did not all reach the client's socket; a client that
    // hangs up after the last byte was handed over has had its whole answer.
    const done = (error: NodeJS.ErrnoException | null) => this.finish(exchange, error !== null && !res.writableEnded);
    if (pending.route?.billable) {
      const contentType = String(upstreamRes.headers['content-type'] ?? '');
      const meter = pending.route.createMeter(contentType.includes('text/event-stream'), this.options.meterLimits);
      exchange.tap = new MeterTap(meter, upstreamRes.headers['content-encoding']);
      pipeline(upstreamRes, exchange.tap, res, done);
    } else {
      pipeline(upstreamRes, res, done);
    }
  }

  /** Answers 502 before any of the upstream's answer was sent; the prompt is noted as failed. */
  private fail(exchange: Exchange, message: string, code: string): void {
    exchange.finished = true;
    this.running.delete(exchange.stop);
    sendError(exchange.res, exchange.pending.provider, 502, message, code);
    this.notePrompt(exchange.pending, 502);
  }

  /** The exchange is over (`aborted`: cut short): records its usage once the meter has read what arrived. */
  private finish(exchange: Exchange, aborted: boolean): void {
    if (exchange.finished) return;
    exchange.finished = true;
    this.running.delete(exchange.stop);
    const { tap, pending } = exchange;
    tap?.settle((facts) => {
      this.record(pending, exchange.status, facts, aborted);
      this.notePrompt(pending, exchange.status, facts);
    });
  }

  private record(pending: Pending, status: number, facts: ResponseFacts, aborted: boolean): void {
    try {
      const event = usageEventFor({
        source: 'gateway',
        provider: pending.provider,
        request: pending.request,
        facts,
        status,
        aborted,
        started: pending.started,
        now: this.now(),
      });
      if (event) this.options.sink.record(event);
    } catch {
      // The store reports its own failures; one refused record must not take the gateway down.
    }
  }
}
