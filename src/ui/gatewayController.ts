import * as vscode from 'vscode';
import type { GatewayHost, GatewayUrls } from '../capture/gateway/host';
import type { GatewayRunner } from '../capture/gateway/runner';
import type { BudgetGuard } from '../core/budgetGuard';
import { SpendSpikeWatch } from '../core/burnRate';
import type { UsageEvent } from '../core/events';
import type { PromptObserver } from '../core/hygiene/types';
import type { GatewaySettings } from '../core/settings';
import type { ProblemReporter } from './problems';
import type { UsageService } from './usageService';

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
  private readonly spikes: SpendSpikeWatch;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly usage: UsageService,
    /** Hard budgets: the gateway refuses requests past one, as the chat models do. */
    private readonly budget: BudgetGuard,
    private readonly problems: ProblemReporter,
    private readonly output: vscode.LogOutputChannel,
    /** Receives each gateway prompt for prompt-hygiene analysis (in memory only). */
    private readonly onPrompt?: PromptObserver,
  ) {
    this.spikes = new SpendSpikeWatch(usage);
    context.environmentVariableCollection.description = new vscode.MarkdownString(
      vscode.l10n.t(
        'Token Meter points AI clients in this terminal at its local metering gateway on 127.0.0.1 (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`). Requests pass through unchanged; token usage is recorded, prompts are not.',
      ),
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
        guard: () => this.budget.gatewayDecision(settings.enforcement),
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
    const warning = this.spikes.add(event);
    if (!warning) return;
    const showUsage = vscode.l10n.t('Show Usage');
    // The warning itself is worded in English by the core's spike watch.
    void vscode.window.showWarningMessage(warning, showUsage).then((choice) => {
      if (choice === showUsage) void vscode.commands.executeCommand('tokenMeter.showUsageThisWeek');
    });
  }

  dispose(): void {
    void this.runner?.dispose();
  }
}
