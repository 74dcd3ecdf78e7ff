import * as vscode from 'vscode';
import { parseBudgetInput } from './budgetInput';
import { settingValues, writeSetting, type SettingTarget } from './config';

type Period = 'daily' | 'weekly' | 'monthly';

/** "Token Meter: Set Budget…": period, amount, then where to save it (user or this workspace). */
export async function setBudgetCommand(): Promise<void> {
  const unit = settingValues()['budget.unit'];
  const period = await vscode.window.showQuickPick(
    [
      { label: 'Daily', value: 'daily' as Period, description: 'resets at midnight in your time zone' },
      { label: 'Weekly', value: 'weekly' as Period, description: 'resets on the first day of your week' },
      { label: 'Monthly', value: 'monthly' as Period, description: 'resets on the 1st' },
    ],
    { title: 'Token Meter: Set Budget', placeHolder: 'Which budget?' },
  );
  if (!period) return;
  const current = settingValues()[`budget.${period.value}`];
  const amountText = await vscode.window.showInputBox({
    title: `Token Meter: ${period.label} budget`,
    prompt:
      unit === 'usd'
        ? 'Amount in US dollars (0 for no limit). Peak-hour usage counts with its multiplier.'
        : 'Amount in tokens (0 for no limit).',
    value: current ? String(current) : '',
    validateInput: (text) => (parseBudgetInput(text) === undefined ? 'Enter a number, 0 or more, such as 10 or 7.50.' : undefined),
  });
  if (amountText === undefined) return;
  const amount = parseBudgetInput(amountText)!;
  const targets: Array<vscode.QuickPickItem & { value: SettingTarget }> = [
    { label: 'For me', value: 'user', description: 'user settings, every workspace' },
  ];
  if (vscode.workspace.workspaceFolders?.length) {
    targets.push({
      label: 'For this workspace',
      value: 'workspace',
      description: '.vscode/settings.json — shared with the team if committed, overrides personal budgets',
    });
  }
  const target =
    targets.length === 1 ? targets[0] : await vscode.window.showQuickPick(targets, { title: 'Token Meter: Save budget where?' });
  if (!target) return;
  await writeSetting(`budget.${period.value}`, amount, target.value);
  const shown = amount === 0 ? 'no limit' : unit === 'usd' ? `$${amount}` : `${amount.toLocaleString('en-US')} tokens`;
  void vscode.window.showInformationMessage(
    `Token Meter: ${period.label.toLowerCase()} budget set to ${shown} (${target.value === 'user' ? 'user settings' : 'this workspace'}).`,
  );
}
