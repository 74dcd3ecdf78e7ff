import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { UsageEvent } from '../core/events';

/**
 * Token usage as OpenTelemetry metrics, following the GenAI semantic conventions, so a team's
 * existing collector and dashboards can show it: the `gen_ai.client.token.usage` histogram with
 * `gen_ai.token.type` (input: everything sent, cached or not; output), `gen_ai.request.model` and
 * the provider. Sent over OTLP/HTTP (JSON). Only counts and model names leave the machine.
 */

export interface OtelExportOptions {
  /** The collector's OTLP/HTTP base (http://host:4318) or its full /v1/metrics URL. */
  endpoint: string;
  serviceVersion: string;
  exportIntervalMs?: number;
}

export interface OtelExport {
  record(events: readonly UsageEvent[]): void;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The bucket boundaries the GenAI conventions advise for token counts. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

export function metricsUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/metrics') ? base : `${base}/v1/metrics`;
}

export function createOtelExport(options: OtelExportOptions): OtelExport {
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: metricsUrl(options.endpoint) }),
    exportIntervalMillis: options.exportIntervalMs ?? 60_000,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'token-meter', 'service.version': options.serviceVersion }),
    readers: [reader],
  });
  const histogram = provider.getMeter('token-meter', options.serviceVersion).createHistogram('gen_ai.client.token.usage', {
    description: 'Number of input and output tokens used',
    unit: '{token}',
    advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
  });
  return {
    record(events) {
      for (const e of events) {
        const attributes = {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': e.provider,
          'gen_ai.system': e.provider,
          'gen_ai.request.model': e.model,
          'token_meter.source': e.source,
        };
        histogram.record(e.inputTokens + e.cacheReadTokens + e.cacheWriteTokens, { ...attributes, 'gen_ai.token.type': 'input' });
        histogram.record(e.outputTokens, { ...attributes, 'gen_ai.token.type': 'output' });
      }
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
