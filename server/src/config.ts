import * as path from 'node:path';
import { DEFAULT_BODY_LIMIT } from './app';
import type { DatabaseOptions } from './db';

/** Environment settings shared by the server and the admin CLI (see docs/team-api.md, "Running the server"). */
export interface ServerConfig {
  database: DatabaseOptions;
  host: string;
  port: number;
  bodyLimit: number;
  logger: boolean;
  secureCookies: boolean;
  /** Proxies whose forwarding headers are believed; empty: none. */
  trustProxy: string[];
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got "${raw}").`);
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    database: {
      databaseUrl: env.DATABASE_URL || undefined,
      dataDir: path.resolve(env.TOKEN_METER_SERVER_DATA || 'data'),
      poolSize: positiveInt(env, 'TOKEN_METER_SERVER_POOL_SIZE', 10),
    },
    host: env.HOST || '127.0.0.1',
    port: positiveInt(env, 'PORT', 8787),
    bodyLimit: positiveInt(env, 'TOKEN_METER_SERVER_BODY_LIMIT', DEFAULT_BODY_LIMIT),
    logger: env.TOKEN_METER_SERVER_LOG === '1',
    secureCookies: env.TOKEN_METER_SERVER_SECURE_COOKIES === '1',
    trustProxy: (env.TOKEN_METER_SERVER_TRUST_PROXY ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  };
}

/** Where the data lives, for the start-up line; never prints a password from DATABASE_URL. */
export function describeDatabase(config: ServerConfig): string {
  const url = config.database.databaseUrl;
  if (!url) return `PGlite in ${config.database.dataDir}`;
  const parsed = new URL(url);
  return `Postgres at ${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
}
