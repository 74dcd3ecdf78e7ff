import * as path from 'node:path';
import * as vscode from 'vscode';
import { createApi, type TokenMeterApi } from './capture/api';
import { LM_VENDOR, TokenMeterChatProvider } from './capture/lm/provider';
import { formatClock } from './core/format';
import { buildLimitsSection } from './core/limits/dashboard';
import { LimitStore } from './store/limitStore';
import { registerClaudeStatusLineCommands } from './ui/claudeStatusLine';
import { registerCommands } from './ui/commands';
import { CopilotQuotaController } from './ui/copilotQuotaController';
import { readChatModelSettings } from './ui/config';
import { LazyDashboard } from './ui/dashboard/lazyDashboard';
import { GatewayController } from './ui/gatewayController';
import { HygieneMonitor } from './ui/hygiene/hygieneMonitor';
import { registerChatModels } from './ui/lm/modelCommands';
import { LogCaptureController } from './ui/logCaptureController';
import { SubscriptionController } from './ui/subscriptionController';
import { TeamSyncController } from './ui/teamSyncController';
import { TelemetryController } from './ui/telemetryController';
import { MeterController } from './ui/meterController';
import { PriceCatalogController } from './ui/priceCatalogController';
import { ProblemReporter } from './ui/problems';
import { UsageService } from './ui/usageService';

/** Set by the bundle's first line (esbuild.js); undefined when running from source. */
declare const __tokenMeterLoadStart: number | undefined;

export function activate(context: vscode.ExtensionContext): TokenMeterApi {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const loadMs = typeof __tokenMeterLoadStart === 'number' ? started - __tokenMeterLoadStart : undefined;
  const version = String(context.extension.packageJSON.version);
  const output = vscode.window.createOutputChannel('Token Meter', { log: true });
  const problems = new ProblemReporter(output);
  const usage = new UsageService(
    context.globalStorageUri.fsPath,
    problems,
    context.globalState,
    path.join(context.extensionPath, 'dist', 'recountWorker.js'),
  );
  const hygiene = new HygieneMonitor(context.globalStorageUri.fsPath, usage, problems, output, context.globalState);
  const dashboard = new LazyDashboard(() => {
    // A module required here is evaluated when this first runs, not at activation (esbuild wraps it).
    const { Dashboard } = require('./ui/dashboard/dashboardPanel') as typeof import('./ui/dashboard/dashboardPanel');
    const limitStore = new LimitStore(context.globalStorageUri.fsPath);
    return new Dashboard(
      context.extensionUri,
      usage,
      output,
      (from, to) => hygiene.summary(from, to),
      () => {
        const { latest, history } = limitStore.read();
        const now = usage.now();
        return buildLimitsSection({ now, latest, history, formatClock: (ts) => formatClock(ts, now, usage.settings.timeZone) });
      },
    );
  });
  const gateway = new GatewayController(context, usage, problems, output, hygiene.observe);
  const logs = new LogCaptureController(context.extensionPath, context.globalStorageUri.fsPath, usage, problems, output);
  context.subscriptions.push(
    output,
    problems,
    usage,
    dashboard,
    hygiene,
    gateway,
    logs,
    new MeterController(usage),
    new PriceCatalogController(context.globalStorageUri.fsPath, usage, problems, output),
    new SubscriptionController(usage, logs, context.globalState, context.globalStorageUri.fsPath),
    new TeamSyncController(context, usage, context.globalStorageUri.fsPath, version, (from, to) => hygiene.countsByKind(from, to)),
    new TelemetryController(context.extensionPath, usage, problems, version),
    ...registerCommands(usage, dashboard, gateway),
    ...registerClaudeStatusLineCommands(context.extensionPath, context.globalStorageUri.fsPath),
    new CopilotQuotaController(context.globalStorageUri.fsPath, output),
    ...registerChatModels(
      context,
      new TokenMeterChatProvider(
        context.secrets,
        readChatModelSettings,
        usage,
        () => gateway.overrideUntil() > usage.now(),
        (message) => problems.report(message, { openSettings: true }),
        hygiene.observe,
      ),
      LM_VENDOR,
    ),
    usage.onDidChange(() => void gateway.apply(usage.settings.gateway)),
    usage.onDidChange(() => logs.apply(usage.settings.logCapture)),
  );
  void gateway.apply(usage.settings.gateway);
  logs.apply(usage.settings.logCapture);
  const loaded = loadMs === undefined ? '' : ` (bundle loaded ${loadMs.toFixed(1)} ms before)`;
  // CPU time too: on a busy machine the wall time includes waiting for a core.
  const cpu = process.cpuUsage(cpuBefore);
  output.info(
    `Activated in ${(performance.now() - started).toFixed(1)} ms, ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU${loaded}; data in ${context.globalStorageUri.fsPath}`,
  );
  return createApi({ sink: usage, totals: (range) => usage.totals(range) });
}
