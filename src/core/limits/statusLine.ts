import { formatClock, formatPercent, formatUsd } from '../format';
import { canonicalWindow, type LimitReading } from './reading';
import { asObject, finiteNumber, type Json } from '../json';

/**
 * The JSON Claude Code passes a status-line command on stdin: model, workspace, cost, context
 * window and, on subscriptions, `rate_limits` ({ five_hour: { used_percentage, resets_at }, … }).
 * Read leniently: any field may be missing, and a newer Claude Code may add windows.
 */

export interface StatusLineFacts {
  model?: string;
  /** The project folder's name. */
  workspace?: string;
  costUsd?: number;
  /** 0–1. */
  contextUsedRatio?: number;
  readings: LimitReading[];
}

/** Epoch seconds (what Claude Code sends) or an ISO date. */
function resetTime(value: unknown): number | undefined {
  const n = finiteNumber(value);
  if (n !== undefined) return n > 1e12 ? n : n * 1000;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

function contextRatio(context: Json | undefined): number | undefined {
  if (!context) return undefined;
  const percent = finiteNumber(context.used_percentage);
  if (percent !== undefined) return percent / 100;
  const size = finiteNumber(context.context_window_size);
  const usage = asObject(context.current_usage);
  if (!size || !usage) return undefined;
  const used = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'].reduce(
    (sum, key) => sum + (finiteNumber(usage[key]) ?? 0),
    0,
  );
  return used / size;
}

export function parseStatusLineInput(input: unknown, observedAt: number): StatusLineFacts {
  const json = asObject(input) ?? {};
  const model = asObject(json.model);
  const workspace = asObject(json.workspace);
  const dir =
    typeof workspace?.project_dir === 'string'
      ? workspace.project_dir
      : typeof workspace?.current_dir === 'string'
        ? workspace.current_dir
        : typeof json.cwd === 'string'
          ? json.cwd
          : undefined;
  const readings: LimitReading[] = [];
  for (const [name, raw] of Object.entries(asObject(json.rate_limits) ?? {})) {
    const window = asObject(raw);
    const percent = finiteNumber(window?.used_percentage) ?? finiteNumber(window?.utilization);
    if (!window || percent === undefined || percent < 0 || percent > 1000) continue;
    const resetsAt = resetTime(window.resets_at);
    if (resetsAt !== undefined && resetsAt <= observedAt) continue;
    readings.push({
      provider: 'anthropic',
      account: 'default',
      window: canonicalWindow(name),
      usedRatio: percent / 100,
      ...(resetsAt !== undefined ? { resetsAt } : {}),
      source: 'claude-code',
      observedAt,
    });
  }
  const cost = finiteNumber(asObject(json.cost)?.total_cost_usd);
  const ratio = contextRatio(asObject(json.context_window));
  return {
    ...(typeof model?.display_name === 'string' ? { model: model.display_name } : typeof model?.id === 'string' ? { model: model.id } : {}),
    ...(dir ? { workspace: dir.split(/[\\/]/).filter(Boolean).pop() ?? dir } : {}),
    ...(cost !== undefined ? { costUsd: cost } : {}),
    ...(ratio !== undefined ? { contextUsedRatio: ratio } : {}),
    readings,
  };
}

/** "Opus · myapp · ctx 42% · $1.37 · 5h 42% ↻14:20 · 7d 18% ↻Mon 09:00". */
export function formatStatusLine(facts: StatusLineFacts, now: number, timeZone: string): string {
  const parts: string[] = [];
  if (facts.model) parts.push(facts.model);
  if (facts.workspace) parts.push(facts.workspace);
  if (facts.contextUsedRatio !== undefined) parts.push(`ctx ${formatPercent(facts.contextUsedRatio)}`);
  if (facts.costUsd !== undefined) parts.push(formatUsd(facts.costUsd));
  for (const r of facts.readings) {
    const reset = r.resetsAt !== undefined ? ` ↻${formatClock(r.resetsAt, now, timeZone)}` : '';
    parts.push(`${r.window} ${formatPercent(r.usedRatio ?? 0)}${reset}`);
  }
  return parts.join(' · ');
}
