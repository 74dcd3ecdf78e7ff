import * as assert from 'node:assert/strict';
import {
  addDays,
  dayKey,
  isCalendarDay,
  isValidTimeZone,
  recentDayKeys,
  startOfDay,
  weekStartDay,
  zonedParts,
  zonedTimeToUtc,
  zoneOffsetMs,
} from '../../src/core/time';

describe('time zones and calendar days', () => {
  it('puts an instant on the local day of the zone, across a UTC date boundary', () => {
    const ts = Date.UTC(2026, 10, 23, 2, 30); // 02:30 UTC on the 23rd
    assert.equal(dayKey(ts, 'UTC'), '2026-11-23');
    assert.equal(dayKey(ts, 'America/Los_Angeles'), '2026-11-22');
    assert.equal(dayKey(ts, 'Asia/Tokyo'), '2026-11-23');
    assert.equal(dayKey(Date.UTC(2026, 10, 23, 20), 'Pacific/Auckland'), '2026-11-24');
  });

  it('gives the same day as Intl for instants all through years with DST changes, odd offsets and a skipped day', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Apia', 'UTC'];
    for (const zone of zones) {
      // Pacific/Apia skipped 30 December 2011; the other zones change offsets twice a year.
      for (const from of [Date.UTC(2011, 11, 20), Date.UTC(2026, 0, 1)]) {
        for (let ts = from; ts < from + 370 * 86_400_000; ts += 97 * 60_000 + 13_000) {
          const p = zonedParts(ts, zone);
          const expected = `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
          assert.equal(dayKey(ts, zone), expected, `${zone} at ${new Date(ts).toISOString()}`);
        }
      }
    }
  });

  it("reads UTC from Date's UTC methods exactly as Intl reads the same zone under another name", () => {
    for (let ts = Date.UTC(2024, 0, 1); ts < Date.UTC(2025, 0, 1); ts += 7 * 3600_000 + 59_000) {
      for (const name of ['UTC', 'Etc/UTC']) {
        assert.deepEqual(zonedParts(ts, name), zonedParts(ts, 'Etc/GMT'), `${name} at ${new Date(ts).toISOString()}`);
        assert.equal(zoneOffsetMs(ts, name), zoneOffsetMs(ts, 'Etc/GMT'));
      }
    }
    assert.equal(isValidTimeZone('UTC'), true);
    assert.equal(isValidTimeZone('Etc/UTC'), true);
  });

  it('knows valid and invalid zone names', () => {
    assert.equal(isValidTimeZone('Europe/Berlin'), true);
    assert.equal(isValidTimeZone('Mars/Olympus'), false);
    assert.equal(isValidTimeZone(''), false);
  });

  it('lists the recent local days without skipping the one after a 23-hour DST day', () => {
    // 00:30 on 9 March 2026 in New York, the day after clocks went forward.
    const now = Date.parse('2026-03-09T04:30:00Z');
    const zone = 'America/New_York';
    const stepping24Hours = Array.from({ length: 3 }, (_, i) => dayKey(now - i * 86_400_000, zone));
    assert.deepEqual(stepping24Hours, ['2026-03-09', '2026-03-07', '2026-03-06'], 'what team sync used to send: 8 March missing');
    assert.deepEqual(recentDayKeys(now, 3, zone), ['2026-03-09', '2026-03-08', '2026-03-07']);
    assert.deepEqual(
      recentDayKeys(Date.parse('2026-11-02T04:30:00Z'), 3, zone),
      ['2026-11-01', '2026-10-31', '2026-10-30'],
      'and after a 25-hour day',
    );
  });

  it('finds the start of local days, including 23- and 25-hour DST days', () => {
    assert.equal(startOfDay('2026-11-23', 'UTC'), Date.UTC(2026, 10, 23));
    // US DST 2026: starts Sun 8 March, ends Sun 1 November.
    const la = 'America/Los_Angeles';
    assert.equal(startOfDay('2026-03-09', la) - startOfDay('2026-03-08', la), 23 * 3600_000);
    assert.equal(startOfDay('2026-11-02', la) - startOfDay('2026-11-01', la), 25 * 3600_000);
    assert.equal(startOfDay('2026-03-08', la), Date.UTC(2026, 2, 8, 8));
  });

  it('maps wall-clock times skipped or repeated by DST to a real instant', () => {
    const la = 'America/Los_Angeles';
    // 02:30 on 8 March does not exist; it moves forward by the jump to 03:30 PDT (10:30 UTC).
    assert.equal(zonedTimeToUtc(la, 2026, 3, 8, 2, 30), Date.UTC(2026, 2, 8, 10, 30));
    // 01:30 on 1 November happens twice; the first (PDT, UTC-7) is used.
    assert.equal(zonedTimeToUtc(la, 2026, 11, 1, 1, 30), Date.UTC(2026, 10, 1, 8, 30));
  });

  it('does calendar arithmetic and week starts', () => {
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(weekStartDay('2026-11-23', 1), '2026-11-23'); // a Monday
    assert.equal(weekStartDay('2026-11-22', 1), '2026-11-16'); // Sunday belongs to the week before
    assert.equal(weekStartDay('2026-11-22', 0), '2026-11-22');
  });

  it('tells real calendar days from strings that only look like one', () => {
    for (const day of ['2026-02-28', '2024-02-29', '2000-02-29', '1970-01-01', '2026-12-31', '0099-03-01'])
      assert.equal(isCalendarDay(day), true, day);
    for (const day of [
      '2026-02-30',
      '2026-02-29',
      '1900-02-29',
      '2026-13-01',
      '2026-00-10',
      '2026-04-31',
      '2026-1-1',
      '2026-01-01T00:00',
      ' 2026-01-01',
      '',
    ])
      assert.equal(isCalendarDay(day), false, day);
  });
});
