/**
 * Interchange and functional-group header checks, expressed as the codes their acknowledgments
 * use: TA105 interchange note codes for the ISA (checked on the raw, unpadded text because ISA
 * fields are fixed-width), AK905 functional-group codes for the GS.
 */
import { checkSegmentElements, isDate, isTime } from './element-check.ts';
import { dictionarySegment } from './spec/compile.ts';
import { FUNCTIONAL_IDS, isSupportedSet, SPECS } from './spec/index.ts';
import type { EnvelopeDeviation } from './leniency.ts';
import type { Segment } from './types.ts';

export interface EnvelopeProblem {
  code: string;
  message: string;
  /** The named 004010-era deviation this is, when a partner may be configured to accept it. */
  deviation?: EnvelopeDeviation;
}

/** ISA05/ISA07 code list (Interchange ID Qualifier). */
export const INTERCHANGE_QUALIFIERS = ['01', '14', '20', '27', '28', '29', '30', '33', 'ZZ'];

/** `body` is the ISA text without its terminator; `e` the element separator. */
export function checkIsa(body: string, e: string): EnvelopeProblem[] {
  const f = body.split(e);
  const out: EnvelopeProblem[] = [];
  const bad = (code: string, message: string) => out.push({ code, message });
  if (f.length !== 17) {
    bad('022', `ISA has ${f.length - 1} elements; it must have 16`);
    return out;
  }
  const at = (i: number) => f[i] ?? '';
  // A fixed-width field that is only short (its value is there, the padding is not).
  const width = (i: number, n: number, code: string, message: string, blankOk: boolean) => {
    const v = at(i);
    if (v.length === n && (blankOk || v.trim() !== '')) return;
    const unpadded = v.length < n && (blankOk || v.trim() !== '') && v === v.trimEnd();
    out.push({ code, message, ...(unpadded ? { deviation: 'isa-unpadded-fields' as const } : {}) });
  };
  if (!['00', '03'].includes(at(1))) bad('010', `ISA01 '${at(1)}' is not a valid authorization information qualifier`);
  width(2, 10, '011', 'ISA02 must be exactly 10 characters', true);
  if (!['00', '01'].includes(at(3))) bad('012', `ISA03 '${at(3)}' is not a valid security information qualifier`);
  width(4, 10, '013', 'ISA04 must be exactly 10 characters', true);
  if (!INTERCHANGE_QUALIFIERS.includes(at(5))) bad('005', `ISA05 '${at(5)}' is not a valid interchange ID qualifier`);
  width(6, 15, '006', 'ISA06 (sender ID) must be 15 characters, space padded, not blank', false);
  if (!INTERCHANGE_QUALIFIERS.includes(at(7))) bad('007', `ISA07 '${at(7)}' is not a valid interchange ID qualifier`);
  width(8, 15, '008', 'ISA08 (receiver ID) must be 15 characters, space padded, not blank', false);
  if (!(at(9).length === 6 && isDate(at(9)))) bad('014', `ISA09 '${at(9)}' is not a valid YYMMDD date`);
  if (!(at(10).length === 4 && isTime(at(10)))) bad('015', `ISA10 '${at(10)}' is not a valid HHMM time`);
  if (at(11).length !== 1) bad('026', 'ISA11 (repetition separator) must be one character');
  else if (at(11) === 'U' && at(12) !== '00401') {
    out.push({ code: '016', message: "ISA11 'U' is the 004010 standards identifier; 005010 wants a repetition separator there", deviation: 'isa11-standards-identifier' });
  }
  if (at(12) === '00401') {
    out.push({ code: '017', message: "ISA12 '00401' is 004010; the groups of a 005010 interchange want 00501", deviation: 'isa12-version-00401' });
    if (at(11) === 'U') out.push({ code: '016', message: "ISA11 'U' is the 004010 standards identifier; 005010 wants a repetition separator there", deviation: 'isa11-standards-identifier' });
  } else if (at(12) !== '00501') bad('017', `ISA12 '${at(12)}' is not a supported version (00501)`);
  if (!/^\d{9}$/.test(at(13))) bad('018', 'ISA13 must be a 9-digit number');
  if (!['0', '1'].includes(at(14))) bad('019', `ISA14 '${at(14)}' must be 0 or 1`);
  if (!['P', 'T', 'I'].includes(at(15))) bad('020', `ISA15 '${at(15)}' must be P or T`);
  if (at(16).length !== 1) bad('027', 'ISA16 (component separator) must be one character');
  return out;
}

/** Versions (GS08) each functional identifier (GS01) may carry here. */
const VERSIONS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  ['HI', 'HS', 'HB', 'FA', 'PI'].map((fid) => [fid, SPECS.filter((s) => s.functionalId === fid).flatMap((s) => s.conventions)]),
);

export interface GroupProblems {
  /** AK905 codes. */
  group: EnvelopeProblem[];
  /** Syntax problems in the GS itself: TA105 024 (invalid interchange content). */
  interchange: EnvelopeProblem[];
}

export function checkGs(gs: Segment): GroupProblems {
  const group: EnvelopeProblem[] = [];
  const interchange: EnvelopeProblem[] = [];
  const value = (i: number) => {
    const v = gs.elements[i - 1];
    return typeof v === 'string' ? v : '';
  };
  const fid = value(1);
  const versions = VERSIONS[fid];
  if (!versions) group.push({ code: '1', message: `functional group ${fid || '(blank)'} is not supported (HI, HS, HB, FA, PI)` });
  else if (!versions.includes(value(8))) group.push({ code: '2', message: `GS08 version '${value(8)}' is not supported for ${fid}` });
  if (!/^\d{1,9}$/.test(value(6))) group.push({ code: '6', message: `GS06 group control number '${value(6)}' is not 1-9 digits` });
  checkSegmentElements(gs, dictionarySegment('GS')!, (p) => {
    if (p.elementPosition !== 6) interchange.push({ code: '024', message: `invalid GS segment: ${p.message}` });
  });
  return { group, interchange };
}

export function supportedConvention(setId: string, convention: string): boolean {
  return SPECS.some((s) => s.setId === setId && s.conventions.includes(convention));
}

/**
 * IK5 checks of an ST: control number syntax (7) and uniqueness in the group (23), set supported
 * (1), set in the right functional group (6), implementation convention supported (19).
 * `tables` is false when no spec table can group the set's loops.
 */
export function checkSt(
  tx: { setId: string; controlNumber: string; version: string },
  functionalId: string,
  seen: ReadonlySet<string>,
): { problems: EnvelopeProblem[]; tables: boolean } {
  const problems: EnvelopeProblem[] = [];
  if (!/^[\x21-\x7e]{4,9}$/.test(tx.controlNumber)) {
    problems.push({ code: '7', message: `ST02 '${tx.controlNumber}' is not a valid control number (4-9 characters)` });
  } else if (seen.has(tx.controlNumber)) {
    problems.push({ code: '23', message: `ST02 ${tx.controlNumber} is not unique within the functional group` });
  }
  if (!isSupportedSet(tx.setId)) {
    problems.push({ code: '1', message: `transaction set ${tx.setId || '(blank)'} is not supported` });
    return { problems, tables: false };
  }
  if (functionalId !== '' && FUNCTIONAL_IDS[tx.setId] !== functionalId) {
    problems.push({ code: '6', message: `transaction set ${tx.setId} does not belong in a ${functionalId} functional group` });
  } else if (!supportedConvention(tx.setId, tx.version)) {
    problems.push({ code: '19', message: `implementation convention '${tx.version}' is not supported for ${tx.setId}` });
    return { problems, tables: false };
  }
  return { problems, tables: true };
}
