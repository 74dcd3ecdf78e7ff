import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatClock } from '../core/format';
import { addDays, dayKey, startOfDay } from '../core/time';
import { LeaderLock } from '../store/leaderLock';
import type { SyncService, SyncStatus } from '../sync/syncService';
import type { TeamBudgetResponse } from '../sync/teamClient';
import { CONFIG_SECTION } from './config';
import type { UsageService } from './usageService';

/**
 * Sends this machine's daily totals to the team endpoint and brings the team's budget back. The
 * token lives in SecretStorage; one window syncs (the sync lock), on the interval and when it
 * closes. The meter's tooltip shows the last successful sync and any problem.
 */

const TOKEN_SECRET = 'tokenMeter.teamToken';
const NOTE_KEY = 'team-sync';
const RECENT_DAYS = 7;
const LOCK_FILE = 'sync.lock';

interface TeamSettings {
  endpoint: string;
  teamId: string;
  intervalMinutes: number;
}

function readTeamSettings(): TeamSettings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const interval = config.get<number>('team.syncIntervalMinutes', 15);
  return {
    endpoint: (config.get<string>('team.endpoint', '') ?? '').trim(),
    teamId: (config.get<string>('team.id', '') ?? '').trim(),
    intervalMinutes: typeof interval === 'number' && interval >= 1 ? interval : 15,
  };
}

function policyOf(response: TeamBudgetResponse | undefined) {
  if (!response) return undefined;
  return { teamName: response.team.name, budget: response.budget, peakHours: response.peakHours };
}

export class TeamSyncController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private lock: LeaderLock | undefined;
  private settingsKey = '';
  private running: Promise<void> | undefined;

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
      context.secrets.onDidChange((e) => e.key === TOKEN_SECRET && void this.syncNow(false)),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(`${CONFIG_SECTION}.team`) && this.apply()),
    );
    this.apply();
  }

  private apply(): void {
    const settings = readTeamSettings();
    const key = JSON.stringify(settings);
    if (key === this.settingsKey) return;
    this.settingsKey = key;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!settings.endpoint) {
      this.usage.setTeamPolicy(undefined);
      this.usage.setNote(NOTE_KEY, undefined);
      return;
    }
    this.timer = setInterval(() => void this.syncNow(false), settings.intervalMinutes * 60_000);
    void this.syncNow(false);
  }

  private async setToken(): Promise<void> {
    const token = await vscode.window.showInputBox({
      title: 'Token Meter: Set Team Token',
      prompt: 'The token your team lead gave you. It is kept in VS Code\'s secret storage, never in settings.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'Paste the token, or press Escape.' : undefined),
    });
    if (token === undefined) return;
    await this.context.secrets.store(TOKEN_SECRET, token.trim());
    if (!readTeamSettings().endpoint) {
      void vscode.window.showInformationMessage('Token Meter: team token saved. Set tokenMeter.team.endpoint to start syncing.', 'Open Settings').then((c) => {
        if (c) void vscode.commands.executeCommand('workbench.action.openSettings', `${CONFIG_SECTION}.team`);
      });
    }
  }

  /** One sync at a time in this window, and in one window at a time on this machine. */
  private syncNow(userAsked: boolean): Promise<void> {
    this.running ??= this.runSync(userAsked).finally(() => (this.running = undefined));
    return this.running;
  }

  private async runSync(userAsked: boolean): Promise<void> {
    const settings = readTeamSettings();
    if (!settings.endpoint) {
      if (userAsked) void vscode.window.showInformationMessage('Token Meter: set tokenMeter.team.endpoint to sync with a team.');
      return;
    }
    const token = await this.context.secrets.get(TOKEN_SECRET);
    if (!token) {
      this.usage.setNote(NOTE_KEY, 'Team sync: no team token yet — run "Token Meter: Set Team Token".');
      return;
    }
    this.lock ??= LeaderLock.tryAcquire(path.join(this.dataDir, LOCK_FILE));
    const service = this.service(settings, token);
    // Another window holds the sync lock: show its results (the state file is shared) without sending.
    const status = this.lock ? await service.sync() : service.status();
    this.show(status);
    if (userAsked && status.problem) void vscode.window.showWarningMessage(`Token Meter: ${status.problem}`);
  }

  private service(settings: TeamSettings, token: string): SyncService {
    // The sync client is loaded when a team endpoint is first used, not at activation (esbuild wraps a module required here).
    const { SyncService } = require('../sync/syncService') as typeof import('../sync/syncService');
    const zone = () => this.usage.settings.timeZone;
    return new SyncService({
      dataDir: this.dataDir,
      endpoint: settings.endpoint,
      ...(settings.teamId ? { teamId: settings.teamId } : {}),
      token,
      extensionVersion: this.version,
      rows: (from, to) => this.usage.rows(from, to),
      hygiene: (day) => this.hygieneCounts(startOfDay(day, zone()), startOfDay(addDays(day, 1), zone())),
      recentDays: (now) => Array.from({ length: RECENT_DAYS }, (_, i) => dayKey(now - i * 86_400_000, zone())),
    });
  }

  private show(status: SyncStatus): void {
    this.usage.setTeamPolicy(policyOf(status.policy));
    const now = Date.now();
    const last = status.lastSuccessAt ? `last synced ${formatClock(status.lastSuccessAt, now, this.usage.settings.timeZone)}` : 'not synced yet';
    const pending = status.pendingDays > 0 ? `, ${status.pendingDays} day${status.pendingDays === 1 ? '' : 's'} waiting` : '';
    const team = status.policy ? ` with ${status.policy.team.name}` : '';
    this.usage.setNote(NOTE_KEY, `Team sync${team}: ${last}${pending}.${status.problem ? ` Problem: ${status.problem}` : ''}`);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
    // A last sync as the window closes; VS Code gives deactivation a few seconds at most.
    if (this.lock && this.settingsKey && readTeamSettings().endpoint) void this.syncNow(false).finally(() => this.lock?.release());
    else this.lock?.release();
  }
}
