import { EARLIEST_EVENT_TS, MAX_STRING, MAX_TOKENS_PER_EVENT, UsageEventError, validateUsageEvent, type UsageEvent } from '../core/events';

/**
 * The event log's line formats. Segments named `*.ev1` hold one event per line as tab-separated
 * fields; `*.jsonl` segments (written before) hold one JSON object per line and are still read.
 *
 * Why not JSON: recounting a long log decodes every line, and JSON.parse plus validating the object
 * it builds was most of that cost. Fields at fixed places cost a scan for tabs and a few slices, and
 * the file is less than half the size. Each line is still written whole in one write().
 *
 * Fields, in order (an empty field is an absent optional one; trailing empty fields are left off):
 *   id ts source provider model inputTokens outputTokens cacheReadTokens cacheWriteTokens
 *   reasoningTokens estimated(1|0) project cacheWrite1hTokens serviceTier reportedCostUsd requestId
 *   promptFingerprint latencyMs status
 * In strings, `\` tab, newline and carriage return are written `\\` `\t` `\n` `\r`.
 */
export const COMPACT_SEGMENT_EXTENSION = '.ev1';
export const JSON_SEGMENT_EXTENSION = '.jsonl';

const FIELD_NAMES = [
  'id',
  'ts',
  'source',
  'provider',
  'model',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'reasoningTokens',
  'estimated',
  'project',
  'cacheWrite1hTokens',
  'serviceTier',
  'reportedCostUsd',
  'requestId',
  'promptFingerprint',
  'latencyMs',
  'status',
] as const;
const REQUIRED_FIELDS = 11;
/** Values remembered per repeated field: a user has a handful of sources, providers, models and projects. */
const RECENT_VALUES = 16;
// Bound once: reading an imported binding in a loop can cost a getter call per read when not bundled.
const MAX_STRING_LENGTH = MAX_STRING;
const MAX_COUNT = MAX_TOKENS_PER_EVENT;
const EARLIEST_TS = EARLIEST_EVENT_TS;
const TAB = 9;
const SOURCE_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
const FINGERPRINT_PATTERN = /^[A-Za-z0-9:_-]{8,128}$/;
const NEEDS_ESCAPE = /[\\\t\n\r]/;

function escapeField(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : value;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };

function unescapeField(value: string): string {
  return value.replace(/\\(.?)/g, (whole, c: string) => {
    const plain = UNESCAPES[c];
    if (plain === undefined) throw new UsageEventError(`unknown escape ${JSON.stringify(whole)}`);
    return plain;
  });
}

/** One event as a compact line, without its newline. Expects a validated event (its time is rounded to the millisecond, as validation does). */
export function encodeCompact(e: UsageEvent): string {
  let line = `${escapeField(e.id)}\t${Math.round(e.ts)}\t${escapeField(e.source)}\t${escapeField(e.provider)}\t${escapeField(e.model)}\t${e.inputTokens}\t${e.outputTokens}\t${e.cacheReadTokens}\t${e.cacheWriteTokens}\t${e.reasoningTokens}\t${e.estimated ? '1' : '0'}`;
  // The tabs of empty optional fields are written only once a later field has a value.
  let emptyTabs = '';
  const optional = (value: string | number | undefined) => {
    emptyTabs += '\t';
    if (value === undefined || value === '') return;
    line += emptyTabs + (typeof value === 'string' ? escapeField(value) : String(value));
    emptyTabs = '';
  };
  optional(e.project);
  optional(e.cacheWrite1hTokens || undefined);
  optional(e.serviceTier);
  optional(e.reportedCostUsd);
  optional(e.requestId);
  optional(e.promptFingerprint);
  optional(e.latencyMs);
  optional(e.status);
  return line;
}

/**
 * Decodes compact lines, checking what validateUsageEvent checks. Repeated values (source, provider,
 * model, project) are compared in place with the few last seen in that field, so a long log
 * allocates and checks each value once rather than once per line.
 */
export class CompactDecoder {
  /** Per field, recent distinct values already checked, most recent first. */
  private readonly seen: string[][] = FIELD_NAMES.map(() => []);
  private line = '';
  private at = 0;
  private end = 0;

  /**
   * The event on the line `text[start, end)` (no newline), read in place so a chunk of a segment
   * need not be split into lines first. Throws UsageEventError naming the field when it is malformed.
   */
  decode(text: string, now: number, start = 0, end = text.length): UsageEvent {
    this.line = text;
    this.at = start;
    this.end = end;
    const id = this.string(0);
    const ts = this.count(1, Number.MAX_SAFE_INTEGER);
    if (ts < EARLIEST_TS || ts > now + 24 * 3600_000) throw this.problem(1, 'is not a time in epoch milliseconds, not in the future');
    const source = this.repeated(2);
    const provider = this.repeated(3);
    const model = this.repeated(4);
    const event: UsageEvent = {
      id,
      ts,
      source,
      provider,
      model,
      inputTokens: this.count(5),
      outputTokens: this.count(6),
      cacheReadTokens: this.count(7),
      cacheWriteTokens: this.count(8),
      reasoningTokens: this.count(9),
      estimated: this.flag(10),
    };
    if (event.reasoningTokens > event.outputTokens) throw this.problem(9, 'is more than outputTokens');
    for (let field = REQUIRED_FIELDS; this.at <= this.end; field++) {
      if (field === FIELD_NAMES.length) throw new UsageEventError(`more than ${FIELD_NAMES.length} fields`);
      if (this.at === this.end || this.line.charCodeAt(this.at) === TAB) {
        this.at++;
        continue;
      }
      this.optional(event, field);
    }
    return event;
  }

  private optional(event: UsageEvent, field: number): void {
    switch (FIELD_NAMES[field]) {
      case 'project':
        event.project = this.repeated(field);
        return;
      case 'cacheWrite1hTokens': {
        const writes1h = this.count(field);
        if (writes1h > event.cacheWriteTokens) throw this.problem(field, 'is more than cacheWriteTokens');
        if (writes1h > 0) event.cacheWrite1hTokens = writes1h;
        return;
      }
      case 'serviceTier':
        event.serviceTier = this.string(field).toLowerCase();
        return;
      case 'reportedCostUsd':
        event.reportedCostUsd = this.amount(field);
        return;
      case 'requestId':
        event.requestId = this.string(field);
        return;
      case 'promptFingerprint': {
        const fingerprint = this.string(field);
        if (!FINGERPRINT_PATTERN.test(fingerprint)) throw this.problem(field, 'must be a hash, never prompt text');
        event.promptFingerprint = fingerprint;
        return;
      }
      case 'latencyMs':
      case 'status':
        event[FIELD_NAMES[field] as 'latencyMs' | 'status'] = Math.round(this.amount(field));
        return;
      default:
        throw new UsageEventError(`field ${field} cannot be optional`);
    }
  }

  /** A finite number, 0 or more, as String(number) writes it. */
  private amount(field: number): number {
    const stop = this.fieldEnd(field);
    const text = this.line.slice(this.at, stop);
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < 0)
      throw this.problem(field, `must be a number, 0 or more (got ${JSON.stringify(text.slice(0, 40))})`);
    this.at = stop + 1;
    return value;
  }

  private problem(field: number, what: string): UsageEventError {
    return new UsageEventError(`"${FIELD_NAMES[field]}" ${what}`);
  }

  /** Index of the end of the current field. */
  private fieldEnd(field: number): number {
    if (this.at > this.end) throw new UsageEventError(`only ${field} of the ${REQUIRED_FIELDS} required fields`);
    const tab = this.line.indexOf('\t', this.at);
    return tab === -1 || tab > this.end ? this.end : tab;
  }

  private string(field: number): string {
    const stop = this.fieldEnd(field);
    const raw = this.line.slice(this.at, stop);
    this.at = stop + 1;
    return this.checkString(field, raw);
  }

  private checkString(field: number, raw: string): string {
    const value = raw.includes('\\') ? unescapeField(raw) : raw;
    if (value.trim() === '') throw this.problem(field, 'must be a non-empty string');
    if (value.length > MAX_STRING_LENGTH) throw this.problem(field, `is longer than ${MAX_STRING_LENGTH} characters`);
    return value;
  }

  /** A string field, reusing a recent value (already checked) when it is the same text. */
  private repeated(field: number): string {
    const stop = this.fieldEnd(field);
    const length = stop - this.at;
    const seen = this.seen[field];
    for (let i = 0; i < seen.length; i++) {
      const candidate = seen[i];
      if (candidate.length === length && this.line.startsWith(candidate, this.at)) {
        this.at = stop + 1;
        return candidate;
      }
    }
    const raw = this.line.slice(this.at, stop);
    this.at = stop + 1;
    let value = this.checkString(field, raw);
    if (field === 2 && !SOURCE_PATTERN.test(value)) throw this.problem(field, 'must be a lowercase identifier such as "api"');
    if (field === 3) value = value.toLowerCase();
    // Only a value whose text is the stored text may be reused by the comparison above.
    if (value === raw) {
      if (seen.length === RECENT_VALUES) seen.pop();
      seen.unshift(value);
    }
    return value;
  }

  /** A whole number written in decimal digits, at most `max`. */
  private count(field: number, max = MAX_COUNT): number {
    const stop = this.fieldEnd(field);
    if (stop === this.at) throw this.problem(field, 'is empty');
    let value = 0;
    for (let i = this.at; i < stop; i++) {
      const digit = this.line.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9)
        throw this.problem(field, `must be a whole number, 0 or more (got ${JSON.stringify(this.line.slice(this.at, stop).slice(0, 40))})`);
      value = value * 10 + digit;
    }
    if (value > max) throw this.problem(field, `is ${value}, more than ${max}`);
    this.at = stop + 1;
    return value;
  }

  private flag(field: number): boolean {
    const stop = this.fieldEnd(field);
    const c = stop === this.at + 1 ? this.line.charCodeAt(this.at) : 0;
    if (c !== 48 && c !== 49) throw this.problem(field, 'must be 1 or 0');
    this.at = stop + 1;
    return c === 49;
  }
}

/** Decodes a line of a `.jsonl` segment (the format written before `.ev1`). */
export function decodeJsonLine(line: string, now: number): UsageEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new UsageEventError('not JSON');
  }
  return validateUsageEvent(parsed, now);
}

/** How a segment's lines are written: compact (`*.ev1`) or JSON (`*.jsonl`). */
export type SegmentFormat = 'compact' | 'json';

export function segmentFormatOf(fileName: string): SegmentFormat {
  return fileName.endsWith(COMPACT_SEGMENT_EXTENSION) ? 'compact' : 'json';
}

/** What decoding a chunk of a segment came to. */
export interface ChunkTally {
  events: number;
  malformed: number;
  /** The first malformed line's problem, '' when none was. */
  firstProblem: string;
}

/**
 * Decodes chunks of segments: text of whole lines, each ending in a newline (empty lines are
 * skipped), on the reader's thread or on a decode worker (decodeWorker.ts), alike.
 */
export class ChunkDecoder {
  private compact: CompactDecoder | undefined;

  /** Calls onEvent with each line's event, in order; a malformed line is counted, not thrown. */
  decode(text: string, format: SegmentFormat, now: number, onEvent: (e: UsageEvent) => void): ChunkTally {
    const compact = format === 'compact' ? (this.compact ??= new CompactDecoder()) : undefined;
    const tally: ChunkTally = { events: 0, malformed: 0, firstProblem: '' };
    for (let start = 0; start < text.length;) {
      const end = text.indexOf('\n', start);
      if (end > start) {
        let event: UsageEvent | undefined;
        try {
          event = compact ? compact.decode(text, now, start, end) : decodeJsonLine(text.slice(start, end), now);
        } catch (error) {
          if (!(error instanceof UsageEventError)) throw error;
          tally.malformed++;
          tally.firstProblem ||= error.message;
        }
        // Outside the try: only malformed input is counted as malformed; a consumer's failure is a bug.
        if (event) {
          onEvent(event);
          tally.events++;
        }
      }
      start = end + 1;
    }
    return tally;
  }
}
