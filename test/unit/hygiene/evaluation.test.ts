import * as assert from 'node:assert/strict';
import { fingerprintOf, NearDuplicateIndex } from '../../../src/core/hygiene/nearDuplicates';
import { DEFAULT_HYGIENE_SETTINGS } from '../../../src/core/hygiene/settings';
import { contentWords, shingleHashes } from '../../../src/core/hygiene/text';
import { HYGIENE_KINDS, type HygieneKind } from '../../../src/core/hygiene/types';
import { baseQuestion, Gen, variant, VARIANTS, type VariantKind } from './evalSet';
import { newAnalyzer, ordinaryStream, runSteps, SCENARIOS } from './scenarios';

/**
 * Precision and recall of every detector on the generated, labelled set (printed, and asserted
 * against the goals), and the false-warning rate on ordinary work.
 */

interface Tally {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}
const precision = (t: Tally) => (t.tp + t.fp === 0 ? 1 : t.tp / (t.tp + t.fp));
const recall = (t: Tally) => (t.tp + t.fn === 0 ? 1 : t.tp / (t.tp + t.fn));
function count(t: Tally, positive: boolean, flagged: boolean): void {
  if (positive) flagged ? t.tp++ : t.fn++;
  else flagged ? t.fp++ : t.tn++;
}
const fmt = (n: number) => n.toFixed(3);

describe('prompt hygiene evaluation (generated labelled set, seed 20261123)', function () {
  this.timeout(120_000);

  it('near-duplicate lookup: precision ≥ 0.9 at recall ≥ 0.8, with 2,000 older same-topic prompts in the index', () => {
    const g = new Gen(20261123);
    const threshold = DEFAULT_HYGIENE_SETTINGS.nearDuplicateSimilarity;
    const index = new NearDuplicateIndex(10_000);
    const fp = (text: string) => fingerprintOf(shingleHashes(contentWords(text)));
    // Older prompts fill the index as in real use: bucketed with the new ones, outside the repeat window.
    const windowStart = 0;
    for (let i = 0; i < 2000; i++) index.add(fp(baseQuestion(g).text), windowStart - 1 - i, -1 - i);
    const total: Tally = { tp: 0, fp: 0, fn: 0, tn: 0 };
    const byVariant = new Map<VariantKind, Tally>();
    let candidates = 0;
    let lookups = 0;
    for (let i = 0; i < 300; i++) {
      const base = baseQuestion(g);
      index.add(fp(base.text), windowStart, i);
      for (const kind of Object.keys(VARIANTS) as VariantKind[]) {
        const v = variant(g, base, kind);
        const matches = index.lookup(fp(v.text), threshold, windowStart);
        candidates += index.lastCandidates;
        lookups++;
        // Flagged as a repeat of this base; a match with any other indexed prompt is a false positive.
        const flagged = matches.some((m) => m.key === i);
        const wrong = matches.some((m) => m.key !== i);
        const t = byVariant.get(kind) ?? { tp: 0, fp: 0, fn: 0, tn: 0 };
        count(t, VARIANTS[kind], flagged);
        count(total, VARIANTS[kind], flagged);
        if (wrong) total.fp++;
        byVariant.set(kind, t);
      }
    }
    console.log(
      `      near-duplicates: precision ${fmt(precision(total))}, recall ${fmt(recall(total))} (threshold ${threshold}; ${(candidates / lookups).toFixed(0)} candidates per lookup of ${index.size})`,
    );
    for (const [kind, t] of byVariant)
      console.log(`        ${kind.padEnd(20)} ${VARIANTS[kind] ? `recall ${fmt(recall(t))}` : `false matches ${t.fp}/${t.fp + t.tn}`}`);
    assert.ok(precision(total) >= 0.9, `precision ${precision(total)}`);
    assert.ok(recall(total) >= 0.8, `recall ${recall(total)}`);
    assert.ok(candidates / lookups < index.size / 4, 'lookups examine a fraction of the index, not all of it');
  });

  it('every detector: precision and recall on 120 positive and 120 negative scenarios each', () => {
    const rows: string[] = [];
    const failures: string[] = [];
    for (const kind of HYGIENE_KINDS) {
      const g = new Gen(kind.length * 7919 + 20261123);
      const t: Tally = { tp: 0, fp: 0, fn: 0, tn: 0 };
      for (let i = 0; i < 240; i++) {
        const scenario = SCENARIOS[kind](g, i % 2 === 0);
        const findings = runSteps(newAnalyzer(), scenario.steps);
        count(
          t,
          scenario.positive,
          findings.some((f) => f.kind === kind),
        );
      }
      rows.push(
        `        ${kind.padEnd(16)} precision ${fmt(precision(t))}  recall ${fmt(recall(t))}  (tp ${t.tp}, fp ${t.fp}, fn ${t.fn}, tn ${t.tn})`,
      );
      if (precision(t) < 0.9 || recall(t) < 0.8) failures.push(`${kind}: precision ${fmt(precision(t))}, recall ${fmt(recall(t))}`);
    }
    console.log(`      detectors:\n${rows.join('\n')}`);
    assert.deepEqual(failures, [], 'every detector reaches precision ≥ 0.9 and recall ≥ 0.8');
  });

  it('fewer than 2 false warnings per 100 ordinary prompts (1,000 prompts of questions, chats and agent steps)', () => {
    const analyzer = newAnalyzer();
    const steps = ordinaryStream(new Gen(424242), 1000);
    const byKind = new Map<HygieneKind, number>();
    let findings = 0;
    for (const step of steps) {
      for (const f of runSteps(analyzer, [step])) {
        findings++;
        byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
      }
    }
    const per100 = (findings / steps.length) * 100;
    console.log(
      `      ordinary prompts: ${per100.toFixed(2)} findings per 100 prompts ${JSON.stringify(Object.fromEntries(byKind))} (before the one-per-kind-per-hour warning limit)`,
    );
    assert.ok(per100 < 2, `${per100} findings per 100 ordinary prompts`);
  });
});
