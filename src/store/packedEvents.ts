import type { UsageEvent } from '../core/events';
import { NameTable } from '../core/nameTable';
import type { SegmentFormat } from './eventCodec';

/**
 * Usage events as a decode worker hands them to the reading thread: numbers in one typed array,
 * repeated strings (source, provider, model, project, service tier) as indexes into a small table,
 * the other strings (id, request id, prompt fingerprint) joined into one string with their ends.
 * A structured clone of a million event objects costs about as much as decoding them; this is a
 * few typed arrays (whose memory is transferred, not copied), one string and a short list.
 */
export interface PackedEvents {
  count: number;
  /** NUMBERS per event: the time, then the optional numbers (0 when absent, see flags). */
  numbers: Float64Array;
  /**
   * COUNTS per event: the token counts, whole numbers from 0 to MAX_TOKENS_PER_EVENT. Read back from
   * a Uint32Array they are small integers, as the decoders make them, not boxed doubles.
   */
  counts: Uint32Array;
  /** Per event: ESTIMATED and which optional fields are present. */
  flags: Uint16Array;
  /** REPEATED per event, in REPEATED_FIELDS order: indexes into `values`. */
  repeated: Uint32Array;
  values: string[];
  /** Of each event in turn, its id, then its requestId and promptFingerprint when present. */
  text: string;
  /** Where each of those strings ends in `text`. */
  textEnds: Uint32Array;
}

const NUMBERS = 5;
const COUNTS = 5;
const REPEATED = 5;
// Positions in `numbers`, `counts` and `repeated`.
const TS = 0;
const CACHE_WRITE_1H = 1;
const REPORTED_COST = 2;
const LATENCY = 3;
const STATUS = 4;
const INPUT = 0;
const OUTPUT = 1;
const CACHE_READ = 2;
const CACHE_WRITE = 3;
const REASONING = 4;
const SOURCE = 0;
const PROVIDER = 1;
const MODEL = 2;
const PROJECT = 3;
const SERVICE_TIER = 4;
// Bits of `flags`.
const ESTIMATED = 1;
const HAS_PROJECT = 2;
const HAS_CACHE_WRITE_1H = 4;
const HAS_SERVICE_TIER = 8;
const HAS_REPORTED_COST = 16;
const HAS_REQUEST_ID = 32;
const HAS_FINGERPRINT = 64;
const HAS_LATENCY = 128;
const HAS_STATUS = 256;

/** Packs events one by one; sized for at most `capacity` of them. */
export class EventPacker {
  private count = 0;
  private readonly numbers: Float64Array;
  private readonly counts: Uint32Array;
  private readonly flags: Uint16Array;
  private readonly repeated: Uint32Array;
  private readonly values = new NameTable();
  private readonly strings: string[] = [];
  private readonly textEnds: Uint32Array;
  private textLength = 0;

  constructor(capacity: number) {
    this.numbers = new Float64Array(capacity * NUMBERS);
    this.counts = new Uint32Array(capacity * COUNTS);
    this.flags = new Uint16Array(capacity);
    this.repeated = new Uint32Array(capacity * REPEATED);
    this.textEnds = new Uint32Array(capacity * 3);
  }

  /**
   * Packs an event; false when a value cannot be carried exactly (a JSON line's count of -0, which
   * validation lets through), and nothing is packed then.
   */
  add(e: UsageEvent): boolean {
    const counts = this.counts;
    const c = this.count * COUNTS;
    counts[c + INPUT] = e.inputTokens;
    counts[c + OUTPUT] = e.outputTokens;
    counts[c + CACHE_READ] = e.cacheReadTokens;
    counts[c + CACHE_WRITE] = e.cacheWriteTokens;
    counts[c + REASONING] = e.reasoningTokens;
    for (let i = c; i < c + COUNTS; i++) if (counts[i] === 0 && Object.is(countOf(e, i - c), -0)) return false;
    const n = this.count * NUMBERS;
    const r = this.count * REPEATED;
    const numbers = this.numbers;
    numbers[n + TS] = e.ts;
    this.repeated[r + SOURCE] = this.values.numberOf(e.source);
    this.repeated[r + PROVIDER] = this.values.numberOf(e.provider);
    this.repeated[r + MODEL] = this.values.numberOf(e.model);
    this.string(e.id);
    let flags = e.estimated ? ESTIMATED : 0;
    if (e.project !== undefined) {
      flags |= HAS_PROJECT;
      this.repeated[r + PROJECT] = this.values.numberOf(e.project);
    }
    if (e.cacheWrite1hTokens !== undefined) {
      flags |= HAS_CACHE_WRITE_1H;
      numbers[n + CACHE_WRITE_1H] = e.cacheWrite1hTokens;
    }
    if (e.serviceTier !== undefined) {
      flags |= HAS_SERVICE_TIER;
      this.repeated[r + SERVICE_TIER] = this.values.numberOf(e.serviceTier);
    }
    if (e.reportedCostUsd !== undefined) {
      flags |= HAS_REPORTED_COST;
      numbers[n + REPORTED_COST] = e.reportedCostUsd;
    }
    if (e.requestId !== undefined) {
      flags |= HAS_REQUEST_ID;
      this.string(e.requestId);
    }
    if (e.promptFingerprint !== undefined) {
      flags |= HAS_FINGERPRINT;
      this.string(e.promptFingerprint);
    }
    if (e.latencyMs !== undefined) {
      flags |= HAS_LATENCY;
      numbers[n + LATENCY] = e.latencyMs;
    }
    if (e.status !== undefined) {
      flags |= HAS_STATUS;
      numbers[n + STATUS] = e.status;
    }
    this.flags[this.count++] = flags;
    return true;
  }

  /** The packed events, and the memory to transfer with them. */
  finish(): { packed: PackedEvents; transfer: ArrayBuffer[] } {
    const packed: PackedEvents = {
      count: this.count,
      numbers: this.numbers,
      counts: this.counts,
      flags: this.flags,
      repeated: this.repeated,
      values: this.values.names,
      text: this.strings.join(''),
      textEnds: this.textEnds,
    };
    return {
      packed,
      transfer: [this.numbers.buffer, this.counts.buffer, this.flags.buffer, this.repeated.buffer, this.textEnds.buffer] as ArrayBuffer[],
    };
  }

  private string(value: string): void {
    this.textLength += value.length;
    this.textEnds[this.strings.length] = this.textLength;
    this.strings.push(value);
  }
}

const COUNT_FIELDS = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const;

function countOf(e: UsageEvent, position: number): number {
  return e[COUNT_FIELDS[position]];
}

/**
 * Calls onEvent with each packed event, in order, as the decoder of `format` made it (the same
 * fields, in the same order: the JSON decoder puts project after reportedCostUsd).
 */
export function unpackEvents(packed: PackedEvents, format: SegmentFormat, onEvent: (e: UsageEvent) => void): void {
  const { numbers, counts, flags, repeated, values, text, textEnds } = packed;
  const projectFirst = format === 'compact';
  let string = 0;
  let textAt = 0;
  const nextString = () => text.slice(textAt, (textAt = textEnds[string++]));
  for (let i = 0; i < packed.count; i++) {
    const n = i * NUMBERS;
    const c = i * COUNTS;
    const r = i * REPEATED;
    const f = flags[i];
    const event: UsageEvent = {
      id: nextString(),
      ts: numbers[n + TS],
      source: values[repeated[r + SOURCE]],
      provider: values[repeated[r + PROVIDER]],
      model: values[repeated[r + MODEL]],
      inputTokens: counts[c + INPUT],
      outputTokens: counts[c + OUTPUT],
      cacheReadTokens: counts[c + CACHE_READ],
      cacheWriteTokens: counts[c + CACHE_WRITE],
      reasoningTokens: counts[c + REASONING],
      estimated: (f & ESTIMATED) !== 0,
    };
    if (projectFirst && f & HAS_PROJECT) event.project = values[repeated[r + PROJECT]];
    if (f & HAS_CACHE_WRITE_1H) event.cacheWrite1hTokens = numbers[n + CACHE_WRITE_1H];
    if (f & HAS_SERVICE_TIER) event.serviceTier = values[repeated[r + SERVICE_TIER]];
    if (f & HAS_REPORTED_COST) event.reportedCostUsd = numbers[n + REPORTED_COST];
    if (!projectFirst && f & HAS_PROJECT) event.project = values[repeated[r + PROJECT]];
    if (f & HAS_REQUEST_ID) event.requestId = nextString();
    if (f & HAS_FINGERPRINT) event.promptFingerprint = nextString();
    if (f & HAS_LATENCY) event.latencyMs = numbers[n + LATENCY];
    if (f & HAS_STATUS) event.status = numbers[n + STATUS];
    onEvent(event);
  }
}
