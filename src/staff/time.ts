/** Deadline arithmetic for the worklist: pure, the clock comes in as an argument. */
import { SETTLED_STATES } from '../db/queries/staff.ts';

export type Urgency = 'overdue' | 'due-soon' | 'ok' | 'settled' | 'none';

export interface TimeLeft {
  /** CSS class / API value: overdue, due within 24 h, fine, decided, no deadline. */
  state: Urgency;
  text: string;
  /** Milliseconds until the deadline (negative when overdue); null when not applicable. */
  ms: number | null;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

export function humanDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= 2 * DAY) return `${Math.floor(abs / DAY)} d ${Math.floor((abs % DAY) / HOUR)} h`;
  if (abs >= HOUR) return `${Math.floor(abs / HOUR)} h ${Math.floor((abs % HOUR) / 60_000)} min`;
  return `${Math.max(0, Math.floor(abs / 60_000))} min`;
}

export function timeLeft(status: string, deadline: Date | null, now: Date): TimeLeft {
  if (SETTLED_STATES.includes(status)) return { state: 'settled', text: 'decided', ms: null };
  if (!deadline) return { state: 'none', text: '—', ms: null };
  const ms = deadline.getTime() - now.getTime();
  if (ms < 0) return { state: 'overdue', text: `overdue by ${humanDuration(ms)}`, ms };
  return { state: ms <= DAY ? 'due-soon' : 'ok', text: humanDuration(ms), ms };
}

/** "2026-11-25 09:40 UTC": one unambiguous format for every timestamp on the pages. */
export function stamp(d: Date | null | undefined): string {
  if (!d) return '—';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
