import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAdmin, UsageError } from '../src/admin';
import { migrate, openDatabase, type Database } from '../src/db';
import { Store } from '../src/store';
import { BACKENDS, loudSkip, openTestDatabase } from './support/backends';

describe('PGlite data directory', () => {
  it('keeps teams, users and days across a restart', async function () {
    this.timeout(60_000);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-meter-server-'));
    try {
      let db = await openDatabase({ dataDir });
      const { token } = await new Store(db).createUser((await new Store(db).createTeam('t1', 'T1')).id, 'u1', 'U1', true);
      await db.close();
      db = await openDatabase({ dataDir });
      const user = await new Store(db).findUserByToken(token);
      assert.deepEqual(user, { id: 'u1', teamId: 't1', name: 'U1', isLead: true });
      assert.deepEqual(await migrate(db), [], 'migrations already applied are not applied again');
      await db.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

for (const kind of BACKENDS) {
  describe(`admin CLI (${kind})`, function () {
    let db: Database;
    let lines: string[];
    const run = (...argv: string[]) => runAdmin(argv, db, (line) => lines.push(line));

    before(async function () {
      this.timeout(300_000);
      const opened = await openTestDatabase(kind);
      if ('skipReason' in opened) {
        loudSkip(opened.skipReason);
        this.skip();
      }
      db = opened as Database;
    });
    after(async () => db?.close());
    beforeEach(() => (lines = []));

    it('creates a team and a lead whose printed token authenticates', async () => {
      await run('create-team', '--id', 'design', '--name', 'Design');
      await run('create-user', '--team', 'design', '--name', 'Grace Hopper', '--lead');
      assert.equal(lines[1], 'Created team lead grace-hopper ("Grace Hopper") in team design.');
      const token = /Token .*: (tm_\S+)$/.exec(lines[2])?.[1];
      assert.ok(token);
      assert.deepEqual(await new Store(db).findUserByToken(token), {
        id: 'grace-hopper',
        teamId: 'design',
        name: 'Grace Hopper',
        isLead: true,
      });
      await run('show-team', '--team', 'design');
      assert.ok(lines.includes('  grace-hopper  Grace Hopper  (lead)'));
    });

    it('rotates a token and changes a role', async () => {
      await run('create-team', '--id', 'infra', '--name', 'Infra');
      await run('create-user', '--team', 'infra', '--name', 'Linus', '--id', 'linus');
      const old = /(tm_\S+)$/.exec(lines[2])![1];
      await run('rotate-token', '--user', 'linus');
      const fresh = /(tm_\S+)$/.exec(lines[3])![1];
      const store = new Store(db);
      assert.equal(await store.findUserByToken(old), undefined);
      assert.equal((await store.findUserByToken(fresh))?.isLead, false);
      await run('set-role', '--user', 'linus', '--role', 'lead');
      assert.equal((await store.findUserByToken(fresh))?.isLead, true);
      await assert.rejects(run('set-role', '--user', 'linus', '--role', 'boss'), /lead or member/);
    });

    it('changes only the budget fields given and keeps the rest', async () => {
      await run('create-team', '--id', 'ops', '--name', 'Ops');
      await run('set-budget', '--team', 'ops', '--daily', '10', '--unit', 'tokens');
      await run('set-budget', '--team', 'ops', '--weekly', '50');
      assert.deepEqual((await new Store(db).getTeam('ops')).budget, {
        unit: 'tokens',
        daily: 10,
        weekly: 50,
        monthly: 0,
        weekStart: 'monday',
      });
    });

    it('refuses invalid input with a message naming the problem', async () => {
      await run('create-team', '--id', 'qa', '--name', 'QA');
      await assert.rejects(
        run('set-budget', '--team', 'qa', '--daily=-5'),
        (err: Error) => err instanceof UsageError && /daily/.test(err.message),
      );
      await assert.rejects(
        run('set-peak-hours', '--team', 'qa', '--windows', '[{"days":["mon"],"start":"25:00","end":"18:00"}]'),
        /windows\.0\.start/,
      );
      await assert.rejects(run('set-peak-hours', '--team', 'qa', '--time-zone', 'Mars/Base'), /IANA/);
      await assert.rejects(run('create-team', '--id', 'qa', '--name', 'Again'), /already exists/);
      await assert.rejects(run('create-user', '--team', 'missing', '--name', 'X'), /No team/);
      await assert.rejects(run('create-team', '--id', 'Bad Id', '--name', 'X'), /lowercase/);
      await assert.rejects(run('launch'), /Unknown command/);
    });

    it("refuses another command's option instead of ignoring it", async () => {
      await run('create-team', '--id', 'sec', '--name', 'Sec');
      await run('create-user', '--team', 'sec', '--name', 'Ida', '--id', 'ida');
      await assert.rejects(run('set-role', '--user', 'ida', '--role', 'lead', '--daily', '5'), {
        code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
      });
      assert.equal((await new Store(db).listUsers('sec'))[0].isLead, false, 'nothing was changed');
      await assert.rejects(run('create-team', '--id', 'x', '--name', 'X', '--lead'), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
      await assert.rejects(run('list-teams', '--team', 'sec'), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
    });
  });
}
