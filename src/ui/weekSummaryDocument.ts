import * as vscode from 'vscode';
import { renderWeekSummary } from '../core/weekSummary';
import { dayKey } from '../core/time';
import { budgetLinesFor, rangeDays } from '../core/usage';
import type { UsageService } from './usageService';

const SCHEME = 'token-meter';

/**
 * "Show My Usage This Week" as a read-only Markdown document that refreshes when usage changes.
 * (The charted dashboard replaces it once it exists.)
 */
export class WeekSummaryDocument implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;
  private readonly usageListener: vscode.Disposable;
  private readonly uri = vscode.Uri.from({ scheme: SCHEME, path: '/Token Meter — Usage This Week.md' });

  constructor(private readonly usage: UsageService) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);
    this.usageListener = usage.onDidChange(() => this.changed.fire(this.uri));
  }

  provideTextDocumentContent(): string {
    const now = this.usage.now();
    const settings = this.usage.settings;
    const { fromDay, toDay } = rangeDays('week', now, settings);
    return renderWeekSummary({
      fromDay,
      toDay,
      todayKey: dayKey(now, settings.timeZone),
      timeZone: settings.timeZone,
      rows: this.usage.rows(fromDay, toDay),
      budgetLines: budgetLinesFor(settings, (from, to) => this.usage.rows(from, to), now),
    });
  }

  async show(): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(this.uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.usageListener.dispose();
    this.changed.dispose();
  }
}
