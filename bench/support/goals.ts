/**
 * A benchmark's goals: each a figure measured in this run against its target, printed as
 * "GOAL … met" or "not met" and kept in the benchmark's results file under `goals`, where
 * bench/run.ts collects them for its summary.
 */
export interface GoalResult {
  goal: string;
  measured: number;
  unit: string;
  /** 'at least' or 'at most' the target. */
  bound: 'at least' | 'at most';
  target: number;
  met: boolean;
}

export function goal(name: string, measured: number, bound: 'at least' | 'at most', target: number, unit: string): GoalResult {
  const met = Number.isFinite(measured) && (bound === 'at least' ? measured >= target : measured <= target);
  const result = { goal: name, measured: Number(measured.toPrecision(4)), unit, bound, target, met };
  console.log(formatGoal(result));
  return result;
}

export function formatGoal(g: GoalResult): string {
  return `GOAL ${g.goal}: ${g.measured}${g.unit} (${g.bound} ${g.target}${g.unit}) — ${g.met ? 'met' : 'NOT MET'}`;
}
