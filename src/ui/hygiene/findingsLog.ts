import * as fs from 'node:fs';
import * as path from 'node:path';
import { HYGIENE_KINDS, type HygieneFinding } from '../../core/hygiene/types';
import { DATA_FILES } from '../../store/paths';
import { appendRecordsSync, mkdirPrivate } from '../../store/privateFiles';

/** Long enough for the dashboard's recent weeks and the team report's recent days. */
const KEEP_MS = 35 * 86_400_000;
const DAY_MS = 86_400_000;
const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

/**
 * The recent prompt-hygiene findings, so the report survives a reload. A finding holds counts,
 * costs, evidence in words and a one-way fingerprint — never prompt text.
 *
 * Several windows append at once, so no file is ever rewritten: each UTC day has its own
 * append-only file (single small writes), reading never writes, and pruning deletes whole days that
 * have expired, which loses nothing another window could still be adding.
 */
export class FindingsLog {
  readonly dir: string;
  private readonly legacyFile: string;
  private prunedThrough = '';

  constructor(storageDir: string) {
    this.dir = path.join(storageDir, DATA_FILES.hygieneFindings);
    this.legacyFile = path.join(storageDir, DATA_FILES.hygieneFindingsLegacy);
  }

  append(finding: HygieneFinding): void {
    mkdirPrivate(this.dir);
    appendRecordsSync(this.fileOf(utcDay(finding.ts)), `${JSON.stringify(finding)}\n`);
    this.prune(finding.ts);
  }

  /** Findings of the last 35 days, oldest first; unreadable lines are skipped. Never writes. */
  load(now: number): HygieneFinding[] {
    const since = now - KEEP_MS;
    const firstDay = utcDay(since);
    const files = [
      this.legacyFile,
      ...this.dayFiles()
        .filter((day) => day >= firstDay)
        .sort()
        .map((day) => this.fileOf(day)),
    ];
    return files.flatMap((file) => readFindings(file).filter((f) => f.ts >= since));
  }

  /** Deletes the days that have expired, at most once a day per window. */
  private prune(now: number): void {
    const expiredBefore = utcDay(now - KEEP_MS - DAY_MS);
    if (expiredBefore <= this.prunedThrough) return;
    this.prunedThrough = expiredBefore;
    for (const day of this.dayFiles()) if (day < expiredBefore) fs.rmSync(this.fileOf(day), { force: true });
    if (fs.existsSync(this.legacyFile) && readFindings(this.legacyFile).every((f) => f.ts < now - KEEP_MS))
      fs.rmSync(this.legacyFile, { force: true });
  }

  private dayFiles(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.flatMap((name) => DAY_FILE.exec(name)?.[1] ?? []);
  }

  private fileOf(day: string): string {
    return path.join(this.dir, `${day}.jsonl`);
  }
}

function utcDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

function readFindings(file: string): HygieneFinding[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => (line.trim() === '' ? [] : (parseFinding(line) ?? [])));
}

function parseFinding(line: string): HygieneFinding | undefined {
  try {
    const f = JSON.parse(line) as HygieneFinding;
    return (HYGIENE_KINDS as readonly string[]).includes(f.kind) &&
      typeof f.ts === 'number' &&
      typeof f.evidence === 'string' &&
      typeof f.saving?.tokens === 'number'
      ? f
      : undefined;
  } catch {
    return undefined;
  }
}
