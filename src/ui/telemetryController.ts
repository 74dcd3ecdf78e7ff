import * as path from 'node:path';
import * as vscode from 'vscode';
import type { UsageEvent } from '../core/events';
import type { OtelExport } from '../sync/otelExport';
import { onDidChangeSettings, readOtlpEndpoint } from './config';
import type { ProblemReporter } from './problems';
import type { UsageService } from './usageService';

/**
 * Optional OpenTelemetry metrics export of the usage this window records. The exporter (the
 * OpenTelemetry SDK) is its own bundle, loaded only when an endpoint is set.
 */
export class TelemetryController implements vscode.Disposable {
  private exporter: OtelExport | undefined;
  private endpoint = '';
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionPath: string,
    usage: UsageService,
    private readonly problems: ProblemReporter,
    private readonly version: string,
  ) {
    this.disposables.push(
      usage.onDidRecord((events) => this.exporter?.record(events as UsageEvent[])),
      onDidChangeSettings(['telemetry'], () => this.apply()),
    );
    this.apply();
  }

  private apply(): void {
    const endpoint = readOtlpEndpoint();
    if (endpoint === this.endpoint) return;
    this.endpoint = endpoint;
    void this.exporter?.shutdown();
    this.exporter = undefined;
    if (!endpoint) return;
    try {
      new URL(endpoint);
      const { createOtelExport } = require(path.join(this.extensionPath, 'dist', 'otel.js')) as typeof import('../sync/otelExport');
      this.exporter = createOtelExport({ endpoint, serviceVersion: this.version });
    } catch (error) {
      this.problems.report(`tokenMeter.telemetry.otlpEndpoint: ${(error as Error).message}; no metrics are exported.`, {
        openSettings: true,
      });
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    void this.exporter?.shutdown();
  }
}
