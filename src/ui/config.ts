import * as vscode from 'vscode';
import type { RawLimitSettings } from '../core/limits/settings';
import type { TeamSettingValues, UserOnlySetting } from '../core/settingScopes';
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
 * A setting that decides where keys, tokens or data go, or what is read from disk, from the user's
 * own settings only: a workspace's value is ignored even where VS Code would apply it.
 */
function userOnly(config: vscode.WorkspaceConfiguration, key: UserOnlySetting): unknown {
  const inspected = config.inspect(key);
  return inspected?.globalValue ?? inspected?.defaultValue;
}

function trimmedString(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * The one place that reads Token Meter's settings from VS Code. Values are passed on untyped:
 * `resolveSettings` in the core validates them and names any setting it had to ignore.
 */
export function readRawSettings(): RawSettings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const get = (key: string): unknown => config.get(key);
  const user = (key: UserOnlySetting): unknown => userOnly(config, key);
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
    retentionDays: user('retentionDays'),
    gateway: {
      enabled: user('gateway.enabled'),
      port: user('gateway.port'),
      openaiUpstream: user('gateway.openaiUpstream'),
      anthropicUpstream: user('gateway.anthropicUpstream'),
      budgetEnforcement: get('gateway.budgetEnforcement'),
      maxBodyMB: get('gateway.maxBodyMB'),
      spikeAlert: get('gateway.spikeAlert'),
    },
    logCapture: { enabled: user('logCapture.enabled'), sources: user('logCapture.sources') },
    plans: get('plans'),
    planLimits: get('planLimits'),
    contextGauge: { enabled: get('contextGauge.enabled'), warnAtPercent: get('contextGauge.warnAtPercent') },
  };
}

/** The limits meter's settings; whether and where the GitHub token goes from user settings only. */
export function readLimitSettings(): RawLimitSettings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  return {
    warningThresholds: config.get('limits.warningThresholds'),
    unusedWeeklyNote: config.get('limits.unusedWeeklyNote'),
    copilotQuotaEnabled: userOnly(config, 'copilotQuota.enabled'),
    copilotQuotaEndpoint: userOnly(config, 'copilotQuota.endpoint'),
  };
}

/** The chat models the user configured (`tokenMeter.models`), from user settings only. */
export function readChatModelSettings(): unknown {
  return userOnly(vscode.workspace.getConfiguration(CONFIG_SECTION), 'models');
}

/** The OpenTelemetry collector address, from user settings only; '' when off. */
export function readOtlpEndpoint(): string {
  return trimmedString(userOnly(vscode.workspace.getConfiguration(CONFIG_SECTION), 'telemetry.otlpEndpoint'));
}

/**
 * The team endpoint and id as the user set them, and as the workspace proposes them (folder
 * settings win over the workspace file, as elsewhere). Which one is used is decided by
 * `chooseTeamEndpoint` with the user's approvals.
 */
export function readTeamSettingValues(): { user: TeamSettingValues; workspace: TeamSettingValues | undefined; intervalMinutes: unknown } {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const endpoint = config.inspect('team.endpoint');
  const teamId = config.inspect('team.id');
  // Restricted Mode drops these from the workspace already (restrictedConfigurations); this holds regardless.
  const workspaceEndpoint = vscode.workspace.isTrusted ? trimmedString(endpoint?.workspaceFolderValue ?? endpoint?.workspaceValue) : '';
  return {
    user: { endpoint: trimmedString(endpoint?.globalValue), teamId: trimmedString(teamId?.globalValue) },
    workspace: workspaceEndpoint
      ? { endpoint: workspaceEndpoint, teamId: trimmedString(teamId?.workspaceFolderValue ?? teamId?.workspaceValue) }
      : undefined,
    intervalMinutes: config.get('team.syncIntervalMinutes'),
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
