import * as vscode from 'vscode';
import type { MeterView } from '../core/meter';

const TRUSTED_COMMANDS = ['tokenMeter.showUsageThisWeek', 'tokenMeter.setBudget', 'tokenMeter.openSettings', 'tokenMeter.setModelPrice'];

/** Renders a MeterView into one status-bar item; knows nothing about how the numbers were made. */
export class MeterStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('tokenMeter.meter', vscode.StatusBarAlignment.Right, 100);
    this.item.name = vscode.l10n.t('Token Meter');
    this.item.command = 'tokenMeter.showUsageThisWeek';
    this.item.text = vscode.l10n.t('$(pulse) Token Meter');
    this.item.show();
  }

  render(view: MeterView): void {
    this.item.text = view.text;
    this.item.accessibilityInformation = { label: view.accessibilityLabel, role: 'button' };
    const tooltip = new vscode.MarkdownString(view.tooltipMarkdown, true);
    tooltip.isTrusted = { enabledCommands: TRUSTED_COMMANDS };
    tooltip.supportThemeIcons = true;
    this.item.tooltip = tooltip;
    this.item.backgroundColor =
      view.level === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : view.level === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
