// Packaging figures for the Foundation issue: the .vsix size (goal < 3 MB), what is inside it, and
// how long loading the bundled extension module takes compared with loading an empty module in the
// same process (the part of activation that the bundle's size decides). Activation inside a real
// VS Code is measured by the e2e suite from the extension's own log line.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Module from 'node:module';

const root = path.resolve(__dirname, '..');
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model };

const vsix = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tm-vsix-')), 'token-meter.vsix');
execFileSync(path.join(root, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '--out', vsix], { cwd: root, stdio: 'pipe' });
const listing = execFileSync(path.join(root, 'node_modules/.bin/vsce'), ['ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
  .trim()
  .split('\n');
results.vsixBytes = fs.statSync(vsix).size;
results.vsixFiles = listing;
results.bundleBytes = {
  'dist/extension.js': fs.statSync(path.join(root, 'dist/extension.js')).size,
  'dist/cli.js': fs.statSync(path.join(root, 'dist/cli.js')).size,
};

// The bundle requires 'vscode' at load time only for types and constructors it touches lazily;
// an empty stand-in module is enough to evaluate it.
const originalResolve = (Module as unknown as { _resolveFilename: (...args: unknown[]) => string })._resolveFilename;
const emptyModule = path.join(os.tmpdir(), `tm-empty-${process.pid}.js`);
fs.writeFileSync(emptyModule, 'module.exports = {};\n');
(Module as unknown as { _resolveFilename: (...args: unknown[]) => string })._resolveFilename = function (request: unknown, ...rest: unknown[]) {
  if (request === 'vscode') return emptyModule;
  return originalResolve.call(this, request, ...rest);
};

function timeRequire(file: string, runs: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    delete require.cache[require.resolve(file)];
    const start = process.hrtime.bigint();
    require(file);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples.sort((a, b) => a - b);
}

const runs = 30;
const baseline = timeRequire(emptyModule, runs);
const bundle = timeRequire(path.join(root, 'dist/extension.js'), runs);
const median = (xs: number[]) => xs[Math.floor(xs.length / 2)];
results.moduleLoadMs = { extensionMedian: median(bundle), emptyModuleMedian: median(baseline), ratio: median(bundle) / Math.max(median(baseline), 1e-3) };
fs.rmSync(emptyModule);

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;
console.log(`VSIX size:            ${mb(results.vsixBytes as number)} (goal < 3 MB)`);
console.log(`dist/extension.js:    ${mb((results.bundleBytes as Record<string, number>)['dist/extension.js'])}`);
console.log(`dist/cli.js:          ${mb((results.bundleBytes as Record<string, number>)['dist/cli.js'])}`);
console.log(`Files in .vsix:       ${listing.join(', ')}`);
console.log(`Module load (median of ${runs}): ${median(bundle).toFixed(2)} ms vs empty module ${median(baseline).toFixed(3)} ms`);
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench/results/extension.json'), JSON.stringify(results, null, 2) + '\n');
