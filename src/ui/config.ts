import * as vscode from 'vscode';
import type { ChatProviderSettings } from '../capture/lm/provider';
import type { RawHygieneSettings } from '../core/hygiene/settings';
import type { RawLimitSettings } from '../core/limits/settings';
import {
  APPROVAL_GATED_SETTINGS,
  USER_ONLY_SETTINGS,
  valueInSection,
  type ApprovalGatedSetting,
  type TeamSettingValues,
} from '../core/settingScopes';
import type { RawSettings, SettingSource } from '../core/settings';
import { SectionedSettings } from '../core/settingsSections';
import {
  SETTING_KEYS,
  SETTINGS_PREFIX,
  type RawSettingValues,
  type SettingKey,
  type SettingSection,
  type SettingValues,
} from '../core/settingsSchema';

/**
 * The one place that reads and writes Token Meter's settings in VS Code. Values are validated by
 * the schema (core/settingsSchema.ts); each part of the extension subscribes to its own sections.
 */
export const CONFIG_SECTION = SETTINGS_PREFIX;

/** Settings whose origin the meter names ("set by this workspace"). */
const SOURCED_KEYS: readonly SettingKey[] = ['budget.daily', 'budget.weekly', 'budget.monthly'];
/**
 * Read from the user's own settings only: a workspace's value is ignored even where VS Code would
 * apply it. The team endpoint and id a workspace proposes are read apart, as proposals.
 */
const FROM_USER_ONLY: ReadonlySet<SettingKey> = new Set<SettingKey>([...USER_ONLY_SETTINGS, ...APPROVAL_GATED_SETTINGS]);

/** Each scope's values of the whole section, from one `inspect` (see `valueInSection`). */
interface SectionScopes {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

function sourceOf(scopes: SectionScopes, key: SettingKey): SettingSource {
  if (valueInSection(scopes.workspaceFolderValue, key) !== undefined) return 'workspaceFolder';
  if (valueInSection(scopes.workspaceValue, key) !== undefined) return 'workspace';
  if (valueInSection(scopes.globalValue, key) !== undefined) return 'user';
  return 'default';
}

/** What a trusted workspace proposes for the team settings (folder settings win over the workspace file). */
function workspaceProposals(scopes: SectionScopes): Partial<Record<ApprovalGatedSetting, unknown>> {
  // Restricted Mode drops these from the workspace already (restrictedConfigurations); this holds regardless.
  if (!vscode.workspace.isTrusted) return {};
  const proposals: Partial<Record<ApprovalGatedSetting, unknown>> = {};
  for (const key of APPROVAL_GATED_SETTINGS)
    proposals[key] = valueInSection(scopes.workspaceFolderValue, key) ?? valueInSection(scopes.workspaceValue, key);
  return proposals;
}

function readFromEditor(): RawSettings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  // One inspect of the whole section rather than one per key: each call consolidates every scope.
  // At activation in code-server the 18 calls took 5–12 ms of wall time (on a busy machine), the one 0.5–2 ms.
  const scopes: SectionScopes = vscode.workspace.getConfiguration().inspect(CONFIG_SECTION) ?? {};
  const values: RawSettingValues = {};
  for (const key of SETTING_KEYS) values[key] = FROM_USER_ONLY.has(key) ? valueInSection(scopes.globalValue, key) : config.get(key);
  const sources: Partial<Record<SettingKey, SettingSource>> = {};
  for (const key of SOURCED_KEYS) sources[key] = sourceOf(scopes, key);
  return { values, sources, proposals: workspaceProposals(scopes) };
}

let current: SectionedSettings | undefined;

/**
 * Reads the settings and follows their changes until disposed; call once, first, at activation.
 * A broken value is reported (naming the setting) when it is read, and that setting alone falls back.
 */
export function startSettings(onProblem: (message: string) => void): vscode.Disposable {
  const settings = new SectionedSettings(readFromEditor, onProblem);
  current = settings;
  const watching = vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration(CONFIG_SECTION)) settings.refresh();
  });
  // Granting trust lets a workspace's team proposal through.
  const trust = vscode.workspace.onDidGrantWorkspaceTrust(() => settings.refresh());
  // Reads after this (a timer firing during shutdown) see the last values.
  return new vscode.Disposable(() => {
    watching.dispose();
    trust.dispose();
  });
}

function service(): SectionedSettings {
  if (!current) throw new Error('Token Meter settings were read before startSettings ran.');
  return current;
}

/** Every setting, validated: a broken value is replaced by its default. */
export function settingValues(): SettingValues {
  return service().values;
}

/** The settings as read, with their origins, for `resolveSettings` (here or in a worker thread). */
export function readRawSettings(): RawSettings {
  return service().rawSettings;
}

/** Calls `listener` when a value in any of these sections changes (and not for other sections). */
export function onDidChangeSettings(sections: readonly SettingSection[], listener: () => void): vscode.Disposable {
  const subscription = service().onDidChange(sections, listener);
  return new vscode.Disposable(() => subscription.dispose());
}

/** The limits meter's settings; whether and where the GitHub token goes from user settings only. */
export function readLimitSettings(): RawLimitSettings {
  const values = service().values;
  return {
    warningThresholds: values['limits.warningThresholds'],
    unusedWeeklyNote: values['limits.unusedWeeklyNote'],
    copilotQuotaEnabled: values['copilotQuota.enabled'],
    copilotQuotaEndpoint: values['copilotQuota.endpoint'],
  };
}

/** `tokenMeter.hygiene.*`, by key without the prefix. */
export function readHygieneSettings(): RawHygieneSettings {
  const values = service().values;
  const prefix = 'hygiene.';
  return Object.fromEntries(SETTING_KEYS.filter((key) => key.startsWith(prefix)).map((key) => [key.slice(prefix.length), values[key]]));
}

/** The chat models the user configured (`tokenMeter.models`), from user settings only. */
export function readChatModelSettings(): unknown[] {
  return service().values.models;
}

/** What the metered chat-model provider reads: its models, its pre-send check, and when the models change. */
export function chatProviderSettings(): ChatProviderSettings {
  return {
    models: readChatModelSettings,
    preSend: () => {
      const values = service().values;
      return {
        requestThreshold: values['lm.requestThreshold'],
        budgetEnforcement: values['lm.budgetEnforcement'],
        askBeforeSending: values['lm.askBeforeSending'],
      };
    },
    onDidChangeModels: (listener) => onDidChangeSettings(['models'], listener),
  };
}

/** The OpenTelemetry collector address, from user settings only; '' when off. */
export function readOtlpEndpoint(): string {
  return service().values['telemetry.otlpEndpoint'].trim();
}

/** The user's own value of a setting, as written in their settings (undefined when unset). */
export function userSettingValue(key: SettingKey): unknown {
  return vscode.workspace.getConfiguration(CONFIG_SECTION).inspect(key)?.globalValue;
}

/**
 * The team endpoint and id as the user set them, and as the workspace proposes them. Which one is
 * used is decided by `chooseTeamEndpoint` with the user's approvals.
 */
export function readTeamSettingValues(): { user: TeamSettingValues; workspace: TeamSettingValues | undefined; intervalMinutes: number } {
  const { proposals = {} } = service().rawSettings;
  const values = service().values;
  const trimmed = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
  const workspaceEndpoint = trimmed(proposals['team.endpoint']);
  return {
    user: { endpoint: values['team.endpoint'].trim(), teamId: values['team.id'].trim() },
    workspace: workspaceEndpoint ? { endpoint: workspaceEndpoint, teamId: trimmed(proposals['team.id']) } : undefined,
    intervalMinutes: values['team.syncIntervalMinutes'],
  };
}

/** Where a written setting goes: the user's settings, or this workspace's `.vscode/settings.json`. */
export type SettingTarget = 'user' | 'workspace';

/** Writes a setting, typed by the schema. Settings read from user settings only are always written there. */
export async function writeSetting<K extends SettingKey>(key: K, value: SettingValues[K], target: SettingTarget = 'user'): Promise<void> {
  const toWorkspace = target === 'workspace' && !FROM_USER_ONLY.has(key);
  const configTarget = toWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration(CONFIG_SECTION).update(key, value, configTarget);
  // Whoever wrote it reads it next: do not wait for the change event to bring it.
  service().refresh();
}
