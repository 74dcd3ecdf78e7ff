import * as vscode from 'vscode';
import { validateUsageEvent, type UsageEvent, type UsageSink } from '../core/events';
import { periodTotals, rangeDays, type PeriodTotals, type UsageRange } from '../core/usage';
import { resolveSettings, rollupContextFor, type ResolvedSettings } from '../core/settings';
import { systemTimeZone } from '../core/time';
import type { ActivityPoint } from '../core/activity';
import type { RollupRow } from '../core/rollups';
import { UsageStore } from '../store/usageStore';
import { onDidChangeSettings, readRawSettings } from './config';
import type { ProblemReporter } from './problems';

/**
 * The extension's view of usage: the shared store, read through the current settings. Everything
 * that shows numbers (status bar, week summary, export, API) asks this one object.
 */
export class UsageService implements UsageSink, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private resolved: ResolvedSettings;
  private storeProblems: string[] = [];
  private readonly store: UsageStore;

  constructor(
    dataDir: string,
    private readonly reporter: ProblemReporter,
    readonly now: () => number = Date.now,
  ) {
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
    });
    this.disposables.push(
      this.store.watch(() => this.changed.fire()),
      onDidChangeSettings(() => this.reloadSettings()),
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
    this.store.record(validateUsageEvent(event, this.now()));
    this.store.refresh();
    this.changed.fire();
  }

  /** Events already validated (a log import): one write, one refresh, one change notice. */
  recordMany(events: readonly UsageEvent[]): void {
    this.store.recordMany(events);
    this.store.refresh();
    this.changed.fire();
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
    const resolved = resolveSettings(readRawSettings(), systemTimeZone());
    for (const problem of resolved.problems) this.reporter.report(problem, { openSettings: true });
    return resolved;
  }

  private reloadSettings(): void {
    this.resolved = this.readSettings();
    this.store.setContext(rollupContextFor(this.resolved.settings));
    this.changed.fire();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.store.dispose();
  }
}
