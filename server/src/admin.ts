import { parseArgs } from 'node:util';
import { readConfig } from './config';
import { openDatabase, type Database } from './db';
import { PRIVATE_UMASK } from './permissions';
import { budgetSchema, describeIssues, peakHoursSchema } from './schemas';
import { Store, StoreError } from './store';

/**
 * The admin CLI: teams, members, tokens, budgets and peak schedules. Talks to the database
 * directly (same DATABASE_URL / TOKEN_METER_SERVER_DATA as the server), so it needs no admin API.
 * With PGlite, stop the server first: one process at a time can open a PGlite data directory.
 */

export const USAGE = `Usage: npm run admin -- <command> [options]

  create-team --id <team> --name <name>
  create-user --team <team> --name <name> [--id <user>] [--lead]   prints the user's token once
  rotate-token --user <user>                                        prints a new token; the old one stops working
  set-role --user <user> --role lead|member
  set-budget --team <team> [--daily N] [--weekly N] [--monthly N] [--unit usd|tokens] [--week-start monday|sunday|saturday]
  set-peak-hours --team <team> [--enabled true|false] [--time-zone <IANA zone>] [--windows '<JSON list>'] [--multiplier N]
  show-team --team <team>
  list-teams

Budgets are peak-weighted, 0 = no limit. Windows use the extension's tokenMeter.peakHours.windows
format, e.g. '[{"days":["mon","tue","wed","thu","fri"],"start":"09:00","end":"18:00"}]'.`;

export class UsageError extends Error {}

const ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required.`);
  return value.trim();
}

function id(value: string, what: string): string {
  if (!ID.test(value))
    throw new UsageError(`${what} "${value}" must be 1–64 lowercase letters, digits, _ . - (starting with a letter or digit).`);
  return value;
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

function numberOption(values: Record<string, unknown>, name: string, current: number): number {
  const raw = values[name];
  if (raw === undefined) return current;
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number (got "${String(raw)}").`);
  return value;
}

function booleanOption(values: Record<string, unknown>, name: string, current: boolean): boolean {
  const raw = values[name];
  if (raw === undefined) return current;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new UsageError(`--${name} must be true or false (got "${String(raw)}").`);
}

function validated<T>(result: { success: true; data: T } | { success: false; error: import('zod').ZodError }): T {
  if (!result.success)
    throw new UsageError(
      describeIssues(result.error)
        .map((i) => `${i.path}: ${i.message}`)
        .join('\n'),
    );
  return result.data;
}

/** Runs one admin command; everything it prints goes through `print`. */
export async function runAdmin(argv: string[], db: Database, print: (line: string) => void): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      team: { type: 'string' },
      user: { type: 'string' },
      lead: { type: 'boolean' },
      role: { type: 'string' },
      daily: { type: 'string' },
      weekly: { type: 'string' },
      monthly: { type: 'string' },
      unit: { type: 'string' },
      'week-start': { type: 'string' },
      enabled: { type: 'string' },
      'time-zone': { type: 'string' },
      windows: { type: 'string' },
      multiplier: { type: 'string' },
    },
    strict: true,
  });
  const store = new Store(db);
  switch (command) {
    case 'create-team': {
      const team = await store.createTeam(id(required(values, 'id'), 'Team id'), required(values, 'name'));
      print(`Created team ${team.id} ("${team.name}").`);
      return;
    }
    case 'create-user': {
      const name = required(values, 'name');
      const userId = id(values.id ?? slug(name), 'User id');
      const { user, token } = await store.createUser(required(values, 'team'), userId, name, values.lead === true);
      print(`Created ${user.isLead ? 'team lead' : 'member'} ${user.id} ("${user.name}") in team ${user.teamId}.`);
      print(`Token (shown once; the server keeps only its hash): ${token}`);
      return;
    }
    case 'rotate-token': {
      const token = await store.rotateToken(required(values, 'user'));
      print(`New token (shown once; the old one no longer works): ${token}`);
      return;
    }
    case 'set-role': {
      const role = required(values, 'role');
      if (role !== 'lead' && role !== 'member') throw new UsageError(`--role must be lead or member (got "${role}").`);
      await store.setLead(required(values, 'user'), role === 'lead');
      print(`${values.user} is now a ${role === 'lead' ? 'team lead' : 'member'}.`);
      return;
    }
    case 'set-budget': {
      const team = await store.getTeam(required(values, 'team'));
      const b = team.budget;
      const budget = validated(
        budgetSchema.safeParse({
          unit: values.unit ?? b.unit,
          daily: numberOption(values, 'daily', b.daily),
          weekly: numberOption(values, 'weekly', b.weekly),
          monthly: numberOption(values, 'monthly', b.monthly),
          weekStart: values['week-start'] ?? b.weekStart,
        }),
      );
      const updated = await store.setBudget(team.id, budget);
      print(`Budget of ${team.id}: ${JSON.stringify(updated.budget)}`);
      return;
    }
    case 'set-peak-hours': {
      const team = await store.getTeam(required(values, 'team'));
      const p = team.peakHours;
      let windows: unknown = p.windows;
      if (values.windows !== undefined) {
        try {
          windows = JSON.parse(values.windows);
        } catch {
          throw new UsageError('--windows must be a JSON list such as \'[{"days":["mon"],"start":"09:00","end":"18:00"}]\'.');
        }
      }
      const peak = validated(
        peakHoursSchema.safeParse({
          enabled: booleanOption(values, 'enabled', p.enabled),
          timeZone: values['time-zone'] ?? p.timeZone,
          windows,
          multiplier: numberOption(values, 'multiplier', p.multiplier),
        }),
      );
      const updated = await store.setPeakHours(team.id, peak);
      print(`Peak hours of ${team.id}: ${JSON.stringify(updated.peakHours)}`);
      return;
    }
    case 'show-team': {
      const team = await store.getTeam(required(values, 'team'));
      print(`${team.id} ("${team.name}")`);
      print(`Budget: ${JSON.stringify(team.budget)}`);
      print(`Peak hours: ${JSON.stringify(team.peakHours)}`);
      for (const user of await store.listUsers(team.id)) print(`  ${user.id}  ${user.name}${user.isLead ? '  (lead)' : ''}`);
      return;
    }
    case 'list-teams': {
      for (const team of await store.listTeams()) print(`${team.id}  ${team.name}`);
      return;
    }
    default:
      throw new UsageError(command ? `Unknown command "${command}".` : 'No command given.');
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help') {
    console.log(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  process.umask(PRIVATE_UMASK);
  const db = await openDatabase(readConfig().database);
  try {
    await runAdmin(argv, db, (line) => console.log(line));
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof StoreError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
