/**
 * The X12 ⇄ FHIR map, as data: for each transaction set, each data-bearing X12 position (loop,
 * segment, qualifier when the home depends on it, element, component) and the FHIR element it
 * lands in (X12 → FHIR: 271, 278 response, 999) or comes from (FHIR → X12: 278 request, 270, 275).
 * `priorgate x12 map` prints it; the fidelity suite checks every element of every sample file
 * against it, so a dropped field fails a test.
 *
 * FHIR paths are FHIRPath, evaluated on every resource of the Bundle (a path starting with a
 * resource type selects those resources), with one convention: `.target` on a Reference is the
 * resource it points at in the same Bundle.
 */

export type MapSet = '278 request' | '278 response' | '270' | '271' | '999' | '275';

/**
 * How the X12 value appears at the FHIR path:
 * - `value`: as is (codes, identifiers, text);
 * - `date`: CCYYMMDD as a FHIR date, an RD8 range as a Period (or its two ends);
 * - `time`: HHMM[SS] as a FHIR time;
 * - `decimal`: the same number;
 * - `percent`: a decimal fraction (0.2) as a percentage (20);
 * - `map`: translated by `map` (DMG03 M → male);
 * - `contains`: inside a longer text;
 * - `prefix`: the start of the FHIR value (a text cut to the X12 element's length);
 * - `compact`: the FHIR value without its punctuation (I21.4 → I214, 62701-0000 → 627010000);
 * - `money`: a benefit's allowedMoney, usedMoney, or what remains of the one after the other;
 * - `built`: written from the FHIR value (an X12 value that contains it: `<trace>-<sequence>`);
 * - `present`: a qualifier whose meaning is carried by the element's system, type or position:
 *   the path must exist (NM108 XX → identifier.system NPI).
 */
export type Representation = 'value' | 'date' | 'time' | 'decimal' | 'percent' | 'map' | 'contains' | 'prefix' | 'compact' | 'money' | 'built' | 'present';

export interface MapEntry {
  set: MapSet;
  /** IG loop id as the codec names it (HEADER for BHT, 2000A … 2120D, 1000A … 2100A for the 275). */
  loop: string;
  segment: string;
  /** The entry applies only when element `when[0]` holds one of the other values (REF01 = 6P). */
  when?: readonly [number, ...string[]];
  /** Element position(s), 1-based: several when the same home takes a run of them (HI01 … HI12). */
  element: number | readonly number[];
  component?: number;
  /** FHIRPath of the FHIR element; '' when the element has no FHIR home (then `pending` or `note` says why). */
  fhir: string;
  as: Representation;
  map?: Readonly<Record<string, string>>;
  /** Values the mapping writes when the FHIR element is absent (EQ01 30, UM02 I …). */
  defaults?: readonly string[];
  /** 278 response positions whose mapping is open work (issue 14): listed, not yet enforced. */
  pending?: string;
  /**
   * Why no PAS 2.2.1 profile has an element for the position (so it is not translated): listed
   * with its reason, not open work. With a `fhir` path too, PAS has a home in some answers only:
   * the value must land there when it can, and is listed as outside PAS when it does not.
   */
  outsidePas?: string;
  note?: string;
}

/** `REF*6P` / `NM109` / `HI01-2`: how the table and the reports name a position. */
export function positionLabel(e: Pick<MapEntry, 'segment' | 'when' | 'element' | 'component'>): string {
  const elements = Array.isArray(e.element) ? `${pad(e.element[0]!)}..${pad(e.element[e.element.length - 1]!)}` : pad(e.element as number);
  const when = e.when ? `[${String(e.when[0]).padStart(2, '0')}=${e.when.slice(1).join('|')}]` : '';
  return `${e.segment}${elements}${e.component ? `-${e.component}` : ''}${when}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
