import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/v4-mini';
import { RESOLVED_SECTIONS, resolveSettings } from '../../src/core/settings';
import { USER_ONLY_SETTINGS } from '../../src/core/settingScopes';
import { sectionOf, SETTING_KEYS, settingRange, SETTINGS, validateSettingValues, type SettingKey } from '../../src/core/settingsSchema';

type JsonSchema = Record<string, unknown>;

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, JsonSchema> } };
};
const declared = manifest.contributes.configuration.properties;

/** The keywords both sides state: a schema that says nothing about an entry's shape leaves it to its parser. */
const COMPARED = ['type', 'enum', 'minimum', 'maximum', 'minItems', 'maxItems'] as const;

function comparable(schema: JsonSchema | undefined): JsonSchema {
  const picked: JsonSchema = {};
  for (const keyword of COMPARED) if (schema?.[keyword] !== undefined) picked[keyword] = schema[keyword];
  return picked;
}

function generated(key: SettingKey): JsonSchema {
  return z.toJSONSchema(SETTINGS[key].schema) as JsonSchema;
}

describe('settings schema: the one source of defaults, ranges and types', () => {
  it('declares in package.json exactly the settings the schema has', () => {
    const inManifest = Object.keys(declared).map((key) => key.replace(/^tokenMeter\./, ''));
    assert.deepEqual([...inManifest].sort(), [...SETTING_KEYS].sort());
  });

  for (const key of SETTING_KEYS) {
    it(`tokenMeter.${key}: package.json agrees with the schema (type, default, enum, range)`, () => {
      const fromSchema = generated(key);
      const inManifest = declared[`tokenMeter.${key}`];
      assert.deepEqual(comparable(inManifest), comparable(fromSchema), 'type, enum and range');
      assert.deepEqual(inManifest.default, SETTINGS[key].default, 'default');
      const items = fromSchema.items as JsonSchema | undefined;
      if (items?.type !== undefined) assert.deepEqual(comparable(inManifest.items as JsonSchema), comparable(items), 'list entries');
    });
  }

  it('keeps each default valid under its own schema', () => {
    for (const key of SETTING_KEYS) assert.ok(SETTINGS[key].schema.safeParse(SETTINGS[key].default).success, key);
  });

  it('knows every user-only setting', () => {
    for (const key of USER_ONLY_SETTINGS) assert.ok(SETTING_KEYS.includes(key), key);
  });
});

describe('settings schema: a broken setting falls back alone, named', () => {
  it('takes defaults silently for settings that are not set', () => {
    const { values, problems } = validateSettingValues({});
    assert.deepEqual(problems, []);
    assert.equal(values['gateway.port'], 4870);
    assert.deepEqual(values['budget.warningThresholds'], [50, 80, 100]);
  });

  it('names each wrong type or out-of-range value, with what it must be and what applies instead', () => {
    const { values, problems } = validateSettingValues({
      'gateway.port': 80,
      'budget.daily': 'ten',
      'statusBar.display': 'euros',
      'peakHours.enabled': 'yes',
      'budget.warningThresholds': [],
      'hygiene.nearDuplicateSimilarity': 2,
      'budget.weekly': 70,
      'statusBar.period': 'week',
    });
    assert.deepEqual(
      problems.map((p) => p.message),
      [
        'tokenMeter.budget.daily must be a number, 0 or more (got "ten"); using 0.',
        'tokenMeter.budget.warningThresholds must be a non-empty list of numbers from 1 to 1000 (got []); using [50,80,100].',
        'tokenMeter.statusBar.display must be one of "cost", "tokens" (got "euros"); using "cost".',
        'tokenMeter.peakHours.enabled must be true or false (got "yes"); using false.',
        'tokenMeter.gateway.port must be a whole number from 1024 to 65535 (got 80); using 4870.',
        'tokenMeter.hygiene.nearDuplicateSimilarity must be a number from 0.3 to 1 (got 2); using 0.55.',
      ],
    );
    assert.equal(values['budget.weekly'], 70, 'a valid neighbour keeps its value');
    assert.equal(values['statusBar.period'], 'week');
    assert.equal(values['gateway.port'], 4870);
  });

  it('resolves the rest of the settings when some are broken, and reports each broken one', () => {
    const { settings, problems } = resolveSettings(
      {
        values: {
          'gateway.port': 'eighty',
          'budget.weekly': 70,
          'budget.daily': -1,
          'peakHours.enabled': true,
          'peakHours.multiplier': 500,
          timeZone: 'Mars/Olympus',
          'gateway.openaiUpstream': 'ftp://example.com',
          'contextGauge.warnAtPercent': 90,
        },
        sources: { 'budget.weekly': 'workspace' },
      },
      'Europe/Berlin',
    );
    assert.equal(settings.gateway.port, 4870);
    assert.equal(settings.gateway.upstreams.openai, 'https://api.openai.com');
    assert.deepEqual(settings.budget.limits, [{ period: 'week', limit: 70, source: 'workspace' }]);
    assert.equal(settings.peakEnabled, true);
    assert.equal(settings.peak.multiplierAt(Date.UTC(2026, 0, 5, 10)), 1.5, 'the default multiplier, Monday 11:00 in Berlin');
    assert.equal(settings.timeZone, 'Europe/Berlin');
    assert.equal(settings.contextGauge.warnAtPercent, 90);
    assert.equal(problems.length, 5);
    for (const [i, key] of ['budget.daily', 'peakHours.multiplier', 'gateway.port', 'timeZone', 'gateway.openaiUpstream'].entries())
      assert.ok(problems[i].startsWith(`tokenMeter.${key}`), `${problems[i]} names tokenMeter.${key}`);
  });
});

/** A valid value other than the default, from the schema alone. */
function otherValidValue(key: SettingKey): unknown {
  const fallback: unknown = SETTINGS[key].default;
  const json = z.toJSONSchema(SETTINGS[key].schema) as JsonSchema;
  if (Array.isArray(json.enum)) return (json.enum as unknown[]).find((v) => v !== fallback);
  if (typeof fallback === 'boolean') return !fallback;
  if (typeof fallback === 'string') return fallback === '' ? 'x' : '';
  if (typeof fallback === 'number') {
    const { minimum, maximum } = settingRange(key);
    return maximum !== undefined && maximum !== fallback ? maximum : (minimum ?? 0) !== fallback ? (minimum ?? 0) : fallback + 1;
  }
  return Array.isArray(fallback) ? [] : { other: {} };
}

describe('settings sections: the usage settings depend on their sections only', () => {
  it('leaves the resolved settings unchanged by any setting outside RESOLVED_SECTIONS', () => {
    const base = resolveSettings({ values: {} }, 'UTC');
    const outside = SETTING_KEYS.filter((key) => !RESOLVED_SECTIONS.includes(sectionOf(key)));
    assert.ok(outside.includes('hygiene.repeatCount') && outside.includes('team.endpoint'));
    for (const key of outside) {
      const value = otherValidValue(key);
      assert.ok(SETTINGS[key].schema.safeParse(value).success && value !== SETTINGS[key].default, `${key}: ${JSON.stringify(value)}`);
      assert.deepEqual(resolveSettings({ values: { [key]: value } }, 'UTC'), base, key);
    }
  });
});
