/** Working hours in a time zone, as a pure check (the clock comes in as the event's time). */
import type { WorkHours } from '../config/index.ts';

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock weekday and minute of the day at `at` in `timeZone`. */
export function wallClock(at: Date, timeZone: string): { day: number; minute: number; text: string } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  return { day: WEEKDAYS[parts.weekday!] ?? 0, minute, text: `${parts.weekday} ${parts.hour}:${parts.minute}` };
}

/**
 * Is `at` inside working hours? A range whose end is before its start runs past midnight
 * (`22:00-06:00`); the day is the day the shift started on.
 * @example isWorkingTime(new Date('2026-03-02T15:00:00Z'), { startMinute: 420, endMinute: 1140, days: [1,2,3,4,5], timeZone: 'UTC' }) // true
 */
export function isWorkingTime(at: Date, wh: WorkHours): boolean {
  const { day, minute } = wallClock(at, wh.timeZone);
  if (wh.startMinute <= wh.endMinute) return wh.days.includes(day) && minute >= wh.startMinute && minute < wh.endMinute;
  if (minute >= wh.startMinute) return wh.days.includes(day);
  return minute < wh.endMinute && wh.days.includes((day + 6) % 7);
}
