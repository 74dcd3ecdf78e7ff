import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Database } from './db';
import { registerDashboard } from './dashboard';
import { dayKey, dayNumber, todayUtc } from './days';
import { dailyReportSchema, dayKeySchema, describeIssues, summaryQuerySchema } from './schemas';
import { Store, StoreError, type AuthenticatedUser } from './store';

export interface AppOptions {
  db: Database;
  /** Largest accepted request body in bytes; larger ones get 413. */
  bodyLimit?: number;
  logger?: boolean;
  /** Mark the dashboard cookie Secure (set when the server is reached over HTTPS). */
  secureCookies?: boolean;
  /** The server's clock, injectable so tests can pin "today". */
  now?: () => number;
}

export const DEFAULT_BODY_LIMIT = 256 * 1024;
/** A client may report "tomorrow" in UTC when its own zone is ahead; later days are refused. */
const FUTURE_DAYS_ALLOWED = 1;

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'internal';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  if (err.statusCode === 401) reply.header('WWW-Authenticate', 'Bearer realm="token-meter"');
  return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } });
}

/** Fastify's own errors (body parsing, limits) as the API's error codes. */
function fromFastifyError(err: { statusCode?: number; code?: string; message: string }, bodyLimit: number): ApiError {
  switch (err.statusCode) {
    case 413:
      return new ApiError(413, 'payload_too_large', `The request body is larger than ${bodyLimit} bytes.`);
    case 415:
      return new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.');
    case 400:
      return new ApiError(400, 'invalid_json', `The request body is not valid JSON: ${err.message}`);
    default:
      return new ApiError(500, 'internal', 'The server failed to handle the request; it was logged.');
  }
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
  const app = Fastify({ logger: options.logger ?? false, bodyLimit });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    if (err instanceof StoreError) return sendError(reply, err.code === 'not_found' ? new ApiError(404, 'not_found', err.message) : new ApiError(409, 'conflict', err.message));
    if (!err.statusCode || err.statusCode >= 500) request.log.error(err);
    return sendError(reply, fromFastifyError(err, bodyLimit));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new ApiError(404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}. The API lives under /v1.`)),
  );

  async function authenticate(request: FastifyRequest): Promise<AuthenticatedUser> {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new ApiError(401, 'unauthorized', 'Send your team token as "Authorization: Bearer <token>".');
    const user = await store.findUserByToken(token);
    if (!user) throw new ApiError(401, 'unauthorized', 'The team token is not valid; ask your team lead for a new one.');
    return user;
  }

  app.register(async (v1) => {
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
      if (!day.success) throw new ApiError(400, 'invalid_request', `The date in the path ${day.error.issues[0].message}.`, [{ path: 'date', message: day.error.issues[0].message }]);
      const latest = dayNumber(todayUtc(now()))! + FUTURE_DAYS_ALLOWED;
      if (dayNumber(day.data)! > latest) throw new ApiError(400, 'invalid_request', `The date ${day.data} is in the future (latest accepted: ${dayKey(latest)}).`, [{ path: 'date', message: 'is in the future' }]);
      const report = dailyReportSchema.safeParse(request.body);
      if (!report.success) throw new ApiError(400, 'invalid_request', 'The daily report is not valid; see details.', describeIssues(report.error));
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
      if (!query.success) throw new ApiError(400, 'invalid_request', 'Give the range as ?from=YYYY-MM-DD&to=YYYY-MM-DD; see details.', describeIssues(query.error));
      return store.teamSummary(user.teamId, query.data.from, query.data.to);
    });
  }, { prefix: '/v1' });

  app.get('/healthz', async () => ({ ok: true, database: options.db.kind }));

  registerDashboard(app, { store, secureCookies: options.secureCookies ?? false, now });
  await app.ready();
  return app;
}
