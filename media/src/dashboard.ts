// The dashboard webview: draws the DashboardView the extension posts, and asks the extension for
// another week or an export. It computes no figures of its own; the texts come made in the view,
// and the chart's axis and legend values, which uPlot picks as it draws, are formatted by the same
// src/core/format.ts as every other figure (esbuild bundles it in).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import type { BreakdownLine, DashboardView } from '../../src/core/dashboard/viewModel';
import { formatMeasure, formatPercent } from '../../src/core/format';
import type { DashboardState, HostMessage, Measure, WebviewMessage } from '../../src/ui/dashboard/messages';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): DashboardState | undefined;
  setState(state: DashboardState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('dashboard') as HTMLElement;
let view: DashboardView | undefined;
let measure: Measure | undefined = vscode.getState()?.measure;
let chart: uPlot | undefined;
let limitsChart: uPlot | undefined;

function post(message: WebviewMessage): void {
  vscode.postMessage(message);
}

function saveState(): void {
  if (view) vscode.setState({ weekOffset: view.week.offset, measure });
}

/** Builds an element; children are nodes or text (never HTML, so model names cannot inject markup). */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function table(caption: string, header: string[], rows: string[][], className = ''): HTMLTableElement {
  return el(
    'table',
    { class: className },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...header.map((h) => el('th', { scope: 'col' }, h)))),
    el(
      'tbody',
      {},
      ...rows.map((cells) => el('tr', {}, ...cells.map((c, i) => (i === 0 ? el('th', { scope: 'row' }, c) : el('td', {}, c))))),
    ),
  );
}

function button(label: string, onClick: () => void, props: Record<string, string> = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', ...props }, label);
  b.addEventListener('click', onClick);
  return b;
}

function header(v: DashboardView): HTMLElement {
  const nav = el(
    'nav',
    { class: 'week-nav', 'aria-label': 'Week' },
    button('‹ Previous week', () => post({ type: 'navigate', weekOffset: v.week.offset - 1 }), { id: 'previous-week' }),
    button(
      'Next week ›',
      () => post({ type: 'navigate', weekOffset: v.week.offset + 1 }),
      v.week.canGoNext ? { id: 'next-week' } : { id: 'next-week', disabled: '' },
    ),
  );
  const exports = el(
    'div',
    { class: 'exports' },
    button('Export CSV', () => post({ type: 'export', format: 'csv' }), { id: 'export-csv' }),
    button('Export JSON', () => post({ type: 'export', format: 'json' }), { id: 'export-json' }),
  );
  return el(
    'header',
    {},
    el('h1', {}, `${v.week.relative}: `, el('span', { id: 'week-label' }, v.week.label)),
    el('p', { class: 'muted' }, `Days in ${v.week.timeZone}.`),
    el('div', { class: 'toolbar' }, nav, exports),
  );
}

function figure(label: string, value: string, id: string, detail?: string): HTMLElement {
  return el(
    'div',
    { class: 'figure' },
    el('div', { class: 'figure-label' }, label),
    el('div', { class: 'figure-value', id }, value),
    ...(detail ? [el('div', { class: 'muted' }, detail)] : []),
  );
}

function summary(v: DashboardView): HTMLElement {
  const t = v.totals;
  const c = v.comparison;
  return el(
    'section',
    { 'aria-label': 'Totals' },
    el(
      'div',
      { class: 'figures' },
      figure('Tokens', t.tokensText, 'total-tokens', `${t.eventsText} · ${c.tokensChangeText} vs the week before`),
      figure('Cost at list price', t.costText, 'total-cost', `${c.costChangeText} vs the week before`),
      figure(
        'Counted against budgets',
        t.weightedCostText,
        'weighted-cost',
        v.peak.enabled ? `peak-weighted · ${t.peakShareText} of tokens in peak hours` : 'peak hours off',
      ),
      figure('Cache reads', t.cacheReadShareText, 'cache-read-share', 'of input tokens — higher is cheaper'),
      figure('Estimated', t.estimatedShareText, 'estimated-share', 'of tokens counted by Token Meter, not reported'),
    ),
    table(
      'This week against the week before',
      ['', v.week.relative, 'Week before', 'Change'],
      [
        ['Tokens', c.thisWeek.tokensText, c.previousWeek.tokensText, c.tokensChangeText],
        ['Cost', c.thisWeek.costText, c.previousWeek.costText, c.costChangeText],
        [`Cost per day`, `${c.thisWeek.costPerDayText} (${c.thisWeek.daysText})`, c.previousWeek.costPerDayText, c.costPerDayChangeText],
      ],
      'comparison',
    ),
  );
}

function measureToggle(current: Measure): HTMLElement {
  const group = el('div', { class: 'toggle', role: 'group', 'aria-label': 'Chart measure' });
  for (const m of ['cost', 'tokens'] as const) {
    group.append(
      button(
        m === 'cost' ? 'Cost' : 'Tokens',
        () => {
          measure = m;
          saveState();
          draw();
        },
        { 'aria-pressed': String(m === current), id: `measure-${m}` },
      ),
    );
  }
  return group;
}

function dayChart(v: DashboardView, m: Measure): HTMLElement {
  const section = el('section', { 'aria-labelledby': 'by-day-title' }, el('h2', { id: 'by-day-title' }, 'By day'), measureToggle(m));
  const plot = el('div', { class: 'chart', 'aria-hidden': 'true' });
  section.append(plot);
  const peakValues = v.days.map((d) => (m === 'cost' ? d.peakCostUsd : d.peakTokens));
  const offPeakValues = v.days.map((d) => (m === 'cost' ? d.offPeakCostUsd : d.offPeakTokens));
  const stacked = peakValues.map((p, i) => p + offPeakValues[i]);
  const line = v.budgetLine && v.budgetLine.measure === m ? v.budgetLine : undefined;
  const format = (value: number) => formatMeasure(m, value);
  const foreground = themeColor('--vscode-foreground', '#888');
  const grid = themeColor('--vscode-charts-lines', 'rgba(128,128,128,0.3)');
  const bars = uPlot.paths.bars!({ size: [0.6, 80], align: 0 });
  const offPeak: uPlot.Series = {
    label: 'Off-peak',
    fill: themeColor('--vscode-charts-blue', '#3794ff'),
    stroke: themeColor('--vscode-charts-blue', '#3794ff'),
    paths: bars,
    points: { show: false },
    value: (_u, val) => (val === null ? '—' : format(val)),
  };
  const series: uPlot.Series[] = [{ label: 'Day', value: (_u, i) => v.days[i]?.label ?? '—' }];
  const data: uPlot.AlignedData = [v.days.map((_, i) => i)];
  if (v.peak.enabled || peakValues.some((p) => p > 0)) {
    // Drawn first at the full height, then covered by the off-peak part: a stack of two.
    series.push({
      label: 'Peak hours',
      fill: themeColor('--vscode-charts-orange', '#d18616'),
      stroke: themeColor('--vscode-charts-orange', '#d18616'),
      paths: bars,
      points: { show: false },
      value: (_u, _val, _s, i) => (i === null ? '—' : format(peakValues[i])),
    });
    data.push(stacked);
  } else {
    // Without peak hours there is nothing to split: one bar per day.
    offPeak.label = m === 'cost' ? 'Cost' : 'Tokens';
  }
  series.push(offPeak);
  data.push(offPeakValues);
  if (line) {
    series.push({
      label: line.label,
      stroke: themeColor('--vscode-charts-red', '#f14c4c'),
      width: 2,
      dash: [6, 4],
      points: { show: false },
      value: () => format(line.perDay),
    });
    data.push(v.days.map(() => line.perDay));
  }
  const width = Math.max(320, Math.min(900, root.clientWidth - 32));
  chart?.destroy();
  chart = new uPlot(
    {
      width,
      height: 260,
      series,
      scales: {
        x: { time: false, range: [-0.5, v.days.length - 0.5] },
        y: { range: (_u, _min, max) => [0, Math.max(max, line?.perDay ?? 0, m === 'cost' ? 0.01 : 1) * 1.1] },
      },
      axes: [
        {
          stroke: foreground,
          grid: { show: false },
          ticks: { stroke: grid },
          splits: () => v.days.map((_, i) => i),
          values: (_u, splits) => splits.map((s) => v.days[s]?.label ?? ''),
        },
        { stroke: foreground, grid: { stroke: grid }, ticks: { stroke: grid }, values: (_u, splits) => splits.map(format), size: 60 },
      ],
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
    },
    data,
    plot,
  );
  section.append(
    table(
      `${v.week.relative} by day (${m === 'cost' ? 'cost at list price' : 'tokens'}, split by peak hours)${line ? `; ${line.label}: ${format(line.perDay)} per day` : ''}`,
      ['Day', 'Requests', 'Tokens', 'Peak tokens', 'Cost', 'Peak cost'],
      v.days.map((d) => [
        d.isToday ? `${d.label} (today)` : d.label,
        String(d.events),
        d.tokensText,
        d.peakTokensText,
        d.costText,
        d.peakCostText,
      ]),
      'by-day',
    ),
  );
  return section;
}

/** A table whose rows carry a proportional bar: the chart and its text alternative in one. */
function breakdownSection(title: string, id: string, lines: BreakdownLine[], first: string): HTMLElement {
  const t = table(
    `${title}, largest first`,
    [first, 'Requests', 'Tokens', 'Cost', 'Share'],
    lines.map((l) => [l.label, String(l.events), l.tokensText, l.costText, l.shareText]),
    'breakdown',
  );
  const rows = t.tBodies[0].rows;
  lines.forEach((l, i) => {
    const bar = el('div', { class: 'bar', 'aria-hidden': 'true' });
    bar.style.width = `${Math.max(1, l.share * 100)}%`;
    rows[i].cells[4].append(bar);
  });
  return el(
    'section',
    { id, 'aria-label': title },
    el('h2', {}, title),
    lines.length > 0 ? t : el('p', { class: 'muted' }, 'Nothing this week.'),
  );
}

function budgets(v: DashboardView): HTMLElement {
  const section = el('section', { 'aria-labelledby': 'budget-title' }, el('h2', { id: 'budget-title' }, 'Budgets'));
  if (v.budgets.length === 0) {
    section.append(
      el(
        'p',
        { class: 'muted' },
        'No budget set. Run “Token Meter: Set Budget…” to set a daily, weekly or monthly limit for you or this workspace.',
      ),
    );
    return section;
  }
  for (const b of v.budgets) {
    const meter = el('div', {
      class: `progress level-${b.level}`,
      role: 'progressbar',
      'aria-valuemin': '0',
      'aria-valuemax': String(b.limit),
      'aria-valuenow': String(Math.round(b.used * 100) / 100),
      'aria-label': `${b.title}: ${b.usedText} of ${b.limitText}`,
    });
    const fill = el('div', { class: 'progress-fill' });
    fill.style.width = `${Math.min(100, b.ratio * 100)}%`;
    meter.append(fill);
    section.append(
      el(
        'div',
        { class: 'budget' },
        el('div', {}, el('strong', {}, `${b.title}: `), `${b.usedText} of ${b.limitText} (${b.ratioText}) — ${b.sourceLabel}`),
        meter,
        el(
          'div',
          { class: 'muted' },
          `${b.daysLeftText} left, today included · at this rate the period ends at ${b.projectedText} (${b.projectedRatioText} of the limit)`,
        ),
      ),
    );
  }
  return section;
}

function signals(v: DashboardView): HTMLElement {
  return el(
    'section',
    { 'aria-labelledby': 'signals-title' },
    el('h2', { id: 'signals-title' }, 'Signals'),
    el('p', { id: 'outcomes' }, v.outcomes.text),
    el('p', { id: 'hygiene' }, v.hygiene.text),
  );
}

function prices(v: DashboardView): HTMLElement {
  const list = v.prices.unpriced.map((u) =>
    el(
      'li',
      {},
      el('code', {}, u.model),
      ` — ${u.tokensText} `,
      button(`Set a Price for ${u.model}…`, () => post({ type: 'setPrice', model: u.model }), {
        class: 'set-price',
        id: `set-price:${u.model}`,
      }),
    ),
  );
  return el(
    'section',
    { 'aria-labelledby': 'prices-title', id: 'prices' },
    el('h2', { id: 'prices-title' }, 'Prices'),
    el('p', { id: 'prices-date' }, v.prices.text),
    ...(list.length > 0
      ? [el('p', {}, 'Models without a known price (their cost is unknown, not $0):'), el('ul', { id: 'unpriced-models' }, ...list)]
      : []),
  );
}

const SERIES_COLORS = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-purple',
  '--vscode-charts-red',
  '--vscode-charts-yellow',
];

/** Each limit window's share used over the past week, a line per window, and the latest readings beside it. */
function limitsSection(limits: NonNullable<DashboardView['limits']>): HTMLElement {
  const section = el(
    'section',
    { id: 'limits', 'aria-labelledby': 'limits-title' },
    el('h2', { id: 'limits-title' }, 'Limits'),
    el('p', { class: 'muted' }, limits.text),
  );
  if (limits.rows.length === 0) return section;
  const layout = el('div', { class: 'limits-layout' });
  section.append(layout);
  if (limits.series.length > 0) {
    const plot = el('div', { class: 'chart', 'aria-hidden': 'true' });
    layout.append(plot);
    const foreground = themeColor('--vscode-foreground', '#888');
    const grid = themeColor('--vscode-charts-lines', 'rgba(128,128,128,0.3)');
    const data = uPlot.join(limits.series.map((s) => [s.points.map((p) => p[0] / 1000), s.points.map((p) => p[1])] as uPlot.AlignedData));
    const width = Math.max(320, Math.min(600, root.clientWidth - 380));
    limitsChart = new uPlot(
      {
        width,
        height: 220,
        series: [
          {},
          ...limits.series.map((s, i) => ({
            label: s.label,
            stroke: themeColor(SERIES_COLORS[i % SERIES_COLORS.length], '#3794ff'),
            width: 2,
            spanGaps: true,
            value: (_u: uPlot, val: number | null) => (val === null ? '—' : formatPercent(val / 100)),
          })),
        ],
        scales: {
          x: { time: true, range: [limits.from / 1000, limits.to / 1000] },
          y: { range: (_u, _min, max) => [0, Math.max(100, max)] },
        },
        axes: [
          { stroke: foreground, grid: { show: false }, ticks: { stroke: grid } },
          {
            stroke: foreground,
            grid: { stroke: grid },
            ticks: { stroke: grid },
            values: (_u, splits) => splits.map((v) => formatPercent(v / 100)),
            size: 50,
          },
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
      },
      data,
      plot,
    );
  }
  layout.append(
    table(
      'The latest reading of each window',
      ['Window', 'Used', 'Resets', 'Source', 'As of'],
      limits.rows.map((r) => [r.label, r.usedText, r.resetText, r.sourceText, r.ageText.replace(/^as of /, '')]),
      'limits-table',
    ),
  );
  return section;
}

function emptyState(v: DashboardView): HTMLElement {
  return el(
    'section',
    { class: 'empty', id: 'empty-state', 'aria-label': 'No usage yet' },
    ...v.emptyState.map((line) => el('p', {}, line)),
  );
}

function draw(): void {
  if (!view) return;
  const v = view;
  const m = measure ?? v.initialMeasure;
  chart?.destroy();
  chart = undefined;
  limitsChart?.destroy();
  limitsChart = undefined;
  // Drawing replaces every element: a keyboard user's focus goes back to the control with the same id.
  const focused = document.activeElement instanceof HTMLElement && root.contains(document.activeElement) ? document.activeElement.id : '';
  const parts: HTMLElement[] = [header(v)];
  for (const problem of v.problems) parts.push(el('p', { class: 'problem', role: 'alert' }, problem));
  parts.push(summary(v));
  if (v.empty) parts.push(emptyState(v));
  const main = el('main', {}, ...parts);
  root.replaceChildren(main);
  // The chart measures its container, so it is drawn once the page is in the document.
  main.append(
    dayChart(v, m),
    budgets(v),
    ...(v.limits ? [limitsSection(v.limits)] : []),
    breakdownSection('By model', 'by-model', v.byModel, 'Model'),
    breakdownSection('By source', 'by-source', v.bySource, 'Source'),
    breakdownSection('By project', 'by-project', v.byProject, 'Project'),
    signals(v),
    prices(v),
  );
  if (focused) document.getElementById(focused)?.focus();
  root.dataset.drawnWeek = v.week.fromDay;
  root.dataset.measure = m;
  post({ type: 'drawn', fromDay: v.week.fromDay });
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  if (event.data?.type !== 'view') return;
  view = event.data.view;
  saveState();
  draw();
});

// Colours come from the theme: redraw when VS Code switches it (it changes the body's classes).
new MutationObserver(() => draw()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(draw, 150);
});

post({ type: 'ready' });
