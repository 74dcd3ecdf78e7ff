import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Database } from './db';
import { registerDashboard } from './dashboard';
import { dayKey, dayNumber, todayUtc } from './days';
import { dailyReportSchema, dayKeySchema, describeIssues, issuesNote, summaryQuerySchema } from './schemas';
import { Store, StoreError, type AuthenticatedUser } from './store';
import { DEFAULT_AUTH_THROTTLE, FailureThrottle, type ThrottleSettings } from './throttle';

export interface AppOptions {
  db: Database;
  /** Largest accepted request body in bytes; larger ones get 413. */
  bodyLimit?: number;
  logger?: boolean;
  /** Always mark the dashboard cookie Secure (set when the server is reached over HTTPS). */
  secureCookies?: boolean;
  /**
   * Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For/-Proto/-Host headers are
   * believed. Empty (the default): no proxy header is trusted, from anyone.
   */
  trustProxy?: string[];
  /** Failed token checks and sign-ins allowed per client in a sliding window. */
  authThrottle?: ThrottleSettings;
  /** The server's clock, injectable so tests can pin "today". */
  now?: () => number;
}

export const DEFAULT_BODY_LIMIT = 256 * 1024;
/** A client may report "tomorrow" in UTC when its own zone is ahead; later days are refused. */
const FUTURE_DAYS_ALLOWED = 1;

/** Every `error.code` the server answers with (docs/team-api.md, "Errors"). */
export const ERROR_CODES = [
  'invalid_request',
  'invalid_json',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'too_many_requests',
  'request_timeout',
  'headers_too_large',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** For 429: whole seconds until the client may try again (the Retry-After header). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function errorBody(
  code: ErrorCode,
  message: string,
  details?: unknown,
): { error: { code: ErrorCode; message: string; details?: unknown } } {
  return { error: { code, message, ...(details !== undefined ? { details } : {}) } };
}

function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  if (err.statusCode === 401) reply.header('WWW-Authenticate', 'Bearer realm="token-meter"');
  if (err.retryAfterSeconds !== undefined) reply.header('Retry-After', String(err.retryAfterSeconds));
  return reply.code(err.statusCode).send(errorBody(err.code, err.message, err.details));
}

function tooManyFailures(retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    'too_many_requests',
    `Too many failed sign-ins or token checks from this address; try again in ${retryAfterSeconds} s.`,
    undefined,
    retryAfterSeconds,
  );
}

/**
 * Node answers requests it cannot parse before Fastify sees them; this gives those answers the
 * API's error body too (most often 431, headers over Node's 16 KiB limit).
 */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'The request headers are larger than the server accepts (16 KiB in all).']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request took too long to arrive.']
        : [400, 'invalid_request', 'The request is not valid HTTP.'];
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Fastify's own errors (body parsing, limits, bad URLs) as the API's error codes; anything else is a 500. */
function fromFastifyError(err: Error & { statusCode?: number; code?: string }, bodyLimit: number): ApiError {
  const status = err.statusCode ?? 500;
  if (status === 413) return new ApiError(413, 'payload_too_large', `The request body is larger than ${bodyLimit} bytes.`);
  if (status === 415) return new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.');
  if (status === 400 && (err.code?.startsWith('FST_ERR_CTP_') || err instanceof SyntaxError)) {
    return new ApiError(400, 'invalid_json', `The request body is not valid JSON: ${err.message}`);
  }
  if (status >= 400 && status < 500) return new ApiError(status, status === 404 ? 'not_found' : 'invalid_request', err.message);
  return new ApiError(500, 'internal', 'The server failed to handle the request; it was logged.');
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthenticatedUser;
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const now = options.now ?? Date.now;
  const store = new Store(options.db);
  const throttle = new FailureThrottle(options.authThrottle ?? DEFAULT_AUTH_THROTTLE, now);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? options.trustProxy : false,
    clientErrorHandler,
    // URLs the router cannot decode (%ff) or whose parameters are too long, in the API's error format.
    frameworkErrors: (err, _request, reply) => sendError(reply, fromFastifyError(err, bodyLimit)),
  });

  /**
   * A 500's cause is always written to stderr, with or without the request log: method, path and
   * the error's stack. Never headers, query or body, where tokens and usage live.
   */
  function logFailure(request: FastifyRequest, err: Error): void {
    if (options.logger) request.log.error(err);
    else
      process.stderr.write(
        `${new Date().toISOString()} 500 ${request.method} ${request.url.split('?')[0]}: ${err.stack ?? `${err.name}: ${err.message}`}\n`,
      );
  }

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    if (err instanceof StoreError)
      return sendError(
        reply,
        err.code === 'not_found' ? new ApiError(404, 'not_found', err.message) : new ApiError(409, 'conflict', err.message),
      );
    const answer = fromFastifyError(err, bodyLimit);
    if (answer.statusCode >= 500) logFailure(request, err);
    return sendError(reply, answer);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new ApiError(404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}. The API lives under /v1.`)),
  );

  async function authenticate(request: FastifyRequest): Promise<AuthenticatedUser> {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new ApiError(401, 'unauthorized', 'Send your team token as "Authorization: Bearer <token>".');
    const wait = throttle.retryAfterSeconds(request.ip);
    if (wait > 0) throw tooManyFailures(wait);
    const user = await store.findUserByToken(token);
    if (!user) {
      throttle.recordFailure(request.ip);
      throw new ApiError(401, 'unauthorized', 'The team token is not valid; ask your team lead for a new one.');
    }
    return user;
  }

  app.register(
    async (v1) => {
      // Authenticate before the body is read, so an unauthenticated client never gets to upload one.
      v1.addHook('onRequest', async (request) => {
        request.user = await authenticate(request);
      });

      v1.put<{ Params: { date: string } }>('/usage/daily/:date', async (request) => {
        // Fastify also parses text/plain and the dashboard's form bodies; the API takes JSON only.
        if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
          throw new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.');
        }
        const day = dayKeySchema.safeParse(request.params.date);
        if (!day.success)
          throw new ApiError(400, 'invalid_request', `The date in the path ${day.error.issues[0].message}.`, [
            { path: 'date', message: day.error.issues[0].message },
          ]);
        const latest = dayNumber(todayUtc(now()))! + FUTURE_DAYS_ALLOWED;
        if (dayNumber(day.data)! > latest)
          throw new ApiError(400, 'invalid_request', `The date ${day.data} is in the future (latest accepted: ${dayKey(latest)}).`, [
            { path: 'date', message: 'is in the future' },
          ]);
        const report = dailyReportSchema.safeParse(request.body);
        if (!report.success)
          throw new ApiError(
            400,
            'invalid_request',
            `The daily report is not valid; ${issuesNote(report.error)}.`,
            describeIssues(report.error),
          );
        const result = await store.putDaily(request.user!, day.data, report.data);
        return { date: day.data, clientId: report.data.clientId, applied: result.applied, revision: result.revision };
      });

      v1.get('/budget', async (request) => {
        const user = request.user!;
        const team = await store.getTeam(user.teamId);
        return {
          team: { id: team.id, name: team.name },
          user: { id: user.id, name: user.name, isLead: user.isLead },
          budget: team.budget,
          peakHours: team.peakHours,
          updatedAt: team.updatedAt,
        };
      });

      v1.get('/team/summary', async (request) => {
        const user = request.user!;
        if (!user.isLead) throw new ApiError(403, 'forbidden', 'Only team leads can read the team summary.');
        const query = summaryQuerySchema.safeParse(request.query);
        if (!query.success)
          throw new ApiError(
            400,
            'invalid_request',
            `Give the range as ?from=YYYY-MM-DD&to=YYYY-MM-DD; ${issuesNote(query.error)}.`,
            describeIssues(query.error, '(query)'),
          );
        return store.teamSummary(user.teamId, query.data.from, query.data.to);
      });
    },
    { prefix: '/v1' },
  );

  app.get('/healthz', async () => ({ ok: true, database: options.db.kind }));

  registerDashboard(app, { store, throttle, secureCookies: options.secureCookies ?? false, now });
  await app.ready();
  return app;
}
