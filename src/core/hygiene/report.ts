import { formatClock, formatTokens, formatUsd } from '../format';
import { FIX_ADVICE, HYGIENE_KINDS, KIND_TITLES, type HygieneFinding } from './types';

export const REPORT_DAYS = 7;

/** The prompt-hygiene report for the last seven days, as Markdown: a summary by kind, then each finding. */
export function hygieneReport(findings: readonly HygieneFinding[], now: number, timeZone: string): string {
  const since = now - REPORT_DAYS * 86_400_000;
  const recent = findings.filter((f) => f.ts >= since && f.ts <= now).sort((a, b) => b.ts - a.ts);
  const lines = ['# Token Meter: prompt hygiene, last 7 days', ''];
  if (recent.length === 0) {
    lines.push(
      'No findings: no repeated, bloated or looping prompts were seen. Prompt text is never stored; only counts and fingerprints are.',
    );
    return lines.join('\n') + '\n';
  }
  const savingUsd = sumUsd(recent.map((f) => f.saving.usd));
  lines.push(
    `${recent.length} finding${recent.length === 1 ? '; fixing it' : 's; fixing them'} would have saved about ${formatTokens(recent.reduce((s, f) => s + f.saving.tokens, 0))} tokens (${formatUsd(savingUsd)} at the peak weight in force).`,
    '',
  );
  lines.push('| Kind | Findings | Tokens involved | Estimated saving | Suggested fix |', '| --- | ---: | ---: | ---: | --- |');
  for (const kind of HYGIENE_KINDS) {
    const of = recent.filter((f) => f.kind === kind);
    if (of.length === 0) continue;
    const tokens = of.reduce((s, f) => s + f.tokens, 0);
    const saving = of.reduce((s, f) => s + f.saving.tokens, 0);
    lines.push(
      `| ${KIND_TITLES[kind]} | ${of.length} | ${formatTokens(tokens)} | ${formatTokens(saving)} tokens, ${formatUsd(sumUsd(of.map((f) => f.saving.usd)))} | ${FIX_ADVICE[of[0].saving.fix]} |`,
    );
  }
  lines.push('', '## Findings', '');
  for (const f of recent) {
    lines.push(
      `- **${formatClock(f.ts, now, timeZone)} · ${KIND_TITLES[f.kind]}** (${f.source}, ${f.model}): ${f.evidence} Saving: ${formatTokens(f.saving.tokens)} tokens, ${formatUsd(f.saving.usd)} — ${FIX_ADVICE[f.saving.fix]}.`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Sum of known amounts; null only when none is known. */
function sumUsd(values: ReadonlyArray<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
}
