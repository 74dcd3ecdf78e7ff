import type { ActivityPoint, SavedActivity } from '../../src/core/activity';
import type { MatchEntry, SavedSightings } from '../../src/core/dedup/crossSourceMatcher';
import type { SavedIds } from '../../src/core/dedup/recentIds';
import { float64sOf, int32sOf } from '../../src/core/packedArrays';
import type { RollupSnapshot } from '../../src/core/rollups';

/**
 * Saved rollups' de-duplication state and minute activity (packed, see SavedIds, SavedSightings,
 * SavedActivity) as the lists that versions 2 and 3 of rollups.json held: to compare saved states
 * entry by entry, and to write what an earlier version saved.
 */

export function savedIdEntries(snapshot: RollupSnapshot): Array<[string, number]> {
  const saved = snapshot.recentIds as SavedIds;
  const ends = int32sOf(saved.ends)!;
  return [...float64sOf(saved.times)!].map((ts, i) => [saved.ids.slice(i === 0 ? 0 : ends[i - 1], ends[i]), ts]);
}

export function savedSightingEntries(snapshot: RollupSnapshot): MatchEntry[] {
  const saved = snapshot.recentMatches as SavedSightings;
  const keys = int32sOf(saved.keys)!;
  return [...float64sOf(saved.times)!].map((ts, i) => {
    const [model, input, output, cacheRead, cacheWrite, source] = keys.slice(i * 6, i * 6 + 6);
    return [[saved.models[model], input, output, cacheRead, cacheWrite].join('\u0000'), ts, saved.sources[source]];
  });
}

export function savedActivityPoints(snapshot: RollupSnapshot): Record<string, ActivityPoint[]> {
  const saved = snapshot.activity as SavedActivity;
  const points: Record<string, ActivityPoint[]> = {};
  for (const [provider, { days, tokens }] of Object.entries(saved.providers)) {
    const minutes = float64sOf(tokens)!;
    points[provider] = [];
    int32sOf(days)!.forEach((day, i) => {
      for (let at = 0; at < 1440; at++)
        if (!Number.isNaN(minutes[i * 1440 + at])) points[provider].push([(day * 1440 + at) * 60_000, minutes[i * 1440 + at]]);
    });
  }
  return points;
}

/** The snapshot as version 2 or 3 saved it: de-duplication state and activity as lists. */
export function unpackedSnapshot(snapshot: RollupSnapshot): RollupSnapshot {
  return {
    ...snapshot,
    recentIds: savedIdEntries(snapshot),
    recentMatches: savedSightingEntries(snapshot),
    activity: savedActivityPoints(snapshot),
  };
}
