import * as vscode from 'vscode';
import { formatTokens, formatUsd } from '../../core/format';
import type { HygieneAnalyzer, Pricing } from '../../core/hygiene/analyzer';
import { hygieneReport } from '../../core/hygiene/report';
import { parseHygieneSettings, type HygieneSettings } from '../../core/hygiene/settings';
import {
  FIX_ADVICE,
  KIND_TITLES,
  type HygieneFinding,
  type HygieneKind,
  type PromptObservation,
  type PromptObserver,
} from '../../core/hygiene/types';
import { typingQuietDelay, WarningRateLimiter } from '../../core/hygiene/warnings';
import { estimateTokens } from '../../core/tokenizer/estimate';
import { onDidChangeSettings, readHygieneSettings, writeSetting } from '../config';
import type { ProblemReporter } from '../problems';
import type { UsageService } from '../usageService';
import type { HygieneSummary } from '../../core/dashboard/viewModel';
import { FindingsLog } from './findingsLog';

export const REPORT_COMMAND = 'tokenMeter.showHygieneReport';
const REPORT_SCHEME = 'token-meter-hygiene';
const REPORT_PATH = '/Prompt Hygiene (last 7 days).md';
const SNOOZE_MS = 3600_000;
/** A warning waits until the user has not typed for this long. */
const TYPING_QUIET_MS = 2000;
/** Prompts waiting for analysis beyond this are dropped (oldest first) rather than piling up. */
const MAX_QUEUE = 200;

const WARNING_STATE_KEY = 'tokenMeter.hygieneWarnings';

/**
 * Prompt hygiene in VS Code: capture paths hand each prompt to `observe`; analysis runs later on
 * the event loop (never on a request's path), findings go to the week's log, and at most one
 * non-modal warning per kind per interval is shown — never while the user is typing.
 */
export class HygieneMonitor implements vscode.Disposable {
  private settings: HygieneSettings;
  private readonly pricing: Pricing;
  /** The analysis code loads with the first prompt to analyse, not at activation. */
  private loadedAnalyzer: HygieneAnalyzer | undefined;
  private readonly limiter: WarningRateLimiter;
  private readonly log: FindingsLog;
  private readonly queue: PromptObservation[] = [];
  private draining = false;
  private lastTypedAt: number | undefined;
  private readonly held = new Map<HygieneKind, HygieneFinding>();
  private heldTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly reportChanged = new vscode.EventEmitter<vscode.Uri>();
  private readonly reportUri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: REPORT_PATH });
  private readonly disposables: vscode.Disposable[] = [this.reportChanged];

  constructor(
    storageDir: string,
    private readonly usage: UsageService,
    private readonly problems: ProblemReporter,
    private readonly output: vscode.LogOutputChannel,
    /** Keeps the snooze and the last warning of each kind across reloads. */
    private readonly state: vscode.Memento,
  ) {
    this.settings = this.readSettings();
    const pricing: Pricing = {
      costUsd: (model, tokens) => this.usage.settings.prices.costOf({ model, ...tokens }),
      multiplierAt: (ts) => (this.usage.settings.peakEnabled ? this.usage.settings.peak.multiplierAt(ts) : 1),
    };
    this.pricing = pricing;
    this.limiter = new WarningRateLimiter(this.settings.warnIntervalMs);
    this.limiter.restore(state.get(WARNING_STATE_KEY));
    this.log = new FindingsLog(storageDir);
    this.disposables.push(
      onDidChangeSettings(['hygiene'], () => {
        this.settings = this.readSettings();
        this.loadedAnalyzer?.updateSettings(this.settings);
        this.limiter.setInterval(this.settings.warnIntervalMs);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // Output channels and other generated documents change without anyone typing.
        if (e.contentChanges.length > 0 && (e.document.uri.scheme === 'file' || e.document.uri.scheme === 'untitled'))
          this.lastTypedAt = this.usage.now();
      }),
      vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, {
        onDidChange: this.reportChanged.event,
        provideTextDocumentContent: () => hygieneReport(this.log.load(this.usage.now()), this.usage.now(), this.usage.settings.timeZone),
      }),
      vscode.commands.registerCommand(REPORT_COMMAND, () => this.showReport()),
    );
  }

  private analyzer(): HygieneAnalyzer {
    if (!this.loadedAnalyzer) {
      // esbuild wraps a module required here, so it is evaluated on this first call.
      const { HygieneAnalyzer } = require('../../core/hygiene/analyzer') as typeof import('../../core/hygiene/analyzer');
      this.loadedAnalyzer = new HygieneAnalyzer(this.settings, this.pricing);
    }
    return this.loadedAnalyzer;
  }

  /** Hands a prompt over for analysis; returns at once. The text is dropped once analysed. */
  readonly observe: PromptObserver = (observation) => {
    if (!this.settings.enabled) return;
    if (this.queue.length >= MAX_QUEUE) this.queue.shift();
    this.queue.push(observation);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  };

  private drain(): void {
    this.draining = false;
    const started = performance.now();
    while (this.queue.length > 0) {
      const observation = this.queue.shift()!;
      try {
        for (const finding of this.analyzer().analyze(observation, promptTokensOf(observation))) {
          this.log.append(finding);
          this.hold(finding);
        }
      } catch (error) {
        this.output.warn(`Prompt hygiene: analysis failed: ${(error as Error).message}`);
      }
      // Yield to the editor after a few milliseconds of work; the rest continues next turn.
      if (performance.now() - started > 8 && this.queue.length > 0) {
        this.draining = true;
        setImmediate(() => this.drain());
        return;
      }
    }
    this.reportChanged.fire(this.reportUri);
    this.showHeld();
  }

  /** Keeps the newest finding of each kind until it can be shown. */
  private hold(finding: HygieneFinding): void {
    this.output.info(`Prompt hygiene: ${KIND_TITLES[finding.kind]} (${finding.source}, ${finding.model}): ${finding.evidence}`);
    if (!this.settings.mutedKinds.includes(finding.kind)) this.held.set(finding.kind, finding);
  }

  private showHeld(): void {
    clearTimeout(this.heldTimer);
    const now = this.usage.now();
    const wait = typingQuietDelay(this.lastTypedAt, now, TYPING_QUIET_MS);
    if (wait > 0) {
      this.heldTimer = setTimeout(() => this.showHeld(), wait);
      return;
    }
    for (const [kind, finding] of this.held) {
      this.held.delete(kind);
      if (!this.limiter.tryWarn(kind, now, this.settings.mutedKinds)) continue;
      void this.saveWarningState();
      this.warn(finding).catch((error: Error) => this.output.warn(`Prompt hygiene: warning failed: ${error.message}`));
    }
  }

  private saveWarningState(): Thenable<void> {
    return this.state.update(WARNING_STATE_KEY, this.limiter.toJSON());
  }

  private async warn(f: HygieneFinding): Promise<void> {
    const showDetails = vscode.l10n.t('Show Details');
    const snooze = vscode.l10n.t('Snooze 1 Hour');
    const muteKind = vscode.l10n.t("Don't Warn About This Kind");
    // The finding's title, evidence and advice are worded in English by the core's analyzer.
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        'Token Meter: {0}. {1} Estimated saving {2} ({3} tokens): {4}.',
        KIND_TITLES[f.kind],
        f.evidence,
        formatUsd(f.saving.usd),
        formatTokens(f.saving.tokens),
        FIX_ADVICE[f.saving.fix],
      ),
      showDetails,
      snooze,
      muteKind,
    );
    if (choice === showDetails) await this.showReport();
    else if (choice === snooze) {
      this.limiter.snooze(this.usage.now(), SNOOZE_MS);
      await this.saveWarningState();
    } else if (choice === muteKind) {
      const muted = [...new Set([...this.settings.mutedKinds, f.kind])];
      await writeSetting('hygiene.mutedKinds', muted);
    }
  }

  private async showReport(): Promise<void> {
    this.reportChanged.fire(this.reportUri);
    // The .md path gives the read-only document Markdown highlighting.
    const doc = await vscode.workspace.openTextDocument(this.reportUri);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  private readSettings(): HygieneSettings {
    const { settings, problems } = parseHygieneSettings(readHygieneSettings());
    for (const problem of problems) this.problems.report(problem, { openSettings: true });
    return settings;
  }

  /** The findings between two instants, summed (the dashboard's week); undefined while hygiene is off. */
  summary(from: number, to: number): HygieneSummary | undefined {
    if (!this.settings.enabled) return undefined;
    const findings = this.log.load(this.usage.now()).filter((f) => f.ts >= from && f.ts < to);
    return {
      findings: findings.length,
      tokens: findings.reduce((n, f) => n + f.tokens, 0),
      costUsd: findings.reduce((n, f) => n + (f.costUsd ?? 0), 0),
    };
  }

  /** Findings per kind between two instants (a day's counts for the team report). */
  countsByKind(from: number, to: number): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const f of this.log.load(this.usage.now())) if (f.ts >= from && f.ts < to) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
    return counts;
  }

  dispose(): void {
    clearTimeout(this.heldTimer);
    for (const d of this.disposables) d.dispose();
  }
}

/** The API's own count when it answered, else the tokenizer's (loaded on first use). */
function promptTokensOf(o: PromptObservation): number {
  if (o.usage) return o.usage.inputTokens + o.usage.cacheReadTokens + o.usage.cacheWriteTokens;
  if (o.promptTokens !== undefined) return o.promptTokens;
  return estimateTokens(o.text ?? o.messages?.map((m) => m.content).join('\n') ?? '', o.model);
}
