/**
 * Reading a 270 or 271 body (BHT … the segment before SE) into its hierarchical levels and, inside
 * the subscriber and dependent levels, into the X279A1 loops: 2100C/D (member name, REF, DMG,
 * DTP, AAA …), 2110C/D (one per EQ or EB) and 2120C/D (LS … LE benefit-related entities).
 * The HL segments carry the hierarchy; the loop ids follow from HL03 and the segment order.
 */
import type { Segment } from '../../x12/types.ts';
import { el } from '../x12-util.ts';

/** HL03 hierarchical level code → the letter of its loop ids (2000A, 2100A, …). */
export const LEVEL_LETTER: Record<string, string> = { '20': 'A', '21': 'B', '22': 'C', '23': 'D' };

export interface BenefitLoop {
  /** EQ (270) or EB (271). */
  head: Segment;
  /** Segments of the 2110 loop after its head, outside LS/LE. */
  segments: Segment[];
  /** 2120 loops: each NM1 with what follows it up to the next NM1 or LE. */
  entities: { nm1: Segment; segments: Segment[] }[];
}

export interface Level {
  /** HL01, HL02, HL03. */
  id: string;
  parent: string;
  code: string;
  /** 2000x segments before the name (TRN, and AAA in 2000A). */
  head: Segment[];
  /** The 2100x NM1 (undefined when missing). */
  nm1?: Segment;
  /** 2100x segments after NM1 up to the first EQ/EB. */
  name: Segment[];
  benefits: BenefitLoop[];
}

export interface Levels {
  /** Segments before the first HL (BHT). */
  header: Segment[];
  levels: Level[];
}

/** Loop id of a level part: `2000`, `2100`, `2110`, `2120` + the level's letter. */
export function loopId(level: Level, part: '2000' | '2100' | '2110' | '2120'): string {
  return `${part}${LEVEL_LETTER[level.code] ?? '?'}`;
}

export function readLevels(body: Segment[]): Levels {
  const header: Segment[] = [];
  const levels: Level[] = [];
  let level: Level | undefined;
  let benefit: BenefitLoop | undefined;
  let inEntities = false;
  for (const s of body) {
    if (s.tag === 'HL') {
      level = { id: el(s, 1), parent: el(s, 2), code: el(s, 3), head: [], name: [], benefits: [] };
      levels.push(level);
      benefit = undefined;
      inEntities = false;
      continue;
    }
    if (!level) {
      header.push(s);
      continue;
    }
    if (s.tag === 'EB' || s.tag === 'EQ') {
      benefit = { head: s, segments: [], entities: [] };
      level.benefits.push(benefit);
      inEntities = false;
    } else if (benefit && s.tag === 'LS') {
      inEntities = true;
    } else if (benefit && s.tag === 'LE') {
      inEntities = false;
    } else if (benefit && inEntities) {
      if (s.tag === 'NM1' || benefit.entities.length === 0) benefit.entities.push({ nm1: s, segments: [] });
      else benefit.entities[benefit.entities.length - 1]!.segments.push(s);
    } else if (benefit) {
      benefit.segments.push(s);
    } else if (s.tag === 'NM1' && !level.nm1) {
      level.nm1 = s;
    } else if (level.nm1) {
      level.name.push(s);
    } else {
      level.head.push(s);
    }
  }
  return { header, levels };
}

/** All values of a repeatable element (EB03 service types `1^33^35`), in order. */
export function repeatsOf(segment: Segment, n: number): string[] {
  const e = segment.elements[n - 1];
  if (e === undefined || e === '') return [];
  const values = typeof e === 'object' && !Array.isArray(e) ? e.repeats : [e];
  return values.map((v) => (Array.isArray(v) ? (v[0] ?? '') : v)).filter(Boolean);
}

/** Level by HL03 code (the first one). */
export function levelOf(levels: Level[], code: string): Level | undefined {
  return levels.find((l) => l.code === code);
}
