import * as assert from 'node:assert/strict';
import { addDays } from '../src/days';
import { runAdmin } from '../src/admin';
import { api, createTeam, describeOnEachBackend, report } from './support/backends';

const DAY = '2026-03-02';

describeOnEachBackend('team API', (env) => {
  describe('PUT /v1/usage/daily/{date}', () => {
    it('stores a day and the summary returns its totals', async () => {
      const { tokens } = await createTeam(env.store, ['Bo'], ['Lea']);
      const put = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, {
        token: tokens.Bo,
        body: report({ commits: 4 }, [
          { provider: 'anthropic' },
          {
            model: 'gpt-5',
            source: 'gateway',
            provider: '',
            inputTokens: 200,
            outputTokens: 50,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
            reasoningTokens: 0,
            costUsd: 0.1,
            requests: 1,
          },
        ]),
      });
      assert.equal(put.status, 200);
      assert.deepEqual(put.body, { date: DAY, clientId: 'laptop', applied: true, revision: 1 });

      const summary = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: tokens.Lea });
      assert.equal(summary.status, 200);
      const t = summary.body.totals;
      assert.equal(t.inputTokens, 1200);
      assert.equal(t.outputTokens, 450);
      assert.equal(t.cacheReadTokens, 3000);
      assert.equal(t.cacheWriteTokens, 600);
      assert.equal(t.reasoningTokens, 100);
      assert.equal(t.totalTokens, 5250);
      assert.equal(t.requests, 3);
      assert.ok(Math.abs(t.costUsd - 0.6) < 1e-9);
      assert.equal(t.peakWeightedCostUsd, 0.6);
      assert.ok(Math.abs(t.peakShare - 0.25) < 1e-9);
      assert.ok(Math.abs(t.cacheReadShare - 3000 / 4800) < 1e-9);
      assert.equal(t.commits, 4);
      assert.ok(Math.abs(t.costPerCommitUsd - 0.15) < 1e-9);
      assert.equal(t.reports, 1);
    });

    it('re-sending the same revision replaces the day instead of adding to it', async () => {
      const { tokens } = await createTeam(env.store, ['Bo'], ['Lea']);
      for (let i = 0; i < 3; i++) {
        const put = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: tokens.Bo, body: report({ revision: 7 }) });
        assert.deepEqual([put.status, put.body.applied, put.body.revision], [200, true, 7]);
      }
      const summary = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: tokens.Lea });
      assert.equal(summary.body.totals.inputTokens, 1000);
      assert.equal(summary.body.days[0].reports, 1);
    });

    it('a newer revision replaces the day; an older one arriving late is refused without error', async () => {
      const { tokens } = await createTeam(env.store, ['Bo'], ['Lea']);
      const newer = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, {
        token: tokens.Bo,
        body: report({ revision: 5 }, [{ inputTokens: 5000 }]),
      });
      assert.equal(newer.body.applied, true);
      const older = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, {
        token: tokens.Bo,
        body: report({ revision: 3 }, [{ inputTokens: 3000 }]),
      });
      assert.equal(older.status, 200);
      assert.deepEqual([older.body.applied, older.body.revision], [false, 5]);
      const summary = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: tokens.Lea });
      assert.equal(summary.body.totals.inputTokens, 5000);
      const newest = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, {
        token: tokens.Bo,
        body: report({ revision: 6 }, [{ inputTokens: 6000 }]),
      });
      assert.deepEqual([newest.body.applied, newest.body.revision], [true, 6]);
      const after = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: tokens.Lea });
      assert.equal(after.body.totals.inputTokens, 6000);
    });

    it('concurrent PUTs of one day in shuffled order keep the highest revision', async () => {
      const { tokens } = await createTeam(env.store, ['Bo'], ['Lea']);
      const revisions = Array.from({ length: 24 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
      const results = await Promise.all(
        revisions.map((revision) =>
          api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: tokens.Bo, body: report({ revision }, [{ inputTokens: revision * 10 }]) }),
        ),
      );
      assert.ok(results.every((r) => r.status === 200));
      assert.ok(results.every((r) => r.body.revision >= 1 && r.body.revision <= 24));
      const summary = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: tokens.Lea });
      assert.equal(summary.body.totals.inputTokens, 240);
    });

    it('two clients of the same user are kept apart and summed, each with its own revisions', async () => {
      const { tokens } = await createTeam(env.store, ['Bo'], ['Lea']);
      await Promise.all([
        api(env, 'PUT', `/v1/usage/daily/${DAY}`, {
          token: tokens.Bo,
          body: report({ clientId: 'laptop', revision: 9 }, [{ inputTokens: 900 }]),
        }),
        api(env, 'PUT', `/v1/usage/daily/${DAY}`, {
          token: tokens.Bo,
          body: report({ clientId: 'desktop', revision: 2 }, [{ inputTokens: 200 }]),
        }),
      ]);
      // The desktop's revision 2 is independent of the laptop's 9: a desktop revision 3 still lands.
      const desktop = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, {
        token: tokens.Bo,
        body: report({ clientId: 'desktop', revision: 3 }, [{ inputTokens: 300 }]),
      });
      assert.equal(desktop.body.applied, true);
      const summary = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: tokens.Lea });
      assert.equal(summary.body.totals.inputTokens, 1200);
      const bo = summary.body.people.find((p: { name: string }) => p.name === 'Bo');
      assert.deepEqual([bo.inputTokens, bo.reports], [1200, 2]);
    });

    it('rejects malformed JSON, invalid reports, bad dates and other content types with JSON errors', async () => {
      const { tokens } = await createTeam(env.store, ['Bo']);
      const path = `/v1/usage/daily/${DAY}`;
      const malformed = await api(env, 'PUT', path, { token: tokens.Bo, rawBody: '{"clientId": "laptop",' });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 'invalid_json');

      const invalid = await api(env, 'PUT', path, {
        token: tokens.Bo,
        body: report({ peakShare: 1.5, extra: true }, [{ inputTokens: -1 }, { inputTokens: 1 }]),
      });
      assert.equal(invalid.status, 400);
      assert.equal(invalid.body.error.code, 'invalid_request');
      const paths = invalid.body.error.details.map((d: { path: string }) => d.path);
      assert.ok(paths.includes('byModel.0.inputTokens'), JSON.stringify(paths));
      assert.ok(paths.includes('peakShare'));
      assert.ok(paths.includes('(body)'), 'unknown field "extra" is named at the top level');

      const duplicate = await api(env, 'PUT', path, { token: tokens.Bo, body: report({}, [{}, {}]) });
      assert.equal(duplicate.status, 400);
      assert.match(duplicate.body.error.details[0].message, /duplicate entry/);

      for (const date of ['2026-02-30', '20260302', addDays(new Date().toISOString().slice(0, 10), 2)]) {
        const bad = await api(env, 'PUT', `/v1/usage/daily/${date}`, { token: tokens.Bo, body: report() });
        assert.equal(bad.status, 400, date);
        assert.equal(bad.body.error.details[0].path, 'date');
      }

      const text = await api(env, 'PUT', path, { token: tokens.Bo, rawBody: 'hello', contentType: 'text/plain' });
      assert.equal(text.status, 415);
      assert.equal(text.body.error.code, 'unsupported_media_type');
    });

    it('refuses an oversized body with 413 and stores nothing', async () => {
      const { tokens } = await createTeam(env.store, ['Bo'], ['Lea']);
      const huge = report({ extensionVersion: 'x'.repeat(300 * 1024) });
      const put = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: tokens.Bo, body: huge });
      assert.equal(put.status, 413);
      assert.equal(put.body.error.code, 'payload_too_large');
      const summary = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: tokens.Lea });
      assert.equal(summary.body.totals.requests, 0);
    });
  });

  describe('authentication', () => {
    it('answers 401 with a JSON body for a missing, malformed or wrong token', async () => {
      const { tokens } = await createTeam(env.store, ['Bo']);
      const cases = [
        await api(env, 'GET', '/v1/budget'),
        await api(env, 'GET', '/v1/budget', { token: `${tokens.Bo}x` }),
        await api(env, 'GET', '/v1/budget', { token: 'tm_' }),
        await api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: 'nope', body: report() }),
      ];
      for (const response of cases) {
        assert.equal(response.status, 401);
        assert.equal(response.body.error.code, 'unauthorized');
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
    });

    it('a rotated token stops working at once and the new one works', async () => {
      const { tokens, userIds } = await createTeam(env.store, ['Bo']);
      const fresh = await env.store.rotateToken(userIds.Bo);
      assert.equal((await api(env, 'GET', '/v1/budget', { token: tokens.Bo })).status, 401);
      assert.equal((await api(env, 'GET', '/v1/budget', { token: fresh })).status, 200);
    });

    it('keeps only a SHA-256 of each token', async () => {
      const { tokens, userIds } = await createTeam(env.store, ['Bo']);
      const rows = await env.db.query<Record<string, unknown>>('SELECT * FROM users WHERE id = $1', [userIds.Bo]);
      assert.ok(!JSON.stringify(rows).includes(tokens.Bo));
      assert.match(String(rows[0].token_hash), /^[0-9a-f]{64}$/);
    });
  });

  describe('GET /v1/budget', () => {
    it("returns the team's budget and peak schedule as set by the admin CLI, in the settings' shape", async () => {
      const { teamId, tokens } = await createTeam(env.store, ['Bo']);
      const print = () => undefined;
      await runAdmin(
        ['set-budget', '--team', teamId, '--daily', '25', '--monthly', '400', '--unit', 'usd', '--week-start', 'sunday'],
        env.db,
        print,
      );
      const windows = [{ days: ['mon', 'tue'], start: '22:00', end: '02:00', multiplier: 2 }];
      await runAdmin(
        [
          'set-peak-hours',
          '--team',
          teamId,
          '--enabled',
          'true',
          '--time-zone',
          'Europe/Berlin',
          '--windows',
          JSON.stringify(windows),
          '--multiplier',
          '1.5',
        ],
        env.db,
        print,
      );
      const budget = await api(env, 'GET', '/v1/budget', { token: tokens.Bo });
      assert.equal(budget.status, 200);
      assert.deepEqual(budget.body.budget, { unit: 'usd', daily: 25, weekly: 0, monthly: 400, weekStart: 'sunday' });
      assert.deepEqual(budget.body.peakHours, { enabled: true, timeZone: 'Europe/Berlin', windows, multiplier: 1.5 });
      assert.deepEqual(budget.body.user, { id: `${teamId}-bo`, name: 'Bo', isLead: false });
      assert.match(budget.body.updatedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    });
  });

  describe('GET /v1/team/summary', () => {
    it('is for team leads only', async () => {
      const { tokens } = await createTeam(env.store, ['Bo'], ['Lea']);
      const member = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: tokens.Bo });
      assert.equal(member.status, 403);
      assert.equal(member.body.error.code, 'forbidden');
      assert.equal((await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: tokens.Lea })).status, 200);
    });

    it("shows only the lead's own team", async () => {
      const ours = await createTeam(env.store, ['Bo'], ['Lea']);
      const theirs = await createTeam(env.store, ['Zed']);
      await api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: theirs.tokens.Zed, body: report() });
      const summary = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: ours.tokens.Lea });
      assert.equal(summary.body.totals.requests, 0);
      assert.deepEqual(
        summary.body.people.map((p: { name: string }) => p.name),
        ['Bo', 'Lea'],
      );
    });

    it('lists every day of the range and every member by name, never by volume', async () => {
      const { tokens } = await createTeam(env.store, ['Zoe', 'Adam', 'Mia'], ['Lea']);
      await api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: tokens.Zoe, body: report({}, [{ inputTokens: 90_000 }]) });
      await api(env, 'PUT', `/v1/usage/daily/${addDays(DAY, 2)}`, { token: tokens.Adam, body: report({}, [{ inputTokens: 10 }]) });
      const summary = await api(env, 'GET', `/v1/team/summary?from=${addDays(DAY, -1)}&to=${addDays(DAY, 3)}`, { token: tokens.Lea });
      assert.deepEqual(
        summary.body.days.map((d: { date: string }) => d.date),
        [-1, 0, 1, 2, 3].map((n) => addDays(DAY, n)),
      );
      assert.deepEqual(
        summary.body.days.map((d: { inputTokens: number }) => d.inputTokens),
        [0, 90_000, 0, 10, 0],
      );
      assert.deepEqual(
        summary.body.people.map((p: { name: string }) => p.name),
        ['Adam', 'Lea', 'Mia', 'Zoe'],
      );
      const mia = summary.body.people.find((p: { name: string }) => p.name === 'Mia');
      assert.deepEqual([mia.reports, mia.totalTokens, mia.peakShare, mia.commits], [0, 0, null, null]);
      const zoe = summary.body.people.find((p: { name: string }) => p.name === 'Zoe');
      assert.deepEqual([zoe.reports, zoe.inputTokens], [1, 90_000]);
      assert.equal(summary.body.totals.inputTokens, 90_010);
    });

    it('validates the range', async () => {
      const { tokens } = await createTeam(env.store, [], ['Lea']);
      for (const query of [
        '',
        `?from=${DAY}`,
        `?from=${DAY}&to=${addDays(DAY, -1)}`,
        `?from=2020-01-01&to=${DAY}`,
        `?from=${DAY}&to=${DAY}&x=1`,
      ]) {
        const response = await api(env, 'GET', `/v1/team/summary${query}`, { token: tokens.Lea });
        assert.equal(response.status, 400, query);
        assert.equal(response.body.error.code, 'invalid_request');
        assert.ok(response.body.error.details.length > 0);
      }
    });
  });

  describe('dates', () => {
    it('refuses days that are not calendar days or lie outside 2000-01-01..2999-12-31, with a 400 naming the field', async () => {
      const { tokens } = await createTeam(env.store, ['Bo'], ['Lea']);
      for (const date of ['0000-01-01', '1999-12-31', '2026-02-30', '2025-02-29']) {
        const put = await api(env, 'PUT', `/v1/usage/daily/${date}`, { token: tokens.Bo, body: report() });
        assert.equal(put.status, 400, date);
        assert.equal(put.body.error.code, 'invalid_request');
        assert.equal(put.body.error.details[0].path, 'date');
      }
      for (const [from, to, field] of [
        ['0000-01-01', DAY, 'from'],
        ['2026-02-30', DAY, 'from'],
        [DAY, '3000-01-01', 'to'],
        ['9999-12-31', '9999-12-31', 'from'],
      ]) {
        const summary = await api(env, 'GET', `/v1/team/summary?from=${from}&to=${to}`, { token: tokens.Lea });
        assert.equal(summary.status, 400, `${from}..${to}`);
        assert.equal(summary.body.error.code, 'invalid_request');
        assert.ok(
          summary.body.error.details.some((d: { path: string }) => d.path === field),
          JSON.stringify(summary.body),
        );
      }
    });

    it('answers a summary that ends on the last day of the range, and stops there', async () => {
      const { tokens } = await createTeam(env.store, [], ['Lea']);
      const summary = await api(env, 'GET', '/v1/team/summary?from=2999-12-30&to=2999-12-31', { token: tokens.Lea });
      assert.equal(summary.status, 200);
      assert.deepEqual(
        summary.body.days.map((d: { date: string }) => d.date),
        ['2999-12-30', '2999-12-31'],
      );
    });
  });

  describe('bounds on what one report adds', () => {
    it('refuses a report whose counts or costs exceed the per-line bounds', async () => {
      const { tokens } = await createTeam(env.store, ['Bo'], ['Lea']);
      const huge = Number.MAX_SAFE_INTEGER;
      const lines = Array.from({ length: 500 }, (_, i) => ({
        model: `m${i}`,
        requests: huge,
        inputTokens: huge,
        outputTokens: huge,
        cacheReadTokens: huge,
        cacheWriteTokens: huge,
        reasoningTokens: huge,
      }));
      const put = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: tokens.Bo, body: report({}, lines) });
      assert.equal(put.status, 400);
      assert.equal(put.body.error.code, 'invalid_request');
      assert.ok(put.body.error.details.some((d: { path: string }) => d.path === 'byModel.0.inputTokens'));
      const costly = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: tokens.Bo, body: report({}, [{ costUsd: 2_000_000 }]) });
      assert.equal(costly.status, 400);
      assert.equal(costly.body.error.details[0].path, 'byModel.0.costUsd');
      const tooMany = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, {
        token: tokens.Bo,
        body: report(
          {},
          Array.from({ length: 501 }, (_, i) => ({ model: `m${i}` })),
        ),
      });
      assert.equal(tooMany.status, 400);
      // The largest report the bounds allow is stored and summed exactly.
      const max = 1e12;
      const biggest = Array.from({ length: 500 }, (_, i) => ({
        model: `m${i}`,
        requests: max,
        inputTokens: max,
        outputTokens: max,
        cacheReadTokens: max,
        cacheWriteTokens: max,
        reasoningTokens: max,
        costUsd: 1e6,
      }));
      const ok = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: tokens.Bo, body: report({}, biggest) });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      const summary = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: tokens.Lea });
      assert.equal(summary.status, 200);
      assert.equal(summary.body.totals.inputTokens, 5e14);
      assert.equal(summary.body.totals.totalTokens, 2e15);
    });

    it('sums rows larger than any one bigint sum allows (stored before the bounds) without failing', async () => {
      const { teamId, tokens, userIds } = await createTeam(env.store, ['Bo', 'Cy'], ['Lea']);
      const big = '4503599627370495500'; // 500 × (2^53 − 1): what one report could store before the bounds
      for (const name of ['Bo', 'Cy']) {
        await env.db.query(
          `INSERT INTO daily_usage (user_id, client_id, day, team_id, revision, extension_version, input_tokens, output_tokens, cache_read_tokens,
             cache_write_tokens, reasoning_tokens, requests, cost_usd, peak_weighted_cost_usd, peak_weighted_tokens, peak_share, commits, hygiene, by_model)
           VALUES ($1, 'old', $2::date, $3, 1, '0.1.0', $4, $4, $4, $4, $4, $4, 1, 1, 1, 0.5, NULL, '{}', '[]')`,
          [userIds[name], DAY, teamId, big],
        );
      }
      const summary = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}`, { token: tokens.Lea });
      assert.equal(summary.status, 200, JSON.stringify(summary.body));
      assert.equal(summary.body.totals.inputTokens, 2 * 4503599627370495500);
      assert.equal(summary.body.totals.totalTokens, 8 * 4503599627370495500);
      assert.ok(Math.abs(summary.body.totals.peakShare - 0.5) < 1e-9);
    });
  });

  describe('hostile input', () => {
    it('refuses a report with 80,000 lines or 20,000 hygiene counters with a short answer, not one issue per element', async () => {
      const { tokens } = await createTeam(env.store, ['Bo']);
      const lines = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, {
        token: tokens.Bo,
        body: report({ byModel: Array(80_000).fill({}) }),
      });
      assert.equal(lines.status, 400);
      assert.deepEqual(
        lines.body.error.details.map((d: { path: string }) => d.path),
        ['byModel'],
      );
      const counters = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, {
        token: tokens.Bo,
        body: report({ hygiene: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, 'x'])) }),
      });
      assert.equal(counters.status, 400);
      assert.deepEqual(
        counters.body.error.details.map((d: { path: string }) => d.path),
        ['hygiene'],
      );
    });

    it('lists at most 20 validation issues', async () => {
      const { tokens } = await createTeam(env.store, ['Bo']);
      const lines = Array.from({ length: 50 }, (_, i) => ({ model: `m${i}`, inputTokens: -1, outputTokens: -1 }));
      const put = await api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: tokens.Bo, body: report({}, lines) });
      assert.equal(put.status, 400);
      assert.equal(put.body.error.details.length, 20);
      assert.match(put.body.error.message, /first 20 of 100/);
    });

    it('answers malformed URLs and unknown query parameters in the error format', async () => {
      const { tokens } = await createTeam(env.store, ['Bo'], ['Lea']);
      for (const path of ['/v1/usage/daily/%ff', '/v1/%zz', `/dashboard/assets/${'a'.repeat(200)}`]) {
        const response = await api(env, 'GET', path, { token: tokens.Bo });
        assert.ok(response.status >= 400 && response.status < 500, path);
        assert.equal(typeof response.body.error?.code, 'string', `${path}: ${JSON.stringify(response.body)}`);
      }
      const summary = await api(env, 'GET', `/v1/team/summary?from=${DAY}&to=${DAY}&constructor=1`, { token: tokens.Lea });
      assert.equal(summary.status, 400);
      assert.equal(summary.body.error.details[0].path, '(query)');
    });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await api(env, 'GET', '/v2/budget');
    assert.equal(response.status, 404);
    assert.equal(response.body.error.code, 'not_found');
  });
});
