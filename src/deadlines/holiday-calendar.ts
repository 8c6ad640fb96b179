// Is the Korean holiday calendar long enough for the deadlines set from today? Checked at
// start: a warning months ahead, another once deadlines reach past it. Never a refusal to
// start: beyond the calendar deadlines count weekends only (working-time.ts), which is a
// milder failure than a line that stops on New Year's Day. Warnings, not errors: an error
// at start is for a process that cannot do its work, and this one can.
import type { Logger } from 'pino';
import type { DeadlineRules } from './deadline-rules.js';
import { holidayCalendarEnd, missingYearMessage, onHolidayCalendarMissing, workingDaysEndOn } from './working-time.js';
import { seoulDate } from '../domain/seoul-time.js';

/** The warning comes this many days before deadlines would first reach past the calendar. */
export const CALENDAR_WARNING_DAYS = 90;

/**
 * How many working days ahead of today a deadline can fall: the longest period of the rules,
 * plus the one extension the Act allows (at most the period again), plus a day because
 * periods of 5 days or less run in hours from the moment of receipt. Interim notices count
 * backwards from the due time and need nothing more.
 */
export function deadlineHorizonWorkingDays(rules: DeadlineRules): number {
  return 2 * Math.max(...rules.values()) + 1;
}

export interface HolidayCalendarOutlook {
  /** ok; ending: deadlines will reach past the calendar within CALENDAR_WARNING_DAYS; short: they already do. */
  state: 'ok' | 'ending' | 'short';
  /** The last day the calendar covers. */
  endsOn: string;
  /** The farthest day a deadline set today can fall on. */
  reach: string;
}

const DAY_MS = 24 * 3600 * 1000;
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

export function holidayCalendarOutlook(rules: DeadlineRules, now: Date = new Date()): HolidayCalendarOutlook {
  const endsOn = holidayCalendarEnd();
  const reach = workingDaysEndOn(seoulDate(now), deadlineHorizonWorkingDays(rules));
  const margin = dayNumber(endsOn) - dayNumber(reach);
  return { state: margin < 0 ? 'short' : margin < CALENDAR_WARNING_DAYS ? 'ending' : 'ok', endsOn, reach };
}

/** Says at start what the calendar means for deadlines, and logs each year it lacks once when first used. */
export function checkHolidayCalendar(rules: DeadlineRules, log: Logger, now: Date = new Date()): HolidayCalendarOutlook {
  onHolidayCalendarMissing((year) => log.warn({ year }, missingYearMessage(year)));
  const outlook = holidayCalendarOutlook(rules, now);
  const fields = { calendarEndsOn: outlook.endsOn, deadlinesReach: outlook.reach };
  if (outlook.state === 'short') {
    log.warn(fields, `deadlines set today reach ${outlook.reach}, past the Korean holiday calendar (it ends ${outlook.endsOn}): beyond it holidays count as working days; update @hyunbinseo/holidays-kr`);
  } else if (outlook.state === 'ending') {
    log.warn(fields, `the Korean holiday calendar ends ${outlook.endsOn}; deadlines set today already reach ${outlook.reach}: update @hyunbinseo/holidays-kr before deadlines pass its end`);
  }
  return outlook;
}
