/**
 * A generated, labelled evaluation set for the prompt-hygiene detectors. Deterministic (seeded),
 * so figures are reproducible; rich enough that a detector cannot pass by matching a template:
 * questions are composed from per-topic pools, so unrelated questions on the same topic share
 * much of their vocabulary, and repeats come as exact copies, typo fixes, reorderings,
 * paraphrases and edits of different sizes.
 */

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Gen {
  readonly random: () => number;
  constructor(seed: number) {
    this.random = seededRandom(seed);
  }
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
}

interface Topic {
  lang: string[];
  verbs: string[];
  objects: string[];
  conditions: string[];
  attempts: string[];
  failures: string[];
}

const TOPICS: Topic[] = [
  {
    lang: ['Python', 'a Python script', 'my Django app', 'a Jupyter notebook'],
    verbs: ['sort', 'deduplicate', 'filter', 'reverse', 'merge', 'flatten', 'group', 'serialize'],
    objects: [
      'a list of dicts',
      'nested lists',
      'a pandas DataFrame',
      'two dictionaries',
      'a generator of tuples',
      'a set of dataclasses',
      'rows from a CSV file',
    ],
    conditions: [
      'the keys can be missing',
      'it has millions of rows',
      'order must be preserved',
      'values contain None',
      'it runs inside an async task',
      'memory is tight',
    ],
    attempts: [
      'sorted() with a lambda',
      'a for loop with a temporary list',
      'itertools.groupby',
      'a dict comprehension',
      'json.dumps with default=str',
    ],
    failures: ['raises a TypeError', 'is far too slow', 'loses the original order', 'returns an empty result', 'uses gigabytes of memory'],
  },
  {
    lang: ['TypeScript', 'a Node.js service', 'my React component', 'an Express handler'],
    verbs: ['debounce', 'type', 'memoize', 'cancel', 'retry', 'stream', 'validate', 'cache'],
    objects: [
      'a fetch request',
      'a generic function',
      'a discriminated union',
      'an event emitter',
      'a JSON payload',
      'a websocket message',
      'a form state object',
    ],
    conditions: [
      'the component re-renders often',
      'strict mode is on',
      'the payload comes from an untrusted client',
      'requests overlap',
      'it must work in the browser and in Node',
    ],
    attempts: ['useEffect with a cleanup', 'an AbortController', 'zod schemas', 'a Map keyed by id', 'setTimeout in a closure'],
    failures: ['never fires', 'leaks memory', 'gives a type error about never', 'fires twice', 'throws in production only'],
  },
  {
    lang: ['PostgreSQL', 'a Postgres 16 database', 'my SQL migration', 'a psql session'],
    verbs: ['index', 'partition', 'paginate', 'aggregate', 'upsert', 'lock', 'vacuum', 'join'],
    objects: [
      'a table of events',
      'a JSONB column',
      'time series rows',
      'a many-to-many relation',
      'a materialized view',
      'orders and customers',
    ],
    conditions: [
      'the table has 200 million rows',
      'writes must not block',
      'the query runs every second',
      'it is inside a transaction',
      'replicas lag behind',
    ],
    attempts: ['a GIN index', 'OFFSET and LIMIT', 'ON CONFLICT DO UPDATE', 'a CTE', 'SELECT FOR UPDATE SKIP LOCKED'],
    failures: ['does a sequential scan', 'deadlocks under load', 'takes minutes', 'returns duplicates', 'bloats the table'],
  },
  {
    lang: ['Kubernetes', 'a Helm chart', 'my cluster', 'a kind cluster'],
    verbs: ['scale', 'roll back', 'expose', 'schedule', 'debug', 'restart', 'limit', 'mount'],
    objects: ['a deployment', 'a stateful set', 'a cron job', 'an ingress', 'a persistent volume', 'a sidecar container'],
    conditions: [
      'the pods are in CrashLoopBackOff',
      'nodes run out of memory',
      'the image is private',
      'traffic spikes at night',
      'it uses a service mesh',
    ],
    attempts: ['kubectl rollout undo', 'a horizontal pod autoscaler', 'resource limits', 'a readiness probe', 'node affinity rules'],
    failures: ['is ignored', 'keeps restarting', 'times out', 'gives a permission error', 'schedules on the wrong node'],
  },
  {
    lang: ['Rust', 'a Tokio service', 'my Rust crate', 'a no_std firmware'],
    verbs: ['share', 'borrow', 'parse', 'spawn', 'serialize', 'clone', 'box', 'iterate over'],
    objects: [
      'a struct with lifetimes',
      'a mutable reference',
      'a trait object',
      'a vector of strings',
      'an Arc of a Mutex',
      'a byte buffer',
    ],
    conditions: [
      'it crosses await points',
      'the borrow checker complains',
      'it must be Send',
      'performance matters',
      'no allocation is allowed',
    ],
    attempts: ['Rc<RefCell<_>>', 'cloning everything', 'a scoped thread', 'serde derive', 'an explicit lifetime'],
    failures: ['does not compile', 'panics at runtime', 'is slower than Python', 'deadlocks', 'copies too much'],
  },
  {
    lang: ['Git', 'a monorepo', 'my feature branch', 'GitHub Actions'],
    verbs: ['rebase', 'squash', 'revert', 'cherry-pick', 'bisect', 'split', 'sign', 'cache'],
    objects: ['the last three commits', 'a merge commit', 'a large binary file', 'a submodule', 'the CI build', 'a release tag'],
    conditions: [
      'the branch is already pushed',
      'others work on it too',
      'history must stay linear',
      'the repository is huge',
      'the runner is self-hosted',
    ],
    attempts: ['git rebase -i', 'git filter-repo', 'git reset --hard', 'actions/cache', 'git lfs migrate'],
    failures: ['conflicts on every commit', 'loses my changes', 'takes an hour', 'fails with a detached HEAD', 'keeps the file in history'],
  },
];

const OPENERS = [
  'How do I',
  'How can I',
  'What is the best way to',
  'Can you show me how to',
  'Is there a clean way to',
  'What is the right way to',
];
const SYNONYMS: Record<string, string[]> = {
  'How do I': ['How can I', 'What is the way to', 'Show me how to'],
  tried: ['attempted', 'used', 'went with'],
  'but it': ['however it', 'yet it', 'and it still'],
  when: ['if', 'given that'],
  in: ['inside', 'within'],
  'Any idea why?': ['Why does this happen?', 'What am I missing?', 'What is going on?'],
};

export interface Question {
  topic: number;
  text: string;
  /** Identity of the underlying request: variants of one question share it. */
  id: string;
}

export function baseQuestion(g: Gen, topicIndex = g.int(TOPICS.length), same?: { object: string; lang: string }): Question {
  const t = TOPICS[topicIndex];
  const verb = g.pick(t.verbs);
  const object = same?.object ?? g.pick(t.objects);
  const lang = same?.lang ?? g.pick(t.lang);
  const condition = g.pick(t.conditions);
  const attempt = g.pick(t.attempts);
  const failure = g.pick(t.failures);
  const sentences = [`${g.pick(OPENERS)} ${verb} ${object} in ${lang} when ${condition}?`, `I tried ${attempt} but it ${failure}.`];
  if (g.chance(0.5))
    sentences.push(
      g.pick(['Any idea why?', 'A short example would help.', 'I am on the latest version.', 'This is for a production system.']),
    );
  return { topic: topicIndex, text: sentences.join(' '), id: `${topicIndex}:${verb}:${object}:${lang}:${condition}:${attempt}:${failure}` };
}

/** Kinds of variant, each labelled: is it the same request again? */
export const VARIANTS = {
  exact: true,
  whitespaceCase: true,
  typo: true,
  smallEdit: true,
  reorder: true,
  paraphrase: true,
  largeEdit: false,
  sameTopicUnrelated: false,
  /** A different question about the same thing in the same language: the hardest negative. */
  sameSubjectOtherQuestion: false,
} as const;
export type VariantKind = keyof typeof VARIANTS;

function sentencesOf(text: string): string[] {
  return text.match(/[^.?!]+[.?!]/g)?.map((s) => s.trim()) ?? [text];
}

function replaceWords(g: Gen, text: string, share: number): string {
  const pool = [
    'widget',
    'thing',
    'legacy',
    'config',
    'module',
    'quickly',
    'backend',
    'daily',
    'tenant',
    'batch',
    'remote',
    'staging',
    'shared',
    'cluster',
    'fallback',
    'layer',
  ];
  const ws = text.split(' ');
  const count = Math.max(1, Math.round(ws.length * share));
  for (let i = 0; i < count; i++) ws[g.int(ws.length)] = g.pick(pool);
  return ws.join(' ');
}

export function variant(g: Gen, base: Question, kind: VariantKind): Question {
  switch (kind) {
    case 'exact':
      return base;
    case 'whitespaceCase':
      return { ...base, text: `  ${base.text.toLowerCase().replace(/ /g, g.chance(0.5) ? '  ' : ' \n')}` };
    case 'typo': {
      const ws = base.text.split(' ');
      const i = 1 + g.int(ws.length - 1);
      ws[i] = ws[i].length > 3 ? ws[i].slice(0, 1) + ws[i].slice(2, 3) + ws[i].slice(1, 2) + ws[i].slice(3) : ws[i];
      return { ...base, text: ws.join(' ') };
    }
    case 'smallEdit':
      return {
        ...base,
        text: g.chance(0.5)
          ? replaceWords(g, base.text, 0.08)
          : `${base.text} ${g.pick(['Thanks!', 'Please be brief.', 'Still stuck.', 'Any help appreciated.'])}`,
      };
    case 'reorder': {
      const s = sentencesOf(base.text);
      return { ...base, text: [...s.slice(1), s[0]].join(' ') };
    }
    case 'paraphrase': {
      let text = base.text;
      let changed = 0;
      for (const [from, tos] of Object.entries(SYNONYMS)) {
        if (text.includes(from) && g.chance(0.8)) {
          text = text.replace(from, g.pick(tos));
          changed++;
        }
      }
      for (const opener of OPENERS) if (text.startsWith(opener)) text = text.replace(opener, g.pick(OPENERS.filter((o) => o !== opener)));
      return { ...base, text: changed === 0 ? `${text} Could you explain?` : text };
    }
    case 'largeEdit':
      return { ...base, id: `${base.id}:edited`, text: replaceWords(g, base.text, 0.5) };
    case 'sameTopicUnrelated':
    case 'sameSubjectOtherQuestion': {
      const [, verb, object, lang, condition] = base.id.split(':');
      for (;;) {
        const other = baseQuestion(g, base.topic, kind === 'sameSubjectOtherQuestion' ? { object, lang } : undefined);
        const [, otherVerb, , , otherCondition] = other.id.split(':');
        // Another question asks for something else: another action under other circumstances.
        if (otherVerb !== verb && otherCondition !== condition) return other;
      }
    }
  }
}

/** A realistic pasted file: code lines made of topic words, distinct per seed. */
export function pastedFile(g: Gen, lines: number): string {
  const names = ['user', 'order', 'event', 'cache', 'config', 'session', 'token', 'report', 'invoice', 'queue'];
  const out: string[] = ['```ts'];
  for (let i = 0; i < lines; i++) {
    const a = g.pick(names);
    const b = g.pick(names);
    out.push(
      g.chance(0.2)
        ? ''
        : `  const ${a}${i} = await load${b[0].toUpperCase()}${b.slice(1)}(${a}Id, { limit: ${g.int(500)}, retry: ${g.chance(0.5)} }); // ${g.pick(names)} ${g.int(1e6)}`,
    );
  }
  out.push('```');
  return out.join('\n');
}

/** A realistic agent context: system prompt, tool definitions, file contents and tool results. */
export function agentContext(g: Gen, files: number, linesPerFile: number): string {
  const parts = [
    'You are a coding agent working in a TypeScript repository. Use the tools to read and edit files. Keep answers short and run the tests after each change.',
  ];
  parts.push(
    JSON.stringify({
      tools: ['read_file', 'write_file', 'run_tests', 'grep'].map((name) => ({
        name,
        description: `The ${name} tool.`,
        input_schema: { type: 'object', properties: { path: { type: 'string' } } },
      })),
    }),
  );
  for (let i = 0; i < files; i++) parts.push(`Contents of src/module${i}.ts:\n${pastedFile(g, linesPerFile)}`);
  return parts.join('\n\n');
}

export const FILLER_SENTENCES = [
  'I hope this message finds you well and that you are having a wonderful day today.',
  'Thank you so much in advance for your help with this, I really appreciate it.',
  'I would really appreciate it if you could take your time and think about this carefully.',
  'It is very important that you answer accurately and do not make anything up.',
  'Please make sure to follow every single instruction in this message exactly as written.',
  'As I mentioned before, this is really important to me and to my team.',
];
