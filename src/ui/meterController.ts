import * as vscode from 'vscode';
import { formatBudgetAmount } from '../core/budget';
import type { BudgetOverride } from '../core/budgetGuard';
import { buildMeterView, type MeterBudget } from '../core/meter';
import { rangeDays } from '../core/usage';
import { buildMeterInput } from '../core/usage';
import type { UsageService } from './usageService';
import { MeterStatusBar } from './statusBar';

/** Peak countdowns and "today" roll over with time, so the meter also refreshes on a timer. */
const TICK_MS = 30_000;

/** Keeps the status-bar meter in step with the store, the settings and the clock. */
export class MeterController implements vscode.Disposable {
  private readonly statusBar = new MeterStatusBar();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Budgets already announced as used up, by period and its first day: one warning each, never a nag. */
  private readonly warnedOver = new Set<string>();

  constructor(
    private readonly usage: UsageService,
    /** The meter says while "Allow 1 Hour Over Budget" lets requests past hard budgets. */
    private readonly override: BudgetOverride,
  ) {
    this.subscriptions.push(usage.onDidChange(() => this.update()));
    this.timer = setInterval(() => this.update(), TICK_MS);
    this.update();
  }

  update(): void {
    const now = this.usage.now();
    const input = buildMeterInput({
      settings: this.usage.settings,
      rows: (from, to) => this.usage.rows(from, to),
      now,
      problems: this.usage.problems(),
      notes: this.usage.notes(),
      overrideUntil: this.override.until(),
    });
    this.statusBar.render(buildMeterView(input));
    for (const budget of input.budgets) if (budget.level === 'over') this.warnOnce(budget, now);
  }

  private warnOnce(budget: MeterBudget, now: number): void {
    const key = `${budget.period}:${rangeDays(budget.period, now, this.usage.settings).fromDay}`;
    if (this.warnedOver.has(key)) return;
    this.warnedOver.add(key);
    const { unit } = this.usage.settings.budget;
    const limit = formatBudgetAmount(budget.limit, unit, 'limit');
    const used = formatBudgetAmount(budget.used, unit);
    const showUsage = vscode.l10n.t('Show Usage');
    const setBudget = vscode.l10n.t('Set Budget…');
    void vscode.window.showWarningMessage(usedUpMessage(budget, limit, used), showUsage, setBudget).then((choice) => {
      if (choice === showUsage) void vscode.commands.executeCommand('tokenMeter.showUsageThisWeek');
      if (choice === setBudget) void vscode.commands.executeCommand('tokenMeter.setBudget');
    });
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.statusBar.dispose();
  }
}

/** Whole sentences per period; the source label ("set in your user settings") still comes from the core in English. */
function usedUpMessage(budget: MeterBudget, limit: string, used: string): string {
  switch (budget.period) {
    case 'day':
      return vscode.l10n.t('Token Meter: your daily budget of {0} ({1}) is used up — {2} counted so far.', limit, budget.sourceLabel, used);
    case 'week':
      return vscode.l10n.t(
        'Token Meter: your weekly budget of {0} ({1}) is used up — {2} counted so far.',
        limit,
        budget.sourceLabel,
        used,
      );
    case 'month':
      return vscode.l10n.t(
        'Token Meter: your monthly budget of {0} ({1}) is used up — {2} counted so far.',
        limit,
        budget.sourceLabel,
        used,
      );
  }
}
