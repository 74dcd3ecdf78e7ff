import * as vscode from 'vscode';
import { validateUsageEvent, type UsageEvent, type UsageSink } from '../core/events';
import { periodTotals, rangeDays, type PeriodTotals, type UsageRange } from '../core/usage';
import { resolveSettings, rollupContextFor, type ResolvedSettings } from '../core/settings';
import { applyTeamPolicy, type TeamPolicy } from '../core/teamPolicy';
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
  private readonly recorded = new vscode.EventEmitter<readonly UsageEvent[]>();
  /** Events this window recorded (each event is recorded by exactly one window). */
  readonly onDidRecord = this.recorded.event;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.recorded];
  private teamPolicy: TeamPolicy | undefined;
  private readonly noteLines = new Map<string, string>();
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
    const resolved = applyTeamPolicy(resolveSettings(readRawSettings(), systemTimeZone()), this.teamPolicy);
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
