import * as vscode from 'vscode';
import { setBudgetCommand } from './budgetCommand';
import { exportUsageCommand } from './exportCommand';
import type { UsageService } from './usageService';
import type { WeekSummaryDocument } from './weekSummaryDocument';

export const EXTENSION_ID = 'tokenmeter.token-meter';

async function clearLocalDataCommand(usage: UsageService): Promise<void> {
  const confirm = 'Delete Usage Data';
  const choice = await vscode.window.showWarningMessage(
    'Delete all usage Token Meter has recorded on this machine?',
    { modal: true, detail: 'Totals, budgets progress and history start again from zero. Settings are kept. This cannot be undone.' },
    confirm,
  );
  if (choice !== confirm) return;
  usage.clear();
  void vscode.window.showInformationMessage('Token Meter: local usage data deleted.');
}

export function registerCommands(usage: UsageService, weekSummary: WeekSummaryDocument): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('tokenMeter.showUsageThisWeek', () => weekSummary.show()),
    vscode.commands.registerCommand('tokenMeter.setBudget', () => setBudgetCommand()),
    vscode.commands.registerCommand('tokenMeter.exportUsage', () => exportUsageCommand(usage)),
    vscode.commands.registerCommand('tokenMeter.clearLocalData', () => clearLocalDataCommand(usage)),
    vscode.commands.registerCommand('tokenMeter.openSettings', () =>
      vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${EXTENSION_ID}`),
    ),
  ];
}
