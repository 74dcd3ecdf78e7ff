import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readConfig } from './config';
import { openDatabase, type Database } from './db';
import { PRIVATE_UMASK } from './permissions';
import { budgetSchema, describeIssues, peakHoursSchema, type ValidationError } from './schemas';
import { Store, StoreError } from './store';

/**
 * The admin CLI: teams, members, tokens, budgets and peak schedules. Talks to the database
 * directly (same DATABASE_URL / TOKEN_METER_SERVER_DATA as the server), so it needs no admin API.
 * With PGlite, stop the server first: one process at a time can open a PGlite data directory.
 */

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

function validated<T>(result: { success: true; data: T } | { success: false; error: ValidationError }): T {
  if (!result.success)
    throw new UsageError(
      describeIssues(result.error)
        .map((i) => `${i.path}: ${i.message}`)
        .join('\n'),
    );
  return result.data;
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;
type Print = (line: string) => void;

/** One admin command: the options it takes (parsed strictly, so another command's option is refused) and what it does. */
interface AdminCommand {
  /** Its options as the usage lists them, and what it prints where that matters. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Values, store: Store, print: Print): Promise<void>;
}

const text = { type: 'string' } as const;

const COMMANDS: Record<string, AdminCommand> = {
  'create-team': {
    usage: '--id <team> --name <name>',
    options: { id: text, name: text },
    async run(values, store, print) {
      const team = await store.createTeam(id(required(values, 'id'), 'Team id'), required(values, 'name'));
      print(`Created team ${team.id} ("${team.name}").`);
    },
  },
  'create-user': {
    usage: "--team <team> --name <name> [--id <user>] [--lead]   prints the user's token once",
    options: { team: text, name: text, id: text, lead: { type: 'boolean' } },
    async run(values, store, print) {
      const name = required(values, 'name');
      const userId = id(typeof values.id === 'string' ? values.id : slug(name), 'User id');
      const { user, token } = await store.createUser(required(values, 'team'), userId, name, values.lead === true);
      print(`Created ${user.isLead ? 'team lead' : 'member'} ${user.id} ("${user.name}") in team ${user.teamId}.`);
      print(`Token (shown once; the server keeps only its hash): ${token}`);
    },
  },
  'rotate-token': {
    usage: '--user <user>                                        prints a new token; the old one stops working',
    options: { user: text },
    async run(values, store, print) {
      const token = await store.rotateToken(required(values, 'user'));
      print(`New token (shown once; the old one no longer works): ${token}`);
    },
  },
  'set-role': {
    usage: '--user <user> --role lead|member',
    options: { user: text, role: text },
    async run(values, store, print) {
      const role = required(values, 'role');
      if (role !== 'lead' && role !== 'member') throw new UsageError(`--role must be lead or member (got "${role}").`);
      const user = required(values, 'user');
      await store.setLead(user, role === 'lead');
      print(`${user} is now a ${role === 'lead' ? 'team lead' : 'member'}.`);
    },
  },
  'set-budget': {
    usage: '--team <team> [--daily N] [--weekly N] [--monthly N] [--unit usd|tokens] [--week-start monday|sunday|saturday]',
    options: { team: text, daily: text, weekly: text, monthly: text, unit: text, 'week-start': text },
    async run(values, store, print) {
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
    },
  },
  'set-peak-hours': {
    usage: "--team <team> [--enabled true|false] [--time-zone <IANA zone>] [--windows '<JSON list>'] [--multiplier N]",
    options: { team: text, enabled: text, 'time-zone': text, windows: text, multiplier: text },
    async run(values, store, print) {
      const team = await store.getTeam(required(values, 'team'));
      const p = team.peakHours;
      const peak = validated(
        peakHoursSchema.safeParse({
          enabled: booleanOption(values, 'enabled', p.enabled),
          timeZone: values['time-zone'] ?? p.timeZone,
          windows: typeof values.windows === 'string' ? windowsOption(values.windows) : p.windows,
          multiplier: numberOption(values, 'multiplier', p.multiplier),
        }),
      );
      const updated = await store.setPeakHours(team.id, peak);
      print(`Peak hours of ${team.id}: ${JSON.stringify(updated.peakHours)}`);
    },
  },
  'show-team': {
    usage: '--team <team>',
    options: { team: text },
    async run(values, store, print) {
      const team = await store.getTeam(required(values, 'team'));
      print(`${team.id} ("${team.name}")`);
      print(`Budget: ${JSON.stringify(team.budget)}`);
      print(`Peak hours: ${JSON.stringify(team.peakHours)}`);
      for (const user of await store.listUsers(team.id)) print(`  ${user.id}  ${user.name}${user.isLead ? '  (lead)' : ''}`);
    },
  },
  'list-teams': {
    usage: '',
    options: {},
    async run(_values, store, print) {
      for (const team of await store.listTeams()) print(`${team.id}  ${team.name}`);
    },
  },
};

export const USAGE = `Usage: npm run admin -- <command> [options]

${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name} ${command.usage}`.trimEnd())
  .join('\n')}

Budgets are peak-weighted, 0 = no limit. Windows use the extension's tokenMeter.peakHours.windows
format, e.g. '[{"days":["mon","tue","wed","thu","fri"],"start":"09:00","end":"18:00"}]'.`;

function windowsOption(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError('--windows must be a JSON list such as \'[{"days":["mon"],"start":"09:00","end":"18:00"}]\'.');
  }
}

/** Runs one admin command; everything it prints goes through `print`. */
export async function runAdmin(argv: string[], db: Database, print: Print): Promise<void> {
  const [name, ...rest] = argv;
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new UsageError(name ? `Unknown command "${name}".` : 'No command given.');
  const { values } = parseArgs({ args: rest, options: command.options, strict: true });
  await command.run(values, new Store(db), print);
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
