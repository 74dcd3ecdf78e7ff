#!/usr/bin/env node
// Runs every suite (unit + integration, then end-to-end in code-server) and prints one closing line
// with the real totals, `N passed, N failed`, because CI reads that line rather than mocha's summary.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const suites = [
  { name: 'unit+integration', script: 'test' },
  { name: 'e2e', script: 'test:e2e' },
  // The team server is its own package: `npm ci` in server/, then its tests (PGlite and a real Postgres).
  { name: 'server', script: 'test', dir: 'server', install: true },
];

const tallyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'token-meter-tally-')), 'tally.jsonl');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const failedToRun = [];

for (const suite of suites) {
  const cwd = path.join(__dirname, '..', suite.dir ?? '');
  console.log(`\n=== ${suite.name}: npm run ${suite.script}${suite.dir ? ` in ${suite.dir}/` : ''}\n`);
  if (suite.install && spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit', cwd }).status !== 0) {
    failedToRun.push(`${suite.name} (npm ci failed)`);
    continue;
  }
  const result = spawnSync(npm, ['run', suite.script], {
    stdio: 'inherit',
    cwd,
    env: { ...process.env, TOKEN_METER_TALLY: tallyFile, TOKEN_METER_SUITE: suite.name },
  });
  if (result.status !== 0) failedToRun.push(`${suite.name} (exit ${result.status ?? result.signal})`);
}

const tallies = fs.existsSync(tallyFile)
  ? fs
      .readFileSync(tallyFile, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
const sum = (key) => tallies.reduce((total, t) => total + t[key], 0);
console.log('');
for (const t of tallies) console.log(`${t.suite}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
for (const suite of suites) {
  if (!tallies.some((t) => t.suite === suite.name)) console.log(`${suite.name}: no tests ran (the suite stopped before its tests)`);
}
if (failedToRun.length > 0) console.log(`Suites that exited with an error: ${failedToRun.join(', ')}`);
const failed = sum('failed') + (failedToRun.length > 0 && sum('failed') === 0 ? failedToRun.length : 0);
console.log(`${sum('passed')} passed, ${failed} failed, ${sum('skipped')} skipped`);
process.exit(failedToRun.length > 0 || failed > 0 ? 1 : 0);
