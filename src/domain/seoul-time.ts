// Seoul time, the one clock of the office: case numbers restart with its year, deadlines count
// its office hours, reports and the digest cover its calendar days. Korea keeps no daylight
// saving time, so Seoul is UTC+9 all year and a fixed offset is exact.
import { InvalidInput } from './errors.js';

/** For schedulers that take a zone name (BullMQ's cron `tz`). */
export const SEOUL_TIME_ZONE = 'Asia/Seoul';
export const SEOUL_OFFSET_MS = 9 * 3600 * 1000;

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** The instant shifted so that its UTC fields read as Seoul's wall clock. */
function wallClock(at: Date): Date {
  return new Date(at.getTime() + SEOUL_OFFSET_MS);
}

/** The calendar year in Seoul. */
export function seoulYear(at: Date): number {
  return wallClock(at).getUTCFullYear();
}

/** YYYY-MM-DD in Seoul. */
export function seoulDate(at: Date): string {
  return wallClock(at).toISOString().slice(0, 10);
}

/** YYYY-MM-DD HH:mm in Seoul, as reports and spreadsheets show a time. */
export function seoulDateTime(at: Date): string {
  return wallClock(at).toISOString().slice(0, 16).replace('T', ' ');
}

/** Seoul's wall clock at an instant, field by field (month 1-12, weekday 0 = Sunday). */
export function seoulClock(at: Date): { year: number; month: number; day: number; weekday: number; hour: number; minute: number } {
  const seoul = wallClock(at);
  return {
    year: seoul.getUTCFullYear(),
    month: seoul.getUTCMonth() + 1,
    day: seoul.getUTCDate(),
    weekday: seoul.getUTCDay(),
    hour: seoul.getUTCHours(),
    minute: seoul.getUTCMinutes(),
  };
}

/** The instant of a Seoul wall-clock hour on a Seoul date (YYYY-MM-DD). */
export function seoulInstant(date: string, hour: number): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - SEOUL_OFFSET_MS + hour * HOUR_MS);
}

/** Start of a Seoul calendar day given as YYYY-MM-DD; anything else is invalid input. */
export function seoulDayStart(date: string): Date {
  const at = new Date(`${date}T00:00:00+09:00`);
  // Date rolls 2026-02-30 over into March: a real day reads back as itself.
  const readBack = Number.isNaN(at.getTime()) ? null : seoulDate(at);
  if (readBack !== date) throw new InvalidInput('invalid_date', `${date} is not a date (YYYY-MM-DD)`);
  return at;
}

/** Start of the Seoul day `days` days before the one `end` falls in. */
export function seoulDaysBefore(end: Date, days: number): Date {
  const day = Math.floor((end.getTime() + SEOUL_OFFSET_MS) / DAY_MS);
  return new Date((day - days) * DAY_MS - SEOUL_OFFSET_MS);
}
