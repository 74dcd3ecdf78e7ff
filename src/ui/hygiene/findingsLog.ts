import * as fs from 'node:fs';
import * as path from 'node:path';
import { HYGIENE_KINDS, type HygieneFinding } from '../../core/hygiene/types';
import { DATA_FILES } from '../../store/paths';
import { appendRecordsSync, mkdirPrivate, writeFileAtomicSync } from '../../store/privateFiles';

/** Findings older than this are dropped: the report covers a week, with a day of slack for time zones. */
/** Long enough for the dashboard's recent weeks and the team report's recent days. */
const KEEP_MS = 35 * 86_400_000;
export const FINDINGS_FILE = DATA_FILES.hygieneFindings;

/**
 * The week's prompt-hygiene findings, one JSON object a line in the extension's storage, so the
 * report survives a reload. A finding holds counts, costs, evidence in words and a one-way
 * fingerprint — never prompt text. Appends are single small writes; pruning rewrites the file
 * through a temporary file and a rename, so a crash leaves either the old or the new file.
 */
export class FindingsLog {
  readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, FINDINGS_FILE);
  }

  append(finding: HygieneFinding): void {
    mkdirPrivate(path.dirname(this.file));
    appendRecordsSync(this.file, `${JSON.stringify(finding)}\n`);
  }

  /** Findings of the last eight days; older and unreadable lines are pruned from the file. */
  load(now: number): HygieneFinding[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const kept: HygieneFinding[] = [];
    for (const line of lines) {
      const finding = parseFinding(line);
      if (finding && finding.ts >= now - KEEP_MS) kept.push(finding);
    }
    if (kept.length < lines.length) {
      try {
        writeFileAtomicSync(this.file, kept.map((f) => `${JSON.stringify(f)}\n`).join(''));
      } catch {
        // A full disk: the old lines are pruned on a later load; the findings read are still shown.
      }
    }
    return kept;
  }
}

function parseFinding(line: string): HygieneFinding | undefined {
  try {
    const f = JSON.parse(line) as HygieneFinding;
    return (HYGIENE_KINDS as readonly string[]).includes(f.kind) && typeof f.ts === 'number' && typeof f.evidence === 'string' && typeof f.saving?.tokens === 'number' ? f : undefined;
  } catch {
    return undefined;
  }
}
