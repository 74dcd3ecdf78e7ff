import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const manifestText = fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8');
const english = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, unknown>;

/** The fields VS Code shows people: they must come from package.nls.json so they can be translated. */
const SHOWN_FIELDS = new Set([
  'displayName',
  'description',
  'markdownDescription',
  'title',
  'category',
  'enumDescriptions',
  'markdownEnumDescriptions',
  'deprecationMessage',
  'markdownDeprecationMessage',
  'altText',
]);

function* shownStrings(value: unknown, field = ''): Generator<{ field: string; text: string }> {
  if (typeof value === 'string') {
    if (SHOWN_FIELDS.has(field)) yield { field, text: value };
  } else if (Array.isArray(value)) {
    for (const item of value) yield* shownStrings(item, field);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) yield* shownStrings(item, key);
  }
}

describe('manifest strings (package.nls.json, English as the base)', () => {
  const manifest = JSON.parse(manifestText) as { displayName: string; description: string; contributes: unknown; capabilities: unknown };

  it('names every string people see by a key, never inline', () => {
    const inline = [
      ...shownStrings({ displayName: manifest.displayName, description: manifest.description }),
      ...shownStrings(manifest.contributes),
    ]
      .filter((s) => !/^%[^%]+%$/.test(s.text))
      .map((s) => `${s.field}: ${s.text.slice(0, 60)}`);
    assert.deepEqual(inline, []);
  });

  it('has English text for every key the manifest uses, and no key it does not', () => {
    const used = new Set([...manifestText.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1]));
    const missing = [...used].filter((key) => typeof english[key] !== 'string' || (english[key] as string).trim() === '');
    assert.deepEqual(missing, [], 'keys without English text');
    assert.deepEqual(
      Object.keys(english).filter((key) => !used.has(key)),
      [],
      'keys nothing uses',
    );
  });
});
