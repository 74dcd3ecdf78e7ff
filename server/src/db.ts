import * as fs from 'node:fs';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';
import { makePrivate } from './permissions';

/** Running SQL: $1-style parameters; callers cast numbers to float8/int and dates to text in SQL, so both drivers hand back the same JS values. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * The one database interface the server uses, so every query and migration runs unchanged on the
 * embedded PGlite and on a real Postgres.
 */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn on one connection inside BEGIN … COMMIT, rolling back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = path.join(__dirname, '..', 'migrations');

class PgliteDatabase implements Database {
  readonly kind = 'pglite';
  constructor(
    private readonly db: PGlite,
    /** Made private again on close: PGlite rewrites some files (pg_internal.init) 0644 while it runs, inside the 0700 folder. */
    private readonly dataDir: string | undefined,
  ) {}

  async query<Row>(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.db.query<Row>(sql, params)).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      fn({
        query: async <Row>(sql: string, params: unknown[] = []) => (await tx.query<Row>(sql, params)).rows,
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    await this.db.close();
    if (this.dataDir) makePrivate(this.dataDir);
  }
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres';
  private closing = false;

  constructor(private readonly pool: Pool) {
    // An idle client losing its connection must not crash the server; the next query reconnects.
    // After close, a server shutdown racing the clients' goodbyes is no news.
    pool.on('error', (err) => {
      if (!this.closing) console.error(`Postgres pool: ${err.message}`);
    });
  }

  async query<Row>(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows as Row[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async <Row>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as Row[],
        exec: async (sql: string) => {
          await client.query(sql);
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    this.closing = true;
    return this.pool.end();
  }
}

export interface DatabaseOptions {
  /** A postgres:// URL; without one the embedded PGlite is used. */
  databaseUrl?: string;
  /** PGlite's data directory; undefined keeps the database in memory (tests). */
  dataDir?: string;
  poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let db: Database;
  if (options.databaseUrl) {
    db = new PostgresDatabase(new Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 }));
  } else {
    if (options.dataDir) {
      fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
      makePrivate(options.dataDir);
    }
    const pglite = await PGlite.create(options.dataDir);
    if (options.dataDir) makePrivate(options.dataDir);
    db = new PgliteDatabase(pglite, options.dataDir);
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/**
 * Applies migrations/NNN_*.sql in name order, all pending ones in one transaction with their
 * bookkeeping rows. A transaction-scoped advisory lock keeps two servers starting against the same
 * Postgres from applying one twice.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(8152026)');
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name));
    const applied: string[] = [];
    for (const file of files.filter((f) => !done.has(f))) {
      await tx.exec(fs.readFileSync(path.join(dir, file), 'utf8'));
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      applied.push(file);
    }
    return applied;
  });
}
