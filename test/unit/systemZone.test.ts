import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { dayKey, isValidTimeZone, setLocalTimeZone, systemTimeZone, zonedParts, zoneOffsetMs } from '../../src/core/time';
import { SystemTimeZone, zoneNamedBySystem } from '../../src/ui/systemZone';

class MemoryState {
  readonly values = new Map<string, unknown>();
  keys(): readonly string[] {
    return [...this.values.keys()];
  }
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
}

describe('the system time zone without Intl at activation', () => {
  afterEach(() => setLocalTimeZone(undefined));

  it('reads the zone from TZ, else from where /etc/localtime points, spelling UTC as Intl does', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-zone-'));
    const link = path.join(dir, 'localtime');
    fs.symlinkSync('/usr/share/zoneinfo/Europe/Berlin', link);
    assert.equal(zoneNamedBySystem({}, link), 'Europe/Berlin');
    assert.equal(zoneNamedBySystem({ TZ: ':America/New_York' }, link), 'America/New_York');
    assert.equal(zoneNamedBySystem({ TZ: 'Etc/UTC' }, link), 'UTC');
    assert.equal(zoneNamedBySystem({ TZ: 'EST5EDT,M3.2.0,M11.1.0' }, link), undefined, 'a POSIX rule is not a zone name');
    assert.equal(zoneNamedBySystem({}, path.join(dir, 'missing')), undefined);
  });

  it("gives the same days, offsets and wall-clock parts from Date as from Intl for the process's zone", () => {
    const zone = systemTimeZone();
    const instants = Array.from({ length: 200 }, (_, i) => Date.UTC(2026, 0, 1) + i * 1.87 * 86400_000);
    const viaIntl = instants.map((ts) => [dayKey(ts, zone), zoneOffsetMs(ts, zone), zonedParts(ts, zone)]);
    setLocalTimeZone(zone);
    assert.deepEqual(
      instants.map((ts) => [dayKey(ts, zone), zoneOffsetMs(ts, zone), zonedParts(ts, zone)]),
      viaIntl,
    );
    assert.equal(isValidTimeZone(zone), true);
  });

  it('agrees with Intl in zones with daylight saving, half-hour offsets and half-hour DST (each in a process of that zone)', () => {
    const time = path.resolve(__dirname, '../../src/core/time.ts');
    const script = `
      const t = require(${JSON.stringify(time)});
      const zone = t.systemTimeZone();
      const instants = Array.from({ length: 3000 }, (_, i) => Date.UTC(2025, 0, 1) + i * 0.25 * 3600_000 * 7.3);
      const read = () => instants.map((ts) => [t.dayKey(ts, zone), t.zoneOffsetMs(ts, zone), JSON.stringify(t.zonedParts(ts, zone))].join());
      const viaIntl = read();
      t.setLocalTimeZone(zone);
      const viaDate = read();
      const differ = viaDate.filter((v, i) => v !== viaIntl[i]);
      process.stdout.write(zone + ' ' + differ.length);`;
    for (const zone of ['Europe/Berlin', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kolkata']) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, TZ: zone }, encoding: 'utf8' });
      assert.match(run.stdout, /^\S+ 0$/, `${zone}: ${run.stdout} ${run.stderr}`);
    }
  }).timeout(60_000);

  it('uses the name Intl gave last time for the name the system gives, and corrects a wrong guess after activation', async () => {
    const state = new MemoryState();
    const actual = systemTimeZone();
    let corrected = 0;
    const first = new SystemTimeZone(state as never, () => corrected++, 'Some/Link');
    assert.equal(first.name, 'Some/Link', 'never checked: the system name as it is');
    await new Promise((r) => setTimeout(r, 3100));
    assert.equal(first.name, actual, 'checked with Intl after activation');
    assert.equal(corrected, 1);
    first.dispose();
    const second = new SystemTimeZone(state as never, () => corrected++, 'Some/Link');
    assert.equal(second.name, actual, 'the next start uses the checked spelling at once');
    second.dispose();
    assert.equal(corrected, 1);
  }).timeout(10_000);
});
