import { isDeepStrictEqual } from 'node:util';
import type { RawSettings } from './settings';
import { sectionOf, SETTING_KEYS, validateSettingValues, type SettingSection, type SettingValues } from './settingsSchema';

type Listener = () => void;

/** The sections in which any value, origin or workspace proposal differs between two reads. */
export function changedSections(before: RawSettings, after: RawSettings): Set<SettingSection> {
  const changed = new Set<SettingSection>();
  for (const key of SETTING_KEYS) {
    const differs =
      !isDeepStrictEqual(before.values[key], after.values[key]) ||
      before.sources?.[key] !== after.sources?.[key] ||
      !isDeepStrictEqual(
        (before.proposals as Record<string, unknown> | undefined)?.[key],
        (after.proposals as Record<string, unknown> | undefined)?.[key],
      );
    if (differs) changed.add(sectionOf(key));
  }
  return changed;
}

/**
 * The current settings, validated, and one change event per section: a part of the extension
 * subscribes to the sections it uses and hears nothing when another section changes. Values are
 * validated here once per change; each broken value is reported once, naming the setting, and
 * falls back to its default alone.
 */
export class SectionedSettings {
  private raw: RawSettings;
  private valid: SettingValues;
  private readonly listeners = new Set<{ sections: ReadonlySet<SettingSection>; listener: Listener }>();

  constructor(
    private readonly read: () => RawSettings,
    private readonly onProblem: (message: string) => void = () => undefined,
  ) {
    this.raw = read();
    this.valid = this.validate(new Set(SETTING_KEYS.map(sectionOf)));
  }

  /** The values as read, with their origins (what a worker thread resolves the same way). */
  get rawSettings(): RawSettings {
    return this.raw;
  }

  get values(): SettingValues {
    return this.valid;
  }

  /** Calls `listener` once per change in which a value of any of these sections changed. */
  onDidChange(sections: readonly SettingSection[], listener: Listener): { dispose(): void } {
    const entry = { sections: new Set(sections), listener };
    this.listeners.add(entry);
    return { dispose: () => this.listeners.delete(entry) };
  }

  /** Reads again (the editor said settings changed) and tells the sections that really changed. */
  refresh(): void {
    const next = this.read();
    const changed = changedSections(this.raw, next);
    if (changed.size === 0) return;
    this.raw = next;
    this.valid = this.validate(changed);
    for (const { sections, listener } of [...this.listeners]) {
      if ([...sections].some((section) => changed.has(section))) listener();
    }
  }

  private validate(reportFor: ReadonlySet<SettingSection>): SettingValues {
    const { values, problems } = validateSettingValues(this.raw.values);
    for (const { key, message } of problems) if (reportFor.has(sectionOf(key))) this.onProblem(message);
    return values;
  }
}
