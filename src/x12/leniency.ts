/**
 * Named envelope deviations a trading partner's configuration may accept. Strict is the default:
 * each of these is an error (TA1 R, or IK5 R for ST03) unless the partner's `x12.leniency` names it;
 * a named one is still reported, as a warning (TA1 E beside the 999 and AK9 E; IK5 E with its IK4
 * for ST03), never silently. They are the habits of senders that moved from 004010 to 005010
 * without changing their envelope code.
 */
export const ENVELOPE_DEVIATIONS = {
  /** ISA11 'U': the 004010 Interchange Control Standards Identifier where 005010 has the repetition separator. */
  'isa11-standards-identifier': "ISA11 'U' (the 004010 standards identifier) instead of a repetition separator",
  /** ISA12 '00401' on an interchange whose groups are 005010. */
  'isa12-version-00401': "ISA12 '00401' (004010) on an interchange of 005010 groups",
  /** ISA02, ISA04, ISA06 or ISA08 shorter than its fixed width (not space padded). */
  'isa-unpadded-fields': 'ISA02/ISA04/ISA06/ISA08 not space padded to their fixed widths',
  /** ST without ST03 (optional before 005010): the group's GS08 names the guide. */
  'st03-missing': 'ST03 (implementation convention reference) missing; GS08 names the guide',
} as const;

export type EnvelopeDeviation = keyof typeof ENVELOPE_DEVIATIONS;

export const DEVIATION_NAMES = Object.keys(ENVELOPE_DEVIATIONS) as EnvelopeDeviation[];
