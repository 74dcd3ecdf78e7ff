/**
 * Which counted events are the same request: the same id seen again (RecentIds), or the same request
 * seen by two sources that share no id (CrossSourceMatcher).
 *
 * Both remember what they saw for DEDUP_WINDOW_MS before the newest event they remembered. A verdict
 * depends only on the events and their order: something older than the window is forgotten at once,
 * whenever its memory is actually freed, so the same events give the same verdicts whether or not
 * the rollups were saved and restored in between.
 *
 * This module holds what the two share: the window, and how their tables' indexes are sized.
 */

/** How long an event id is remembered for de-duplication. Capture sources only re-see recent records. */
export const DEDUP_WINDOW_MS = 7 * 24 * 3600_000;

/**
 * The newest time remembered, and from it the oldest still within the window: anything before the
 * cutoff is forgotten, whether or not its memory has been freed yet.
 */
export class Horizon {
  newest = 0;

  /** Times before this are older than the window. */
  get cutoff(): number {
    return this.newest - DEDUP_WINDOW_MS;
  }

  /** Notes the time of what is about to be remembered. */
  advance(ts: number): void {
    if (ts > this.newest) this.newest = ts;
  }
}

/** Slots of a table's index before anything is remembered. */
export const EMPTY_TABLE_SLOTS = 1024;

/**
 * Slots of the index of a table rebuilt with `live` entries: eight times as many, so it is half full
 * (and rebuilt again) only after three times as many more have come, and rebuilding costs a small
 * constant per entry remembered.
 */
export function slotsFor(live: number): number {
  let slots = EMPTY_TABLE_SLOTS;
  while (slots < live * 8) slots *= 2;
  return slots;
}
