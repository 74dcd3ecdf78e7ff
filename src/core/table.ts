/** Plain-text tables with aligned columns, for the CLI and read-only summary documents. */

export type Align = 'left' | 'right';

export interface TableOptions {
  align?: Align[];
  /** Draw as a Markdown pipe table (still aligned, so it reads well as plain text too). */
  markdown?: boolean;
}

export function renderTable(header: string[], rows: string[][], options: TableOptions = {}): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const align = options.align ?? header.map((_, i) => (i === 0 ? 'left' : 'right'));
  const cell = (text: string, i: number) => (align[i] === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  if (options.markdown) {
    const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
    const rule = `| ${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(Math.max(w - 1, 2))}:` : '-'.repeat(Math.max(w, 3)))).join(' | ')} |`;
    return [line(header), rule, ...rows.map(line)].join('\n');
  }
  const line = (cells: string[]) => cells.map(cell).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
