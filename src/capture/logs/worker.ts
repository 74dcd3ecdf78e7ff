import { parentPort, workerData } from 'node:worker_threads';
import { UsageStore } from '../../store/usageStore';
import { LOG_ADAPTERS } from './registry';
import { bundledParseWorkers } from './ingest';
import type { LogSource } from './discovery';
import { LogScanner } from './scanner';
import type { RateLimitSnapshot, SessionContext } from './types';
import type { UsageEvent } from '../../core/events';

/**
 * The first full read of the assistants' logs, off the extension host's main thread: a long
 * history can take seconds to parse. The window that starts it holds the log lock. Events go
 * straight to the store's files from here; the window's store picks them up like any other writer's.
 */

export interface LogWorkerInput {
  dataDir: string;
  sources: Array<{ source: string; roots: string[] }>;
}

export type LogWorkerMessage =
  | { type: 'progress'; bytesDone: number; bytesTotal: number; filesDone: number; filesTotal: number }
  | { type: 'problem'; message: string }
  | { type: 'rate-limits'; snapshot: RateLimitSnapshot }
  | { type: 'session'; source: string; session: SessionContext; event: UsageEvent }
  | { type: 'done'; events: number; files: number; bytes: number };

const input = workerData as LogWorkerInput;
const post = (message: LogWorkerMessage) => parentPort!.postMessage(message);
const sources: LogSource[] = input.sources.flatMap(({ source, roots }) => {
  const adapter = LOG_ADAPTERS.find((a) => a.source === source);
  return adapter ? [{ adapter, roots }] : [];
});

// Only the latest of each matters to the window; posting every one would flood the channel.
const latestLimits = new Map<string, RateLimitSnapshot>();
const latestSessions = new Map<string, { source: string; session: SessionContext; event: UsageEvent }>();
let lastProgressAt = 0;

const writer = UsageStore.writerFor(input.dataDir);
try {
  const scanner = new LogScanner({
    stateDir: input.dataDir,
    sources,
    parseWorkers: bundledParseWorkers(),
    sink: (events) => writer.appendMany(events),
    onProblem: (message) => post({ type: 'problem', message }),
    onRateLimits: (snapshot) => {
      if ((latestLimits.get(snapshot.source)?.ts ?? 0) <= snapshot.ts) latestLimits.set(snapshot.source, snapshot);
    },
    onSession: (source, session, event) => {
      const key = `${source}\u0000${event.project ?? ''}`;
      if ((latestSessions.get(key)?.event.ts ?? 0) <= event.ts) latestSessions.set(key, { source, session, event });
    },
  });
  const summary = scanner.scanAll((p) => {
    if (Date.now() - lastProgressAt < 100 && p.filesDone < p.filesTotal) return;
    lastProgressAt = Date.now();
    post({ type: 'progress', ...p });
  });
  for (const snapshot of latestLimits.values()) post({ type: 'rate-limits', snapshot });
  for (const { source, session, event } of latestSessions.values()) post({ type: 'session', source, session, event });
  post({ type: 'done', events: summary.events, files: summary.files, bytes: summary.bytes });
} catch (error) {
  post({ type: 'problem', message: `Reading assistants' logs failed: ${(error as Error).message}` });
  post({ type: 'done', events: 0, files: 0, bytes: 0 });
} finally {
  writer.close();
}
