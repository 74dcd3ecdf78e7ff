import type { UsageEvent } from '../../core/events';

/**
 * The contract between the log scanner and one assistant's log format. An adapter knows where its
 * assistant writes, which files matter, and how to turn their records into UsageEvents; the scanner
 * owns everything else (discovery, positions, rotation, de-duplication, persistence).
 */

/** One of the provider's own rate-limit windows, as an assistant recorded it. */
export interface RateLimitWindow {
  /** 0–100. */
  usedPercent: number;
  windowMinutes?: number;
  /** Epoch milliseconds. */
  resetsAt?: number;
}

export interface RateLimitSnapshot {
  source: string;
  /** When the assistant recorded it, epoch milliseconds. */
  ts: number;
  /** The short window (Codex: 5 hours). */
  primary?: RateLimitWindow;
  /** The long window (Codex: weekly). */
  secondary?: RateLimitWindow;
  planType?: string;
}

/** How full the model's context was for the latest request of an agent session. */
export interface SessionContext {
  sessionId: string;
  /** Prompt tokens of that request: new input plus cache reads and writes. */
  contextTokens: number;
  /** The window the assistant itself reported, when it did (Codex). */
  contextWindow?: number;
}

export type LogRecord =
  { kind: 'usage'; event: UsageEvent; session?: SessionContext } | { kind: 'rate-limits'; snapshot: RateLimitSnapshot };

/** Reads an append-only JSON Lines log, one complete line at a time. */
export interface LineReader {
  line(text: string): LogRecord[];
  /**
   * Byte strings of which every line this reader takes anything from contains at least one (a key
   * such as `"usage"`). The scanner decodes only lines that contain one; the others are only checked
   * to be a JSON object (else counted as malformed). Inside a JSON string a quote is escaped, so a
   * needle that starts and ends with a quote matches keys and whole strings only.
   */
  readonly needles?: readonly Buffer[];
  /**
   * Records held back until they are complete (a streamed message written in several lines).
   * The scanner calls this once the file has been quiet for a moment, and at the end of a file
   * nobody is writing any more.
   */
  flush?(): LogRecord[];
  /** Plain JSON saved with the file position, so reading resumes where it stopped. */
  save(): unknown;
}

/** Reads a file that its assistant rewrites whole (or compacts), every time it changes. */
export interface DocumentReader {
  /** Every record in the document; the scanner drops those already counted. */
  read(text: string): LogRecord[];
}

export type LogFileReader = { kind: 'lines'; reader: LineReader } | { kind: 'document'; reader: DocumentReader };

export interface LogFile {
  /** Absolute path. */
  path: string;
  /** The root it was found under. */
  root: string;
  /** Path below the root, '/'-separated on every platform. */
  relative: string;
}

export interface LogEnvironment {
  env: NodeJS.ProcessEnv;
  home: string;
  platform: NodeJS.Platform;
}

export interface LogAdapter {
  /** The UsageEvent source, also the adapter's id in settings and messages. */
  readonly source: string;
  /** The assistant's name for people. */
  readonly label: string;
  /** Where the assistant writes on this machine (they may not exist). */
  defaultRoots(environment: LogEnvironment): string[];
  /** The roots inside the assistant's home folder when it is somewhere else (~/.claude → ~/.claude/projects). */
  rootsInHome?(home: string): string[];
  /** Whether a file below a root is one of this assistant's logs. */
  accepts(relative: string): boolean;
  /** Whether a directory below a root can hold logs; lets the scanner skip big unrelated trees. */
  descends?(relative: string): boolean;
  open(file: LogFile, saved: unknown): LogFileReader;
}
