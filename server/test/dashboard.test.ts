import * as assert from 'node:assert/strict';
import { DASHBOARD_CSP } from '../src/dashboard';
import { api, createTeam, describeOnEachBackend, report } from './support/backends';

const DAY = '2026-04-06';

async function signIn(url: string, token: string): Promise<Response> {
  return fetch(`${url}/dashboard/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
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
    await api(env, 'PUT', `/v1/usage/daily/${DAY}`, { token: tokens.Zoe, body: report({ peakWeightedCostUsd: 5, commits: 2 }, [{ costUsd: 4 }]) });
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
    for (const [file, type] of [['dashboard.js', 'text/javascript'], ['dashboard.css', 'text/css']]) {
      const response = await fetch(`${env.url}/dashboard/assets/${file}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', new RegExp(type));
    }
    assert.equal((await fetch(`${env.url}/dashboard/assets/../package.json`)).status, 404);
  });
});
