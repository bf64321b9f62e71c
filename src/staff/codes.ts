/**
 * What the X12 codes on a response mean, in the words a revenue-cycle worker needs: the 306
 * review action (HCR01), the HCR03 decision reason (external code list 886: each payer's companion
 * guide defines the ones it uses, so their words come from rules/payers/<id>.yaml
 * `decisionReasons`), the 901 reject reason (AAA03) and the 889 follow-up action (AAA04).
 */

/** X12 element 306, HCR01 action code: meaning, and what to do about it. */
export const REVIEW_ACTIONS: Record<string, { meaning: string; next: string }> = {
  A1: { meaning: 'Certified in total', next: 'Approved as requested; use the authorization number.' },
  A2: { meaning: 'Certified – partial', next: 'Only part was approved; check the approved quantity and dates.' },
  A3: { meaning: 'Not certified', next: 'Denied. Read the reason; a reconsideration or appeal may be filed.' },
  A4: { meaning: 'Pended', next: 'No decision yet; the payer will answer later (watch the deadline).' },
  A6: { meaning: 'Modified', next: 'Approved with changes; compare with what was requested.' },
  C: { meaning: 'Cancelled', next: 'The authorization was cancelled.' },
  CT: { meaning: 'Contact payer', next: 'Call the payer to complete the review.' },
  NA: { meaning: 'No action required', next: 'No authorization is needed for this service.' },
};

/** X12 element 901, AAA03 reject reason (the codes used in 278 responses). */
export const REJECT_REASONS: Record<string, string> = {
  '04': 'Authorized quantity exceeded',
  '15': 'Required application data missing',
  '33': 'Input errors',
  '35': 'Out of network',
  '41': 'Authorization/access restrictions',
  '42': 'Unable to respond at current time',
  '43': 'Invalid/missing provider identification',
  '44': 'Invalid/missing provider name',
  '45': 'Invalid/missing provider specialty',
  '46': 'Invalid/missing provider phone number',
  '47': 'Invalid/missing provider state',
  '49': 'Provider is not primary care physician',
  '51': 'Provider not on file',
  '52': 'Service dates not within provider plan enrollment',
  '56': 'Inappropriate date',
  '57': 'Invalid/missing date(s) of service',
  '58': 'Invalid/missing date of birth',
  '60': 'Date of birth follows date(s) of service',
  '61': 'Date of death precedes date(s) of service',
  '62': 'Date of service not within allowable inquiry period',
  '63': 'Date of service in future',
  '64': 'Invalid/missing patient ID',
  '65': 'Invalid/missing patient name',
  '66': 'Invalid/missing patient gender code',
  '67': 'Patient not found',
  '68': 'Duplicate patient ID number',
  '71': 'Patient birth date does not match that for the patient on the database',
  '72': 'Invalid/missing subscriber/insured ID',
  '73': 'Invalid/missing subscriber/insured name',
  '74': 'Invalid/missing subscriber/insured gender code',
  '75': 'Subscriber/insured not found',
  '76': 'Duplicate subscriber/insured ID number',
  '77': 'Subscriber found, patient not found',
  '78': 'Subscriber/insured not in group/plan identified',
  '79': 'Invalid participant identification',
  '97': 'Invalid or missing provider address',
  T5: 'Certification information missing',
  AA: 'Authorization number not found',
  AF: 'Invalid/missing diagnosis code(s)',
  AG: 'Invalid/missing procedure code(s)',
};

/** X12 element 889, AAA04 follow-up action, as an instruction. */
export const FOLLOW_UPS: Record<string, string> = {
  C: 'Correct the request and resubmit it.',
  N: 'Do not resubmit: the payer will not accept this request again.',
  P: 'Resubmit the original request as it was.',
  R: 'Resubmission is allowed.',
  S: 'Do not resubmit: the payer has started an inquiry with a third party.',
  W: 'Wait 30 days, then resubmit.',
  X: 'Wait 10 days, then resubmit.',
  Y: 'Do not resubmit: the payer will forward the request and answer later.',
};

/** 999 / TA1 codes put on gateway-made rejections (the payer refused the interchange itself). */
export const ACK_REJECTIONS: Record<string, string> = {
  R: 'The payer rejected the transaction as malformed (999).',
  M: 'The payer rejected the transaction (999: message authentication code failed).',
  W: 'The payer rejected the transaction (999: assurance failed).',
  X: 'The payer rejected the transaction (999: content could not be analyzed).',
  delivery: 'The request could not be delivered to the payer.',
};

export function reviewActionText(code: string | null | undefined): string {
  if (!code) return '';
  return REVIEW_ACTIONS[code]?.meaning ?? `code ${code}`;
}

/**
 * An HCR03 decision reason in words: the payer's own meaning (its companion guide, from the payer
 * directory), else what the code is, so staff know where to look it up.
 * @example decisionReasonText('0U', { '0U': 'Not covered' }) // '0U Not covered'
 */
export function decisionReasonText(code: string, payerReasons: Record<string, string> | undefined): string {
  const meaning = payerReasons?.[code];
  return meaning ? `${code} ${meaning}` : `${code} (decision reason, X12 code list 886: see the payer's companion guide)`;
}

/** An AAA rejection in words: "72 Invalid/missing subscriber/insured ID". */
export function rejectReasonText(code: string): string {
  const words = REJECT_REASONS[code];
  return words ? `${code} ${words}` : code;
}
