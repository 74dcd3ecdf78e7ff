import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OverrideStorage } from '../core/budgetGuard';
import { DATA_FILES } from './paths';
import { writeFileAtomicSync } from './privateFiles';

/**
 * "Allow 1 Hour Over Budget" as a file in the shared data directory, so whichever window runs the
 * gateway, and every window's chat models, honour it. Written whole (0600) and read on each check.
 */
export class BudgetOverrideFile implements OverrideStorage {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, DATA_FILES.budgetOverride);
  }

  readUntil(): number {
    try {
      const until = (JSON.parse(fs.readFileSync(this.file, 'utf8')) as { until?: unknown } | null)?.until;
      return typeof until === 'number' && Number.isFinite(until) ? until : 0;
    } catch {
      // Never allowed (no file), or a file damaged by hand: budgets apply until the next "Allow" rewrites it.
      return 0;
    }
  }

  writeUntil(until: number): void {
    writeFileAtomicSync(this.file, JSON.stringify({ until }));
  }
}
