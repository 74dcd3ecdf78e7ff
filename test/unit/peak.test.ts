import * as assert from 'node:assert/strict';
import { parsePeakSchedule, type PeakSchedule } from '../../src/core/peak';
import { zonedParts, zonedTimeToUtc } from '../../src/core/time';

function schedule(timeZone: string, windows: unknown, multiplier: unknown = 2): PeakSchedule {
  const { schedule: s, problems } = parsePeakSchedule({ timeZone, windows, multiplier }, 'tokenMeter.peakHours', 'UTC');
  assert.deepEqual(problems, []);
  return s;
}

const at = (zone: string, y: number, mo: number, d: number, h: number, mi = 0) => zonedTimeToUtc(zone, y, mo, d, h, mi);

describe('peak hours', () => {
  const LA = 'America/Los_Angeles';
  // 23 Nov 2026 is a Monday.
  const weekdays = schedule(LA, [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '05:00', end: '11:00' }], 1.5);

  it("applies the multiplier inside the window only, on the zone's wall clock", () => {
    assert.equal(weekdays.multiplierAt(at(LA, 2026, 11, 23, 4, 59)), 1);
    assert.equal(weekdays.multiplierAt(at(LA, 2026, 11, 23, 5, 0)), 1.5);
    assert.equal(weekdays.multiplierAt(at(LA, 2026, 11, 23, 10, 59)), 1.5);
    assert.equal(weekdays.multiplierAt(at(LA, 2026, 11, 23, 11, 0)), 1);
    assert.equal(weekdays.isPeak(at(LA, 2026, 11, 22, 6)), false, 'Sunday is off-peak');
    // Same instant seen from Kolkata: 05:30 LA Monday is 19:00 Monday IST.
    assert.equal(weekdays.isPeak(at('Asia/Kolkata', 2026, 11, 23, 19, 0)), true);
  });

  it('finds the next change, counting down across the weekend', () => {
    assert.deepEqual(weekdays.nextChange(at(LA, 2026, 11, 23, 8)), { at: at(LA, 2026, 11, 23, 11), peak: false, multiplier: 1 });
    assert.deepEqual(weekdays.nextChange(at(LA, 2026, 11, 27, 12)), { at: at(LA, 2026, 11, 30, 5), peak: true, multiplier: 1.5 });
  });

  it('handles windows running past midnight into the next day', () => {
    const nights = schedule('Europe/London', [{ days: ['fri'], start: '22:00', end: '02:00' }]);
    const L = 'Europe/London';
    assert.equal(nights.isPeak(at(L, 2026, 11, 27, 21, 59)), false);
    assert.equal(nights.isPeak(at(L, 2026, 11, 27, 23, 0)), true);
    assert.equal(nights.isPeak(at(L, 2026, 11, 28, 1, 59)), true, "Saturday early hours belong to Friday's window");
    assert.equal(nights.isPeak(at(L, 2026, 11, 28, 2, 0)), false);
    assert.equal(nights.isPeak(at(L, 2026, 11, 29, 1, 0)), false, 'Sunday early hours are not covered');
    assert.deepEqual(nights.nextChange(at(L, 2026, 11, 27, 23)), { at: at(L, 2026, 11, 28, 2), peak: false, multiplier: 1 });
  });

  it('keeps local windows right across DST changes (spring forward and fall back)', () => {
    const early = schedule(LA, [{ days: ['sun'], start: '01:00', end: '03:00' }]);
    // 8 March 2026: 02:00 jumps to 03:00, so the window lasts one real hour.
    const springStart = at(LA, 2026, 3, 8, 1, 0);
    assert.equal(early.nextChange(springStart - 60_000)!.at, springStart);
    assert.equal(early.nextChange(springStart)!.at - springStart, 3600_000);
    // 1 November 2026: 01:00–02:00 happens twice, so the window lasts three real hours.
    const fallStart = at(LA, 2026, 11, 1, 1, 0);
    assert.equal(early.nextChange(fallStart)!.at - fallStart, 3 * 3600_000);
    assert.equal(early.isPeak(fallStart + 90 * 60_000), true, 'the repeated 01:30 is inside');
    // Sydney's DST (first Sunday of October) with a business-hours window.
    const syd = 'Australia/Sydney';
    const business = schedule(syd, [{ days: ['mon'], start: '09:00', end: '17:00' }]);
    assert.equal(business.isPeak(at(syd, 2026, 10, 5, 9, 0)), true);
    assert.equal(business.isPeak(at(syd, 2026, 10, 5, 8, 59)), false);
  });

  it('uses the highest multiplier where windows overlap, and 24:00 or 00:00 as midnight', () => {
    const s = schedule('UTC', [
      { days: ['mon'], start: '00:00', end: '24:00', multiplier: 1.2 },
      { days: ['mon'], start: '12:00', end: '00:00', multiplier: 3 },
    ]);
    const mon = Date.UTC(2026, 10, 23);
    assert.equal(s.multiplierAt(mon + 3600_000), 1.2);
    assert.equal(s.multiplierAt(mon + 13 * 3600_000), 3);
    assert.equal(s.multiplierAt(mon + 24 * 3600_000), 1);
    assert.deepEqual(s.nextChange(mon + 3600_000), { at: mon + 12 * 3600_000, peak: true, multiplier: 3 });
  });

  it('describes itself for tooltips', () => {
    assert.equal(weekdays.describe(), 'Mon–Fri 05:00–11:00 (America/Los_Angeles)');
  });

  it('names each bad setting and falls back safely', () => {
    const { schedule: s, problems } = parsePeakSchedule(
      {
        timeZone: 'Mars/Olympus',
        windows: [
          { days: ['funday'], start: '09:00', end: '17:00' },
          { days: ['mon'], start: '25:00', end: '17:00' },
          'x',
          { days: ['tue'], start: '09:00', end: '10:00' },
        ],
        multiplier: 0.5,
      },
      'tokenMeter.peakHours',
      'Europe/Berlin',
    );
    assert.equal(s.timeZone, 'Europe/Berlin');
    assert.equal(s.data.multiplier, 1.5);
    assert.equal(s.data.windows.length, 1);
    assert.deepEqual(
      problems.map((p) => p.split(/[ :]/)[0]),
      [
        'tokenMeter.peakHours.timeZone',
        'tokenMeter.peakHours.multiplier',
        'tokenMeter.peakHours.windows[0].days',
        'tokenMeter.peakHours.windows[1]',
        'tokenMeter.peakHours.windows[2]',
      ],
    );
    assert.match(problems[0], /"Mars\/Olympus" is not a known IANA time zone; using Europe\/Berlin/);
    assert.equal(parsePeakSchedule({ timeZone: '', windows: 'bad', multiplier: 2 }, 'p', 'UTC').schedule.data.windows.length, 1);
  });

  it('agrees with a direct zone lookup at every quarter hour across a DST year (offset cache)', () => {
    const hourly = schedule('Australia/Adelaide', [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:30', end: '17:15' }]);
    for (let ts = Date.UTC(2026, 0, 1); ts < Date.UTC(2027, 0, 1); ts += 15 * 60_000 + 7_000) {
      const p = zonedParts(ts, 'Australia/Adelaide');
      const minute = p.hour * 60 + p.minute;
      const expected = p.weekday >= 1 && p.weekday <= 5 && minute >= 570 && minute < 1035;
      if (hourly.isPeak(ts) !== expected) assert.fail(`wrong at ${new Date(ts).toISOString()}`);
    }
  });
});
