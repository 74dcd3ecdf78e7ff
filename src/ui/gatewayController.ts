import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GatewayHost, GatewayUrls } from '../capture/gateway/host';
import type { GatewayRunner } from '../capture/gateway/runner';
import type { GuardDecision } from '../capture/gateway/server';
import type { PromptObserver } from '../core/hygiene/types';
import { PERIOD_ADJECTIVES } from '../core/budget';
import { baselinePerWindow, BurnRateMonitor } from '../core/burnRate';
import { totalTokens, type UsageEvent } from '../core/events';
import { addDays, dayKey } from '../core/time';
import { formatDuration, formatTokens, formatUsd, formatUsdLimit } from '../core/format';
import { rollupContextFor, type GatewaySettings } from '../core/settings';
import { budgetSourceLabel, budgetStatuses } from '../core/usage';
import { DATA_FILES } from '../store/paths';
import { writeFileAtomicSync } from '../store/privateFiles';
import type { ProblemReporter } from './problems';
import type { UsageService } from './usageService';

const OVERRIDE_FILE = DATA_FILES.budgetOverride;
const OVERRIDE_MS = 3600_000;

/** A spike: 10 minutes costing 3× a usual 10 minutes, from the active days of the past 14 (see core/burnRate). */
const SPIKE_WINDOW_MS = 10 * 60_000;
const SPIKE_FACTOR = 3;
const BASELINE_DAYS = 14;

/** Variables common clients read for their API base URL. */
const OPENAI_VARIABLES = ['OPENAI_BASE_URL', 'OPENAI_API_BASE'];
const ANTHROPIC_VARIABLES = ['ANTHROPIC_BASE_URL'];

/**
 * Runs (or follows) the machine's metering gateway while `tokenMeter.gateway.enabled` is on, and
 * points new integrated terminals at it. Usage recorded by whichever window owns the gateway goes
 * to the shared store, so every window's meter moves.
 */
export class GatewayController implements vscode.Disposable {
  /** Made when the gateway is first turned on: its server and API adapters load then, not at activation. */
  private runner: GatewayRunner | undefined;
  private readonly overrideFile: string;
  private spikes: BurnRateMonitor | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly usage: UsageService,
    private readonly problems: ProblemReporter,
    private readonly output: vscode.LogOutputChannel,
    /** Receives each gateway prompt for prompt-hygiene analysis (in memory only). */
    private readonly onPrompt?: PromptObserver,
  ) {
    this.overrideFile = path.join(context.globalStorageUri.fsPath, OVERRIDE_FILE);
    context.environmentVariableCollection.description = new vscode.MarkdownString(
      'Token Meter points AI clients in this terminal at its local metering gateway on 127.0.0.1 (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`). Requests pass through unchanged; token usage is recorded, prompts are not.',
    );
  }

  get urls(): GatewayUrls | undefined {
    return this.runner?.current?.urls;
  }

  /** Starts, restarts or stops the gateway to match the settings (one change at a time). */
  async apply(settings: GatewaySettings): Promise<void> {
    if (!settings.enabled && !this.runner) {
      // VS Code keeps a terminal environment across sessions: none may point at a gateway that is off.
      this.context.environmentVariableCollection.clear();
      return;
    }
    try {
      await this.loadRunner().apply(settings);
    } catch (error) {
      this.problems.report((error as Error).message, { openSettings: true });
    }
  }

  private loadRunner(): GatewayRunner {
    if (this.runner) return this.runner;
    // Modules required here are evaluated when this first runs (esbuild wraps them).
    const { GatewayRunner } = require('../capture/gateway/runner') as typeof import('../capture/gateway/runner');
    const { recordLimitHeaders } = require('../capture/gateway/limitHeaders') as typeof import('../capture/gateway/limitHeaders');
    const { LimitStore } = require('../store/limitStore') as typeof import('../store/limitStore');
    const dataDir = this.context.globalStorageUri.fsPath;
    const onResponseHeaders = recordLimitHeaders(new LimitStore(dataDir), (m) => this.output.warn(m));
    return (this.runner = new GatewayRunner(
      (settings) => ({
        dataDir,
        port: settings.port,
        upstreams: settings.upstreams,
        maxBodyBytes: settings.maxBodyBytes,
        sink: { record: (event) => this.record(event, settings) },
        guard: () => this.guard(settings),
        onPrompt: this.onPrompt,
        onResponseHeaders,
        onRoleChange: (role) =>
          this.output.info(
            role === 'owner'
              ? `Gateway running on 127.0.0.1:${settings.port}.`
              : `Gateway on 127.0.0.1:${settings.port} is run by another window; using it.`,
          ),
      }),
      (host) => this.pointTerminalsAt(host),
    ));
  }

  private pointTerminalsAt(host: GatewayHost | undefined): void {
    const env = this.context.environmentVariableCollection;
    env.clear();
    if (!host) return;
    for (const name of OPENAI_VARIABLES) env.replace(name, host.urls.openai);
    for (const name of ANTHROPIC_VARIABLES) env.replace(name, host.urls.anthropic);
  }

  /** Records gateway usage and watches it for spikes against the user's usual rate. */
  private record(event: UsageEvent, settings: GatewaySettings): void {
    this.usage.record(event);
    if (!settings.spikeAlert) return;
    const usd = this.usage.settings.budget.unit === 'usd';
    this.spikes ??= new BurnRateMonitor({
      windowMs: SPIKE_WINDOW_MS,
      factor: SPIKE_FACTOR,
      minimum: usd ? 0.5 : 50_000,
      cooldownMs: 3600_000,
    });
    const { costUsd, peakMultiplier } = rollupContextFor(this.usage.settings).value(event);
    this.spikes.add(event.ts, usd ? (costUsd ?? 0) * peakMultiplier : totalTokens(event) * peakMultiplier);
    const now = this.usage.now();
    const today = dayKey(now, this.usage.settings.timeZone);
    // One query for the baseline days (this runs on every gateway request), summed per day.
    const byDay = new Map<string, number>();
    for (const r of this.usage.rows(addDays(today, -BASELINE_DAYS), addDays(today, -1))) {
      byDay.set(r.day, (byDay.get(r.day) ?? 0) + (usd ? r.weightedCostUsd : r.weightedTokens));
    }
    const days = Array.from({ length: BASELINE_DAYS }, (_, i) => byDay.get(addDays(today, -(i + 1))) ?? 0);
    const alert = this.spikes.check(now, baselinePerWindow(days, SPIKE_WINDOW_MS));
    if (!alert) return;
    const amount = (n: number) => (usd ? formatUsd(n) : `${formatTokens(n)} tokens`);
    const usual = alert.baselinePerWindow > 0 ? ` — about ${Math.round(alert.ratio)}× your usual ${amount(alert.baselinePerWindow)}` : '';
    void vscode.window
      .showWarningMessage(
        `Token Meter: ${amount(alert.windowAmount)} spent through the gateway in the last 10 minutes${usual}. An agent loop or a large context re-sent many times?`,
        'Show Usage',
      )
      .then((choice) => {
        if (choice === 'Show Usage') void vscode.commands.executeCommand('tokenMeter.showUsageThisWeek');
      });
  }

  /** Until when "Allow 1 Hour Over Budget" lets requests through (epoch ms; 0 = not allowed). */
  overrideUntil(): number {
    try {
      const until = (JSON.parse(fs.readFileSync(this.overrideFile, 'utf8')) as { until?: unknown }).until;
      return typeof until === 'number' ? until : 0;
    } catch {
      return 0;
    }
  }

  /** "Allow 1 Hour Over Budget": recorded in the shared data dir, so whichever window runs the gateway honours it. */
  allowOverBudget(): void {
    const until = this.usage.now() + OVERRIDE_MS;
    writeFileAtomicSync(this.overrideFile, JSON.stringify({ until }));
    void vscode.window.showInformationMessage(
      `Token Meter: requests over budget are allowed for the next hour (until ${new Date(until).toLocaleTimeString()}).`,
    );
  }

  /** In hard mode, refuses requests once any budget is used up, naming it and the way out. */
  private guard(settings: GatewaySettings): GuardDecision {
    if (settings.enforcement !== 'hard') return { allow: true };
    const now = this.usage.now();
    if (this.overrideUntil() > now) return { allow: true };
    const over = budgetStatuses(this.usage.settings, (from, to) => this.usage.rows(from, to), now).filter((s) => s.level === 'over');
    if (over.length === 0) return { allow: true };
    const s = over[0];
    const usd = this.usage.settings.budget.unit === 'usd';
    const amount = (n: number) => (usd ? formatUsd(n) : `${formatTokens(n)} tokens`);
    const limit = usd ? formatUsdLimit(s.limit) : `${formatTokens(s.limit)} tokens`;
    return {
      allow: false,
      message: `Token Meter: ${PERIOD_ADJECTIVES[s.period]} budget of ${limit} (${budgetSourceLabel(s.source)}) is used up (${amount(s.used)} counted, peak-weighted). Run "Token Meter: Allow 1 Hour Over Budget" in VS Code to continue for ${formatDuration(OVERRIDE_MS)}, or raise the budget.`,
    };
  }

  dispose(): void {
    void this.runner?.dispose();
  }
}
