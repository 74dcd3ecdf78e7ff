// Runs every benchmark (bench/*.bench.ts, or the names given) one after another in child processes,
// so one benchmark's heap and JIT state never colour another's figures. Each writes
// bench/results/<name>.json; this prints every goal those results record with its measured figure
// and "met" or "NOT MET", says where the results went, and fails if any benchmark failed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatGoal, type GoalResult } from './support/goals';

const benchDir = __dirname;
const wanted = process.argv.slice(2);
const all = fs
  .readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const selected = wanted.length > 0 ? all.filter((f) => wanted.some((w) => f.startsWith(w))) : all;
if (selected.length === 0) {
  console.error(`No benchmark matches ${wanted.join(', ')}. Available: ${all.map((f) => f.replace('.bench.ts', '')).join(', ')}`);
  process.exit(2);
}

const failed: string[] = [];
for (const file of selected) {
  console.log(`\n=== ${file}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(benchDir, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed.push(file);
}
console.log('\n=== Goals\n');
for (const file of selected) {
  const name = file.replace('.bench.ts', '');
  const resultsFile = path.join(benchDir, 'results', `${name}.json`);
  let goals: GoalResult[] | undefined;
  try {
    goals = (JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { goals?: GoalResult[] }).goals;
  } catch {
    goals = undefined;
  }
  if (failed.includes(file)) console.log(`${name}: the benchmark failed; no figures`);
  else if (!goals || goals.length === 0) console.log(`${name}: no goals (figures only)`);
  else for (const g of goals) console.log(`${name}: ${formatGoal(g)}`);
}
console.log(`\nResults: ${path.relative(process.cwd(), path.join(benchDir, 'results'))}/`);
if (failed.length > 0) {
  console.error(`Failed: ${failed.join(', ')}`);
  process.exit(1);
}
