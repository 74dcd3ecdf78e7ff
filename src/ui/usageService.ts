import * as vscode from 'vscode';
import { validateUsageEvent, type UsageEvent, type UsageSink } from '../core/events';
import { periodTotals, rangeDays, type PeriodTotals, type UsageRange } from '../core/usage';
import { RESOLVED_SECTIONS, resolveValidSettings, rollupContextFor, type ResolvedSettings } from '../core/settings';
import { applyTeamPolicy, type TeamPolicy } from '../core/teamPolicy';
import type { ActivityPoint } from '../core/activity';
import type { RollupRow } from '../core/rollups';
import { Worker } from 'node:worker_threads';
import type { RecountInput, RecountMessage } from '../store/recountWorker';
import { UsageStore } from '../store/usageStore';
import { onDidChangeSettings, readRawSettings, settingValues } from './config';
import type { ProblemReporter } from './problems';
import { SystemTimeZone } from './systemZone';

/** A recount taking longer than this gets a progress notification. */
const RECOUNT_PROGRESS_AFTER_MS = 1000;

/**
 * The extension's view of usage: the shared store, read through the current settings. Everything
 * that shows numbers (status bar, week summary, export, API) asks this one object.
 */
export class UsageService implements UsageSink, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly recorded = new vscode.EventEmitter<readonly UsageEvent[]>();
  /** Events this window recorded (each event is recorded by exactly one window). */
  readonly onDidRecord = this.recorded.event;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.recorded];
  private teamPolicy: TeamPolicy | undefined;
  private readonly noteLines = new Map<string, string>();
  private resolved: ResolvedSettings;
  private storeProblems: string[] = [];
  private readonly store: UsageStore;
  private readonly systemZone: SystemTimeZone;

  constructor(
    private readonly dataDir: string,
    private readonly reporter: ProblemReporter,
    /** Remembers how Intl names the system's zone (see SystemTimeZone). */
    state: vscode.Memento,
    /** The bundled recount worker; without it a large event log is recounted on this thread. */
    private readonly recountWorker?: string,
    readonly now: () => number = Date.now,
  ) {
    this.systemZone = new SystemTimeZone(state, () => this.reloadSettings());
    this.disposables.push(this.systemZone);
    this.resolved = this.readSettings();
    this.store = UsageStore.open({
      dataDir,
      context: rollupContextFor(this.resolved.settings),
      retentionDays: this.resolved.settings.retentionDays,
      now,
      onProblem: (message) => {
        this.storeProblems.push(message);
        reporter.report(message, { notify: false });
      },
      // Usage that cannot be saved is shown once as a warning, not only logged.
      onWriteProblem: (message) => reporter.report(message),
      ...(recountWorker ? { recountInBackground: (fingerprint: string) => this.recountInWorker(fingerprint) } : {}),
    });
    this.noteRecounting();
    this.disposables.push(
      this.store.watch(() => this.changed.fire()),
      onDidChangeSettings(RESOLVED_SECTIONS, () => this.reloadSettings()),
    );
  }

  get settings(): ResolvedSettings['settings'] {
    return this.resolved.settings;
  }

  /** Settings problems, worded for people and naming the setting. */
  problems(): string[] {
    return this.resolved.problems;
  }

  record(event: UsageEvent): void {
    const valid = validateUsageEvent(event, this.now());
    this.store.record(valid);
    this.store.refresh();
    this.changed.fire();
    this.recorded.fire([valid]);
  }

  /** Events already validated (a log import): one write, one refresh, one change notice. */
  recordMany(events: readonly UsageEvent[]): void {
    this.store.recordMany(events);
    this.store.refresh();
    this.changed.fire();
    this.recorded.fire(events);
  }

  /** The team endpoint's budget and peak hours, combined with the user's and workspace's settings. */
  setTeamPolicy(policy: TeamPolicy | undefined): void {
    if (JSON.stringify(policy) === JSON.stringify(this.teamPolicy)) return;
    this.teamPolicy = policy;
    this.reloadSettings();
  }

  /** Another price catalog was installed: price with it, recounting the totals. */
  pricesChanged(): void {
    if (!this.settings.prices.isCurrent()) this.reloadSettings();
  }

  /** A line of status for the meter's tooltip (e.g. the last team sync); undefined removes it. */
  setNote(key: string, text: string | undefined): void {
    if (this.noteLines.get(key) === text) return;
    if (text === undefined) this.noteLines.delete(key);
    else this.noteLines.set(key, text);
    this.changed.fire();
  }

  notes(): string[] {
    return [...this.noteLines.values()];
  }

  /** A provider's tokens per minute over the last weeks (subscription windows). */
  activity(provider: string): ActivityPoint[] {
    return this.store.rollups.activity.series(provider);
  }

  rows(fromDay: string, toDay: string): RollupRow[] {
    return this.store.rollups.rows({ fromDay, toDay });
  }

  totals(range: UsageRange): PeriodTotals {
    const { fromDay, toDay } = rangeDays(range, this.now(), this.settings);
    return periodTotals(this.rows(fromDay, toDay), fromDay, toDay);
  }

  clear(): void {
    this.store.clear();
    this.changed.fire();
  }

  private readSettings(): ResolvedSettings {
    const resolved = applyTeamPolicy(
      resolveValidSettings(settingValues(), readRawSettings().sources ?? {}, this.systemZone.name),
      this.teamPolicy,
    );
    for (const problem of resolved.problems) this.reporter.report(problem, { openSettings: true });
    return resolved;
  }

  private reloadSettings(): void {
    this.resolved = this.readSettings();
    this.store.setContext(rollupContextFor(this.resolved.settings));
    this.noteRecounting();
    this.changed.fire();
  }

  /** Recounts the store in the worker thread under the current settings (see UsageStore). */
  private recountInWorker(fingerprint: string): Promise<void> {
    const input: RecountInput = {
      dataDir: this.dataDir,
      // A copy in plain data: VS Code hands out object settings (price overrides, peak windows) as
      // objects a worker's structured clone refuses, which failed every recount with them set.
      raw: JSON.parse(JSON.stringify(readRawSettings())) as RecountInput['raw'],
      systemZone: this.systemZone.name,
      ...(this.teamPolicy ? { teamPolicy: this.teamPolicy } : {}),
      fingerprint,
      refreshedPrices: this.settings.prices.catalog.origin === 'refreshed',
    };
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.recountWorker!, { workerData: input });
      worker.once('message', (message: RecountMessage) => (message.type === 'done' ? resolve() : reject(new Error(message.message))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the recount worker stopped (exit code ${code})`)));
    });
  }

  /**
   * While a large event log is recounted in the background, the meter says why its totals lag, and
   * a recount still running after a second shows a progress notification until it is done.
   */
  private noteRecounting(): void {
    if (!this.store.isRecounting) return;
    this.setNote(
      'recount',
      vscode.l10n.t('Recounting usage from the event log (settings changed or totals were missing); figures will update when it is done.'),
    );
    const counted = this.store.whenCounted();
    const progress = setTimeout(() => {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Token Meter: recounting usage from the event log…') },
        () => counted,
      );
    }, RECOUNT_PROGRESS_AFTER_MS);
    this.disposables.push({ dispose: () => clearTimeout(progress) });
    void counted.then(() => {
      clearTimeout(progress);
      this.setNote('recount', undefined);
    });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.store.dispose();
  }
}
