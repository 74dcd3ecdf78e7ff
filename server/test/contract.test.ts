import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { z } from 'zod';
import { budgetSchema, dailyReportSchema, modelUsageSchema, peakHoursSchema, peakWindowSchema } from '../src/schemas';

/** docs/team-api.md and docs/openapi.yaml are what the client is written against: they must match the server. */
const DOCS = path.join(__dirname, '..', '..', 'docs');
const openapi = load(fs.readFileSync(path.join(DOCS, 'openapi.yaml'), 'utf8')) as {
  paths: Record<string, unknown>;
  components: { schemas: Record<string, { properties: Record<string, unknown>; required: string[] }> };
};
const prose = fs.readFileSync(path.join(DOCS, 'team-api.md'), 'utf8');

/** The object schema inside zod's refinements. */
function shapeOf(schema: z.ZodTypeAny): z.ZodRawShape {
  let inner: z.ZodTypeAny = schema;
  while (inner instanceof z.ZodEffects) inner = inner.innerType();
  return (inner as z.AnyZodObject).shape;
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
      assert.deepEqual([...documented.required].sort(), Object.keys(shape).filter((k) => !shape[k].isOptional()).sort());
    });
  }

  it('OpenAPI lists the v1 routes', () => {
    assert.deepEqual(Object.keys(openapi.paths).sort(), ['/healthz', '/v1/budget', '/v1/team/summary', '/v1/usage/daily/{date}']);
  });

  it("team-api.md's examples are valid for the server", () => {
    assert.equal(dailyReportSchema.safeParse(jsonBlockAfter('## `PUT /v1/usage/daily/{date}`')).success, true);
    const budget = jsonBlockAfter('## `GET /v1/budget`') as { budget: unknown; peakHours: unknown };
    assert.equal(budgetSchema.safeParse(budget.budget).success, true);
    assert.equal(peakHoursSchema.safeParse(budget.peakHours).success, true);
  });
});
