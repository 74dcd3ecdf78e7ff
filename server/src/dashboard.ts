import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dayKey, dayNumber, FIRST_DAY, todayUtc } from './days';
import { summaryQuerySchema } from './schemas';
import type { Store, TeamSummary, UsageTotals } from './store';
import type { FailureThrottle } from './throttle';

/**
 * The team-lead dashboard: server-rendered HTML, one same-origin stylesheet and script, and a CSP
 * that forbids everything else. People are listed by name with their own totals; nothing on the
 * page orders or ranks them by volume.
 */

const COOKIE = 'tm_dashboard';
/** How long a sign-in lasts; the session row and the cookie end together. */
export const SESSION_TTL_MS = 12 * 3600_000;
const DEFAULT_RANGE_DAYS = 30;
const PUBLIC_DIR = path.join(__dirname, '..', 'public');
/** Every file the dashboard serves, by name: a Map, so no inherited property name ("constructor") is ever a file. */
const ASSETS = new Map<string, { type: string; body: string }>([
  ['dashboard.css', { type: 'text/css; charset=utf-8', body: fs.readFileSync(path.join(PUBLIC_DIR, 'dashboard.css'), 'utf8') }],
  ['dashboard.js', { type: 'text/javascript; charset=utf-8', body: fs.readFileSync(path.join(PUBLIC_DIR, 'dashboard.js'), 'utf8') }],
]);

export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface DashboardOptions {
  store: Store;
  /** Shared with the API's token checks: failed sign-ins and unknown sessions count against the client. */
  throttle: FailureThrottle;
  /** Always mark the cookie Secure; without it, only requests that arrived over HTTPS (per a trusted proxy) get Secure. */
  secureCookies: boolean;
  now: () => number;
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function usd(value: number | null): string {
  if (value === null) return '–';
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function tokens(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)}B`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return String(Math.round(value));
}

function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)}%`;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    try {
      cookies.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // A cookie that is not valid percent-encoding is not ours; ignore it.
    }
  }
  return cookies;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body>${body}<script src="/dashboard/assets/dashboard.js"></script></body></html>`;
}

function loginPage(message?: string): string {
  return page(
    'Token Meter team dashboard',
    `<h1>Token Meter team dashboard</h1>
<p>Sign in with your team-lead token (from <code>npm run admin -- create-user … --lead</code>).</p>
${message ? `<p class="error">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/dashboard/login"><label>Token <input type="password" name="token" autocomplete="off" required></label>
<button type="submit">Sign in</button></form>`,
  );
}

/** Budgets count peak-weighted use in the budget's unit, as in the extension's meter. */
function spendOf(totals: UsageTotals, unit: 'usd' | 'tokens'): number {
  return unit === 'usd' ? totals.peakWeightedCostUsd : totals.peakWeightedTokens;
}

function formatSpend(value: number, unit: 'usd' | 'tokens'): string {
  return unit === 'usd' ? usd(value) : `${tokens(value)} tokens`;
}

function dailyChart(summary: TeamSummary): string {
  const { unit, daily } = summary.budget;
  const width = 760;
  const height = 180;
  const top = 10;
  const bottom = 24;
  const spends = summary.days.map((d) => spendOf(d, unit));
  const max = Math.max(daily, ...spends) * 1.1 || 1;
  const y = (v: number) => top + (height - top - bottom) * (1 - v / max);
  const slot = width / summary.days.length;
  const bars = summary.days
    .map((d, i) => {
      const spend = spends[i];
      const over = daily > 0 && spend > daily;
      const barY = y(spend);
      return `<rect class="spend${over ? ' over' : ''}" x="${(i * slot + slot * 0.1).toFixed(1)}" y="${barY.toFixed(1)}" width="${(slot * 0.8).toFixed(1)}" height="${(height - bottom - barY).toFixed(1)}"><title>${escapeHtml(d.date)}: ${escapeHtml(formatSpend(spend, unit))}${daily > 0 ? ` of ${escapeHtml(formatSpend(daily, unit))}` : ''}</title></rect>`;
    })
    .join('');
  const budgetLine =
    daily > 0
      ? `<line class="budget" x1="0" x2="${width}" y1="${y(daily).toFixed(1)}" y2="${y(daily).toFixed(1)}"><title>Daily budget ${escapeHtml(formatSpend(daily, unit))}</title></line>`
      : '';
  const labels = [summary.days[0], summary.days[summary.days.length - 1]]
    .map(
      (d, i) =>
        `<text x="${i === 0 ? 0 : width}" y="${height - 6}" text-anchor="${i === 0 ? 'start' : 'end'}">${escapeHtml(d.date)}</text>`,
    )
    .join('');
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="Team spend per day against the daily budget">${bars}${budgetLine}${labels}</svg>`;
}

export function renderDashboard(summary: TeamSummary): string {
  const { unit, daily, weekly, monthly } = summary.budget;
  const t = summary.totals;
  const overDays = daily > 0 ? summary.days.filter((d) => spendOf(d, unit) > daily).length : 0;
  const limits = [
    daily > 0 ? `daily ${formatSpend(daily, unit)}` : '',
    weekly > 0 ? `weekly ${formatSpend(weekly, unit)}` : '',
    monthly > 0 ? `monthly ${formatSpend(monthly, unit)}` : '',
  ].filter(Boolean);
  const people = summary.people
    .map(
      (
        p,
      ) => `<tr><td>${escapeHtml(p.name)}${p.isLead ? ' <span class="muted">(lead)</span>' : ''}</td><td>${usd(p.costUsd)}</td><td>${usd(p.peakWeightedCostUsd)}</td>
<td>${tokens(p.totalTokens)}</td><td>${percent(p.peakShare)}</td><td>${percent(p.cacheReadShare)}</td><td>${p.commits ?? '–'}</td><td>${usd(p.costPerCommitUsd)}</td><td>${p.reports}</td></tr>`,
    )
    .join('\n');
  return page(
    `${summary.team.name} · Token Meter`,
    `<header><h1>${escapeHtml(summary.team.name)}</h1>
<p class="muted">Team AI usage from ${escapeHtml(summary.from)} to ${escapeHtml(summary.to)}. Budget: ${limits.length > 0 ? escapeHtml(limits.join(', ')) : 'none set'} (peak-weighted).</p>
<form class="range" method="get" action="/dashboard"><label>From <input type="date" name="from" value="${escapeHtml(summary.from)}" required></label>
<label>To <input type="date" name="to" value="${escapeHtml(summary.to)}" required></label><button type="submit">Show</button>
<button type="button" data-days="7">7 days</button><button type="button" data-days="30">30 days</button><button type="button" data-days="90">90 days</button></form>
<form method="post" action="/dashboard/logout"><button type="submit">Sign out</button></form></header>
<section class="cards">
<div class="card">Cost<strong>${usd(t.costUsd)}</strong><span class="muted">${usd(t.peakWeightedCostUsd)} peak-weighted</span></div>
<div class="card">Tokens<strong>${tokens(t.totalTokens)}</strong><span class="muted">${percent(t.peakShare)} in peak hours</span></div>
<div class="card">Cache-read share of input<strong>${percent(t.cacheReadShare)}</strong><span class="muted">higher is cheaper</span></div>
<div class="card">Cost per commit<strong>${usd(t.costPerCommitUsd)}</strong><span class="muted">${t.commits === null ? 'no commits reported' : `${t.commits} commits reported`}</span></div>
<div class="card">Days over the daily budget<strong>${daily > 0 ? overDays : '–'}</strong><span class="muted">of ${summary.days.length}</span></div>
</section>
<h2>Spend per day</h2>${dailyChart(summary)}
<p class="muted">Bars: the team's peak-weighted spend per day${daily > 0 ? '; dashed line: the daily budget; red: over it' : ''}.</p>
<h2>People</h2><p class="muted">Sorted by name.</p>
<table><thead><tr><th>Name</th><th>Cost</th><th>Peak-weighted</th><th>Tokens</th><th>Peak share</th><th>Cache-read share</th><th>Commits</th><th>Cost per commit</th><th>Reports</th></tr></thead>
<tbody>${people}</tbody></table>
<p class="muted">Reports: one per editor installation and day. Cache-read share: cache reads as a share of all prompt tokens.
Cost per commit: the cost of the days that reported commits, divided by those commits.</p>`,
  );
}

/**
 * Whether a post comes from another site (sign-in CSRF, forged sign-out). A browser that sends
 * Sec-Fetch-Site has compared the origins itself, and pages cannot forge that header, so it decides
 * alone (this also holds behind a proxy that rewrites Host). Older browsers send only Origin, which
 * must then name this server. A request with neither comes from a non-browser client, which carries
 * no victim's cookies.
 */
function crossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin';
  const origin = request.headers.origin;
  return origin !== undefined && origin.toLowerCase() !== `${request.protocol}://${request.host}`.toLowerCase();
}

/** The form's `token` field; anything but a string (a JSON object, say) counts as none. */
function submittedToken(body: unknown): string {
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, 'token')) return '';
  const token = (body as { token: unknown }).token;
  return typeof token === 'string' ? token.trim() : '';
}

export function registerDashboard(app: FastifyInstance, options: DashboardOptions): void {
  const { store, throttle } = options;

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  function html(reply: FastifyReply, status: number, body: string): FastifyReply {
    return reply
      .code(status)
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Content-Security-Policy', DASHBOARD_CSP)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .header('Cache-Control', 'no-store')
      .send(body);
  }

  function throttled(reply: FastifyReply, seconds: number): FastifyReply {
    reply.header('Retry-After', String(seconds));
    return html(reply, 429, loginPage(`Too many failed sign-ins from this address; try again in ${seconds} s.`));
  }

  function cookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
    const secure = options.secureCookies || request.protocol === 'https';
    return `${COOKIE}=${encodeURIComponent(value)}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
  }

  app.get<{ Params: { file: string } }>('/dashboard/assets/:file', async (request, reply) => {
    const asset = ASSETS.get(request.params.file);
    if (!asset) return reply.code(404).send({ error: { code: 'not_found', message: 'No such asset.' } });
    return reply
      .header('Content-Type', asset.type)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'public, max-age=300')
      .send(asset.body);
  });

  app.get<{ Querystring: Record<string, string> }>(
    '/dashboard',
    async (request: FastifyRequest<{ Querystring: Record<string, string> }>, reply) => {
      const sessionId = parseCookies(request.headers.cookie).get(COOKIE);
      if (!sessionId) return html(reply, 200, loginPage());
      const wait = throttle.retryAfterSeconds(request.ip);
      if (wait > 0) return throttled(reply, wait);
      const user = await store.findUserBySession(sessionId, options.now());
      if (!user) {
        throttle.recordFailure(request.ip);
        reply.header('Set-Cookie', cookie(request, '', 0));
        return html(reply, 401, loginPage('That session is no longer valid; sign in again.'));
      }
      if (!user.isLead) return html(reply, 403, loginPage('The dashboard is for team leads; this token belongs to a member.'));
      const to = request.query.to ?? todayUtc(options.now());
      const toDay = dayNumber(to);
      // Without a valid `to` there is no default `from` to work out; the range check below names `to`.
      const from =
        request.query.from ?? (toDay === undefined ? to : dayKey(Math.max(dayNumber(FIRST_DAY)!, toDay - (DEFAULT_RANGE_DAYS - 1))));
      const range = summaryQuerySchema.safeParse({ from, to });
      if (!range.success)
        return html(
          reply,
          400,
          page(
            'Token Meter',
            `<p class="error">Bad range: ${escapeHtml(range.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '))}</p><p><a href="/dashboard">Back</a></p>`,
          ),
        );
      return html(reply, 200, renderDashboard(await store.teamSummary(user.teamId, range.data.from, range.data.to)));
    },
  );

  app.post('/dashboard/login', async (request, reply) => {
    if (crossSite(request)) return html(reply, 403, loginPage("Sign in from this dashboard's own page."));
    const token = submittedToken(request.body);
    if (!token) return html(reply, 401, loginPage('That token is not valid.'));
    const wait = throttle.retryAfterSeconds(request.ip);
    if (wait > 0) return throttled(reply, wait);
    const user = await store.findUserByToken(token);
    if (!user) {
      throttle.recordFailure(request.ip);
      return html(reply, 401, loginPage('That token is not valid.'));
    }
    if (!user.isLead) return html(reply, 403, loginPage('The dashboard is for team leads; this token belongs to a member.'));
    const sessionId = await store.createSession(user.id, options.now(), SESSION_TTL_MS);
    return reply
      .code(303)
      .header('Set-Cookie', cookie(request, sessionId, SESSION_TTL_MS / 1000))
      .header('Location', '/dashboard')
      .send();
  });

  // Browsers ask for it on every page; an empty answer keeps a 404 out of the console.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());

  app.post('/dashboard/logout', async (request, reply) => {
    if (crossSite(request)) return html(reply, 403, loginPage("Sign out from this dashboard's own page."));
    const sessionId = parseCookies(request.headers.cookie).get(COOKIE);
    if (sessionId) await store.endSession(sessionId);
    return reply
      .code(303)
      .header('Set-Cookie', cookie(request, '', 0))
      .header('Location', '/dashboard')
      .send();
  });
}
