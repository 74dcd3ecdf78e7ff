import * as fs from 'node:fs';
import type * as vscode from 'vscode';
import { setLocalTimeZone, systemTimeZone } from '../core/time';

/**
 * The user's own time zone at activation without Intl. Asking Intl for it (or formatting any date
 * with it) first loads ICU's locale data, which took most of the activation time. The operating
 * system names the zone in TZ or in where /etc/localtime points; Intl may spell the same zone
 * differently (it canonicalises links), so a name read from the OS is used as Intl spelled it the
 * last time it was checked, and checked again with Intl once activation is over. Where the OS names
 * no zone (Windows), Intl is asked at once, as before.
 */

const CHECKED_KEY = 'tokenMeter.systemTimeZoneChecked';
/** Long enough to be clear of the editor's start-up; the check itself takes milliseconds. */
const CHECK_AFTER_MS = 3000;

/** Every name Intl spells "UTC" (ECMA-402 canonicalises these), from the IANA backward file. */
const UTC_NAMES = new Set([
  'UTC',
  'UCT',
  'Universal',
  'Zulu',
  'GMT',
  'GMT0',
  'GMT+0',
  'GMT-0',
  'Greenwich',
  'Etc/UTC',
  'Etc/UCT',
  'Etc/Universal',
  'Etc/Zulu',
  'Etc/GMT',
  'Etc/GMT0',
  'Etc/GMT+0',
  'Etc/GMT-0',
  'Etc/Greenwich',
]);
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** The zone the operating system names for this process, or undefined when it names none. */
export function zoneNamedBySystem(env: NodeJS.ProcessEnv = process.env, localtimeLink = '/etc/localtime'): string | undefined {
  let name = env.TZ?.replace(/^:/, '');
  if (!name) {
    try {
      name = /zoneinfo\/(.+)$/.exec(fs.readlinkSync(localtimeLink))?.[1];
    } catch {
      name = undefined;
    }
  }
  if (!name || !ZONE_NAME.test(name)) return undefined;
  return UTC_NAMES.has(name) ? 'UTC' : name;
}

interface Checked {
  /** The name the OS gave… */
  named: string;
  /** …and how Intl spells that zone. */
  zone: string;
}

export class SystemTimeZone implements vscode.Disposable {
  private zone: string;
  private readonly check: ReturnType<typeof setTimeout> | undefined;

  /** `onCorrected` runs when the zone used since activation was not the one Intl names. */
  constructor(
    private readonly state: vscode.Memento,
    onCorrected: () => void,
    named: string | undefined = zoneNamedBySystem(),
  ) {
    if (named === undefined) {
      this.zone = systemTimeZone();
      setLocalTimeZone(this.zone);
      return;
    }
    const checked = state.get<Checked>(CHECKED_KEY);
    this.zone = checked?.named === named ? checked.zone : named;
    setLocalTimeZone(this.zone);
    this.check = setTimeout(() => {
      const zone = systemTimeZone();
      if (checked?.named !== named || checked.zone !== zone) void state.update(CHECKED_KEY, { named, zone } satisfies Checked);
      if (zone === this.zone) return;
      setLocalTimeZone(zone);
      this.zone = zone;
      onCorrected();
    }, CHECK_AFTER_MS);
  }

  get name(): string {
    return this.zone;
  }

  dispose(): void {
    clearTimeout(this.check);
  }
}
