import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  addWorkingHours,
  computeDueAt,
  extendDueAt,
  holidayYears,
  isWorkingDay,
  onHolidayCalendarMissing,
  subtractWorkingHours,
} from './working-time.js';
import { parseDeadlineRules, workingDaysFor } from './deadline-rules.js';

/** A Seoul wall-clock time as an instant. */
const kst = (text: string) => new Date(`${text}:00+09:00`);

describe('the Korean holiday calendar', () => {
  it('covers 2026 and 2027, substitute holidays included', () => {
    expect(holidayYears()).toEqual(expect.arrayContaining([2026, 2027]));
    // 대체공휴일 of 2026 and 2027, and the Lunar New Year and Chuseok days.
    for (const day of ['2026-03-02', '2026-05-25', '2026-08-17', '2026-10-05', '2026-02-17', '2026-09-25', '2027-02-09', '2027-05-03', '2027-07-19', '2027-08-16', '2027-10-04', '2027-10-11', '2027-12-27']) {
      expect(isWorkingDay(day), day).toBe(false);
    }
    expect(isWorkingDay('2026-11-26')).toBe(true); // a Thursday
    expect(isWorkingDay('2026-11-28')).toBe(false); // a Saturday
  });

  it('counts weekends only in a year it does not cover, reports that year once, and never throws', () => {
    const reported = vi.fn();
    onHolidayCalendarMissing(reported);
    const missing = Math.max(...holidayYears()) + 1;
    expect(missing).toBe(2028); // the dates below are 2028's weekdays
    // 1 March (삼일절) is a Wednesday in 2028: without the calendar it counts as working.
    expect(isWorkingDay('2028-03-01')).toBe(true);
    expect(isWorkingDay('2028-03-04')).toBe(false); // a Saturday
    // 14 working days from Thursday 30 December 2027: Dec 30, 31, then 12 weekdays of 2028.
    expect(computeDueAt(kst('2027-12-30T10:00'), 14)).toEqual(kst('2028-01-18T18:00'));
    expect(extendDueAt(kst('2028-01-18T18:00'), 2)).toEqual(kst('2028-01-20T18:00'));
    expect(subtractWorkingHours(kst('2028-01-18T18:00'), 8)).toEqual(kst('2028-01-18T09:00'));
    expect(reported.mock.calls).toEqual([[2028]]);
  });
});

afterEach(() => {
  onHolidayCalendarMissing(() => undefined);
});

describe('due times under the Civil Petitions Act', () => {
  it('counts 7 working days from the day of receipt, skipping Chuseok and the weekend', () => {
    // Thu 17 Sep: 17, 18, 21, 22, 23 (five), Chuseok 24-26, weekend, then 28 and 29.
    expect(computeDueAt(kst('2026-09-17T10:00'), 7)).toEqual(kst('2026-09-29T18:00'));
  });

  it('gives a proposal 14 working days across Christmas and New Year', () => {
    expect(computeDueAt(kst('2026-12-21T15:00'), 14)).toEqual(kst('2027-01-11T18:00'));
  });

  it('starts counting on the next working day when received on a holiday', () => {
    // Sat 3 Oct (개천절), Mon 5 Oct (its substitute), Fri 9 Oct (한글날).
    expect(computeDueAt(kst('2026-10-03T11:00'), 7)).toEqual(kst('2026-10-15T18:00'));
  });

  it('counts deadlines of 5 days or less in office hours, 8 hours a day', () => {
    // Fri 2 Oct 16:30: 1.5 h, then Tue 6 and Wed 7 (the 5th is a substitute holiday), then 6.5 h on Thu 8.
    expect(computeDueAt(kst('2026-10-02T16:30'), 3)).toEqual(kst('2026-10-08T16:30'));
    // Received on a Saturday: one day is Monday's office hours.
    expect(computeDueAt(kst('2026-11-28T11:00'), 1)).toEqual(kst('2026-11-30T18:00'));
    // Received over lunch: counting starts at 13:00.
    expect(computeDueAt(kst('2026-11-26T12:30'), 2)).toEqual(kst('2026-11-30T12:00'));
    // Received after hours: counting starts next working morning.
    expect(addWorkingHours(kst('2026-11-26T19:00'), 2)).toEqual(kst('2026-11-27T11:00'));
  });

  it('finds the moment a number of office hours before a due time', () => {
    expect(subtractWorkingHours(kst('2026-09-29T18:00'), 8)).toEqual(kst('2026-09-29T09:00'));
    expect(subtractWorkingHours(kst('2026-09-29T18:00'), 10)).toEqual(kst('2026-09-28T16:00'));
    // Across Chuseok back to the Wednesday before it.
    expect(subtractWorkingHours(kst('2026-09-28T10:00'), 2)).toEqual(kst('2026-09-23T17:00'));
  });

  it('extends a due time by working days', () => {
    expect(extendDueAt(kst('2026-09-29T18:00'), 3)).toEqual(kst('2026-10-02T18:00'));
    // Over the substitute holiday and 한글날.
    expect(extendDueAt(kst('2026-10-02T18:00'), 4)).toEqual(kst('2026-10-12T18:00'));
  });
});

describe('deadline rules', () => {
  it('defaults to 7 working days and 14 for proposals', () => {
    const { rules, problems } = parseDeadlineRules('*=7,proposal=14');
    expect(problems).toEqual([]);
    expect(workingDaysFor(rules, 'roads', 'complaint')).toBe(7);
    expect(workingDaysFor(rules, 'roads', 'proposal')).toBe(14);
    expect(workingDaysFor(rules, null, null)).toBe(7);
  });

  it('takes the most specific rule: category/kind, then kind, then category', () => {
    const { rules } = parseDeadlineRules('*=7,proposal=14,roads=3,roads/proposal=10');
    expect(workingDaysFor(rules, 'roads', 'complaint')).toBe(3);
    expect(workingDaysFor(rules, 'roads', 'proposal')).toBe(10);
    expect(workingDaysFor(rules, 'traffic', 'proposal')).toBe(14);
    expect(workingDaysFor(rules, 'traffic', null)).toBe(7);
  });

  it('names every bad entry', () => {
    expect(parseDeadlineRules('roads=0,x=abc,roads/party=3').problems).toEqual([
      expect.stringContaining('"roads=0"'),
      expect.stringContaining('"x=abc"'),
      expect.stringContaining('"roads/party=3"'),
      expect.stringContaining('"*=DAYS" is required'),
    ]);
  });
});
