import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { budgetAnswerSchema, dailyReportSchema } from '../../server/src/protocol';
import { Rollups } from '../../src/core/rollups';
import { dailyTotals } from '../../src/sync/dailyReport';
import { parseTeamBudgetResponse, TeamApiError, TeamClient } from '../../src/sync/teamClient';
import { testContext, usageEvent } from '../support/events';

/** An answer as the server makes it for GET /v1/budget (server/src/app.ts). */
function budgetAnswer() {
  return {
    team: { id: 'web', name: 'Web team' },
    user: { id: 'ada', name: 'Ada', isLead: false },
    budget: { unit: 'usd', daily: 25, weekly: 0, monthly: 400, weekStart: 'monday' },
    peakHours: {
      enabled: true,
      timeZone: 'Europe/Berlin',
      windows: [{ days: ['mon', 'fri'], start: '09:00', end: '18:00', multiplier: 2 }],
      multiplier: 1.5,
    },
    updatedAt: '2026-11-23T10:00:00Z',
  };
}

function malformedFields(value: unknown): string {
  try {
    parseTeamBudgetResponse(value);
  } catch (error) {
    assert.ok(error instanceof TeamApiError);
    assert.equal(error.kind, 'retry', "the endpoint's fault: try again later");
    return /malformed \(([^)]*)\)/.exec(error.message)?.[1] ?? error.message;
  }
  return 'accepted';
}

/** A client whose endpoint answers every request with `body` (status 200, JSON). */
function clientAnswering(body: unknown): TeamClient {
  return new TeamClient('https://team.example', 'tm_token', async () =>
    Response.json(body, { status: 200, headers: { 'content-type': 'application/json' } }),
  );
}

describe('team protocol: one schema for the server and the client', () => {
  it("accepts the server's budget answer, and fields a newer server adds", () => {
    assert.deepEqual(parseTeamBudgetResponse(budgetAnswer()), budgetAnswer());
    const newer = { ...budgetAnswer(), budget: { ...budgetAnswer().budget, yearly: 1000 }, motd: 'hi' };
    assert.equal(malformedFields(newer), 'accepted');
  });

  it('refuses a budget answer the server could never have sent, naming the part that is wrong', () => {
    const answer = budgetAnswer();
    assert.equal(malformedFields({ ...answer, budget: { ...answer.budget, weekStart: 'friday' } }), 'budget');
    assert.equal(malformedFields({ ...answer, budget: { ...answer.budget, daily: -5 } }), 'budget');
    assert.equal(malformedFields({ ...answer, budget: { ...answer.budget, unit: 'eur' } }), 'budget');
    const badWindow = { ...answer.peakHours, windows: [{ days: ['mon'], start: '25:00', end: '18:00' }] };
    assert.equal(malformedFields({ ...answer, peakHours: badWindow }), 'peakHours');
    assert.equal(malformedFields({ ...answer, peakHours: { ...answer.peakHours, timeZone: 'Mars/Base' } }), 'peakHours');
    assert.equal(malformedFields({ ...answer, peakHours: { ...answer.peakHours, multiplier: 0 } }), 'peakHours');
    assert.equal(malformedFields({ ...answer, user: { ...answer.user, isLead: 'no' } }), 'user');
    assert.equal(malformedFields([answer]), 'the whole answer');
  });

  it("reads a daily report's answer with the schema and refuses one that is not it", async () => {
    const report = { clientId: 'c1', revision: 1, extensionVersion: '0.1.0', ...dailyTotals([]) };
    assert.deepEqual(
      await clientAnswering({ date: '2026-11-23', clientId: 'c1', applied: true, revision: 1 }).putDaily('2026-11-23', report),
      {
        applied: true,
        revision: 1,
      },
    );
    await assert.rejects(clientAnswering({ ok: true }).putDaily('2026-11-23', report), (error: unknown) => {
      assert.ok(error instanceof TeamApiError);
      assert.equal(error.kind, 'retry');
      assert.match(error.message, /answer to a daily report is malformed \(applied, revision\); the day is sent again later/);
      return true;
    });
  });

  it("the client's report of a real day passes the server's schema", () => {
    const rollups = new Rollups(testContext());
    const ts = Date.UTC(2026, 10, 23, 12);
    rollups.add(usageEvent({ ts, model: 'claude-sonnet-4-5', inputTokens: 1200, outputTokens: 300, cacheWriteTokens: 50 }));
    rollups.add(usageEvent({ ts, source: 'gateway', provider: 'openai', model: 'gpt-4o', inputTokens: 900, outputTokens: 40 }));
    const report = {
      clientId: 'install-1',
      revision: 3,
      extensionVersion: '0.1.0',
      ...dailyTotals(rollups.rows({ fromDay: '2026-11-23', toDay: '2026-11-23' }), { repeatedContext: 2 }, 4),
    };
    const parsed = dailyReportSchema.safeParse(report);
    assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
    assert.equal(parsed.data.byModel.length, 2);
  });

  it('the extension and the server use the same zod, so the bundled schema is the one the server runs', () => {
    const locked = (lockfile: string) =>
      (JSON.parse(fs.readFileSync(lockfile, 'utf8')) as { packages: Record<string, { version?: string }> }).packages['node_modules/zod']
        ?.version;
    const root = path.join(__dirname, '..', '..');
    const extension = locked(path.join(root, 'package-lock.json'));
    assert.ok(extension, 'zod is a dependency of the extension');
    assert.equal(locked(path.join(root, 'server', 'package-lock.json')), extension);
    assert.equal(budgetAnswerSchema.safeParse(budgetAnswer()).success, true);
  });
});
