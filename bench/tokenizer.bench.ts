// Tokenizer throughput on a ≥ 2 MB code + prose corpus, against tiktoken in the same run
// (goal ≥ 2.5×, identical counts), and incremental conversation counting against a full recount
// after every turn (goal ≥ 20×). Writes bench/results/tokenizer.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { get_encoding } from 'tiktoken';
import { getEncoding } from 'js-tiktoken';
import { ConversationCounter, createTokenizer, type ChatMessageLike, type EncodingName } from '../src/core/tokenizer';
import { buildCorpus, corpusDocuments } from './support/corpus';
import { goal } from './support/goals';

const RUNS = 5;
const corpus = buildCorpus(2 * 1024 * 1024);
const megabytes = Buffer.byteLength(corpus) / 1024 / 1024;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

interface Contender<T> {
  /** Runs untimed before each timed call (fresh caches for a fair cold pass). */
  prepare: () => T;
  run: (state: T) => number;
}

/**
 * Median time of RUNS calls of each contender. The rounds alternate the contenders, so a machine
 * whose load changes during the benchmark slows them alike and their ratios hold.
 */
function measureAll(contenders: Record<string, Contender<any>>): Record<string, { ms: number; count: number }> {
  const names = Object.keys(contenders);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const counts: Record<string, number> = {};
  for (const name of names) contenders[name].run(contenders[name].prepare()); // warm-up: JIT and one-off initialisation
  for (let i = 0; i < RUNS; i++) {
    for (const name of names) {
      const state = contenders[name].prepare();
      const start = performance.now();
      counts[name] = contenders[name].run(state);
      times[name].push(performance.now() - start);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { ms: median(times[n]), count: counts[n] }]));
}

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  corpusMB: Number(megabytes.toFixed(2)),
  runs: RUNS,
  encodings: {},
};

for (const encoding of ['o200k_base', 'cl100k_base'] as const satisfies readonly EncodingName[]) {
  const tiktoken = get_encoding(encoding);
  const jsTiktoken = getEncoding(encoding);
  const gpt = require(`gpt-tokenizer/cjs/encoding/${encoding}`) as { countTokens(t: string, o: object): number; clearMergeCache(): void };
  const rows = measureAll({
    tiktoken: { prepare: () => undefined, run: () => tiktoken.encode_ordinary(corpus).length },
    'js-tiktoken': { prepare: () => undefined, run: () => jsTiktoken.encode(corpus, [], []).length },
    'gpt-tokenizer': { prepare: () => gpt.clearMergeCache(), run: () => gpt.countTokens(corpus, { disallowedSpecial: new Set() }) },
    'token-meter (cold caches)': {
      prepare: () => createTokenizer(encoding),
      run: (t: ReturnType<typeof createTokenizer>) => t.count(corpus),
    },
  });
  tiktoken.free();
  const base = rows.tiktoken;
  const table: Record<string, unknown> = {};
  console.log(`\n${encoding}: ${megabytes.toFixed(2)} MB, median of ${RUNS}`);
  for (const [name, r] of Object.entries(rows)) {
    const mbPerS = megabytes / (r.ms / 1000);
    const ratio = base.ms / r.ms;
    const same = r.count === base.count;
    table[name] = {
      ms: Number(r.ms.toFixed(1)),
      mbPerS: Number(mbPerS.toFixed(2)),
      vsTiktoken: Number(ratio.toFixed(2)),
      tokens: r.count,
      identicalToTiktoken: same,
    };
    console.log(
      `  ${name.padEnd(34)} ${r.ms.toFixed(0).padStart(6)} ms  ${mbPerS.toFixed(2).padStart(6)} MB/s  ${ratio.toFixed(2).padStart(5)}× tiktoken  ${r.count} tokens${same ? '' : '  ≠ tiktoken!'}`,
    );
  }
  (results.encodings as Record<string, unknown>)[encoding] = table;
}

// A 200-turn conversation made of real corpus text, counted after every turn.
const docs = corpusDocuments().filter((d) => d.text.length > 2000);
const messages: ChatMessageLike[] = [];
for (let i = 0; i < 200; i++) {
  const doc = docs[i % docs.length];
  const offset = (i * 7919) % Math.max(1, doc.text.length - 3000);
  messages.push({ role: i % 2 ? 'assistant' : 'user', content: doc.text.slice(offset, offset + 3000) });
}
function conversation(countTurn: (turn: ChatMessageLike[]) => number): { ms: number; total: number } {
  const start = performance.now();
  let total = 0;
  for (let turn = 1; turn <= messages.length; turn++) total = countTurn(messages.slice(0, turn));
  return { ms: performance.now() - start, total };
}
const incremental = (() => {
  const counter = new ConversationCounter(createTokenizer('o200k_base'));
  return conversation((m) => counter.count(m));
})();
const recountCached = (() => {
  const tokenizer = createTokenizer('o200k_base');
  return conversation((m) => new ConversationCounter(tokenizer).count(m));
})();
const recountUncached = conversation((m) => new ConversationCounter(createTokenizer('o200k_base')).count(m));
results.conversation = {
  turns: messages.length,
  finalPromptTokens: incremental.total,
  incrementalMs: Number(incremental.ms.toFixed(1)),
  fullRecountSharedCacheMs: Number(recountCached.ms.toFixed(1)),
  fullRecountColdMs: Number(recountUncached.ms.toFixed(1)),
  speedupVsRecountSharedCache: Number((recountCached.ms / incremental.ms).toFixed(1)),
  speedupVsRecountCold: Number((recountUncached.ms / incremental.ms).toFixed(1)),
  identicalTotals: incremental.total === recountCached.total && incremental.total === recountUncached.total,
};
console.log(`\nConversation of ${messages.length} turns, counted after every turn (${incremental.total} prompt tokens at the end):`);
console.log(`  incremental                     ${incremental.ms.toFixed(0).padStart(6)} ms`);
console.log(
  `  full recount, shared cache      ${recountCached.ms.toFixed(0).padStart(6)} ms  (${(recountCached.ms / incremental.ms).toFixed(1)}× slower)`,
);
console.log(
  `  full recount, cold tokenizer    ${recountUncached.ms.toFixed(0).padStart(6)} ms  (${(recountUncached.ms / incremental.ms).toFixed(1)}× slower)`,
);

// Goal (issue 18): each encoding at least 2.5× tiktoken's speed, with identical counts (a differing count fails the goal).
const ours = (encoding: EncodingName) =>
  (results.encodings as Record<string, Record<string, { vsTiktoken: number; identicalToTiktoken: boolean }>>)[encoding][
    'token-meter (cold caches)'
  ];
results.goals = (['cl100k_base', 'o200k_base'] as const).map((encoding) =>
  goal(
    `tokenizer ${encoding}: speed vs tiktoken, identical counts`,
    ours(encoding).identicalToTiktoken ? ours(encoding).vsTiktoken : 0,
    'at least',
    2.5,
    '×',
  ),
);
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'results', 'tokenizer.json'), JSON.stringify(results, null, 2) + '\n');
