import * as vscode from 'vscode';
import { buildMeterView } from '../core/meter';
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

  constructor(private readonly usage: UsageService) {
    this.subscriptions.push(usage.onDidChange(() => this.update()));
    this.timer = setInterval(() => this.update(), TICK_MS);
    this.update();
  }

  update(): void {
    const now = this.usage.now();
    const input = buildMeterInput({ settings: this.usage.settings, rows: (from, to) => this.usage.rows(from, to), now, problems: this.usage.problems() });
    this.statusBar.render(buildMeterView(input));
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.statusBar.dispose();
  }
}
