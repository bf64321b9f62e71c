/** 005010X217 hierarchical levels (HL03) and the IG loop ids they open. */

export type HlLevel = '20' | '21' | '22' | '23' | 'EV' | 'SS';

export const HL_LEVEL = {
  umo: '20',
  requester: '21',
  subscriber: '22',
  dependent: '23',
  patientEvent: 'EV',
  service: 'SS',
} as const satisfies Record<string, HlLevel>;

/** HL loop id and the id of the name loop (NM1) inside it. 2000E's name loops are told apart by NM101. */
export const LOOP_IDS: Record<HlLevel, { hl: string; name: string }> = {
  '20': { hl: '2000A', name: '2010A' },
  '21': { hl: '2000B', name: '2010B' },
  '22': { hl: '2000C', name: '2010C' },
  '23': { hl: '2000D', name: '2010D' },
  EV: { hl: '2000E', name: '2010EA' },
  SS: { hl: '2000F', name: '2010F' },
};
