import type { IncomingHttpHeaders } from 'node:http';
import { parseAnthropicHeaders, parseOpenAiHeaders } from '../../core/limits/headers';
import type { LimitReading } from '../../core/limits/reading';
import type { Provider } from './meter';

/** The rate-limit readings in one upstream response's headers, by the provider's own format. */
export function limitReadingsFromResponse(provider: Provider, headers: IncomingHttpHeaders, observedAt: number): LimitReading[] {
  return provider === 'anthropic' ? parseAnthropicHeaders(headers, observedAt).readings : parseOpenAiHeaders(headers, observedAt).readings;
}

export interface LimitSink {
  record(readings: readonly LimitReading[]): unknown;
}

/**
 * The gateway's `onResponseHeaders` for a store: reads the headers at once (they are small and
 * already parsed by Node) and records off the response path, so the body is not held up by a file
 * write. A failure to record is reported, never thrown into the proxy.
 */
export function recordLimitHeaders(
  sink: LimitSink,
  onProblem: (message: string) => void,
  now: () => number = Date.now,
): (provider: Provider, headers: IncomingHttpHeaders) => void {
  return (provider, headers) => {
    const readings = limitReadingsFromResponse(provider, headers, now());
    if (readings.length === 0) return;
    setImmediate(() => {
      try {
        sink.record(readings);
      } catch (error) {
        onProblem(`Could not record ${provider} rate-limit readings: ${(error as Error).message}`);
      }
    });
  };
}
