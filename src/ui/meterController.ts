import * as vscode from 'vscode';
import { formatBudgetAmount, PERIOD_ADJECTIVES } from '../core/budget';
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
    void vscode.window
      .showWarningMessage(
        `Token Meter: your ${PERIOD_ADJECTIVES[budget.period]} budget of ${limit} (${budget.sourceLabel}) is used up — ${used} counted so far.`,
        'Show Usage',
        'Set Budget…',
      )
      .then((choice) => {
        if (choice === 'Show Usage') void vscode.commands.executeCommand('tokenMeter.showUsageThisWeek');
        if (choice === 'Set Budget…') void vscode.commands.executeCommand('tokenMeter.setBudget');
      });
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.statusBar.dispose();
  }
}
