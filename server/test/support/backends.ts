import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/app';
import { openDatabase, type Database } from '../../src/db';
import { Store } from '../../src/store';
import { startPostgres, type PostgresCluster } from './postgres';

/** Runs a suite twice: on an in-memory PGlite and on a fresh database in a real Postgres cluster. */

let cluster: Promise<PostgresCluster | { skipReason: string }> | undefined;
let databases = 0;

function sharedCluster(): Promise<PostgresCluster | { skipReason: string }> {
  cluster ??= startPostgres();
  return cluster;
}

// One cluster serves every suite of the run; this root-level hook removes it at the end.
after(async function () {
  this.timeout(60_000);
  if (!cluster) return;
  const c = await cluster;
  if (!('skipReason' in c)) await c.stop();
});

export interface TestServer {
  db: Database;
  store: Store;
  app: FastifyInstance;
  url: string;
}

export const BACKENDS = ['pglite', 'postgres'] as const;
export type BackendKind = (typeof BACKENDS)[number];

export async function openTestDatabase(kind: BackendKind): Promise<Database | { skipReason: string }> {
  if (kind === 'pglite') return openDatabase({});
  const c = await sharedCluster();
  if ('skipReason' in c) return c;
  return openDatabase({ databaseUrl: await c.createDatabase(`tm_test_${process.pid}_${++databases}`), poolSize: 20 });
}

export function loudSkip(reason: string): void {
  const line = '!'.repeat(100);
  console.warn(
    `\n${line}\n!!! POSTGRES TESTS SKIPPED: ${reason}.\n!!! Install PostgreSQL (apt-get install postgresql) or set TOKEN_METER_TEST_DATABASE_URL.\n${line}\n`,
  );
}

/** Declares `describe(title (backend))` for each backend with a listening server in `env`. */
export function describeOnEachBackend(title: string, body: (env: TestServer) => void, appOptions: Partial<AppOptions> = {}): void {
  for (const kind of BACKENDS) {
    describe(`${title} (${kind})`, function () {
      const env = {} as TestServer;
      before(async function () {
        this.timeout(300_000);
        const db = await openTestDatabase(kind);
        if ('skipReason' in db) {
          loudSkip(db.skipReason);
          this.skip();
        }
        env.db = db as Database;
        env.store = new Store(env.db);
        env.app = await buildApp({ db: env.db, ...appOptions });
        await env.app.listen({ host: '127.0.0.1', port: 0 });
        env.url = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
      });
      after(async () => {
        await env.app?.close();
        await env.db?.close();
      });
      body(env);
    });
  }
}

let ids = 0;
/** A fresh team with members; returns their tokens by name. Leads are listed in `leads`. */
export async function createTeam(
  store: Store,
  members: string[],
  leads: string[] = [],
): Promise<{ teamId: string; tokens: Record<string, string>; userIds: Record<string, string> }> {
  const teamId = `team-${process.pid}-${++ids}`;
  await store.createTeam(teamId, `Team ${ids}`);
  const tokens: Record<string, string> = {};
  const userIds: Record<string, string> = {};
  for (const name of [...leads, ...members]) {
    const userId = `${teamId}-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    const { token } = await store.createUser(teamId, userId, name, leads.includes(name));
    tokens[name] = token;
    userIds[name] = userId;
  }
  return { teamId, tokens, userIds };
}

export interface ModelLine {
  model?: string;
  source?: string;
  provider?: string;
  requests?: number;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  costUsd?: number;
}

/** A valid daily report; tests override what they check. */
export function report(overrides: Record<string, unknown> = {}, lines: ModelLine[] = [{}]): Record<string, unknown> {
  return {
    clientId: 'laptop',
    revision: 1,
    extensionVersion: '0.9.0',
    byModel: lines.map((l) => ({
      model: 'claude-sonnet-4',
      source: 'claude-code',
      requests: 2,
      inputTokens: 1000,
      outputTokens: 400,
      cacheReadTokens: 3000,
      cacheWriteTokens: 600,
      reasoningTokens: 100,
      costUsd: 0.5,
      ...l,
    })),
    peakWeightedCostUsd: 0.6,
    peakWeightedTokens: 6000,
    peakShare: 0.25,
    hygiene: { repeatedPrompt: 1 },
    ...overrides,
  };
}

export async function api(
  env: TestServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; contentType?: string } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const payload = options.rawBody ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined);
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(env.url + path, { method, headers, body: payload });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // HTML and empty bodies stay text.
  }
  return { status: response.status, body, headers: response.headers };
}
