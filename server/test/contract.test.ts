import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import type * as z from 'zod/v4-mini';
import { ERROR_CODES } from '../src/app';
import { FIRST_DAY, LAST_DAY } from '../src/days';
import {
  budgetSchema,
  dailyReportSchema,
  MAX_COST_PER_LINE_USD,
  MAX_COUNT_PER_LINE,
  MAX_LISTED_ISSUES,
  modelUsageSchema,
  peakHoursSchema,
  peakWindowSchema,
} from '../src/schemas';

/** docs/team-api.md and docs/openapi.yaml are what the client is written against: they must match the server. */
const DOCS = path.join(__dirname, '..', '..', 'docs');
const openapi = load(fs.readFileSync(path.join(DOCS, 'openapi.yaml'), 'utf8')) as {
  paths: Record<string, unknown>;
  components: { schemas: Record<string, { properties: Record<string, any>; required: string[]; maximum?: number; description?: string }> };
};
const prose = fs.readFileSync(path.join(DOCS, 'team-api.md'), 'utf8');

/** An object schema's fields (its checks, such as refinements, sit on the same schema in zod 4). */
function shapeOf(schema: z.ZodMiniObject): Readonly<Record<string, z.core.$ZodType>> {
  return schema.shape;
}

function jsonBlockAfter(heading: string): unknown {
  const section = prose.slice(prose.indexOf(heading));
  const block = /```json\n([\s\S]*?)```/.exec(section);
  assert.ok(block, `a JSON example after "${heading}"`);
  return JSON.parse(block[1]);
}

describe('protocol documents', () => {
  for (const [name, schema] of [
    ['DailyReport', dailyReportSchema],
    ['ModelUsage', modelUsageSchema],
    ['PeakWindow', peakWindowSchema],
    ['PeakHours', peakHoursSchema],
    ['Budget', budgetSchema],
  ] as const) {
    it(`OpenAPI ${name} has the server's fields and required list`, () => {
      const documented = openapi.components.schemas[name];
      const shape = shapeOf(schema);
      assert.deepEqual(Object.keys(documented.properties).sort(), Object.keys(shape).sort());
      assert.deepEqual(
        [...documented.required].sort(),
        Object.keys(shape)
          .filter((k) => shape[k]._zod.optin !== 'optional')
          .sort(),
      );
    });
  }

  it("OpenAPI and team-api.md state the server's error codes and bounds", () => {
    const { schemas } = openapi.components;
    assert.deepEqual([...schemas.Error.properties.error.properties.code.enum].sort(), [...ERROR_CODES].sort());
    for (const code of ERROR_CODES) assert.ok(prose.includes(`\`${code}\``), `team-api.md names ${code}`);
    assert.equal(schemas.Error.properties.error.properties.details.maxItems, MAX_LISTED_ISSUES);
    assert.equal(schemas.LineCount.maximum, MAX_COUNT_PER_LINE);
    assert.equal(schemas.LineUsd.maximum, MAX_COST_PER_LINE_USD);
    assert.ok(schemas.Day.description?.includes(`${FIRST_DAY} to ${LAST_DAY}`));
    assert.ok(prose.includes(`${FIRST_DAY} to ${LAST_DAY}`), 'team-api.md states the range of days');
  });

  it('OpenAPI lists the v1 routes', () => {
    assert.deepEqual(Object.keys(openapi.paths).sort(), ['/healthz', '/v1/budget', '/v1/team/summary', '/v1/usage/daily/{date}']);
  });

  it("GET /v1/budget's example reads cleanly through the extension's own settings parsers", () => {
    // Loaded by path at run time: server/ typechecks on its own, and the client will call these very functions.
    const core = path.join(__dirname, '..', '..', 'src', 'core');
    const { parsePeakSchedule } = require(path.join(core, 'peak')) as {
      parsePeakSchedule(
        raw: Record<string, unknown>,
        settingPrefix: string,
        fallbackZone: string,
      ): { schedule: { describe(): string }; problems: string[] };
    };
    const { parseBudget } = require(path.join(core, 'budget')) as {
      parseBudget(raw: Record<string, unknown>): { budget: { limits: { period: string; limit: number }[] }; problems: string[] };
    };
    const example = jsonBlockAfter('## `GET /v1/budget`') as {
      budget: Record<string, unknown>;
      peakHours: { timeZone: string; windows: unknown; multiplier: number };
    };
    const peak = parsePeakSchedule(example.peakHours, 'team.peakHours', 'UTC');
    assert.deepEqual(peak.problems, []);
    assert.equal(peak.schedule.describe(), 'Mon–Fri 09:00–18:00, Fri 22:00–02:00 ×2 (Europe/Berlin)');
    const budget = parseBudget(example.budget);
    assert.deepEqual(budget.problems, []);
    assert.deepEqual(
      budget.budget.limits.map((l) => [l.period, l.limit]),
      [
        ['day', 25],
        ['month', 400],
      ],
    );
  });

  it('accepts the 1-hour part of cache writes, never more than the writes', () => {
    const report = jsonBlockAfter('## `PUT /v1/usage/daily/{date}`') as { byModel: Array<Record<string, number>> };
    assert.equal(report.byModel[0].cacheWrite1hTokens, 30000, 'the example shows the field');
    report.byModel[0].cacheWrite1hTokens = report.byModel[0].cacheWriteTokens + 1;
    const refused = dailyReportSchema.safeParse(report);
    assert.equal(refused.success, false);
    assert.match(JSON.stringify(refused.error?.issues), /cannot exceed/);
    delete (report.byModel[0] as Partial<Record<string, number>>).cacheWrite1hTokens;
    assert.equal(dailyReportSchema.safeParse(report).success, true, 'and it stays optional');
  });

  it("team-api.md's examples are valid for the server", () => {
    assert.equal(dailyReportSchema.safeParse(jsonBlockAfter('## `PUT /v1/usage/daily/{date}`')).success, true);
    const budget = jsonBlockAfter('## `GET /v1/budget`') as { budget: unknown; peakHours: unknown };
    assert.equal(budgetSchema.safeParse(budget.budget).success, true);
    assert.equal(peakHoursSchema.safeParse(budget.peakHours).success, true);
  });
});
