// Prompt-hygiene analysis cost: p99 time to analyse an 8k-token prompt once it is tokenized (goal
// ≤ 1 ms), against the tokenizer's own time for the same prompts in the same run; and near-duplicate
// lookup against 1k, 10k and 100k recent fingerprints — candidates examined and time per lookup —
// against a linear scan of the same index. Writes bench/results/hygiene.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HygieneAnalyzer } from '../src/core/hygiene/analyzer';
import { fingerprintOf, NearDuplicateIndex, similarity, type Fingerprint } from '../src/core/hygiene/nearDuplicates';
import { DEFAULT_HYGIENE_SETTINGS } from '../src/core/hygiene/settings';
import { contentWords, shingleHashes } from '../src/core/hygiene/text';
import type { PromptObservation } from '../src/core/hygiene/types';
import { goal } from './support/goals';
import { PriceBook } from '../src/core/pricing';
import { countTokens } from '../src/core/tokenizer';
import { seededRandom } from '../test/unit/hygiene/evalSet';
import { corpusDocuments } from './support/corpus';

const MODEL = 'gpt-4o';
const TARGET_TOKENS = 8000;
const PROMPTS = 400;
const ROUNDS = 3;
const random = seededRandom(20261123);

// Real text: sentences and code lines of the corpus, shuffled into prompts. The type declarations
// and changelogs repeat boilerplate by the hundred (MDN and commit links); each distinct line is
// kept once and link lines are left out, so prompts built from them differ as real prompts do.
const distinct = new Map<string, string>();
for (const d of corpusDocuments()) {
  for (const line of d.text.split(/(?<=[.!?])\s+|\n/)) {
    const s = line.trim();
    const key = contentWords(s).join(' ');
    if (s.length > 30 && s.length < 400 && !s.includes('http') && key.split(' ').length >= 6) distinct.set(key, s);
  }
}
const pieces = [...distinct.values()];
const pick = () => pieces[Math.floor(random() * pieces.length)];

function textOfTokens(tokens: number): string {
  const lines: string[] = [];
  let chars = 0;
  // ~4.4 characters a token for this mix; the mean is measured and reported below.
  while (chars < tokens * 4.4) {
    const line = pick();
    lines.push(random() < 0.15 ? `${line}\n` : line);
    chars += line.length + 1;
  }
  return lines.join('\n');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const prices = new PriceBook();
const analyzer = new HygieneAnalyzer(DEFAULT_HYGIENE_SETTINGS, {
  costUsd: (model, u) => prices.costOf({ model, ...u }),
  multiplierAt: () => 1.5,
});

// History first, so the detectors' maps and the index hold a realistic working set.
let ts = Date.UTC(2026, 10, 23, 9);
for (let i = 0; i < 2000; i++) {
  const question = `${pick()} ${pick()}`;
  analyzer.analyze(
    { source: 'bench', provider: 'openai', model: MODEL, ts: (ts += 20_000), text: question, question },
    countTokens(question, MODEL),
  );
}

// Two shapes of 8k-token prompt: an agent context with a short question, and an 8k pasted question.
function makePrompts(): Array<{ observation: PromptObservation; tokens: number }> {
  return Array.from({ length: PROMPTS }, (_, i) => {
    const pasted = i % 2 === 1;
    const body = textOfTokens(TARGET_TOKENS - 40);
    const question = pasted ? `${pick()}\n\n${body}` : pick();
    const text = pasted ? question : `${body}\n\n${question}`;
    return { observation: { source: 'bench', provider: 'openai', model: MODEL, ts: 0, text, question, maxOutputTokens: 8192 }, tokens: 0 };
  });
}

// Warm-up on prompts of the same shapes, so the timings below are of compiled code.
for (let i = 0; i < 40; i++) {
  const text = textOfTokens(TARGET_TOKENS);
  analyzer.analyze(
    { source: 'warm-up', provider: 'openai', model: MODEL, ts: (ts += 15_000), text, question: i % 2 ? text : pick() },
    TARGET_TOKENS,
  );
}

// The machine is shared, so the p99 is taken in ROUNDS rounds of fresh prompts and the median
// round is reported (every round's figure is kept in the results).
const rounds: Array<{ p50: number; p99: number; max: number; tokenizeP50: number; meanTokens: number }> = [];
for (let round = 0; round < ROUNDS; round++) {
  const prompts = makePrompts();
  const tokenizeMs: number[] = [];
  for (const p of prompts) {
    const start = performance.now();
    p.tokens = countTokens(p.observation.text!, MODEL);
    tokenizeMs.push(performance.now() - start);
  }
  const analyzeMs: number[] = [];
  for (const p of prompts) {
    p.observation.ts = ts += 15_000;
    const start = performance.now();
    analyzer.analyze(p.observation, p.tokens);
    analyzeMs.push(performance.now() - start);
  }
  analyzeMs.sort((a, b) => a - b);
  tokenizeMs.sort((a, b) => a - b);
  rounds.push({
    p50: Number(percentile(analyzeMs, 0.5).toFixed(3)),
    p99: Number(percentile(analyzeMs, 0.99).toFixed(3)),
    max: Number(analyzeMs[analyzeMs.length - 1].toFixed(3)),
    tokenizeP50: Number(percentile(tokenizeMs, 0.5).toFixed(3)),
    meanTokens: Math.round(prompts.reduce((sum, p) => sum + p.tokens, 0) / prompts.length),
  });
}
const median = [...rounds].sort((a, b) => a.p99 - b.p99)[Math.floor(ROUNDS / 2)];
const analysis = {
  promptsPerRound: PROMPTS,
  rounds,
  meanPromptTokens: median.meanTokens,
  analyzeP50Ms: median.p50,
  analyzeP99Ms: median.p99,
  tokenizeP50Ms: median.tokenizeP50,
  analysisShareOfTokenizing: Number((median.p50 / median.tokenizeP50).toFixed(3)),
  goalP99Ms: 1,
  meetsGoal: median.p99 <= 1,
};
console.log(`Analysis of ${ROUNDS} × ${PROMPTS} prompts of ~${analysis.meanPromptTokens} tokens (after tokenization), median round:`);
console.log(
  `  p50 ${analysis.analyzeP50Ms} ms, p99 ${analysis.analyzeP99Ms} ms (goal ≤ 1 ms); rounds' p99: ${rounds.map((r) => r.p99).join(', ')} ms`,
);
console.log(`  tokenizing the same prompts: p50 ${analysis.tokenizeP50Ms} ms — analysis is ${analysis.analysisShareOfTokenizing}× that`);

// Near-duplicate lookup at growing index sizes. Prompts here are 30 words drawn from the corpus
// vocabulary with their real (Zipf-like) frequencies, so common words collide as they do in real
// prompts, while no two prompts are built from the same lines.
const frequency = new Map<string, number>();
for (const piece of pieces) for (const w of piece.toLowerCase().match(/[a-z]{2,}/g) ?? []) frequency.set(w, (frequency.get(w) ?? 0) + 1);
const vocabulary = [...frequency.entries()].sort((a, b) => b[1] - a[1]);
const cumulative: number[] = [];
let sum = 0;
for (const [, n] of vocabulary) cumulative.push((sum += n));
function word(): string {
  const target = random() * sum;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return vocabulary[lo][0];
}
const syntheticPrompt = () => Array.from({ length: 30 }, word);
const fingerprint = (ws: string[]): Fingerprint => fingerprintOf(shingleHashes(contentWords(ws.join(' '))));
const lookups: Record<string, unknown> = {};
const LOOKUPS = 500;
for (const size of [1000, 10_000, 100_000]) {
  const index = new NearDuplicateIndex(size);
  const all: Fingerprint[] = [];
  const texts: string[][] = [];
  for (let i = 0; i < size; i++) {
    const ws = syntheticPrompt();
    if (i < LOOKUPS) texts.push(ws);
    const f = fingerprint(ws);
    all.push(f);
    index.add(f, i, i);
  }
  // Half the probes are new prompts, half are indexed ones with one word in ten replaced.
  const probes = Array.from({ length: LOOKUPS }, (_, i) => {
    if (i % 2 === 0) return fingerprint(syntheticPrompt());
    const ws = [...texts[i]];
    for (let k = 0; k < 3; k++) ws[Math.floor(random() * ws.length)] = word();
    return fingerprint(ws);
  });
  const threshold = DEFAULT_HYGIENE_SETTINGS.nearDuplicateSimilarity;
  let candidates = 0;
  let found = 0;
  let start = performance.now();
  for (const probe of probes) {
    found += index.lookup(probe, threshold, 0).length > 0 ? 1 : 0;
    candidates += index.lastCandidates;
  }
  const lshUs = ((performance.now() - start) / LOOKUPS) * 1000;
  let scanFound = 0;
  start = performance.now();
  for (const probe of probes) scanFound += all.some((f) => similarity(probe, f) >= threshold) ? 1 : 0;
  const scanUs = ((performance.now() - start) / LOOKUPS) * 1000;
  lookups[size] = {
    candidatesPerLookup: Number((candidates / LOOKUPS).toFixed(1)),
    shareExamined: Number((candidates / LOOKUPS / size).toFixed(5)),
    lshMicrosPerLookup: Number(lshUs.toFixed(1)),
    linearScanMicrosPerLookup: Number(scanUs.toFixed(1)),
    speedupVsScan: Number((scanUs / lshUs).toFixed(1)),
    editedRepeatsFound: found,
    foundByLinearScan: scanFound,
  };
  console.log(
    `Index of ${size}: ${(candidates / LOOKUPS).toFixed(1)} candidates per lookup, ${lshUs.toFixed(1)} µs (linear scan ${scanUs.toFixed(1)} µs, ${(scanUs / lshUs).toFixed(1)}×); matches found ${found}/${LOOKUPS} (linear scan ${scanFound})`,
  );
}

const goals = [goal('prompt-hygiene analysis of an 8k-token prompt, p99 (median round)', analysis.analyzeP99Ms, 'at most', 1, ' ms')];
const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  loadAverage1m: os.loadavg()[0],
  analysis,
  nearDuplicateLookup: lookups,
  goals,
};
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'hygiene.json'), JSON.stringify(results, null, 2) + '\n');
