/**
 * Grouping a 278 transaction body (BHT … last segment before SE) into its HL loops, and each loop
 * into its head (segments before the first NM1) and its name loops (NM1 and what follows).
 * X12 nests by HL01 id / HL02 parent / HL03 level code; segment order within a loop is the IG's.
 */
import type { Segment } from '../x12/types.ts';
import { el } from './x12-util.ts';
import { LOOP_IDS, type HlLevel } from './codes/loops.ts';

export interface NameLoop {
  nm1: Segment;
  segments: Segment[];
  /** The IG loop id, e.g. 2010A, 2010EA, 2010F. */
  loopId: string;
}

export interface HlLoop {
  id: string;
  parent: string;
  level: HlLevel | string;
  hasChildren: boolean;
  /** Segments after HL up to the first NM1 (e.g. TRN, AAA, UM, HCR, REF, DTP, SV1 …). */
  head: Segment[];
  names: NameLoop[];
  /** The IG loop id of the HL loop itself, e.g. 2000E. */
  loopId: string;
}

export interface Transaction {
  /** Segments before the first HL (BHT). */
  header: Segment[];
  loops: HlLoop[];
}

/** Which 2010E loop an NM1 opens, by its entity identifier (NM101). */
function nameLoopId(level: string, nm101: string): string {
  const ids = LOOP_IDS[level as HlLevel];
  if (!ids) return '';
  if (level === 'EV') {
    // 2010EB patient event transport (ambulance addresses), 2010EC other UMO, else 2010EA providers.
    if (['45', 'FS', 'ND', 'PW', 'R3'].includes(nm101)) return '2010EB';
    if (nm101 === 'X3') return '2010EC';
    return '2010EA';
  }
  return ids.name;
}

export function groupLoops(segments: Segment[]): Transaction {
  const header: Segment[] = [];
  const loops: HlLoop[] = [];
  let current: HlLoop | undefined;
  for (const segment of segments) {
    if (segment.tag === 'HL') {
      const level = el(segment, 3);
      current = {
        id: el(segment, 1),
        parent: el(segment, 2),
        level,
        hasChildren: el(segment, 4) === '1',
        head: [],
        names: [],
        loopId: LOOP_IDS[level as HlLevel]?.hl ?? '',
      };
      loops.push(current);
    } else if (!current) {
      header.push(segment);
    } else if (segment.tag === 'NM1') {
      current.names.push({ nm1: segment, segments: [], loopId: nameLoopId(current.level, el(segment, 1)) });
    } else {
      const name = current.names[current.names.length - 1];
      (name ? name.segments : current.head).push(segment);
    }
  }
  return { header, loops };
}
