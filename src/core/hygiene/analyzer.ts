import { formatDuration, formatPercent, formatTokens } from '../format';
import { fingerprintOf, NearDuplicateIndex } from './nearDuplicates';
import type { HygieneSettings } from './settings';
import {
  contentWords,
  fnv1a,
  headAndTail,
  mix32,
  normalise,
  normalisedHash,
  paragraphs,
  shingleHashes,
  words,
  type Paragraph,
} from './text';
import type { HygieneFinding, HygieneKind, PromptObservation, SuggestedFix } from './types';

/**
 * The prompt-hygiene detectors. One analyzer holds the recent history every detector compares
 * against — fingerprints, hashes and counts, never text — and turns each prompt into zero or more
 * findings. Pure: time comes from the observation, prices from the injected `Pricing`.
 */

export interface Pricing {
  /** List-price cost of the given usage of a model, or null when its price is unknown. */
  costUsd(
    model: string,
    usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number },
  ): number | null;
  /** The peak multiplier in force at an instant (1 outside peak hours). */
  multiplierAt(ts: number): number;
}

/** Questions shorter than this (in content words) — "continue", "try again" — are not compared. */
const MIN_QUESTION_WORDS = 4;
/** Recent question fingerprints kept for near-duplicate lookup. */
const INDEX_CAPACITY = 10_000;
const SAMPLES_PER_MODEL = 100;
const MIN_SAMPLES = 20;
/** Blocks shorter than these are not "pasted" content or "context". */
const PASTE_MIN_CHARS = 400;
const CONTEXT_MIN_CHARS = 200;
const PASTE_WINDOW_MS = 60 * 60_000;
const MAX_TRACKED_HASHES = 200_000;
/** Characters from each end of a question judged for repeats and filler. */
const QUESTION_SAMPLE_CHARS = 1500;
/** Tokens per character of real prompts range from ~0.2 (English prose) to ~0.5 (dense code, CJK). */
const MIN_TOKENS_PER_CHAR = 0.1;
const MAX_TOKENS_PER_CHAR = 0.7;

/** Punctuation of code, not of prose; unchanged by lower-casing and spacing. */
const CODE_CHARACTER = /[{}();=<>]/;

/** Phrases that cost tokens and tell the model nothing it acts on. */
const FILLER = new RegExp(
  [
    // Courtesy sentences: the whole sentence carries nothing to act on.
    'i hope (?:this|you|that)[^.!?\\n]*',
    'thank(?:s| you)(?: so much| very much| a lot)?(?: in advance)?(?: for [^.!?\\n]*)?',
    'i would (?:really |greatly )?(?:appreciate|be grateful)[^.!?\\n]*',
    'as (?:i )?(?:mentioned|said) (?:before|above|earlier)[^.!?\\n]*',
    // Lead-ins: only the phrase itself is filler, the instruction after it is content.
    'i was wondering if',
    '(?:could|can|would) you (?:please |kindly )?(?:be so kind as to |possibly )',
    'as an ai(?: language)? model',
    'it is (?:very |extremely |really )?important (?:that|to)',
    "(?:please )?(?:make sure|be sure|remember|do not forget|don't forget) to",
    'take a deep breath',
    'i need you to',
    'your (?:task|job) is to',
    'please note that',
  ].join('|'),
  'gi',
);

interface RequestRecord {
  ts: number;
  errored: boolean;
  tokens: number;
}

export class HygieneAnalyzer {
  private readonly questions = new NearDuplicateIndex(INDEX_CAPACITY);
  /** Exact question keys already reported as repeated, so a run of repeats is one finding. */
  private readonly reportedRepeats = new Map<number, number>();
  /** By whole-request hash: recent sends of that exact request, for retry storms. */
  private readonly requests = new Map<number, RequestRecord[]>();
  private readonly samples = new Map<string, number[]>();
  private readonly pastedBlocks = new Map<number, number>();
  private readonly contextBlocks = new Map<string, Map<number, number>>();
  private readonly loops = new Map<string, Array<{ ts: number; resent: number }>>();

  constructor(
    private settings: HygieneSettings,
    private readonly pricing: Pricing,
  ) {}

  updateSettings(settings: HygieneSettings): void {
    this.settings = settings;
  }

  /** Findings for one prompt whose token count is known (`promptTokens`: counted by the caller). */
  analyze(observation: PromptObservation, promptTokens: number): HygieneFinding[] {
    const text = observation.text ?? observation.messages?.map((m) => m.content).join('\n') ?? '';
    const question = observation.question ?? lastUserTurn(observation);
    const sample = question === undefined ? undefined : headAndTail(question, QUESTION_SAMPLE_CHARS);
    // Parts of the prompt are priced by their share of its characters; the ratio is clamped to what
    // real text has, in case the reported count covers what the text does not (images, caching).
    const tokensPerChar = text.length > 0 ? Math.min(MAX_TOKENS_PER_CHAR, Math.max(MIN_TOKENS_PER_CHAR, promptTokens / text.length)) : 0;
    // One pass over the whole prompt serves the context, re-paste and retry detectors.
    const blocks = paragraphs(text, CONTEXT_MIN_CHARS);
    const context: DetectorContext = { observation, promptTokens, text, question, tokensPerChar, blocks, findings: [] };
    const on = this.settings.detectors;
    if (on.retryStorm) this.detectRetryStorm(context);
    if (on.repeatedPrompt && sample) this.detectRepeat(context, sample);
    if (on.verbosePrompt) this.detectVerbose(context);
    if (on.resentPaste && question) this.detectResentPaste(context, question);
    if (on.filler && sample) this.detectFiller(context, sample);
    if (on.contextLoop) this.detectContextLoop(context);
    if (on.outputBudget) this.detectOutputBudget(context);
    this.prune(observation.ts);
    return context.findings;
  }

  private finding(
    c: DetectorContext,
    kind: HygieneKind,
    evidence: string,
    tokens: number,
    costUsd: number | null,
    saving: { tokens: number; usd: number | null; fix: SuggestedFix },
  ): void {
    const o = c.observation;
    const f: HygieneFinding = {
      kind,
      ts: o.ts,
      source: o.source,
      provider: o.provider,
      model: o.model,
      evidence,
      tokens,
      costUsd,
      multiplier: this.pricing.multiplierAt(o.ts),
      saving,
    };
    if (c.question) f.fingerprint = `q_${mix32(normalisedHash(headAndTail(c.question, QUESTION_SAMPLE_CHARS))).toString(16)}`;
    c.findings.push(f);
  }

  /** Cost of `input` prompt tokens and `output` output tokens at the peak multiplier in force. */
  private cost(c: DetectorContext, input: number, output = 0): number | null {
    const usd = this.pricing.costUsd(c.observation.model, {
      inputTokens: input,
      outputTokens: output,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
    return usd === null ? null : usd * this.pricing.multiplierAt(c.observation.ts);
  }

  /** What this whole request cost, as reported when the API answered, else its prompt estimate. */
  private requestCost(c: DetectorContext): { tokens: number; usd: number | null } {
    const u = c.observation.usage;
    if (!u) return { tokens: c.promptTokens, usd: this.cost(c, c.promptTokens) };
    const usd = this.pricing.costUsd(c.observation.model, u);
    return {
      tokens: u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens + u.outputTokens,
      usd: usd === null ? null : usd * this.pricing.multiplierAt(c.observation.ts),
    };
  }

  private detectRetryStorm(c: DetectorContext): void {
    const o = c.observation;
    // The same request again: same model, length, beginning, end and blocks (cheaper than hashing it all).
    let key = fnv1a(headAndTail(c.text, 500), fnv1a(o.model)) ^ c.text.length;
    for (const b of c.blocks) key = mix32(key ^ b.hash);
    const since = o.ts - this.settings.retryWindowMs;
    const history = (this.requests.get(key) ?? []).filter((r) => r.ts >= since);
    history.push({ ts: o.ts, errored: o.error !== undefined, tokens: c.promptTokens });
    touch(this.requests, key, history);
    const failedBefore = history.slice(0, -1).filter((r) => r.errored).length;
    // One finding when the run reaches the count, not one per further retry.
    if (failedBefore + 1 !== this.settings.retryCount) return;
    const tokens = history.reduce((sum, r) => sum + r.tokens, 0);
    const wasted = tokens - c.promptTokens;
    this.finding(
      c,
      'retryStorm',
      `The same request was sent ${history.length} times within ${formatDuration(this.settings.retryWindowMs)} after ${failedBefore} failures${o.error ? ` (last: ${o.error})` : ''}.`,
      tokens,
      this.cost(c, tokens),
      { tokens: wasted, usd: this.cost(c, wasted), fix: 'back-off' },
    );
  }

  private detectRepeat(c: DetectorContext, question: string): void {
    const seq = contentWords(question);
    if (seq.length < MIN_QUESTION_WORDS) return;
    const o = c.observation;
    const exactKey = mix32(normalisedHash(question));
    const fingerprint = fingerprintOf(shingleHashes(seq));
    const matches = this.questions.lookup(fingerprint, this.settings.nearDuplicateSimilarity, o.ts - this.settings.repeatWindowMs);
    this.questions.add(fingerprint, o.ts, exactKey);
    if (matches.length + 1 < this.settings.repeatCount) return;
    const since = o.ts - this.settings.repeatWindowMs;
    if (matches.some((m) => (this.reportedRepeats.get(m.key) ?? -Infinity) >= since)) return;
    for (const m of matches) touch(this.reportedRepeats, m.key, o.ts);
    touch(this.reportedRepeats, exactKey, o.ts);
    const exact = matches.filter((m) => m.key === exactKey).length;
    const near = matches.length - exact;
    const least = Math.min(...matches.map((m) => m.similarity));
    const how =
      near === 0
        ? 'word for word'
        : exact === 0
          ? `reworded (at least ${formatPercent(least)} alike)`
          : `${exact} word for word, ${near} reworded (at least ${formatPercent(least)} alike)`;
    const spent = this.requestCost(c);
    this.finding(
      c,
      'repeatedPrompt',
      `The same question was asked ${matches.length + 1} times within ${formatDuration(this.settings.repeatWindowMs)}, ${how}.`,
      spent.tokens,
      spent.usd,
      {
        tokens: spent.tokens,
        usd: spent.usd,
        fix: 'reuse-answer',
      },
    );
  }

  private detectVerbose(c: DetectorContext): void {
    const o = c.observation;
    const key = `${o.source}\u0000${o.model}`;
    const samples = this.samples.get(key) ?? [];
    const usual = samples.length >= MIN_SAMPLES ? median(samples) : undefined;
    samples.push(c.promptTokens);
    if (samples.length > SAMPLES_PER_MODEL) samples.shift();
    this.samples.set(key, samples);
    if (usual === undefined || c.promptTokens < this.settings.verboseMinTokens || c.promptTokens < this.settings.verboseFactor * usual)
      return;
    const excess = c.promptTokens - Math.round(usual);
    // A long conversation grows behind a short question; a long question is pasted material.
    const historyHeavy = c.question !== undefined && c.question.length * c.tokensPerChar < c.promptTokens / 4;
    this.finding(
      c,
      'verbosePrompt',
      `This prompt is ${formatTokens(c.promptTokens)} tokens, ${(c.promptTokens / Math.max(1, usual)).toFixed(1)}× your usual ${formatTokens(Math.round(usual))} for ${o.model} through ${o.source}.`,
      c.promptTokens,
      this.cost(c, c.promptTokens),
      { tokens: excess, usd: this.cost(c, excess), fix: historyHeavy ? 'fresh-conversation' : 'trim-context' },
    );
  }

  private detectResentPaste(c: DetectorContext, question: string): void {
    const ts = c.observation.ts;
    let resentChars = 0;
    let blocks = 0;
    for (const p of questionBlocks(c, question)) {
      const seen = this.pastedBlocks.get(p.hash);
      if (seen !== undefined && seen >= ts - PASTE_WINDOW_MS) {
        resentChars += p.chars;
        blocks++;
      }
      touch(this.pastedBlocks, p.hash, ts);
    }
    const tokens = Math.round(resentChars * questionTokensPerChar(c, question));
    if (tokens < this.settings.resentPasteMinTokens) return;
    this.finding(
      c,
      'resentPaste',
      `${blocks} pasted block${blocks === 1 ? '' : 's'} (about ${formatTokens(tokens)} tokens) already sent in a question within the last hour, sent again.`,
      tokens,
      this.cost(c, tokens),
      {
        tokens,
        usd: this.cost(c, tokens),
        fix: 'trim-context',
      },
    );
  }

  private detectFiller(c: DetectorContext, question: string): void {
    let fillerChars = 0;
    for (const match of question.matchAll(FILLER)) fillerChars += match[0].length;
    // An instruction repeated word for word adds tokens, not emphasis the model needs.
    const seen = new Set<string>();
    for (const sentence of question.split(/[.!?\n]+/)) {
      // Code repeats lines by nature; only prose sentences count (told apart before normalising them).
      if (CODE_CHARACTER.test(sentence)) continue;
      const s = normalise(sentence);
      if (s.length < 20) continue;
      if (seen.has(s)) fillerChars += sentence.length;
      else seen.add(s);
    }
    const tokens = Math.round(fillerChars * questionTokensPerChar(c, question));
    if (tokens < this.settings.fillerMinTokens) return;
    this.finding(
      c,
      'filler',
      `About ${formatTokens(tokens)} tokens of the question are courtesy phrases, boilerplate or instructions repeated word for word.`,
      tokens,
      this.cost(c, tokens),
      {
        tokens,
        usd: this.cost(c, tokens),
        fix: 'trim-filler',
      },
    );
  }

  private detectContextLoop(c: DetectorContext): void {
    const o = c.observation;
    const since = o.ts - this.settings.contextLoopWindowMs;
    let seen = this.contextBlocks.get(o.source);
    if (!seen) this.contextBlocks.set(o.source, (seen = new Map()));
    let resentChars = 0;
    for (const p of c.blocks) {
      const last = seen.get(p.hash);
      if (last !== undefined && last >= since) resentChars += p.chars;
      touch(seen, p.hash, o.ts);
    }
    const resent = Math.round(resentChars * c.tokensPerChar);
    if (resent < this.settings.contextLoopMinTokens) return;
    const loop = (this.loops.get(o.source) ?? []).filter((r) => r.ts >= since);
    loop.push({ ts: o.ts, resent });
    this.loops.set(o.source, loop);
    if (loop.length < this.settings.contextLoopRequests) return;
    // The run is reported once; a new run has to build up again.
    this.loops.set(o.source, []);
    const total = loop.reduce((sum, r) => sum + r.resent, 0);
    this.finding(
      c,
      'contextLoop',
      `${loop.length} requests within ${formatDuration(this.settings.contextLoopWindowMs)} each re-sent at least ${formatTokens(Math.min(...loop.map((r) => r.resent)))} tokens of the same context (${formatTokens(total)} in all).`,
      total,
      this.cost(c, total),
      { tokens: resent, usd: this.cost(c, resent), fix: 'fresh-conversation' },
    );
  }

  private detectOutputBudget(c: DetectorContext): void {
    const budget = c.observation.maxOutputTokens;
    if (
      budget === undefined ||
      budget < this.settings.outputBudgetMinTokens ||
      c.promptTokens > this.settings.outputBudgetSmallPromptTokens
    )
      return;
    // What a runaway answer could cost beyond a budget sized like the request.
    const sensible = Math.max(4096, c.promptTokens * 4);
    const atRisk = budget - sensible;
    this.finding(
      c,
      'outputBudget',
      `An output budget of ${formatTokens(budget)} tokens on a ${formatTokens(c.promptTokens)}-token request; up to ${formatTokens(atRisk)} more output tokens than a ${formatTokens(sensible)} budget allows.`,
      budget,
      this.cost(c, 0, budget),
      {
        tokens: atRisk,
        usd: this.cost(c, 0, atRisk),
        fix: 'lower-output-budget',
      },
    );
  }

  /**
   * Forgets what is older than every window, and the least recently seen beyond a size cap, so
   * memory stays bounded in a long session. Maps are kept in recency order (see `touch`), so this
   * only ever visits what it deletes.
   */
  private prune(now: number): void {
    const horizon =
      now - Math.max(this.settings.repeatWindowMs, this.settings.retryWindowMs, this.settings.contextLoopWindowMs, PASTE_WINDOW_MS);
    forgetOld(this.requests, (v) => v[v.length - 1].ts < horizon, MAX_TRACKED_HASHES / 10);
    forgetOld(this.reportedRepeats, (ts) => ts < horizon, MAX_TRACKED_HASHES / 10);
    forgetOld(this.pastedBlocks, (ts) => ts < horizon, MAX_TRACKED_HASHES);
    for (const seen of this.contextBlocks.values()) forgetOld(seen, (ts) => ts < horizon, MAX_TRACKED_HASHES);
  }
}

/** Sets a key as the most recently seen (Map iteration follows insertion order). */
function touch<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
}

/** Deletes from the least recently seen end while entries are stale or the map is over its cap. */
function forgetOld<K, V>(map: Map<K, V>, stale: (value: V) => boolean, cap: number): void {
  for (const [key, value] of map) {
    if (map.size <= cap && !stale(value)) return;
    map.delete(key);
  }
}

interface DetectorContext {
  observation: PromptObservation;
  promptTokens: number;
  text: string;
  question: string | undefined;
  tokensPerChar: number;
  /** The prompt's blocks of at least CONTEXT_MIN_CHARS. */
  blocks: Paragraph[];
  findings: HygieneFinding[];
}

/** The question's pasted-size blocks: found within the prompt's blocks when the text contains it. */
function questionBlocks(c: DetectorContext, question: string): Paragraph[] {
  const at = c.text.lastIndexOf(question);
  if (at < 0) return paragraphs(question, PASTE_MIN_CHARS);
  const end = at + question.length;
  return c.blocks.filter((b) => b.chars >= PASTE_MIN_CHARS && b.start >= at && b.start + b.chars <= end);
}

function lastUserTurn(o: PromptObservation): string | undefined {
  const last = o.messages?.at(-1);
  return last?.role === 'user' ? last.content : undefined;
}

/** Tokens per character for the question: the whole prompt's ratio, or ~4 characters a token without text. */
function questionTokensPerChar(c: DetectorContext, question: string): number {
  return c.tokensPerChar > 0 ? c.tokensPerChar : question.length > 0 ? Math.max(1, words(question).length) / question.length : 0;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
