/** The job kind that delivers a prior-authorization request to its payer (payers/deliver.ts runs it). */
export const DELIVER_JOB = 'payer.deliver';
