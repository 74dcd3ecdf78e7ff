import * as vscode from 'vscode';
import { buildContextGauge, type AgentSession } from '../core/contextGauge';
import { formatClock } from '../core/format';
import { contextWindowFor } from '../core/pricing';
import { projectOfDirectory } from '../capture/logs/records';
import { buildSubscriptionView, type ProviderWindows } from '../core/subscription';
import type { LogCaptureController } from './logCaptureController';
import type { UsageService } from './usageService';

/** Which assistant records a provider's own rate-limit windows. */
const WINDOW_RECORDERS: Record<string, { source: string; label: string }> = { openai: { source: 'codex', label: 'Codex' } };
const REFRESH_MS = 30_000;
const ALERTED_KEY = 'tokenMeter.subscriptionAlerts';

/**
 * Two status-bar items for people on flat-rate plans: the 5-hour block / weekly window of each
 * subscription, and how full the context of the agent session working in this workspace is.
 * Warns once per block when the block is projected to run out before it resets.
 */
export class SubscriptionController implements vscode.Disposable {
  private readonly windowsItem = vscode.window.createStatusBarItem('tokenMeter.subscription', vscode.StatusBarAlignment.Right, 99);
  private readonly contextItem = vscode.window.createStatusBarItem('tokenMeter.context', vscode.StatusBarAlignment.Right, 98);
  private readonly disposables: vscode.Disposable[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly usage: UsageService,
    private readonly logs: LogCaptureController,
    private readonly state: vscode.Memento,
  ) {
    this.windowsItem.name = 'Token Meter: Subscription Windows';
    this.windowsItem.command = 'tokenMeter.openSettings';
    this.contextItem.name = 'Token Meter: Context';
    this.disposables.push(
      this.windowsItem,
      this.contextItem,
      usage.onDidChange(() => this.render()),
      logs.onDidChangeActivity(() => this.render()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.render()),
    );
    this.timer = setInterval(() => this.render(), REFRESH_MS);
    this.render();
  }

  private providerWindows(provider: string): ProviderWindows | undefined {
    const recorder = WINDOW_RECORDERS[provider];
    const snapshot = recorder ? this.logs.activity.rateLimits.get(recorder.source) : undefined;
    if (!snapshot) return undefined;
    return { ts: snapshot.ts, recordedBy: recorder.label, primary: snapshot.primary, secondary: snapshot.secondary };
  }

  private render(): void {
    const now = Date.now();
    const settings = this.usage.settings;
    const view = buildSubscriptionView({
      now,
      plans: settings.plans,
      activity: (provider) => this.usage.activity(provider),
      providerWindows: (provider) => this.providerWindows(provider),
      formatClock: (ts) => formatClock(ts, now, settings.timeZone),
    });
    if (view) {
      this.windowsItem.text = view.text;
      this.windowsItem.tooltip = new vscode.MarkdownString(view.tooltipMarkdown, true);
      this.windowsItem.accessibilityInformation = { label: view.accessibilityLabel, role: 'button' };
      this.windowsItem.backgroundColor = view.level === 'normal' ? undefined : new vscode.ThemeColor(`statusBarItem.${view.level}Background`);
      this.windowsItem.show();
      void this.alert(view.alerts);
    } else {
      this.windowsItem.hide();
    }

    const sessions: AgentSession[] = [...this.logs.activity.sessions.values()].map(({ source, session, event }) => ({
      source,
      sessionId: session.sessionId,
      ...(event.project ? { project: event.project } : {}),
      model: event.model,
      ts: event.ts,
      contextTokens: session.contextTokens,
      ...(session.contextWindow ? { contextWindow: session.contextWindow } : {}),
    }));
    const gauge = settings.contextGauge.enabled
      ? buildContextGauge({
          now,
          sessions,
          projects: (vscode.workspace.workspaceFolders ?? []).flatMap((f) => projectOfDirectory(f.uri.fsPath) ?? []),
          warnAtPercent: settings.contextGauge.warnAtPercent,
          contextWindowFor,
        })
      : undefined;
    if (gauge) {
      this.contextItem.text = gauge.text;
      this.contextItem.tooltip = new vscode.MarkdownString(gauge.tooltipMarkdown, true);
      this.contextItem.accessibilityInformation = { label: gauge.accessibilityLabel };
      this.contextItem.backgroundColor = gauge.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.contextItem.show();
    } else {
      this.contextItem.hide();
    }
  }

  /** Each projection alert once per block, across reloads. */
  private async alert(alerts: Array<{ key: string; message: string }>): Promise<void> {
    const shown = this.state.get<string[]>(ALERTED_KEY, []);
    const fresh = alerts.filter((a) => !shown.includes(a.key));
    if (fresh.length === 0) return;
    await this.state.update(ALERTED_KEY, [...shown, ...fresh.map((a) => a.key)].slice(-50));
    for (const a of fresh) void vscode.window.showWarningMessage(`Token Meter: ${a.message}`);
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
