import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatClock } from '../core/format';
import { addDays, recentDayKeys, startOfDay } from '../core/time';
import { LeaderLock } from '../store/leaderLock';
import { DATA_FILES } from '../store/paths';
import type { SyncService, SyncStatus } from '../sync/syncService';
import type { TeamBudgetResponse } from '../sync/teamClient';
import {
  chooseTeamEndpoint,
  httpOrigin,
  LEGACY_TEAM_TOKEN_KEY,
  teamTokenSecretKey,
  type OriginDecision,
  type TeamEndpointChoice,
} from '../core/settingScopes';
import { onDidChangeSettings, readTeamSettingValues, writeSetting } from './config';
import type { UsageService } from './usageService';

/**
 * Sends this machine's daily totals to the team endpoint and brings the team's budget back. The
 * token lives in SecretStorage, bound to the origin it was entered for; one window syncs (the sync
 * lock), on the interval and when it closes. An endpoint proposed by a workspace is used only once
 * the user has allowed its origin. The meter's tooltip shows where the endpoint came from, the last
 * successful sync and any problem.
 */

const NOTE_KEY = 'team-sync';
const RECENT_DAYS = 7;
const LOCK_FILE = DATA_FILES.syncLock;
/** The user's decisions on workspace-proposed endpoint origins, shared by every window. */
const DECISIONS_KEY = 'tokenMeter.teamEndpointDecisions';

type UsedEndpoint = Extract<TeamEndpointChoice, { kind: 'use' }>;

interface TeamSettings {
  choice: TeamEndpointChoice;
  intervalMinutes: number;
}

function policyOf(response: TeamBudgetResponse | undefined) {
  if (!response) return undefined;
  return { teamName: response.team.name, budget: response.budget, peakHours: response.peakHours };
}

export class TeamSyncController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private lock: LeaderLock | undefined;
  private running: Promise<void> | undefined;
  /** Origins already asked about in this window, so a dismissed question is not repeated until reload. */
  private readonly asked = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly usage: UsageService,
    private readonly dataDir: string,
    private readonly version: string,
    /** Prompt-hygiene findings per kind between two instants (the day's counters in the report). */
    private readonly hygieneCounts: (from: number, to: number) => Record<string, number>,
  ) {
    this.disposables.push(
      vscode.commands.registerCommand('tokenMeter.setTeamToken', () => this.setToken()),
      vscode.commands.registerCommand('tokenMeter.syncTeamNow', () => this.syncNow(true)),
      vscode.commands.registerCommand('tokenMeter.reviewTeamEndpoints', () => this.reviewDecisions()),
      context.secrets.onDidChange((e) => e.key.startsWith(LEGACY_TEAM_TOKEN_KEY) && void this.syncNow(false)),
      onDidChangeSettings(['team'], () => this.apply()),
    );
    this.apply();
  }

  private decisions(): Record<string, OriginDecision> {
    return this.context.globalState.get<Record<string, OriginDecision>>(DECISIONS_KEY) ?? {};
  }

  private readSettings(): TeamSettings {
    const values = readTeamSettingValues();
    return {
      choice: chooseTeamEndpoint(values.user, values.workspace, this.decisions()),
      intervalMinutes: values.intervalMinutes,
    };
  }

  private apply(): void {
    const settings = this.readSettings();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const { choice } = settings;
    if (choice.kind !== 'use') {
      this.usage.setTeamPolicy(undefined);
      this.usage.setNote(
        NOTE_KEY,
        choice.kind === 'none'
          ? undefined
          : choice.kind === 'ask'
            ? vscode.l10n.t(
                'Team sync: this workspace proposes the team endpoint {0}; nothing is sent until you allow it.',
                choice.origin || choice.endpoint,
              )
            : vscode.l10n.t(
                'Team sync: this workspace proposes the team endpoint {0}; nothing is sent ({1}).',
                choice.origin || choice.endpoint,
                choice.reason,
              ),
      );
      if (choice.kind === 'ask') void this.askAbout(choice.origin);
      return;
    }
    this.timer = setInterval(() => void this.syncNow(false), settings.intervalMinutes * 60_000);
    void this.syncNow(false);
  }

  /** Asks once per window whether this workspace's endpoint origin may receive the team totals. */
  private async askAbout(origin: string): Promise<void> {
    if (this.asked.has(origin)) return;
    this.asked.add(origin);
    const allow = vscode.l10n.t('Allow {0}', origin);
    const refuse = vscode.l10n.t("Don't Allow");
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        "Token Meter: this workspace's settings ask to send your daily usage totals (and a team token you enter for it) to {0}. Allow only if this is your team's server.",
        origin,
      ),
      allow,
      refuse,
    );
    if (answer !== allow && answer !== refuse) return;
    await this.context.globalState.update(DECISIONS_KEY, { ...this.decisions(), [origin]: { allowed: answer === allow, at: Date.now() } });
    this.apply();
  }

  /** Lists the remembered decisions on workspace endpoints; picking one forgets it (it is asked again). */
  private async reviewDecisions(): Promise<void> {
    const decisions = this.decisions();
    const origins = Object.keys(decisions);
    if (origins.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Token Meter: no workspace has proposed a team endpoint yet.'));
      return;
    }
    const zone = this.usage.settings.timeZone;
    const picked = await vscode.window.showQuickPick(
      origins.map((origin) => ({
        label: origin,
        description: decisions[origin].allowed
          ? vscode.l10n.t('allowed {0}', formatClock(decisions[origin].at, Date.now(), zone))
          : vscode.l10n.t('refused {0}', formatClock(decisions[origin].at, Date.now(), zone)),
        origin,
      })),
      {
        title: vscode.l10n.t('Token Meter: Team Endpoints Proposed by Workspaces'),
        placeHolder: vscode.l10n.t('Pick one to forget the decision (you are asked again)'),
        canPickMany: true,
      },
    );
    if (!picked || picked.length === 0) return;
    const kept = { ...decisions };
    for (const item of picked) {
      delete kept[item.origin];
      this.asked.delete(item.origin);
    }
    await this.context.globalState.update(DECISIONS_KEY, kept);
    this.apply();
  }

  private async setToken(): Promise<void> {
    let { choice } = this.readSettings();
    if (choice.kind === 'ask' || choice.kind === 'refused') {
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          'Token Meter: this workspace proposes the team endpoint {0}, which you have not allowed. Allow it first (or set tokenMeter.team.endpoint in your user settings); a token is kept for one endpoint only.',
          choice.origin || choice.endpoint,
        ),
      );
      if (choice.kind === 'ask') {
        this.asked.delete(choice.origin);
        void this.askAbout(choice.origin);
      }
      return;
    }
    if (choice.kind === 'none') {
      const endpoint = await vscode.window.showInputBox({
        title: vscode.l10n.t('Token Meter: Set Team Token (1/2)'),
        prompt: vscode.l10n.t(
          "Your team's budget endpoint, e.g. https://tokens.example.com (saved as tokenMeter.team.endpoint in your user settings).",
        ),
        ignoreFocusOut: true,
        validateInput: (v) => (httpOrigin(v.trim()) ? undefined : vscode.l10n.t('An http:// or https:// address.')),
      });
      if (endpoint === undefined) return;
      await writeSetting('team.endpoint', endpoint.trim());
      choice = this.readSettings().choice;
      if (choice.kind !== 'use') return;
    }
    const token = await vscode.window.showInputBox({
      title: vscode.l10n.t('Token Meter: Set Team Token'),
      prompt: vscode.l10n.t(
        "The token your team lead gave you for {0}. It is kept in VS Code's secret storage, never in settings, and sent to that endpoint only.",
        choice.origin,
      ),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? vscode.l10n.t('Paste the token, or press Escape.') : undefined),
    });
    if (token === undefined) return;
    await this.context.secrets.store(teamTokenSecretKey(choice.origin), token.trim());
  }

  /**
   * The token entered for this endpoint's origin. A token saved before tokens were bound to an
   * origin belongs to the user's own endpoint, never to one a workspace proposed.
   */
  private async tokenFor(endpoint: UsedEndpoint): Promise<string | undefined> {
    const key = teamTokenSecretKey(endpoint.origin);
    const token = await this.context.secrets.get(key);
    if (token || endpoint.from !== 'user') return token;
    const legacy = await this.context.secrets.get(LEGACY_TEAM_TOKEN_KEY);
    if (!legacy) return undefined;
    await this.context.secrets.store(key, legacy);
    await this.context.secrets.delete(LEGACY_TEAM_TOKEN_KEY);
    return legacy;
  }

  /** One sync at a time in this window, and in one window at a time on this machine. */
  private syncNow(userAsked: boolean): Promise<void> {
    this.running ??= this.runSync(userAsked).finally(() => (this.running = undefined));
    return this.running;
  }

  private async runSync(userAsked: boolean): Promise<void> {
    const settings = this.readSettings();
    const { choice } = settings;
    if (choice.kind !== 'use') {
      if (userAsked)
        void vscode.window.showInformationMessage(
          choice.kind === 'none'
            ? vscode.l10n.t('Token Meter: set tokenMeter.team.endpoint to sync with a team.')
            : vscode.l10n.t(
                'Token Meter: the team endpoint {0} proposed by this workspace is not allowed; nothing is sent.',
                choice.origin || choice.endpoint,
              ),
        );
      return;
    }
    const token = await this.tokenFor(choice);
    if (!token) {
      this.usage.setNote(
        NOTE_KEY,
        vscode.l10n.t('Team sync: no team token for {0} yet — run "Token Meter: Set Team Token".', choice.origin),
      );
      return;
    }
    if (this.lock && !this.lock.held) this.lock = undefined;
    this.lock ??= LeaderLock.tryAcquire(path.join(this.dataDir, LOCK_FILE));
    const service = this.service(choice, token);
    // Another window holds the sync lock: show its results (the state file is shared) without sending.
    const status = this.lock ? await service.sync() : service.status();
    this.show(choice, status);
    if (userAsked && status.problem) void vscode.window.showWarningMessage(vscode.l10n.t('Token Meter: {0}', status.problem));
  }

  private service(endpoint: UsedEndpoint, token: string): SyncService {
    // The sync client is loaded when a team endpoint is first used, not at activation (esbuild wraps a module required here).
    const { SyncService } = require('../sync/syncService') as typeof import('../sync/syncService');
    const zone = () => this.usage.settings.timeZone;
    return new SyncService({
      dataDir: this.dataDir,
      endpoint: endpoint.endpoint,
      ...(endpoint.teamId ? { teamId: endpoint.teamId } : {}),
      token,
      extensionVersion: this.version,
      rows: (from, to) => this.usage.rows(from, to),
      hygiene: (day) => this.hygieneCounts(startOfDay(day, zone()), startOfDay(addDays(day, 1), zone())),
      recentDays: (now) => recentDayKeys(now, RECENT_DAYS, zone()),
    });
  }

  private show(endpoint: UsedEndpoint, status: SyncStatus): void {
    this.usage.setTeamPolicy(policyOf(status.policy));
    const now = Date.now();
    const zone = this.usage.settings.timeZone;
    const last = status.lastSuccessAt
      ? vscode.l10n.t('last synced {0}', formatClock(status.lastSuccessAt, now, zone))
      : vscode.l10n.t('not synced yet');
    const state =
      status.pendingDays <= 0
        ? last
        : status.pendingDays === 1
          ? vscode.l10n.t('{0}, 1 day waiting', last)
          : vscode.l10n.t('{0}, {1} days waiting', last, status.pendingDays);
    const team = status.policy ? vscode.l10n.t('Team sync with {0}', status.policy.team.name) : vscode.l10n.t('Team sync');
    const who =
      endpoint.from === 'workspace'
        ? vscode.l10n.t(
            '{0} ({1}, proposed by this workspace, allowed by you {2})',
            team,
            endpoint.origin,
            formatClock(endpoint.approvedAt ?? now, now, zone),
          )
        : team;
    const note = vscode.l10n.t('{0}: {1}.', who, state);
    // The problem is worded in English by the sync client.
    this.usage.setNote(NOTE_KEY, status.problem ? vscode.l10n.t('{0} Problem: {1}', note, status.problem) : note);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
    // A last sync as the window closes; VS Code gives deactivation a few seconds at most.
    if (this.lock && this.readSettings().choice.kind === 'use') void this.syncNow(false).finally(() => this.lock?.release());
    else this.lock?.release();
  }
}
