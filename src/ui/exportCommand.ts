import * as vscode from 'vscode';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import { usageToCsv, usageToJson } from '../core/export';
import { rangeDays, type UsageRange } from '../core/usage';
import type { UsageService } from './usageService';

/** "Token Meter: Export Usage (CSV/JSON)": daily totals for a chosen period, to a file the user picks. */
export async function exportUsageCommand(usage: UsageService): Promise<void> {
  const format = await vscode.window.showQuickPick(
    [
      { label: 'CSV', value: 'csv' as const, description: vscode.l10n.t('for spreadsheets') },
      { label: 'JSON', value: 'json' as const, description: vscode.l10n.t('for scripts') },
    ],
    { title: vscode.l10n.t('Token Meter: Export Usage'), placeHolder: vscode.l10n.t('File format') },
  );
  if (!format) return;
  const periods: Array<vscode.QuickPickItem & { value: UsageRange }> = [
    { label: vscode.l10n.t('This week'), value: 'week' },
    { label: vscode.l10n.t('Last week'), value: 'lastWeek' },
    { label: vscode.l10n.t('This month'), value: 'month' },
    { label: vscode.l10n.t('Everything kept on this machine'), value: 'all' },
  ];
  const period = await vscode.window.showQuickPick(periods, {
    title: vscode.l10n.t('Token Meter: Export Usage'),
    placeHolder: vscode.l10n.t('Period'),
  });
  if (!period) return;
  const { fromDay, toDay } = rangeDays(period.value, usage.now(), usage.settings);
  await exportUsageFile(usage, format.value, fromDay, toDay);
}

/** Asks where to save the daily totals of [fromDay, toDay], writes them, and offers to open the file. */
export async function exportUsageFile(usage: UsageService, format: 'csv' | 'json', fromDay: string, toDay: string): Promise<void> {
  const rows = usage.rows(fromDay, toDay);
  const defaultFolder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  const target = await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Export Token Meter usage'),
    defaultUri: vscode.Uri.joinPath(defaultFolder, `token-meter-usage-${fromDay}-to-${toDay}.${format}`),
    filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
  });
  if (!target) return;
  const content =
    format === 'csv'
      ? usageToCsv(rows)
      : usageToJson(rows, { fromDay, toDay, timeZone: usage.settings.timeZone, generatedAt: new Date(usage.now()).toISOString() });
  await fs.writeFile(target.fsPath, content, 'utf8');
  const open = vscode.l10n.t('Open');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('Token Meter: exported {0} rows to {1}.', rows.length, target.fsPath),
    open,
  );
  if (choice === open) await vscode.window.showTextDocument(target);
}
