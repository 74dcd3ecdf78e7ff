import type { DashboardView } from '../../core/dashboard/viewModel';

/**
 * What the dashboard panel and its webview say to each other. Plain JSON both ways: the extension
 * computes, the webview draws and asks.
 */

export type Measure = 'cost' | 'tokens';
export type ExportFormat = 'csv' | 'json';

export type HostMessage = { type: 'view'; view: DashboardView };

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'navigate'; weekOffset: number }
  | { type: 'export'; format: ExportFormat }
  /** "Set a Price for <model>…" from the list of unpriced models. */
  | { type: 'setPrice'; model: string }
  /** Sent after a view has been drawn completely (charts and tables), with the view's week. */
  | { type: 'drawn'; fromDay: string };

/** Kept by the webview (`vscode.setState`) and handed back to the serializer after a reload. */
export interface DashboardState {
  weekOffset: number;
  measure?: Measure;
}

/** The state a restored panel starts from; anything malformed means "this week". */
export function restoredState(state: unknown): DashboardState {
  const s = state as Partial<DashboardState> | undefined;
  const weekOffset = typeof s?.weekOffset === 'number' && Number.isInteger(s.weekOffset) && s.weekOffset <= 0 ? s.weekOffset : 0;
  const measure = s?.measure === 'cost' || s?.measure === 'tokens' ? s.measure : undefined;
  return { weekOffset, measure };
}
