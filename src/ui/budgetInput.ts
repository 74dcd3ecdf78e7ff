/** Parses what a person types as a budget: "10", "$7.50", "2,000,000", "0" (no limit). Kept free of
 * 'vscode' so it is unit-tested directly. */
export function parseBudgetInput(text: string): number | undefined {
  const cleaned = text
    .trim()
    .replace(/^\$/, '')
    .replace(/[,_\s]/g, '');
  if (!/^\d+(\.\d+)?$/.test(cleaned)) return undefined;
  return Number(cleaned);
}
