import * as vscode from 'vscode';
import { setBudgetCommand } from './budgetCommand';
import { writeSetting } from './config';
import { exportUsageCommand } from './exportCommand';
import { setModelPriceCommand } from './setPriceCommand';
import { OVERRIDE_COMMAND_ID, type BudgetOverride } from '../core/budgetGuard';
import type { GatewayController } from './gatewayController';
import type { UsageService } from './usageService';
import type { LazyDashboard } from './dashboard/lazyDashboard';
import { EXTENSION_ID } from '../store/paths';

async function clearLocalDataCommand(usage: UsageService): Promise<void> {
  const confirm = vscode.l10n.t('Delete Usage Data');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete all usage Token Meter has recorded on this machine?'),
    {
      modal: true,
      detail: vscode.l10n.t(
        'Totals, budgets progress, history, prompt-hygiene findings and limit readings start again from zero. Settings are kept. This cannot be undone.',
      ),
    },
    confirm,
  );
  if (choice !== confirm) return;
  usage.clear();
  void vscode.window.showInformationMessage(vscode.l10n.t('Token Meter: local usage data deleted.'));
}

/** Recorded in the shared data dir, so whichever window runs the gateway, and every window's chat models, honour it. */
function allowOverBudgetCommand(override: BudgetOverride): void {
  const until = override.allowOneHour();
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Token Meter: requests over budget are allowed for the next hour (until {0}).', new Date(until).toLocaleTimeString()),
  );
}

async function showGatewayUrlsCommand(gateway: GatewayController): Promise<void> {
  const urls = gateway.urls;
  if (!urls) {
    const enable = vscode.l10n.t('Enable Gateway');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Token Meter: the metering gateway is off.'), enable);
    if (choice === enable) await writeSetting('gateway.enabled', true);
    return;
  }
  const picked = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('OpenAI base URL'), detail: urls.openai, value: urls.openai },
      { label: vscode.l10n.t('Anthropic base URL'), detail: urls.anthropic, value: urls.anthropic },
      {
        label: vscode.l10n.t('Shell exports'),
        detail: 'export OPENAI_BASE_URL=… ANTHROPIC_BASE_URL=…',
        value: `export OPENAI_BASE_URL=${urls.openai}\nexport ANTHROPIC_BASE_URL=${urls.anthropic}\n`,
      },
    ],
    {
      title: vscode.l10n.t('Token Meter gateway — pick one to copy'),
      placeHolder: vscode.l10n.t('New VS Code terminals already use these.'),
    },
  );
  if (picked) await vscode.env.clipboard.writeText(picked.value);
}

export function registerCommands(
  usage: UsageService,
  dashboard: LazyDashboard,
  gateway: GatewayController,
  override: BudgetOverride,
): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('tokenMeter.showUsageThisWeek', () => dashboard.show()),
    vscode.commands.registerCommand('tokenMeter.setBudget', () => setBudgetCommand()),
    vscode.commands.registerCommand('tokenMeter.exportUsage', () => exportUsageCommand(usage)),
    vscode.commands.registerCommand('tokenMeter.clearLocalData', () => clearLocalDataCommand(usage)),
    vscode.commands.registerCommand(OVERRIDE_COMMAND_ID, () => allowOverBudgetCommand(override)),
    vscode.commands.registerCommand('tokenMeter.showGatewayUrls', () => showGatewayUrlsCommand(gateway)),
    vscode.commands.registerCommand('tokenMeter.setModelPrice', (model?: unknown) => setModelPriceCommand(usage, model)),
    vscode.commands.registerCommand('tokenMeter.openSettings', () =>
      vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${EXTENSION_ID}`),
    ),
  ];
}
