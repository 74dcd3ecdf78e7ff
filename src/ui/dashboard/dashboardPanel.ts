import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LimitsSection } from '../../core/limits/dashboard';
import { buildDashboard, shownWeek, type CommitCount, type HygieneSummary } from '../../core/dashboard/viewModel';
import { addDays, startOfDay } from '../../core/time';
import { exportUsageFile } from '../exportCommand';
import type { UsageService } from '../usageService';
import { countCommits } from './gitCommits';
import { DASHBOARD_VIEW_TYPE } from './lazyDashboard';
import { restoredState, type DashboardState, type HostMessage, type WebviewMessage } from './messages';
import { ShownRefresh } from './shownRefresh';

export const DASHBOARD_TITLE = 'Token Meter — Usage This Week';
/** Built by esbuild from media/src; the only folder the webview may load from. */
const ASSETS = ['media', 'dist'];

/**
 * "Show My Usage This Week": one dashboard panel per window, restored after a reload by the
 * serializer with the week it showed. The command and the status-bar item both open it.
 */
export class Dashboard implements vscode.Disposable {
  private panel: DashboardPanel | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly usage: UsageService,
    private readonly log: vscode.LogOutputChannel,
    /** The prompt-hygiene findings between two instants; undefined while that feature is off. */
    private readonly hygiene: (from: number, to: number) => HygieneSummary | undefined,
    /** The Limits section, as of now. */
    private readonly limits?: () => LimitsSection,
  ) {}

  /** Takes over a panel VS Code restored after a reload, with the state it was saved with. */
  restore(panel: vscode.WebviewPanel, state: unknown, requested: number): void {
    this.adopt(panel, restoredState(state), requested);
  }

  show(requested = performance.now()): void {
    if (this.panel) {
      this.panel.reveal(requested);
      return;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, DASHBOARD_TITLE, vscode.ViewColumn.Active, {});
    this.adopt(panel, { weekOffset: 0 }, requested);
  }

  private adopt(panel: vscode.WebviewPanel, state: DashboardState, requested: number): void {
    this.panel?.dispose();
    const assets = vscode.Uri.joinPath(this.extensionUri, ...ASSETS);
    const dashboard = new DashboardPanel(panel, assets, this.usage, this.log, this.hygiene, state.weekOffset, requested, this.limits);
    this.panel = dashboard;
    panel.onDidDispose(() => {
      if (this.panel === dashboard) this.panel = undefined;
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

class DashboardPanel {
  private readonly subscriptions: vscode.Disposable[] = [];
  private commits: { fromDay: string; count: Promise<CommitCount>; settled?: CommitCount } | undefined;
  /** When the view being drawn was asked for, to log how long drawing it took. */
  private requestedAt: number | undefined;
  private readonly refresh: ShownRefresh;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    assets: vscode.Uri,
    private readonly usage: UsageService,
    private readonly log: vscode.LogOutputChannel,
    private readonly hygiene: (from: number, to: number) => HygieneSummary | undefined,
    private weekOffset: number,
    requested: number,
    private readonly limits?: () => LimitsSection,
  ) {
    this.requestedAt = requested;
    panel.iconPath = new vscode.ThemeIcon('graph');
    panel.webview.options = { enableScripts: true, localResourceRoots: [assets] };
    panel.webview.html = dashboardHtml(panel.webview, assets);
    this.refresh = new ShownRefresh(() => void this.post(), panel.options.retainContextWhenHidden === true);
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((message: WebviewMessage) => this.receive(message)),
      usage.onDidChange(() => this.refresh.changed(panel.visible)),
      panel.onDidChangeViewState(() => this.refresh.visibilityChanged(panel.visible)),
      panel.onDidDispose(() => this.disposeSubscriptions()),
    );
  }

  reveal(requested: number): void {
    this.requestedAt = requested;
    const wasVisible = this.panel.visible;
    this.panel.reveal();
    // A hidden panel's page loads again and asks with "ready"; a visible one is brought up to date.
    if (wasVisible) void this.post();
  }

  private receive(message: WebviewMessage): void {
    switch (message.type) {
      case 'ready':
        this.refresh.ready();
        return;
      case 'navigate':
        this.weekOffset = Math.min(0, Math.trunc(message.weekOffset));
        this.requestedAt = performance.now();
        void this.post();
        return;
      case 'export': {
        const { fromDay, toDay } = shownWeek(this.usage.settings, this.usage.now(), this.weekOffset);
        void exportUsageFile(this.usage, message.format, fromDay, toDay);
        return;
      }
      case 'setPrice':
        if (typeof message.model === 'string') void vscode.commands.executeCommand('tokenMeter.setModelPrice', message.model);
        return;
      case 'drawn':
        if (this.requestedAt !== undefined) {
          this.log.info(`Dashboard for the week of ${message.fromDay} drawn in ${(performance.now() - this.requestedAt).toFixed(1)} ms`);
          this.requestedAt = undefined;
        }
        return;
    }
  }

  /** Commits are counted once per shown week and panel; git's log is slow next to the rollups. */
  private commitsFor(fromDay: string, toDay: string): NonNullable<DashboardPanel['commits']> {
    if (this.commits?.fromDay !== fromDay) {
      const zone = this.usage.settings.timeZone;
      const entry: NonNullable<DashboardPanel['commits']> = {
        fromDay,
        count: countCommits(startOfDay(fromDay, zone), startOfDay(addDays(toDay, 1), zone))
          .catch((error: unknown): CommitCount => ({
            available: false,
            reason: `git could not be read (${error instanceof Error ? error.message : String(error)}).`,
          }))
          .then((count) => (entry.settled = count)),
      };
      this.commits = entry;
    }
    return this.commits;
  }

  /**
   * Sends the shown week at once, and again when its commits are counted: the git extension can
   * take seconds to start, and the usage figures should not wait for it.
   */
  private async post(): Promise<void> {
    const { fromDay, toDay } = shownWeek(this.usage.settings, this.usage.now(), this.weekOffset);
    const commits = this.commitsFor(fromDay, toDay);
    this.send({ fromDay, toDay }, commits.settled);
    if (commits.settled) return;
    const counted = await commits.count;
    if (this.commits !== commits) return;
    if (this.panel.visible) this.send({ fromDay, toDay }, counted);
    else this.refresh.changed(false);
  }

  /** Posts without waiting: code-server settles postMessage's promise late, and nothing depends on it. */
  private send({ fromDay, toDay }: { fromDay: string; toDay: string }, commits: CommitCount | undefined): void {
    const zone = this.usage.settings.timeZone;
    const hygiene = this.hygiene(startOfDay(fromDay, zone), startOfDay(addDays(toDay, 1), zone));
    const message: HostMessage = {
      type: 'view',
      view: buildDashboard({
        settings: this.usage.settings,
        now: this.usage.now(),
        weekOffset: this.weekOffset,
        rows: (from, to) => this.usage.rows(from, to),
        commits,
        ...(hygiene ? { hygiene } : {}),
        ...(this.limits ? { limits: this.limits() } : {}),
        problems: this.usage.problems(),
      }),
    };
    void this.panel.webview.postMessage(message);
  }

  private disposeSubscriptions(): void {
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions.length = 0;
  }

  dispose(): void {
    this.panel.dispose();
  }
}

/** The page: our script and stylesheet only, under a Content-Security-Policy with a fresh nonce. */
function dashboardHtml(webview: vscode.Webview, assets: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(assets, 'dashboard.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(assets, 'dashboard.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${DASHBOARD_TITLE}</title>
</head>
<body>
<div id="dashboard"><p>Loading your usage…</p></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
