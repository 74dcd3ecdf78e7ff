import * as vscode from 'vscode';
import type { RawSettings, SettingSource } from '../core/settings';

export const CONFIG_SECTION = 'tokenMeter';

/** Budget keys whose origin the meter names ("set by this workspace"). */
const BUDGET_LIMIT_KEYS = ['daily', 'weekly', 'monthly'] as const;

function sourceOf(config: vscode.WorkspaceConfiguration, key: string): SettingSource {
  const inspected = config.inspect(key);
  if (!inspected) return 'default';
  if (inspected.workspaceFolderValue !== undefined) return 'workspaceFolder';
  if (inspected.workspaceValue !== undefined) return 'workspace';
  if (inspected.globalValue !== undefined) return 'user';
  return 'default';
}

/**
 * The one place that reads Token Meter's settings from VS Code. Values are passed on untyped:
 * `resolveSettings` in the core validates them and names any setting it had to ignore.
 */
export function readRawSettings(): RawSettings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const get = (key: string): unknown => config.get(key);
  return {
    budget: {
      daily: get('budget.daily'),
      weekly: get('budget.weekly'),
      monthly: get('budget.monthly'),
      unit: get('budget.unit'),
      warningThresholds: get('budget.warningThresholds'),
    },
    budgetSources: Object.fromEntries(BUDGET_LIMIT_KEYS.map((k) => [k, sourceOf(config, `budget.${k}`)])) as RawSettings['budgetSources'],
    unitSource: sourceOf(config, 'budget.unit'),
    weekStart: get('weekStart'),
    timeZone: get('timeZone'),
    statusBar: { display: get('statusBar.display'), period: get('statusBar.period') },
    peakHours: {
      enabled: get('peakHours.enabled'),
      preset: get('peakHours.preset'),
      timeZone: get('peakHours.timeZone'),
      windows: get('peakHours.windows'),
      multiplier: get('peakHours.multiplier'),
    },
    pricingOverrides: get('pricing.overrides'),
    pricingAutoUpdate: get('pricing.autoUpdate'),
    retentionDays: get('retentionDays'),
    gateway: {
      enabled: get('gateway.enabled'),
      port: get('gateway.port'),
      openaiUpstream: get('gateway.openaiUpstream'),
      anthropicUpstream: get('gateway.anthropicUpstream'),
      budgetEnforcement: get('gateway.budgetEnforcement'),
      maxBodyMB: get('gateway.maxBodyMB'),
      spikeAlert: get('gateway.spikeAlert'),
    },
    logCapture: { enabled: get('logCapture.enabled'), sources: get('logCapture.sources') },
    plans: get('plans'),
    planLimits: get('planLimits'),
    contextGauge: { enabled: get('contextGauge.enabled'), warnAtPercent: get('contextGauge.warnAtPercent') },
  };
}

/** Fires when any Token Meter setting changes, in user, workspace or folder settings. */
export function onDidChangeSettings(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration(CONFIG_SECTION)) listener();
  });
}

export type BudgetTarget = 'user' | 'workspace';

export async function updateSetting(key: string, value: unknown, target: BudgetTarget): Promise<void> {
  const configTarget = target === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration(CONFIG_SECTION).update(key, value, configTarget);
}
