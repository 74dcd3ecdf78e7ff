import { HygieneAnalyzer, type Pricing } from '../../../src/core/hygiene/analyzer';
import { DEFAULT_HYGIENE_SETTINGS, type HygieneSettings } from '../../../src/core/hygiene/settings';
import type { HygieneFinding, HygieneKind, PromptObservation } from '../../../src/core/hygiene/types';
import { PriceBook } from '../../../src/core/pricing';
import { countTokens } from '../../../src/core/tokenizer';
import { agentContext, baseQuestion, FILLER_SENTENCES, Gen, pastedFile, variant, type Question } from './evalSet';

/**
 * Labelled scenarios for every detector: a short run of prompts the detector should (positive)
 * or should not (negative) flag somewhere. Run through a fresh analyzer each.
 */

export const MODEL = 'gpt-4o';
export const T0 = Date.UTC(2026, 10, 23, 9, 0);
const MINUTE = 60_000;

export function testPricing(multiplier = 1): Pricing {
  const prices = new PriceBook();
  return { costUsd: (model, usage) => prices.costOf({ model, ...usage }), multiplierAt: () => multiplier };
}

export function newAnalyzer(settings: HygieneSettings = DEFAULT_HYGIENE_SETTINGS, multiplier = 1): HygieneAnalyzer {
  return new HygieneAnalyzer(settings, testPricing(multiplier));
}

export interface Step {
  ts: number;
  question?: string;
  context?: string;
  maxOutputTokens?: number;
  error?: string;
  source?: string;
}

export function observation(step: Step): PromptObservation {
  const text = [step.context, step.question].filter(Boolean).join('\n\n');
  return {
    source: step.source ?? 'gateway',
    provider: 'openai',
    model: MODEL,
    ts: step.ts,
    text,
    question: step.question,
    maxOutputTokens: step.maxOutputTokens,
    error: step.error,
  };
}

/** Every finding of a run of steps. */
export function runSteps(analyzer: HygieneAnalyzer, steps: readonly Step[]): HygieneFinding[] {
  const findings: HygieneFinding[] = [];
  for (const step of steps) {
    const o = observation(step);
    findings.push(...analyzer.analyze(o, countTokens(o.text ?? '', MODEL)));
  }
  return findings;
}

export interface Scenario {
  positive: boolean;
  steps: Step[];
}

function usualHistory(g: Gen, count: number): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    const q = baseQuestion(g).text;
    const paste = g.chance(0.3) ? `\n\n${pastedFile(g, 5 + g.int(25))}` : '';
    steps.push({ ts: T0 + i * 7 * MINUTE, question: q + paste });
  }
  return steps;
}

function at(history: Step[]): number {
  return history[history.length - 1].ts + 7 * MINUTE;
}

export const SCENARIOS: Record<HygieneKind, (g: Gen, positive: boolean) => Scenario> = {
  repeatedPrompt(g, positive) {
    const base = baseQuestion(g);
    const kinds = ['exact', 'whitespaceCase', 'typo', 'smallEdit', 'reorder', 'paraphrase'] as const;
    const next = () =>
      positive ? variant(g, base, g.pick(kinds)) : variant(g, base, g.pick(['sameTopicUnrelated', 'largeEdit'] as const));
    const steps: Step[] = [{ ts: T0, question: base.text }];
    steps.push({ ts: T0 + 3 * MINUTE, question: baseQuestion(g).text });
    steps.push({ ts: T0 + 4 * MINUTE, question: next().text });
    steps.push({ ts: T0 + 8 * MINUTE, question: next().text });
    return { positive, steps };
  },
  retryStorm(g, positive) {
    const q = baseQuestion(g).text;
    const steps: Step[] = [];
    for (let i = 0; i < 3; i++)
      steps.push({ ts: T0 + i * 15_000, question: positive ? q : `${q} (${i})`, error: i < 2 ? 'HTTP 429' : undefined });
    // Negatives: different requests failing, or the same one failing once long ago.
    if (!positive && g.chance(0.5))
      for (let i = 0; i < 3; i++) steps[i] = { ts: T0 + i * 5 * MINUTE, question: q, error: i === 0 ? 'HTTP 500' : undefined };
    return { positive, steps };
  },
  verbosePrompt(g, positive) {
    const history = usualHistory(g, 25);
    const big = positive ? pastedFile(g, 250 + g.int(250)) : pastedFile(g, 20 + g.int(40));
    return { positive, steps: [...history, { ts: at(history), question: `${baseQuestion(g).text}\n\n${big}` }] };
  },
  resentPaste(g, positive) {
    const file = pastedFile(g, 80 + g.int(80));
    const history = usualHistory(g, 3);
    history.push({ ts: at(history), question: `${baseQuestion(g).text}\n\n${file}` });
    const again = positive ? file : pastedFile(g, 80 + g.int(80));
    return { positive, steps: [...history, { ts: at(history), question: `${baseQuestion(g).text}\n\n${again}` }] };
  },
  filler(g, positive) {
    const q = baseQuestion(g).text;
    const extra: string[] = [];
    if (positive) for (let i = 0, n = 3 + g.int(3); i < n; i++) extra.push(g.pick(FILLER_SENTENCES));
    else if (g.chance(0.5)) extra.push('Thanks!');
    const body = g.chance(0.5) ? `\n\n${pastedFile(g, 10 + g.int(20))}` : '';
    return { positive, steps: [{ ts: T0, question: [...extra.slice(0, 1), q, ...extra.slice(1)].join(' ') + body }] };
  },
  contextLoop(g, positive) {
    const context = agentContext(g, positive ? 18 + g.int(8) : 3 + g.int(4), 60);
    const steps: Step[] = [];
    let grown = context;
    for (let i = 0; i < 12; i++) {
      grown += `\n\nTool result ${i}: ${pastedFile(g, 3)}`;
      // Negatives: a long conversation at human pace, or a small-context agent.
      const gap = positive || g.chance(0.5) ? 20_000 : 3 * MINUTE;
      steps.push({ ts: T0 + i * gap, context: grown });
    }
    return { positive, steps };
  },
  outputBudget(g, positive) {
    const q = baseQuestion(g).text;
    if (positive) return { positive, steps: [{ ts: T0, question: q, maxOutputTokens: g.pick([32_000, 64_000, 128_000]) }] };
    return g.chance(0.5)
      ? { positive, steps: [{ ts: T0, question: q, maxOutputTokens: g.pick([1024, 4096, 8192, 16_000]) }] }
      : { positive, steps: [{ ts: T0, question: `${q}\n\n${pastedFile(g, 150)}`, maxOutputTokens: 64_000 }] };
  },
};

/** An ordinary stretch of work: fresh questions, growing chats and moderate agent sessions. */
export function ordinaryStream(g: Gen, prompts: number): Step[] {
  const steps: Step[] = [];
  let ts = T0;
  let chat = '';
  let agent = '';
  let last: Question | undefined;
  while (steps.length < prompts) {
    ts += (20 + g.int(400)) * 1000;
    const roll = g.random();
    if (roll < 0.4) {
      // Follow-ups ask something else about the same subject: the hardest ordinary case for repeats.
      last = last && g.chance(0.3) ? variant(g, last, 'sameSubjectOtherQuestion') : baseQuestion(g);
      steps.push({
        ts,
        source: 'gateway',
        question: last.text + (g.chance(0.25) ? `\n\n${pastedFile(g, 10 + g.int(60))}` : ''),
        maxOutputTokens: g.pick([undefined, 4096, 8192]),
      });
    } else if (roll < 0.7) {
      if (chat === '' || g.chance(0.15)) chat = 'You are a helpful assistant.';
      const q = baseQuestion(g).text;
      steps.push({ ts, source: 'chat', context: chat, question: q });
      chat += `\n\n${q}\n\nAnswer: ${pastedFile(g, 8)}`;
    } else {
      if (agent === '' || g.chance(0.1)) agent = agentContext(g, 2, 40);
      agent += `\n\nTool result: ${pastedFile(g, 4)}`;
      steps.push({ ts, source: 'agent', context: agent, maxOutputTokens: 16_000 });
    }
  }
  return steps;
}
