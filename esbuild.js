// Bundles the extension host entry and the headless CLI. `--production` minifies; `--watch` rebuilds.
const esbuild = require('esbuild');
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
      },
      { ...shared, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, external: [PRICE_CATALOG] },
      // The first read of assistants' logs runs in a worker thread, off the extension host's main thread.
      { ...shared, entryPoints: ['src/capture/logs/worker.ts'], outfile: 'dist/logWorker.js', external: [PRICE_CATALOG] },
      // A long first read parses line files on one worker thread per core.
      { ...shared, entryPoints: ['src/capture/logs/parseWorker.ts'], outfile: 'dist/parseWorker.js', external: [PRICE_CATALOG] },
      // Recounting a large event log (a settings change, a lost snapshot) runs in a worker thread.
      { ...shared, entryPoints: ['src/store/recountWorker.ts'], outfile: 'dist/recountWorker.js', external: [PRICE_CATALOG] },
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
  if (production) require('node:fs').rmSync('dist', { recursive: true, force: true });
  if (watch) {
    for (const options of builds) {
      const ctx = await esbuild.context(options);
      await ctx.watch();
    }
    return;
  }
  await Promise.all(builds.map((options) => esbuild.build(options)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
