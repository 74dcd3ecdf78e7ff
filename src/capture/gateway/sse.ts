/**
 * Incremental Server-Sent Events parser for metering a copy of a stream: bytes are fed as they
 * arrive (in any split), complete events come out. It never alters what the client receives.
 *
 * What it holds is bounded: a line, or the data of one event, longer than `maxLineChars` means the
 * stream is not one it can meter, so it drops what it holds, sets `overflowed` and ignores the rest
 * (a stream of one endless line would otherwise grow a string until the process dies).
 */
export interface SseEvent {
  event: string;
  data: string;
}

export const DEFAULT_MAX_SSE_LINE_CHARS = 4 * 1024 * 1024;

export class SseParser {
  private buffer = '';
  /** How far `buffer` is known to hold no newline, so each byte is scanned once. */
  private scanned = 0;
  private eventName = '';
  private data: string[] = [];
  private dataChars = 0;
  private readonly decoder = new TextDecoder();
  private full = false;

  constructor(
    private readonly onEvent: (e: SseEvent) => void,
    private readonly maxLineChars = DEFAULT_MAX_SSE_LINE_CHARS,
  ) {}

  /** True once a bound was passed; nothing more is parsed. */
  get overflowed(): boolean {
    return this.full;
  }

  feed(chunk: Uint8Array): void {
    if (this.full) return;
    this.buffer += this.decoder.decode(chunk, { stream: true });
    let start = 0;
    let newline: number;
    while (!this.full && (newline = this.buffer.indexOf('\n', Math.max(start, this.scanned))) !== -1) {
      const end = newline > start && this.buffer.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      this.line(this.buffer.slice(start, end));
      start = newline + 1;
      this.scanned = start;
    }
    if (this.full) return;
    if (start > 0) this.buffer = this.buffer.slice(start);
    this.scanned = this.buffer.length;
    if (this.buffer.length > this.maxLineChars) this.overflow();
  }

  /** Dispatches a last event that had no blank line after it (a stream cut short). */
  end(): void {
    if (this.full) return;
    if (this.buffer) this.line(this.buffer.replace(/\r$/, ''));
    this.buffer = '';
    this.scanned = 0;
    if (!this.full) this.line('');
  }

  private overflow(): void {
    this.full = true;
    this.buffer = '';
    this.data = [];
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.eventName || 'message', data: this.data.join('\n') });
      this.eventName = '';
      this.data = [];
      this.dataChars = 0;
      return;
    }
    if (line.length > this.maxLineChars) {
      this.overflow();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.eventName = value;
    else if (field === 'data') {
      this.dataChars += value.length + 1;
      if (this.dataChars > this.maxLineChars) {
        this.overflow();
        return;
      }
      this.data.push(value);
    }
  }
}
