import * as assert from 'node:assert/strict';
import { DASHBOARD_CSP } from '../src/dashboard';
import { api, createTeam, describeOnEachBackend, report } from './support/backends';

const DAY = '2026-04-06';

async function signIn(url: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/dashboard/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
  });
}

function cookieOf(response: Response): string {
  return (response.headers.get('set-cookie') ?? '').split(';')[0];
}

describeOnEachBackend('team dashboard', (env) => {
  it('shows a sign-in form without a session', async () => {
    const response = await fetch(`${env.url}/dashboard`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-security-policy'), DASHBOARD_CSP);
    assert.match(await response.text(), /<form method="post" action="\/dashboard\/login">/);
  });

  it('signs a lead in with an HttpOnly, SameSite=Strict cookie and renders the team', async () => {
    const { teamId, tokens } = await createTeam(env.store, ['Zoe', 'Adam'], ['Lea']);
    await env.store.setBudget(teamId, { unit: 'usd', daily: 1, weekly: 0, monthly: 0, weekStart: 'monday' });
    await api(env, 'PUT', `/v1/usage/daily/${DAY}`, {
      token: tokens.Zoe,
      body: report({ peakWeightedCostUsd: 5, commits: 2 }, [{ costUsd: 4 }]),
    });
    await api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: tokens.Adam, body: report({ peakWeightedCostUsd: 0.1 }, [{ costUsd: 0.1 }]) });
    await env.store.createUser(teamId, `${teamId}-mallory`, '<script>alert(1)</script>', false);

    const login = await signIn(env.url, tokens.Lea);
    assert.equal(login.status, 303);
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\/dashboard/);

    const page = await fetch(`${env.url}/dashboard?from=${DAY}&to=${DAY}`, { headers: { cookie: cookieOf(login) } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-security-policy'), DASHBOARD_CSP);
    const html = await page.text();
    // People in name order although Zoe used forty times more.
    assert.ok(html.indexOf('<td>Adam') < html.indexOf('<td>Lea') && html.indexOf('<td>Lea') < html.indexOf('<td>Zoe'));
    assert.match(html, /Days over the daily budget<strong>1<\/strong>/);
    assert.match(html, /<rect class="spend over"/);
    assert.match(html, /Cost per commit<strong>\$2\.00<\/strong>/);
    assert.ok(!html.includes('<script>alert(1)</script>'), 'names are escaped');
    assert.ok(html.includes('&#60;script&#62;alert(1)&#60;/script&#62;'));
    // Nothing remote and nothing inline that the CSP would have to allow.
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html));
    assert.ok(!/<script>|<style|style="|\son[a-z]+=/.test(html));
  });

  it('refuses members and stale tokens', async () => {
    const { tokens, userIds } = await createTeam(env.store, ['Bo'], ['Lea']);
    const member = await signIn(env.url, tokens.Bo);
    assert.equal(member.status, 403);
    assert.equal(member.headers.get('set-cookie'), null);

    const login = await signIn(env.url, tokens.Lea);
    await env.store.rotateToken(userIds.Lea);
    const stale = await fetch(`${env.url}/dashboard`, { headers: { cookie: cookieOf(login) } });
    assert.equal(stale.status, 401);
    assert.match(await stale.text(), /no longer valid/);
  });

  it('serves its script and stylesheet from its own origin', async () => {
    for (const [file, type] of [
      ['dashboard.js', 'text/javascript'],
      ['dashboard.css', 'text/css'],
    ]) {
      const response = await fetch(`${env.url}/dashboard/assets/${file}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', new RegExp(type));
    }
    assert.equal((await fetch(`${env.url}/dashboard/assets/../package.json`)).status, 404);
  });

  it('serves only the files in its fixed map: inherited property names are not assets', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const response = await fetch(`${env.url}/dashboard/assets/${name}`);
      assert.equal(response.status, 404, name);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'not_found');
    }
  });

  it('keeps the token out of the cookie: the session is an opaque id that sign-out ends on the server', async () => {
    const { tokens } = await createTeam(env.store, [], ['Lea']);
    const login = await signIn(env.url, tokens.Lea);
    assert.equal(login.status, 303);
    const cookie = cookieOf(login);
    const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
    assert.ok(!value.includes(tokens.Lea) && !tokens.Lea.includes(value), 'the cookie is not the token');
    assert.match(value, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await fetch(`${env.url}/dashboard`, { headers: { cookie } })).status, 200);
    const rows = await env.db.query<Record<string, unknown>>('SELECT * FROM dashboard_sessions');
    assert.ok(!JSON.stringify(rows).includes(value), 'only a hash of the session id is stored');

    const logout = await fetch(`${env.url}/dashboard/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    assert.equal(logout.status, 303);
    assert.match(logout.headers.get('set-cookie') ?? '', /Max-Age=0/);
    const after = await fetch(`${env.url}/dashboard`, { headers: { cookie } });
    assert.equal(after.status, 401, 'a copied cookie stops working after sign-out');
  });

  it('keeps at most 20 sessions per user: signing in again ends the oldest', async () => {
    const { tokens, userIds } = await createTeam(env.store, [], ['Lea']);
    const first = cookieOf(await signIn(env.url, tokens.Lea));
    for (let i = 0; i < 24; i++) assert.equal((await signIn(env.url, tokens.Lea)).status, 303);
    const rows = await env.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dashboard_sessions WHERE user_id = $1', [userIds.Lea]);
    assert.equal(rows[0].n, 20);
    assert.equal((await fetch(`${env.url}/dashboard`, { headers: { cookie: first } })).status, 401);
  });

  it('a lead demoted to member loses the dashboard at once', async () => {
    const { tokens, userIds } = await createTeam(env.store, [], ['Lea']);
    const cookie = cookieOf(await signIn(env.url, tokens.Lea));
    await env.store.setLead(userIds.Lea, false);
    assert.equal((await fetch(`${env.url}/dashboard`, { headers: { cookie } })).status, 403);
  });

  it('refuses cross-site sign-in and sign-out posts', async () => {
    const { tokens } = await createTeam(env.store, [], ['Lea']);
    for (const headers of [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ] as Record<string, string>[]) {
      const login = await signIn(env.url, tokens.Lea, headers);
      assert.equal(login.status, 403, JSON.stringify(headers));
      assert.equal(login.headers.get('set-cookie'), null);
    }
    const sameOrigin = await signIn(env.url, tokens.Lea, { origin: env.url, 'sec-fetch-site': 'same-origin' });
    assert.equal(sameOrigin.status, 303);
    // Behind a proxy that rewrites Host, the browser's own same-origin verdict is what counts.
    const proxied = await signIn(env.url, tokens.Lea, { origin: 'https://team.example', 'sec-fetch-site': 'same-origin' });
    assert.equal(proxied.status, 303);
    assert.equal((await signIn(env.url, tokens.Lea, { origin: env.url })).status, 303, 'an older browser sending only Origin');
    const cookie = cookieOf(sameOrigin);
    const forged = await fetch(`${env.url}/dashboard/logout`, {
      method: 'POST',
      headers: { cookie, origin: 'http://evil.example' },
      redirect: 'manual',
    });
    assert.equal(forged.status, 403);
    assert.equal((await fetch(`${env.url}/dashboard`, { headers: { cookie } })).status, 200, 'a forged sign-out leaves the session');
  });

  it('answers odd dates and odd bodies with 400 or 401, never 500 or a hang', async () => {
    const { tokens } = await createTeam(env.store, [], ['Lea']);
    const cookie = cookieOf(await signIn(env.url, tokens.Lea));
    for (const query of [
      '?to=garbage',
      '?from=garbage',
      '?from=0000-01-01&to=0000-01-01',
      '?to=2026-02-30',
      '?from=9999-12-31&to=9999-12-31',
    ]) {
      const response = await fetch(`${env.url}/dashboard${query}`, { headers: { cookie } });
      assert.equal(response.status, 400, query);
      assert.match(await response.text(), /Bad range/);
    }
    const json = await fetch(`${env.url}/dashboard/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"token":{"a":1}}',
      redirect: 'manual',
    });
    assert.equal(json.status, 401);
  });

  it('puts oversized headers (431) into the error format', async () => {
    const response = await fetch(`${env.url}/v1/budget`, { headers: { 'x-filler': 'a'.repeat(20_000) } });
    assert.equal(response.status, 431);
    assert.deepEqual(Object.keys((await response.json()) as object), ['error']);
  });
});

let clock = Date.parse('2026-04-06T12:00:00Z');
describeOnEachBackend(
  'dashboard sessions and sign-in throttling',
  (env) => {
    it('a session ends after 12 hours', async () => {
      const { tokens } = await createTeam(env.store, [], ['Lea']);
      const cookie = cookieOf(await signIn(env.url, tokens.Lea));
      clock += 11 * 3600_000;
      assert.equal((await fetch(`${env.url}/dashboard`, { headers: { cookie } })).status, 200);
      clock += 2 * 3600_000;
      assert.equal((await fetch(`${env.url}/dashboard`, { headers: { cookie } })).status, 401);
    });

    it('throttles failed sign-ins and token checks per client with 429 and Retry-After, then lets it try again', async () => {
      const { tokens } = await createTeam(env.store, [], ['Lea']);
      clock += 3600_000;
      for (let i = 0; i < 3; i++) assert.equal((await signIn(env.url, `tm_wrong${i}`)).status, 401);
      const blocked = await signIn(env.url, tokens.Lea);
      assert.equal(blocked.status, 429, 'even the right token waits');
      assert.equal(blocked.headers.get('retry-after'), '60');
      const apiBlocked = await api(env, 'GET', '/v1/budget', { token: tokens.Lea });
      assert.equal(apiBlocked.status, 429);
      assert.equal(apiBlocked.body.error.code, 'too_many_requests');
      assert.ok(Number(apiBlocked.headers.get('retry-after')) > 0);
      clock += 61_000;
      assert.equal((await api(env, 'GET', '/v1/budget', { token: tokens.Lea })).status, 200);
      for (let i = 0; i < 3; i++) assert.equal((await api(env, 'GET', '/v1/budget', { token: `tm_wrong${i}` })).status, 401);
      assert.equal((await api(env, 'GET', '/v1/budget', { token: tokens.Lea })).status, 429, 'failed API token checks count too');
      clock += 61_000;
    });
  },
  { now: () => clock, authThrottle: { maxFailures: 3, windowMs: 60_000 } },
);

describeOnEachBackend(
  'dashboard behind a trusted HTTPS proxy',
  (env) => {
    it('marks the cookie Secure when the trusted proxy says the client used HTTPS', async () => {
      const { tokens } = await createTeam(env.store, [], ['Lea']);
      const viaProxy = await signIn(env.url, tokens.Lea, { 'x-forwarded-proto': 'https' });
      assert.equal(viaProxy.status, 303);
      assert.match(viaProxy.headers.get('set-cookie') ?? '', /; Secure/);
      const plain = await signIn(env.url, tokens.Lea);
      assert.doesNotMatch(plain.headers.get('set-cookie') ?? '', /Secure/);
    });
  },
  { trustProxy: ['127.0.0.1'] },
);

describeOnEachBackend('dashboard without a trusted proxy', (env) => {
  it('ignores X-Forwarded-Proto from clients it does not trust', async () => {
    const { tokens } = await createTeam(env.store, [], ['Lea']);
    const login = await signIn(env.url, tokens.Lea, { 'x-forwarded-proto': 'https' });
    assert.equal(login.status, 303);
    assert.doesNotMatch(login.headers.get('set-cookie') ?? '', /Secure/);
  });
});
