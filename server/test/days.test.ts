import * as assert from 'node:assert/strict';
import { addDays, dayNumber, daysBetween, FIRST_DAY, LAST_DAY } from '../src/days';

describe('calendar days', () => {
  it('knows real calendar days, leap years included', () => {
    for (const day of ['2026-02-28', '2024-02-29', '2000-02-29', FIRST_DAY, LAST_DAY, '2026-12-31'])
      assert.notEqual(dayNumber(day), undefined, day);
    for (const day of [
      '2026-02-29',
      '2026-02-30',
      '2100-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-01-00',
      '2026-1-01',
      '20260101',
      ' 2026-01-01',
      '2026-01-01\n',
      '２０２６-01-01',
    ]) {
      assert.equal(dayNumber(day), undefined, day);
    }
  });

  it(`accepts only days from ${FIRST_DAY} to ${LAST_DAY}`, () => {
    for (const day of ['0000-01-01', '1999-12-31', '3000-01-01', '9999-12-31']) assert.equal(dayNumber(day), undefined, day);
  });

  it('steps across months, leap days and years with real arithmetic', () => {
    assert.equal(addDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addDays('2026-02-28', 1), '2026-03-01');
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(daysBetween('2026-01-01', '2027-01-01'), 365);
    assert.equal(daysBetween(FIRST_DAY, LAST_DAY), 365_242);
  });

  it('refuses to step outside the range instead of writing a six-digit year', () => {
    assert.throws(() => addDays(LAST_DAY, 1), RangeError);
    assert.throws(() => addDays(FIRST_DAY, -1), RangeError);
    assert.throws(() => addDays('9999-12-31', 1), RangeError);
    assert.throws(() => addDays('garbage', 1), RangeError);
  });
});
