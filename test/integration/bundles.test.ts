import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

// Checks the development build (`npm run build`, whose source maps name every file a bundle holds).
const root = path.join(__dirname, '..', '..');
const { LAZY_BUNDLES, SHARED_MODULES } = require(path.join(root, 'esbuild.js')) as {
  LAZY_BUNDLES: Record<string, string>;
  SHARED_MODULES: string[];
};

/** The repository-relative source files a built bundle holds, from its source map. */
function sourcesOf(bundle: string): string[] {
  const map = JSON.parse(fs.readFileSync(path.join(root, 'dist', `${bundle}.js.map`), 'utf8')) as { sources: string[] };
  return map.sources.map((source) =>
    path
      .relative(root, path.resolve(root, 'dist', source))
      .split(path.sep)
      .join('/'),
  );
}

describe('bundles: what activation loads, and what loads on first use', () => {
  const extension = sourcesOf('extension');
  const extensionCode = fs.readFileSync(path.join(root, 'dist', 'extension.js'), 'utf8');

  for (const [name, entry] of Object.entries(LAZY_BUNDLES)) {
    it(`dist/extension.js leaves ${entry} to dist/${name}.js, loaded where it is first required`, () => {
      assert.ok(!extension.includes(entry), `dist/extension.js holds ${entry}`);
      assert.ok(sourcesOf(name).includes(entry), `dist/${name}.js does not hold ${entry}`);
      assert.ok(extensionCode.includes(`require("./${name}.js")`), `dist/extension.js never requires ./${name}.js`);
    });

    it(`dist/${name}.js carries no copy of a shared module: it takes the extension's own`, () => {
      const copies = sourcesOf(name).filter((source) => SHARED_MODULES.includes(source));
      assert.deepEqual(copies, [], `dist/${name}.js holds its own ${copies.join(', ')}`);
    });
  }

  it('dist/extension.js holds every shared module and hands each out by its path (src/sharedModules.ts)', () => {
    const registry = fs.readFileSync(path.join(root, 'src', 'sharedModules.ts'), 'utf8');
    for (const file of SHARED_MODULES) {
      assert.ok(extension.includes(file), `dist/extension.js does not hold ${file}`);
      assert.ok(registry.includes(`'${file}'`), `src/sharedModules.ts does not export ${file}`);
    }
  });
});
