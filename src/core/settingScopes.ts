import type { SettingKey } from './settingsSchema';

/**
 * Which settings a workspace may set. A cloned repository's `.vscode/settings.json` may set budgets,
 * peak hours and the like (a team lead's budget is a feature), but never where API keys, tokens or
 * usage go, nor what is read from disk or deleted from it: those are read from the user's own
 * settings only. The team endpoint is the one shared value a team genuinely needs; a workspace may
 * propose it, and it is used only after the user approves that exact origin.
 */

/**
 * Settings read from the user's own settings only. They are declared with `application` scope in
 * package.json (`machine` would drop them from the user settings of a remote window such as
 * code-server's), and `config.ts` reads them from the user's scope of `inspect()`, so a workspace value is
 * ignored whatever the VS Code version does with the scope.
 */
export const USER_ONLY_SETTINGS = [
  'gateway.enabled',
  'gateway.port',
  'gateway.openaiUpstream',
  'gateway.anthropicUpstream',
  'telemetry.otlpEndpoint',
  'models',
  'logCapture.enabled',
  'logCapture.sources',
  'retentionDays',
  'copilotQuota.enabled',
  'copilotQuota.endpoint',
] as const satisfies readonly SettingKey[];

/** Settings a workspace may propose, taken from it only once the user approves the endpoint's origin. */
export const APPROVAL_GATED_SETTINGS = ['team.endpoint', 'team.id'] as const satisfies readonly SettingKey[];

export type UserOnlySetting = (typeof USER_ONLY_SETTINGS)[number];
export type ApprovalGatedSetting = (typeof APPROVAL_GATED_SETTINGS)[number];

export interface TeamSettingValues {
  endpoint: string;
  teamId: string;
}

/**
 * A setting's value in one scope of the whole section (`inspect('tokenMeter').globalValue`, …), where
 * VS Code nests dotted keys: `budget.daily` is `{ budget: { daily } }`. Undefined when that scope does
 * not set it.
 */
export function valueInSection(section: unknown, key: SettingKey): unknown {
  let value = section;
  for (const part of key.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** What the user decided about a workspace's endpoint origin, remembered across windows. */
export interface OriginDecision {
  allowed: boolean;
  /** When the user decided (ms since the epoch). */
  at: number;
}

export type TeamEndpointChoice =
  | { kind: 'none' }
  | { kind: 'use'; endpoint: string; origin: string; teamId: string; from: 'user' | 'workspace'; approvedAt?: number }
  /** The workspace proposes an endpoint the user has not decided on yet: ask, send nothing meanwhile. */
  | { kind: 'ask'; endpoint: string; origin: string }
  /** The user refused this workspace's endpoint, or it is not an http(s) URL: nothing is sent. */
  | { kind: 'refused'; endpoint: string; origin: string; reason: string };

/** The origin (scheme://host:port) of an http or https URL, or undefined for anything else. */
export function httpOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The endpoint team sync uses. The user's own setting wins; a workspace's proposal is used only when
 * the user has allowed its exact origin, and the workspace's team id travels with it.
 */
export function chooseTeamEndpoint(
  user: TeamSettingValues,
  workspace: TeamSettingValues | undefined,
  decisions: Readonly<Record<string, OriginDecision>>,
): TeamEndpointChoice {
  if (user.endpoint) {
    const origin = httpOrigin(user.endpoint) ?? '';
    return { kind: 'use', endpoint: user.endpoint, origin, teamId: user.teamId, from: 'user' };
  }
  if (!workspace?.endpoint) return { kind: 'none' };
  const origin = httpOrigin(workspace.endpoint);
  if (!origin) return { kind: 'refused', endpoint: workspace.endpoint, origin: '', reason: 'it is not an http:// or https:// address' };
  const decision = Object.prototype.hasOwnProperty.call(decisions, origin) ? decisions[origin] : undefined;
  if (!decision) return { kind: 'ask', endpoint: workspace.endpoint, origin };
  if (!decision.allowed) return { kind: 'refused', endpoint: workspace.endpoint, origin, reason: 'you refused it' };
  return {
    kind: 'use',
    endpoint: workspace.endpoint,
    origin,
    teamId: workspace.teamId || user.teamId,
    from: 'workspace',
    approvedAt: decision.at,
  };
}

/**
 * The team token is kept per origin: a token entered for one endpoint is never sent to another, so
 * approving a workspace's endpoint does not hand it the token of the user's own team.
 */
export function teamTokenSecretKey(origin: string): string {
  return `tokenMeter.teamToken@${origin}`;
}

/** Where tokens were kept before they were bound to an origin; read once and moved to the user's endpoint. */
export const LEGACY_TEAM_TOKEN_KEY = 'tokenMeter.teamToken';
