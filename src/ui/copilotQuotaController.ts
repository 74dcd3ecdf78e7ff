import * as vscode from 'vscode';
import { fetchCopilotQuota } from '../capture/copilotQuota';
import { resolveLimitSettings, type LimitSettings } from '../core/limits/settings';
import { LimitStore } from '../store/limitStore';
import { onDidChangeSettings, readLimitSettings } from './config';

const POLL_MS = 5 * 60_000;
/** Focusing the window reads again, but not more often than this. */
const MIN_GAP_MS = 60_000;
const GITHUB = 'github';
const SCOPES = ['user:email'];

/**
 * Opt-in (`tokenMeter.copilotQuota.enabled`, user settings only): reads the Copilot plan's monthly
 * quota from GitHub every few minutes and when the window gains focus, with the GitHub session VS
 * Code already has, and records the figures (never the token) as limit readings. It asks before any
 * sign-in, once; declining stops it until the setting or the sign-in changes.
 */
export class CopilotQuotaController implements vscode.Disposable {
  private readonly store: LimitStore;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private settings: LimitSettings['copilotQuota'] | undefined;
  private lastRead = 0;
  private declined = false;
  private reading: Promise<void> | undefined;
  private lastProblem = '';

  constructor(
    dataDir: string,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.store = new LimitStore(dataDir);
    this.disposables.push(
      onDidChangeSettings(['copilotQuota'], () => this.apply()),
      vscode.window.onDidChangeWindowState((state) => {
        if (state.focused && Date.now() - this.lastRead >= MIN_GAP_MS) this.read();
      }),
      vscode.authentication.onDidChangeSessions((event) => {
        if (event.provider.id !== GITHUB) return;
        this.declined = false;
        this.read();
      }),
    );
    this.apply();
  }

  private apply(): void {
    const { settings, problems } = resolveLimitSettings(readLimitSettings());
    const next = settings.copilotQuota;
    for (const problem of problems) this.output.warn(problem);
    this.settings = next;
    this.declined = false;
    clearInterval(this.timer);
    this.timer = undefined;
    if (!next.enabled) return;
    this.timer = setInterval(() => this.read(), POLL_MS);
    this.read();
  }

  private read(): void {
    if (!this.settings?.enabled || this.declined || this.reading) return;
    this.reading = this.readOnce().finally(() => (this.reading = undefined));
  }

  private async session(): Promise<vscode.AuthenticationSession | undefined> {
    const existing = await vscode.authentication.getSession(GITHUB, SCOPES, { createIfNone: false });
    if (existing) return existing;
    const signIn = vscode.l10n.t('Sign In');
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Token Meter reads your GitHub Copilot quota (premium requests left this month) with your GitHub sign-in. Sign in to GitHub now?',
      ),
      signIn,
      vscode.l10n.t('Not Now'),
    );
    if (choice !== signIn) {
      this.declined = true;
      return undefined;
    }
    return vscode.authentication.getSession(GITHUB, SCOPES, { createIfNone: true });
  }

  private async readOnce(): Promise<void> {
    const settings = this.settings;
    if (!settings?.enabled) return;
    try {
      const session = await this.session();
      if (!session) return;
      this.lastRead = Date.now();
      const quota = await fetchCopilotQuota(settings.endpoint, session.accessToken);
      this.store.record(quota.readings);
      this.lastProblem = '';
    } catch (error) {
      const message = `Copilot quota: ${(error as Error).message}`;
      if (message !== this.lastProblem) this.output.warn(message);
      this.lastProblem = message;
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
