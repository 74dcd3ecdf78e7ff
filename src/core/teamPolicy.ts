import type { BudgetLimit, BudgetPeriod } from './budget';
import { parsePeakSchedule } from './peak';
import type { ResolvedSettings } from './settings';

/**
 * What a team endpoint asks of its members (GET /v1/budget), combined with the user's own and the
 * workspace's settings: for each period the stricter limit wins, and the tooltip names who set it.
 */

export interface TeamPolicy {
  teamName: string;
  budget?: { unit: 'usd' | 'tokens'; daily: number; weekly: number; monthly: number };
  peakHours?: { enabled: boolean; timeZone: string; windows: unknown; multiplier: number };
}

const PERIODS: Array<[BudgetPeriod, 'daily' | 'weekly' | 'monthly']> = [
  ['day', 'daily'],
  ['week', 'weekly'],
  ['month', 'monthly'],
];

export function applyTeamPolicy(resolved: ResolvedSettings, policy: TeamPolicy | undefined): ResolvedSettings {
  if (!policy) return resolved;
  const settings = { ...resolved.settings };
  const problems = [...resolved.problems];

  const team = policy.budget;
  const teamLimits: BudgetLimit[] = team
    ? PERIODS.filter(([, key]) => team[key] > 0).map(([period, key]) => ({ period, limit: team[key], source: 'team' as const }))
    : [];
  if (team && teamLimits.length > 0) {
    const own = settings.budget;
    if (own.limits.length === 0) {
      settings.budget = { ...own, unit: team.unit, limits: teamLimits };
    } else if (own.unit === team.unit) {
      const limits = PERIODS.flatMap(([period]) => {
        const mine = own.limits.find((l) => l.period === period);
        const theirs = teamLimits.find((l) => l.period === period);
        if (!mine || !theirs) return mine ?? theirs ?? [];
        return theirs.limit < mine.limit ? theirs : mine;
      });
      settings.budget = { ...own, limits };
    } else {
      problems.push(
        `Your team's budget (${policy.teamName}) is in ${team.unit === 'usd' ? 'dollars' : 'tokens'} but yours is in ${own.unit === 'usd' ? 'dollars' : 'tokens'}; set tokenMeter.budget.unit to "${team.unit}" to see both.`,
      );
    }
  }

  const peak = policy.peakHours;
  if (peak?.enabled && !settings.peakEnabled) {
    const parsed = parsePeakSchedule(
      { timeZone: peak.timeZone, windows: peak.windows, multiplier: peak.multiplier },
      `the peak hours of team ${policy.teamName}`,
      settings.timeZone,
    );
    problems.push(...parsed.problems);
    settings.peakEnabled = true;
    settings.peak = parsed.schedule;
    settings.peakLabel = `Set by your team (${policy.teamName})`;
  }
  return { settings, problems };
}
