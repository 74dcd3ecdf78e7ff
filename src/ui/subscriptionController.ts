import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { buildContextGauge, type AgentSession } from '../core/contextGauge';
import { formatClock } from '../core/format';
import { contextWindowFor } from '../core/pricing';
import { projectOfDirectory } from '../capture/logs/records';
import { readingsFromCodexLog } from '../core/limits/codex';
import type { LimitReading } from '../core/limits/reading';
import { resolveLimitSettings } from '../core/limits/settings';
import { buildSubscriptionView } from '../core/subscription';
import { LIMITS_FILE, LimitStore } from '../store/limitStore';
import { onDidChangeSettings, readLimitSettings } from './config';
import type { LogCaptureController } from './logCaptureController';
import type { UsageService } from './usageService';

const REFRESH_MS = 30_000;
const FILE_CHANGE_DEBOUNCE_MS = 200;
const ALERTED_KEY = 'tokenMeter.subscriptionAlerts';

/**
 * Two status-bar items: "what limits me now" — the binding window of every provider that reports
 * its own (response headers through the gateway, Claude Code's status line, Codex's records,
 * GitHub), falling back to the plans' estimates — and how full the context of the agent session
 * working in this workspace is. Warns once per window at the thresholds, and once per block when a
 * block is projected to run out before it resets.
 */
export class SubscriptionController implements vscode.Disposable {
  private readonly windowsItem = vscode.window.createStatusBarItem('tokenMeter.subscription', vscode.StatusBarAlignment.Right, 99);
  private readonly contextItem = vscode.window.createStatusBarItem('tokenMeter.context', vscode.StatusBarAlignment.Right, 98);
  private readonly disposables: vscode.Disposable[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly limits: LimitStore;
  private watcher: fs.FSWatcher | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private codexRecordedAt = 0;

  constructor(
    private readonly usage: UsageService,
    private readonly logs: LogCaptureController,
    private readonly state: vscode.Memento,
    dataDir: string,
  ) {
    this.limits = new LimitStore(dataDir);
    this.windowsItem.name = vscode.l10n.t('Token Meter: Subscription Windows');
    this.windowsItem.command = 'tokenMeter.openSettings';
    this.contextItem.name = vscode.l10n.t('Token Meter: Context');
    this.disposables.push(
      this.windowsItem,
      this.contextItem,
      usage.onDidChange(() => this.render()),
      logs.onDidChangeActivity(() => this.render()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.render()),
      onDidChangeSettings(['limits'], () => this.render()),
    );
    this.timer = setInterval(() => this.render(), REFRESH_MS);
    this.watchLimits(dataDir);
    this.render();
  }

  /** Readings recorded by another process (the gateway of another window, `token-meter statusline`) show at once. */
  private watchLimits(dataDir: string): void {
    try {
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      this.watcher = fs.watch(dataDir, (_event, file) => {
        if (file !== LIMITS_FILE) return;
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.render(), FILE_CHANGE_DEBOUNCE_MS);
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No watching (some network file systems): the periodic refresh still picks readings up.
    }
  }

  /** Every reading on record; Codex's logged windows are recorded too, for the dashboard's week of history. */
  private readings(): LimitReading[] {
    const codex = this.logs.activity.rateLimits.get('codex');
    if (codex && codex.ts > this.codexRecordedAt) {
      try {
        this.limits.record(readingsFromCodexLog(codex));
        this.codexRecordedAt = codex.ts;
      } catch {
        // Not recorded (disk full, read-only folder): still shown below, and tried again next time.
      }
    }
    return [...this.limits.latest(), ...(codex ? readingsFromCodexLog(codex) : [])];
  }

  private render(): void {
    const now = Date.now();
    const settings = this.usage.settings;
    const limitSettings = resolveLimitSettings(readLimitSettings()).settings;
    const view = buildSubscriptionView({
      now,
      plans: settings.plans,
      activity: (provider) => this.usage.activity(provider),
      formatClock: (ts) => formatClock(ts, now, settings.timeZone),
      formatDate: (ts) => new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: settings.timeZone }).format(ts),
      readings: this.readings(),
      thresholds: limitSettings.warningThresholds,
      unusedWeeklyNote: limitSettings.unusedWeeklyNote,
    });
    if (view) {
      this.windowsItem.text = view.text;
      this.windowsItem.tooltip = new vscode.MarkdownString(view.tooltipMarkdown, true);
      this.windowsItem.accessibilityInformation = { label: view.accessibilityLabel, role: 'button' };
      this.windowsItem.backgroundColor =
        view.level === 'normal' ? undefined : new vscode.ThemeColor(`statusBarItem.${view.level}Background`);
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

  /** Each alert once (per block, per window and threshold), across reloads. */
  private async alert(alerts: Array<{ key: string; message: string }>): Promise<void> {
    const shown = this.state.get<string[]>(ALERTED_KEY, []);
    const fresh = alerts.filter((a) => !shown.includes(a.key));
    if (fresh.length === 0) return;
    await this.state.update(ALERTED_KEY, [...shown, ...fresh.map((a) => a.key)].slice(-50));
    for (const a of fresh) void vscode.window.showWarningMessage(vscode.l10n.t('Token Meter: {0}', a.message));
  }

  dispose(): void {
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    this.watcher?.close();
    for (const d of this.disposables) d.dispose();
  }
}
