import * as vscode from 'vscode';
import { parseBudgetInput } from './budgetInput';
import { settingValues, writeSetting, type SettingTarget } from './config';

type Period = 'daily' | 'weekly' | 'monthly';

interface PeriodChoice extends vscode.QuickPickItem {
  value: Period;
  /** The amount box's title. */
  title: string;
  /** The confirmation, given the amount shown and where it was saved. */
  saved: (amount: string, where: string) => string;
}

/** Whole sentences per period, so a translation need not build them from a lower-cased label. */
function periodChoices(): PeriodChoice[] {
  return [
    {
      label: vscode.l10n.t('Daily'),
      value: 'daily',
      description: vscode.l10n.t('resets at midnight in your time zone'),
      title: vscode.l10n.t('Token Meter: Daily budget'),
      saved: (amount, where) => vscode.l10n.t('Token Meter: daily budget set to {0} ({1}).', amount, where),
    },
    {
      label: vscode.l10n.t('Weekly'),
      value: 'weekly',
      description: vscode.l10n.t('resets on the first day of your week'),
      title: vscode.l10n.t('Token Meter: Weekly budget'),
      saved: (amount, where) => vscode.l10n.t('Token Meter: weekly budget set to {0} ({1}).', amount, where),
    },
    {
      label: vscode.l10n.t('Monthly'),
      value: 'monthly',
      description: vscode.l10n.t('resets on the 1st'),
      title: vscode.l10n.t('Token Meter: Monthly budget'),
      saved: (amount, where) => vscode.l10n.t('Token Meter: monthly budget set to {0} ({1}).', amount, where),
    },
  ];
}

/** "Token Meter: Set Budget…": period, amount, then where to save it (user or this workspace). */
export async function setBudgetCommand(): Promise<void> {
  const unit = settingValues()['budget.unit'];
  const period = await vscode.window.showQuickPick(periodChoices(), {
    title: vscode.l10n.t('Token Meter: Set Budget'),
    placeHolder: vscode.l10n.t('Which budget?'),
  });
  if (!period) return;
  const current = settingValues()[`budget.${period.value}`];
  const amountText = await vscode.window.showInputBox({
    title: period.title,
    prompt:
      unit === 'usd'
        ? vscode.l10n.t('Amount in US dollars (0 for no limit). Peak-hour usage counts with its multiplier.')
        : vscode.l10n.t('Amount in tokens (0 for no limit).'),
    value: current ? String(current) : '',
    validateInput: (text) =>
      parseBudgetInput(text) === undefined ? vscode.l10n.t('Enter a number, 0 or more, such as 10 or 7.50.') : undefined,
  });
  if (amountText === undefined) return;
  const amount = parseBudgetInput(amountText)!;
  const targets: Array<vscode.QuickPickItem & { value: SettingTarget }> = [
    { label: vscode.l10n.t('For me'), value: 'user', description: vscode.l10n.t('user settings, every workspace') },
  ];
  if (vscode.workspace.workspaceFolders?.length) {
    targets.push({
      label: vscode.l10n.t('For this workspace'),
      value: 'workspace',
      description: vscode.l10n.t('.vscode/settings.json — shared with the team if committed, overrides personal budgets'),
    });
  }
  const target =
    targets.length === 1
      ? targets[0]
      : await vscode.window.showQuickPick(targets, { title: vscode.l10n.t('Token Meter: Save budget where?') });
  if (!target) return;
  await writeSetting(`budget.${period.value}`, amount, target.value);
  const shown =
    amount === 0 ? vscode.l10n.t('no limit') : unit === 'usd' ? `$${amount}` : vscode.l10n.t('{0} tokens', amount.toLocaleString('en-US'));
  const where = target.value === 'user' ? vscode.l10n.t('user settings') : vscode.l10n.t('this workspace');
  void vscode.window.showInformationMessage(period.saved(shown, where));
}
