/**
 * Decision deadlines (CMS-0057-F, 42 CFR 422.568/438.210 as amended): 72 hours for expedited
 * requests, 7 calendar days for standard ones, unless a stricter state rule applies (`rules/`).
 */

export const FEDERAL_HOURS = { expedited: 72, standard: 7 * 24 } as const;

export type Urgency = keyof typeof FEDERAL_HOURS;

/** The deadline for a request received at `receivedAt`; `stricterHours` comes from state rules. */
export function decisionDeadline(receivedAt: Date, urgency: Urgency, stricterHours?: number): Date {
  const federal = FEDERAL_HOURS[urgency];
  const hours = stricterHours !== undefined ? Math.min(federal, stricterHours) : federal;
  return new Date(receivedAt.getTime() + hours * 3_600_000);
}
