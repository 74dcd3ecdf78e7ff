import { totalTokens, type UsageEvent } from './events';
import { MinuteActivity, type ActivityPoint, type SavedActivity } from './activity';
import { CrossSourceMatcher, type MatchEntry, type SavedSightings } from './dedup/crossSourceMatcher';
import { RecentIds, type SavedIds } from './dedup/recentIds';

/**
 * Totals per local day × provider × model × source × project, so a week or a month is answered
 * without rescanning events. Pricing, peak weights and the day boundary come from a RollupContext;
 * when its fingerprint changes the rollups are rebuilt from the event log.
 */

export interface EventValuation {
  /** USD at list price, or null when the model's price is unknown. */
  costUsd: number | null;
  peakMultiplier: number;
  peak: boolean;
}

export interface RollupContext {
  /** The event's local day, 'YYYY-MM-DD', in the user's zone. */
  dayOf(ts: number): string;
  value(e: UsageEvent): EventValuation;
  /** Changes whenever the zone, prices or peak schedule change, so stale rollups are rebuilt. */
  fingerprint: string;
}

export interface RollupRow {
  day: string;
  provider: string;
  model: string;
  source: string;
  /** '' when the event named no project. */
  project: string;
  events: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** The part of cacheWriteTokens written with the 1-hour TTL. */
  cacheWrite1hTokens: number;
  reasoningTokens: number;
  /** Tokens of events whose counts were estimated by the tokenizer. */
  estimatedTokens: number;
  /** Known costs only; see unpricedTokens. */
  costUsd: number;
  /** The part of costUsd the provider reported itself (OpenRouter's usage.cost) rather than list prices. */
  reportedCostUsd: number;
  /** Tokens of events whose model has no known price: their cost is unknown, not zero. */
  unpricedTokens: number;
  /** Cost × the peak multiplier at each event's instant: what counts against budgets. */
  weightedCostUsd: number;
  weightedTokens: number;
  peakTokens: number;
  peakCostUsd: number;
}

const SUM_FIELDS = [
  'events',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'cacheWrite1hTokens',
  'reasoningTokens',
  'estimatedTokens',
  'costUsd',
  'reportedCostUsd',
  'unpricedTokens',
  'weightedCostUsd',
  'weightedTokens',
  'peakTokens',
  'peakCostUsd',
] as const;

export interface RollupSnapshot {
  fingerprint: string;
  rows: RollupRow[];
  /** SavedIds, or the [id, time] list of earlier versions. */
  recentIds: SavedIds | Array<[string, number]>;
  /** SavedSightings, or the MatchEntry list of earlier versions. */
  recentMatches?: SavedSightings | MatchEntry[];
  /** SavedActivity, or the ActivityPoint lists of earlier versions. */
  activity?: SavedActivity | Record<string, ActivityPoint[]>;
}

const DIMENSIONS = ['day', 'provider', 'model', 'source', 'project'] as const;

/**
 * The rollups as saved beside the event log, in parts: `rows` (one array per row, dimensions then
 * SUM_FIELDS, which a parse turns into far fewer objects than keyed rows) and the de-duplication
 * state and minute activity as JSON texts of their own. Opening the store needs only the rows; the
 * other parts are parsed when a new event or a sub-day window first needs them.
 */
export interface RollupSections {
  fingerprint: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  recentIds: string;
  recentMatches: string;
  activity: string;
}

/** Saved sections as read: each JSON text is decoded only when first needed. */
export type SavedRollupSections = Omit<RollupSections, 'recentIds' | 'recentMatches' | 'activity'> &
  Record<'recentIds' | 'recentMatches' | 'activity', () => string>;

/** A part of a snapshot kept as its JSON text until first used; a text that does not parse counts as empty. */
class Deferred<T> {
  private value: T | undefined;

  constructor(
    private text: (() => string) | undefined,
    private readonly parse: (json: unknown) => T,
  ) {}

  static of<T>(value: T, parse: (json: unknown) => T): Deferred<T> {
    const deferred = new Deferred<T>(undefined, parse);
    deferred.value = value;
    return deferred;
  }

  get(): T {
    if (this.value === undefined) {
      let json: unknown;
      try {
        json = this.text === undefined ? undefined : JSON.parse(this.text());
      } catch {
        json = undefined;
      }
      this.value = this.parse(json);
      this.text = undefined;
    }
    return this.value;
  }

  /** Its JSON text: the text it was made from while unused, so saving again costs no parse. */
  toText(toJSON: (value: T) => unknown): string {
    return this.value === undefined && this.text !== undefined ? this.text() : JSON.stringify(toJSON(this.get()));
  }
}

const parseRecentIds = (json: unknown) => RecentIds.fromJSON(json);
const parseMatches = (json: unknown) => CrossSourceMatcher.fromJSON(json);
const parseActivity = (json: unknown) => MinuteActivity.fromJSON(json);

type ProjectRows = Map<string, RollupRow>;

/**
 * The rows, in the order they were made, found by day, provider, model, source and project one Map
 * at a time. Counting a long log finds a row per event: dayOf and the event decoder hand out the
 * same string objects again and again, and a Map keeps a string's hash, so no key string is built
 * per event (building and hashing one was the largest part of counting an event).
 */
class RowTable {
  private readonly all = new Set<RollupRow>();
  private readonly byDay = new Map<string, Map<string, Map<string, Map<string, ProjectRows>>>>();

  get size(): number {
    return this.all.size;
  }

  values(): IterableIterator<RollupRow> {
    return this.all.values();
  }

  find(day: string, provider: string, model: string, source: string, project: string): RollupRow | undefined {
    return this.byDay.get(day)?.get(provider)?.get(model)?.get(source)?.get(project);
  }

  /** Adds a row, replacing one with the same dimensions. */
  set(row: RollupRow): void {
    const projects = branch(branch(branch(branch(this.byDay, row.day), row.provider), row.model), row.source);
    const replaced = projects.get(row.project);
    if (replaced) this.all.delete(replaced);
    projects.set(row.project, row);
    this.all.add(row);
  }

  dropDaysBefore(day: string): void {
    for (const [rowDay, rows] of this.byDay) {
      if (rowDay >= day) continue;
      this.byDay.delete(rowDay);
      for (const byModel of rows.values())
        for (const bySource of byModel.values())
          for (const projects of bySource.values()) for (const row of projects.values()) this.all.delete(row);
    }
  }
}

function branch<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let next = map.get(key);
  if (!next) map.set(key, (next = new Map()));
  return next;
}

export class Rollups {
  private readonly table = new RowTable();
  private recent = Deferred.of(new RecentIds(), parseRecentIds);
  private matcher = Deferred.of(new CrossSourceMatcher(), parseMatches);
  private minutes = Deferred.of(new MinuteActivity(), parseActivity);

  constructor(readonly context: RollupContext) {}

  /** Tokens per provider per minute, for windows shorter than a day. */
  get activity(): MinuteActivity {
    return this.minutes.get();
  }

  /** Counts an event; false when its id was already counted. */
  add(e: UsageEvent): boolean {
    if (!this.recent.get().admit(e.id, e.ts)) return false;
    if (this.matcher.get().isSecondSighting(e)) return false;
    this.minutes.get().add(e);
    const day = this.context.dayOf(e.ts);
    const project = e.project ?? '';
    let row = this.table.find(day, e.provider, e.model, e.source, project);
    if (!row) {
      row = {
        day,
        provider: e.provider,
        model: e.model,
        source: e.source,
        project,
        events: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 0,
        reasoningTokens: 0,
        estimatedTokens: 0,
        costUsd: 0,
        reportedCostUsd: 0,
        unpricedTokens: 0,
        weightedCostUsd: 0,
        weightedTokens: 0,
        peakTokens: 0,
        peakCostUsd: 0,
      };
      this.table.set(row);
    }
    const tokens = totalTokens(e);
    const { costUsd, peakMultiplier, peak } = this.context.value(e);
    row.events += 1;
    row.inputTokens += e.inputTokens;
    row.outputTokens += e.outputTokens;
    row.cacheReadTokens += e.cacheReadTokens;
    row.cacheWriteTokens += e.cacheWriteTokens;
    if (e.cacheWrite1hTokens) row.cacheWrite1hTokens += e.cacheWrite1hTokens;
    row.reasoningTokens += e.reasoningTokens;
    if (e.estimated) row.estimatedTokens += tokens;
    if (costUsd === null) row.unpricedTokens += tokens;
    else {
      row.costUsd += costUsd;
      if (e.reportedCostUsd !== undefined) row.reportedCostUsd += costUsd;
      row.weightedCostUsd += costUsd * peakMultiplier;
      if (peak) row.peakCostUsd += costUsd;
    }
    row.weightedTokens += tokens * peakMultiplier;
    if (peak) row.peakTokens += tokens;
    return true;
  }

  /** Rows whose day is within [fromDay, toDay] (both optional, inclusive). */
  rows(filter: { fromDay?: string; toDay?: string } = {}): RollupRow[] {
    const out: RollupRow[] = [];
    for (const row of this.table.values()) {
      if (filter.fromDay !== undefined && row.day < filter.fromDay) continue;
      if (filter.toDay !== undefined && row.day > filter.toDay) continue;
      out.push(row);
    }
    return out;
  }

  /** Drops every day before `day` (retention). */
  dropDaysBefore(day: string): void {
    this.table.dropDaysBefore(day);
  }

  get size(): number {
    return this.table.size;
  }

  toJSON(): RollupSnapshot {
    return {
      fingerprint: this.context.fingerprint,
      rows: [...this.table.values()],
      recentIds: this.recent.get().toJSON(),
      recentMatches: this.matcher.get().toJSON(),
      activity: this.activity.toJSON(),
    };
  }

  /** Restores a snapshot made under the same context; undefined when it is stale or malformed. */
  static fromJSON(snapshot: unknown, context: RollupContext): Rollups | undefined {
    if (typeof snapshot !== 'object' || snapshot === null) return undefined;
    const s = snapshot as Partial<RollupSnapshot>;
    if (s.fingerprint !== context.fingerprint || !Array.isArray(s.rows) || typeof s.recentIds !== 'object' || s.recentIds === null)
      return undefined;
    const rollups = new Rollups(context);
    for (const row of s.rows) {
      if (typeof row?.day !== 'string' || typeof row.model !== 'string' || !SUM_FIELDS.every((f) => typeof row[f] === 'number'))
        return undefined;
      rollups.table.set({ ...row });
    }
    rollups.recent = Deferred.of(parseRecentIds(s.recentIds), parseRecentIds);
    rollups.matcher = Deferred.of(parseMatches(s.recentMatches), parseMatches);
    rollups.minutes = Deferred.of(parseActivity(s.activity), parseActivity);
    return rollups;
  }

  /** The rollups in the parts `fromSections` restores (see RollupSections). */
  toSections(): RollupSections {
    const rows: Array<Array<string | number>> = [];
    for (const row of this.table.values()) {
      const values: Array<string | number> = [row.day, row.provider, row.model, row.source, row.project];
      for (const field of SUM_FIELDS) values.push(row[field]);
      rows.push(values);
    }
    return {
      fingerprint: this.context.fingerprint,
      columns: [...DIMENSIONS, ...SUM_FIELDS],
      rows,
      recentIds: this.recent.toText((ids) => ids.toJSON()),
      recentMatches: this.matcher.toText((matcher) => matcher.toJSON()),
      activity: this.minutes.toText((activity) => activity.toJSON()),
    };
  }

  /** Restores saved parts made under the same context; undefined when they are stale or the rows malformed. */
  static fromSections(sections: Partial<SavedRollupSections>, context: RollupContext): Rollups | undefined {
    const { columns, rows } = sections;
    if (sections.fingerprint !== context.fingerprint || !Array.isArray(rows) || !Array.isArray(columns)) return undefined;
    if (columns.length !== DIMENSIONS.length + SUM_FIELDS.length || ![...DIMENSIONS, ...SUM_FIELDS].every((c, i) => columns[i] === c))
      return undefined;
    const rollups = new Rollups(context);
    for (const v of rows) {
      if (!Array.isArray(v) || v.length !== columns.length) return undefined;
      for (let i = 0; i < v.length; i++) if (typeof v[i] !== (i < DIMENSIONS.length ? 'string' : 'number')) return undefined;
      // One literal, in the order add() builds rows, so every row shares one shape.
      const row: RollupRow = {
        day: v[0] as string,
        provider: v[1] as string,
        model: v[2] as string,
        source: v[3] as string,
        project: v[4] as string,
        events: v[5] as number,
        inputTokens: v[6] as number,
        outputTokens: v[7] as number,
        cacheReadTokens: v[8] as number,
        cacheWriteTokens: v[9] as number,
        cacheWrite1hTokens: v[10] as number,
        reasoningTokens: v[11] as number,
        estimatedTokens: v[12] as number,
        costUsd: v[13] as number,
        reportedCostUsd: v[14] as number,
        unpricedTokens: v[15] as number,
        weightedCostUsd: v[16] as number,
        weightedTokens: v[17] as number,
        peakTokens: v[18] as number,
        peakCostUsd: v[19] as number,
      };
      rollups.table.set(row);
    }
    rollups.recent = new Deferred(sections.recentIds, parseRecentIds);
    rollups.matcher = new Deferred(sections.recentMatches, parseMatches);
    rollups.minutes = new Deferred(sections.activity, parseActivity);
    return rollups;
  }
}
