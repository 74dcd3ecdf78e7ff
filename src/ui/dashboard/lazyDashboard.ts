import * as vscode from 'vscode';
import type { Dashboard } from './dashboardPanel';

/** The webview type of the dashboard panel (also in package.json's activation events). */
export const DASHBOARD_VIEW_TYPE = 'tokenMeter.dashboard';

/**
 * The dashboard's code (view model, panel, git commit counting) is loaded on first use: the
 * command, or VS Code restoring the panel after a reload. Activation only registers the restore hook.
 */
export class LazyDashboard implements vscode.Disposable {
  private dashboard: Dashboard | undefined;
  private readonly serializer: vscode.Disposable;

  constructor(private readonly load: () => Dashboard) {
    this.serializer = vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => this.loaded().restore(panel, state, performance.now()),
    });
  }

  show(): void {
    const requested = performance.now();
    this.loaded().show(requested);
  }

  private loaded(): Dashboard {
    return (this.dashboard ??= this.load());
  }

  dispose(): void {
    this.serializer.dispose();
    this.dashboard?.dispose();
  }
}
