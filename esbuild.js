// Bundles the extension host entry and the headless CLI. `--production` minifies; `--watch` rebuilds.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // The team protocol (server/src/protocol.ts) imports zod too; with server/'s packages installed it
  // would resolve there and the bundle would carry two copies. One copy: the root's.
  alias: { zod: path.join(__dirname, 'node_modules', 'zod') },
};

/**
 * Code not needed to draw the status bar, each its own file in dist/, loaded where the extension
 * first uses it: the `require` of the module (inside the function that first needs it) becomes
 * `require('./<name>.js')` in dist/extension.js. Importing one of these statically is a build error.
 */
const LAZY_BUNDLES = {
  dashboard: 'src/ui/dashboard/dashboardPanel.ts',
  hygiene: 'src/core/hygiene/analyzer.ts',
  teamSync: 'src/sync/syncService.ts',
  gateway: 'src/capture/gateway/runner.ts',
  chat: 'src/capture/lm/send.ts',
  logScanner: 'src/capture/logs/scanner.ts',
  liveCapture: 'src/capture/logs/liveCapture.ts',
};
/**
 * Modules whose state must exist once in the extension host (the settings service, the active price
 * catalog and its price book, the named local time zone, the tokenizers' tables), and the settings'
 * schema (zod, built once): a lazily loaded bundle takes them from dist/extension.js (its
 * `sharedModules` export, src/sharedModules.ts) rather than carrying a copy of its own.
 */
const SHARED_MODULES = [
  'src/ui/config.ts',
  'src/core/priceCatalog.ts',
  'src/core/pricing.ts',
  'src/core/time.ts',
  'src/core/tokenizer/index.ts',
  'src/core/settingsSchema.ts',
];

/** The repository-relative source file a relative import names, or undefined when it is not one of ours. */
function sourceFileOf(args) {
  if (!args.path.startsWith('.')) return undefined;
  const base = path.resolve(args.resolveDir, args.path);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate)) return path.relative(__dirname, candidate).split(path.sep).join('/');
  }
  return undefined;
}

const lazyBundleOf = new Map(Object.entries(LAZY_BUNDLES).map(([name, file]) => [file, name]));

/** In dist/extension.js, each lazily loaded module is a require of its own file. */
const loadLazyBundles = {
  name: 'lazy-bundles',
  setup(build) {
    build.onResolve({ filter: /^\./ }, (args) => {
      const name = lazyBundleOf.get(sourceFileOf(args));
      if (!name) return undefined;
      if (args.kind !== 'require-call')
        return { errors: [{ text: `${args.path} is loaded on first use (dist/${name}.js): require() it where it is first needed` }] };
      return { path: `./${name}.js`, external: true };
    });
  },
};

/** In a lazily loaded bundle, each shared module is the extension bundle's own instance. */
const useSharedModules = {
  name: 'shared-modules',
  setup(build) {
    const registry = fs.readFileSync(path.join(__dirname, 'src/sharedModules.ts'), 'utf8');
    build.onResolve({ filter: /^\./ }, (args) => {
      if (args.namespace === 'shared-module') return { path: args.path, external: true };
      const file = sourceFileOf(args);
      if (!SHARED_MODULES.includes(file)) return undefined;
      if (!registry.includes(`'${file}'`)) return { errors: [{ text: `${file} is shared but src/sharedModules.ts does not export it` }] };
      return { path: file, namespace: 'shared-module' };
    });
    build.onLoad({ filter: /.*/, namespace: 'shared-module' }, (args) => ({
      contents: `module.exports = require('./extension.js').sharedModules[${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
  },
};

const desktopTests = process.argv.includes('--desktop-tests');
/** Loaded at run time from dist/genaiPrices.js (see src/core/priceCatalog.ts), never bundled twice. */
const PRICE_CATALOG = '@pydantic/genai-prices';

const builds = desktopTests
  ? [
      {
        ...shared,
        entryPoints: ['test/desktop/runTest.ts', 'test/desktop/suite/index.ts', 'test/desktop/suite/extension.desktop.ts'],
        outdir: 'out/desktop',
        outbase: 'test/desktop',
        external: ['vscode', 'mocha', '@vscode/test-electron'],
      },
    ]
  : [
      // The banner notes when the bundle starts loading, for the activation log line (src/extension.ts).
      // It repeats "use strict" first: a banner before esbuild's own directive would leave the bundle in sloppy mode.
      {
        ...shared,
        entryPoints: ['src/extension.ts'],
        outfile: 'dist/extension.js',
        external: ['vscode', PRICE_CATALOG],
        banner: { js: '"use strict";var __tokenMeterLoadStart = performance.now();' },
        plugins: [loadLazyBundles],
      },
      ...Object.entries(LAZY_BUNDLES).map(([name, file]) => ({
        ...shared,
        entryPoints: [file],
        outfile: `dist/${name}.js`,
        external: ['vscode', PRICE_CATALOG],
        plugins: [useSharedModules],
      })),
      { ...shared, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, external: [PRICE_CATALOG] },
      // The first read of assistants' logs runs in a worker thread, off the extension host's main thread.
      { ...shared, entryPoints: ['src/capture/logs/worker.ts'], outfile: 'dist/logWorker.js', external: [PRICE_CATALOG] },
      // A long first read parses line files on one worker thread per core.
      { ...shared, entryPoints: ['src/capture/logs/parseWorker.ts'], outfile: 'dist/parseWorker.js', external: [PRICE_CATALOG] },
      // Recounting a large event log (a settings change, a lost snapshot) runs in a worker thread.
      { ...shared, entryPoints: ['src/store/recountWorker.ts'], outfile: 'dist/recountWorker.js', external: [PRICE_CATALOG] },
      // A long read of the event log (that recount, the CLI's first report) is decoded on a worker thread while its reader counts.
      { ...shared, entryPoints: ['src/store/decodeWorker.ts'], outfile: 'dist/decodeWorker.js' },
      // The price catalog (library and bundled data) is its own file, loaded on the first price lookup.
      { ...shared, entryPoints: ['src/core/priceCatalogLibrary.ts'], outfile: 'dist/genaiPrices.js' },
      // The OpenTelemetry SDK is loaded only when a collector is configured.
      { ...shared, entryPoints: ['src/sync/otelExport.ts'], outfile: 'dist/otel.js' },
      // Each tokenizer encoding is its own file, loaded on first count rather than at activation.
      {
        ...shared,
        entryPoints: ['src/core/tokenizer/encodings/o200k_base.ts', 'src/core/tokenizer/encodings/cl100k_base.ts'],
        outdir: 'dist/encodings',
      },
      // The dashboard webview: script and stylesheet (uPlot bundled in), loaded from media/dist.
      { ...shared, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['media/src/dashboard.ts'], outdir: 'media/dist' },
    ];

async function main() {
  // A production build starts clean so no stale source maps or bundles end up in the .vsix.
  if (production) fs.rmSync('dist', { recursive: true, force: true });
  if (watch) {
    for (const options of builds) {
      const ctx = await esbuild.context(options);
      await ctx.watch();
    }
    return;
  }
  await Promise.all(builds.map((options) => esbuild.build(options)));
}

// The bundle layout, for the test that checks the built files keep to it (test/integration/bundles.test.ts).
module.exports = { LAZY_BUNDLES, SHARED_MODULES };

if (require.main === module)
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
