// Working time under the Civil Petitions Act (민원 처리에 관한 법률 시행령 제19조): weekends and
// Korean public holidays do not count. Periods of 5 days or less run in working hours from the
// moment of receipt (1 day = 8 hours); longer periods run in days, the day of receipt included.
import * as presets from '@hyunbinseo/holidays-kr/all';
import { seoulDate, seoulInstant } from '../domain/seoul-time.js';

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Office hours in Seoul (hour of day, start inclusive, end exclusive): 8 hours with a lunch break. */
export const OFFICE_HOURS: readonly (readonly [number, number])[] = [
  [9, 12],
  [13, 18],
];
export const HOURS_PER_WORKING_DAY = 8;
/** Deadlines of this many days or fewer are counted in working hours. */
export const HOUR_COUNTED_MAX_DAYS = 5;

const holidaysByYear = new Map<number, Set<string>>(
  Object.entries(presets as Record<string, Readonly<Record<string, readonly string[]>>>)
    .filter(([name]) => /^y\d{4}$/.test(name))
    .map(([name, days]) => [Number(name.slice(1)), new Set(Object.keys(days))]),
);

/**
 * The holiday package covers whole years and is updated once a year. A year it does not know
 * counts weekends only: a deadline then falls a holiday or two early, never late, and the line
 * keeps running (src/deadlines/holiday-calendar.ts warns at start, well before that happens).
 * Each such year is reported once per process.
 */
let reportMissingYear = (year: number): void => {
  process.emitWarning(missingYearMessage(year));
};
const reportedYears = new Set<number>();

export function missingYearMessage(year: number): string {
  return `no Korean public holiday calendar for ${year}: its deadlines count weekends only (holidays count as working days) until @hyunbinseo/holidays-kr is updated`;
}

/** Where the first use of a year without a calendar is reported (the process's logger). */
export function onHolidayCalendarMissing(report: (year: number) => void): void {
  reportMissingYear = report;
  reportedYears.clear();
}

/** The years the holiday calendar covers. */
export function holidayYears(): number[] {
  return [...holidaysByYear.keys()].sort((a, b) => a - b);
}

/** The last day the holiday calendar covers (YYYY-MM-DD). */
export function holidayCalendarEnd(): string {
  return `${Math.max(...holidaysByYear.keys())}-12-31`;
}

function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function isPublicHoliday(date: string): boolean {
  const year = Number(date.slice(0, 4));
  const holidays = holidaysByYear.get(year);
  if (holidays) return holidays.has(date);
  if (!reportedYears.has(year)) {
    reportedYears.add(year);
    reportMissingYear(year);
  }
  return false;
}

export function isWorkingDay(date: string): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !isPublicHoliday(date);
}

/**
 * The day on which `workingDays` working days counted from `from` (included when it is one)
 * end. Used to see how far ahead deadlines reach: a year without a calendar counts weekends
 * only here and is not reported.
 */
export function workingDaysEndOn(from: string, workingDays: number): string {
  let date = from;
  for (let counted = 0; ; date = shiftDate(date, 1)) {
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    if (weekday === 0 || weekday === 6 || holidaysByYear.get(Number(date.slice(0, 4)))?.has(date)) continue;
    counted += 1;
    if (counted >= workingDays) return date;
  }
}

/** Longer than any real run of non-working days; a guard against looping forever. */
const MAX_DAYS_SCANNED = 400;

/** Adds working hours: the result is when `hours` of office time after `start` have passed. */
export function addWorkingHours(start: Date, hours: number): Date {
  let remainingMs = hours * HOUR_MS;
  let date = seoulDate(start);
  for (let i = 0; i < MAX_DAYS_SCANNED; i += 1, date = shiftDate(date, 1)) {
    if (!isWorkingDay(date)) continue;
    for (const [from, to] of OFFICE_HOURS) {
      const segmentStart = Math.max(seoulInstant(date, from).getTime(), start.getTime());
      const segmentEnd = seoulInstant(date, to).getTime();
      if (segmentEnd <= segmentStart) continue;
      if (remainingMs <= segmentEnd - segmentStart) return new Date(segmentStart + remainingMs);
      remainingMs -= segmentEnd - segmentStart;
    }
  }
  throw new Error(`working time scan exceeded ${MAX_DAYS_SCANNED} days`);
}

/** The instant `hours` of office time before `end` (e.g. when to send a notice before a deadline). */
export function subtractWorkingHours(end: Date, hours: number): Date {
  let remainingMs = hours * HOUR_MS;
  let date = seoulDate(end);
  for (let i = 0; i < MAX_DAYS_SCANNED; i += 1, date = shiftDate(date, -1)) {
    if (!isWorkingDay(date)) continue;
    for (const [from, to] of [...OFFICE_HOURS].reverse()) {
      const segmentEnd = Math.min(seoulInstant(date, to).getTime(), end.getTime());
      const segmentStart = seoulInstant(date, from).getTime();
      if (segmentEnd <= segmentStart) continue;
      if (remainingMs <= segmentEnd - segmentStart) return new Date(segmentEnd - remainingMs);
      remainingMs -= segmentEnd - segmentStart;
    }
  }
  throw new Error(`working time scan exceeded ${MAX_DAYS_SCANNED} days`);
}

/**
 * When a petition received at `receivedAt` with a period of `workingDays` falls due.
 * Up to 5 days: that many 8-hour working days of office time from receipt. Longer: the
 * close of office hours on the last day, counting the day of receipt when it is a working day.
 */
export function computeDueAt(receivedAt: Date, workingDays: number): Date {
  if (workingDays <= HOUR_COUNTED_MAX_DAYS) return addWorkingHours(receivedAt, workingDays * HOURS_PER_WORKING_DAY);
  let date = seoulDate(receivedAt);
  let counted = 0;
  for (let i = 0; i < MAX_DAYS_SCANNED + workingDays * 2; i += 1, date = shiftDate(date, 1)) {
    if (!isWorkingDay(date)) continue;
    counted += 1;
    if (counted === workingDays) return seoulInstant(date, OFFICE_HOURS[OFFICE_HOURS.length - 1]![1]);
  }
  throw new Error(`working time scan exceeded ${MAX_DAYS_SCANNED} days`);
}

/** An extension adds working days to the current due time (8 office hours each). */
export function extendDueAt(dueAt: Date, days: number): Date {
  return addWorkingHours(dueAt, days * HOURS_PER_WORKING_DAY);
}
