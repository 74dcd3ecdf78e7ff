import * as assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app';
import { openDatabase, type Database } from '../src/db';
import { Store } from '../src/store';
import { createTeam } from './support/backends';

/** A database whose summary query fails, as a broken or overloaded database would. */
function failingSummaries(db: Database): Database {
  return Object.assign(Object.create(db) as Database, {
    query: async (sql: string, params?: unknown[]) => {
      if (/GROUPING SETS/.test(sql)) throw new Error('simulated database failure: numeric field overflow');
      return db.query(sql, params);
    },
  });
}

describe('server errors', () => {
  it('logs the cause of every 500 with default settings, without the token, and answers in the error format', async () => {
    const db = await openDatabase({});
    const app = await buildApp({ db: failingSummaries(db) });
    const written: string[] = [];
    const write = process.stderr.write;
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { tokens } = await createTeam(new Store(db), [], ['Lea']);
      process.stderr.write = ((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      const response = await fetch(
        `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/team/summary?from=2026-03-01&to=2026-03-02`,
        {
          headers: { authorization: `Bearer ${tokens.Lea}` },
        },
      );
      process.stderr.write = write;
      assert.equal(response.status, 500);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'internal');
      const log = written.join('');
      assert.match(log, /simulated database failure: numeric field overflow/);
      assert.match(log, /GET \/v1\/team\/summary/);
      assert.ok(!log.includes(tokens.Lea), 'the token is never logged');
    } finally {
      process.stderr.write = write;
      await app.close();
      await db.close();
    }
  });
});
