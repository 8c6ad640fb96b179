import { describe, expect, it } from 'vitest';
import { parseDeadlineRules } from './deadline-rules.js';
import { CALENDAR_WARNING_DAYS, checkHolidayCalendar, deadlineHorizonWorkingDays, holidayCalendarOutlook } from './holiday-calendar.js';
import { computeDueAt, holidayCalendarEnd } from './working-time.js';
import { captureLogs } from '../../test/support/log-capture.js';

const rules = (text: string) => parseDeadlineRules(text).rules;
const DEFAULT = rules('*=7,proposal=14');

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('how far ahead deadlines need the holiday calendar', () => {
  it('is the longest period twice over (the one extension), plus a day for hour-counted periods', () => {
    expect(deadlineHorizonWorkingDays(DEFAULT)).toBe(29);
    expect(deadlineHorizonWorkingDays(rules('*=7,roads=30'))).toBe(61);
  });

  it('the package covers 2027 and nothing later: the dates below depend on it', () => {
    expect(holidayCalendarEnd()).toBe('2027-12-31');
  });

  it('on 2 January 2027 the calendar is long enough and nothing is said', async () => {
    const now = new Date('2027-01-02T09:00:00+09:00');
    const outlook = holidayCalendarOutlook(DEFAULT, now);
    expect(outlook.state).toBe('ok');
    // 29 working days from Saturday 2 January, Seollal (8–9 February on weekdays) skipped.
    expect(outlook.reach).toBe('2027-02-15');
    const logs = captureLogs({ level: 'info' });
    const log = logs.log;
    checkHolidayCalendar(DEFAULT, log, now);
    await flush();
    expect(logs.lines()).toEqual([]);
  });

  it(`warns ${CALENDAR_WARNING_DAYS} days before deadlines would reach past the calendar`, async () => {
    const now = new Date('2027-10-01T09:00:00+09:00');
    expect(holidayCalendarOutlook(DEFAULT, now).state).toBe('ending');
    const logs = captureLogs({ level: 'info' });
    const log = logs.log;
    checkHolidayCalendar(DEFAULT, log, now);
    await flush();
    expect(logs.lines()).toHaveLength(1);
    expect(logs.lines()[0]).toMatchObject({ level: 40, calendarEndsOn: '2027-12-31' });
    expect(logs.lines()[0]!.msg).toMatch(/holiday calendar ends 2027-12-31.*update @hyunbinseo\/holidays-kr/);
    // Longer rules reach further, so the warning comes earlier.
    expect(holidayCalendarOutlook(rules('*=60'), new Date('2027-05-01T09:00:00+09:00')).state).toBe('ending');
  });

  it('on 31 December 2027 says deadlines reach past it, and the line keeps computing them (weekends only, each year reported once)', async () => {
    const now = new Date('2027-12-31T10:00:00+09:00');
    const logs = captureLogs({ level: 'info' });
    const log = logs.log;
    const outlook = checkHolidayCalendar(DEFAULT, log, now);
    expect(outlook).toMatchObject({ state: 'short', endsOn: '2027-12-31' });
    // Deadlines are still computed, and the first one in 2028 is reported once through the logger.
    expect(computeDueAt(now, 14)).toEqual(new Date('2028-01-19T18:00:00+09:00'));
    expect(computeDueAt(now, 7)).toEqual(new Date('2028-01-10T18:00:00+09:00'));
    await flush();
    expect(logs.lines().map((l) => [l.level, l.msg])).toEqual([
      [40, expect.stringMatching(/deadlines set today reach 2028-02-09, past the Korean holiday calendar \(it ends 2027-12-31\)/)],
      [40, expect.stringMatching(/no Korean public holiday calendar for 2028: its deadlines count weekends only/)],
    ]);
    expect(logs.lines()[1]).toMatchObject({ year: 2028 });
  });
});
