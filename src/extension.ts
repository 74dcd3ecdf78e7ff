import * as path from 'node:path';
import * as vscode from 'vscode';
import { createApi, type TokenMeterApi } from './capture/api';
import { LM_VENDOR, TokenMeterChatProvider } from './capture/lm/provider';
import { BudgetGuard, BudgetOverride } from './core/budgetGuard';
import { formatClock } from './core/format';
import { resolveGateway, resolveLogCapture } from './core/settings';
import { buildLimitsSection } from './core/limits/dashboard';
import { BudgetOverrideFile } from './store/budgetOverrideFile';
import { LimitStore } from './store/limitStore';
import { registerClaudeStatusLineCommands } from './ui/claudeStatusLine';
import { registerCommands } from './ui/commands';
import { CopilotQuotaController } from './ui/copilotQuotaController';
import { chatProviderSettings, onDidChangeSettings, settingValues, startSettings } from './ui/config';
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

// The bundles loaded on first use take the extension's own instances of these (see esbuild.js).
export { sharedModules } from './sharedModules';

// Their problems (an upstream that is not a URL, a log root that is not a path) are reported with the usage settings.
const gatewaySettings = () => resolveGateway(settingValues(), []);
const logCaptureSettings = () => resolveLogCapture(settingValues(), []);

/** Set by the bundle's first line (esbuild.js); undefined when running from source. */
declare const __tokenMeterLoadStart: number | undefined;

export function activate(context: vscode.ExtensionContext): TokenMeterApi {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const loadMs = typeof __tokenMeterLoadStart === 'number' ? started - __tokenMeterLoadStart : undefined;
  const version = String(context.extension.packageJSON.version);
  const output = vscode.window.createOutputChannel('Token Meter', { log: true });
  const problems = new ProblemReporter(output);
  const settings = startSettings((message) => problems.report(message, { openSettings: true }));
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
  const budget = new BudgetGuard(usage, new BudgetOverride(new BudgetOverrideFile(context.globalStorageUri.fsPath), usage.now));
  const gateway = new GatewayController(context, usage, budget, problems, output, hygiene.observe);
  const logs = new LogCaptureController(context.extensionPath, context.globalStorageUri.fsPath, usage, problems, output);
  context.subscriptions.push(
    output,
    problems,
    settings,
    usage,
    dashboard,
    hygiene,
    gateway,
    logs,
    new MeterController(usage, budget.override),
    new PriceCatalogController(context.globalStorageUri.fsPath, usage, problems, output),
    new SubscriptionController(usage, logs, context.globalState, context.globalStorageUri.fsPath),
    new TeamSyncController(context, usage, context.globalStorageUri.fsPath, version, (from, to) => hygiene.countsByKind(from, to)),
    new TelemetryController(context.extensionPath, usage, problems, version),
    ...registerCommands(usage, dashboard, gateway, budget.override),
    ...registerClaudeStatusLineCommands(context.extensionPath, context.globalStorageUri.fsPath),
    new CopilotQuotaController(context.globalStorageUri.fsPath, output),
    ...registerChatModels(
      context,
      new TokenMeterChatProvider(
        context.secrets,
        chatProviderSettings(),
        usage,
        budget,
        (message) => problems.report(message, { openSettings: true }),
        hygiene.observe,
      ),
      LM_VENDOR,
    ),
    // Each starts, restarts or stops when its own settings change, and only then.
    onDidChangeSettings(['gateway'], () => void gateway.apply(gatewaySettings())),
    onDidChangeSettings(['logCapture'], () => logs.apply(logCaptureSettings())),
  );
  void gateway.apply(gatewaySettings());
  logs.apply(logCaptureSettings());
  const loaded = loadMs === undefined ? '' : ` (bundle loaded ${loadMs.toFixed(1)} ms before)`;
  // CPU time too: on a busy machine the wall time includes waiting for a core.
  const cpu = process.cpuUsage(cpuBefore);
  output.info(
    `Activated in ${(performance.now() - started).toFixed(1)} ms, ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU${loaded}; data in ${context.globalStorageUri.fsPath}`,
  );
  return createApi({ sink: usage, totals: (range) => usage.totals(range) });
}
