/**
 * 999 Implementation Acknowledgment, 005010X231A1 (also read for files labelled 005010X231).
 * Segment CTX appears twice per loop in the TR3 (segment context and business unit identifier);
 * here the two uses are one entry with max 10.
 */
import { loop, MANY, seg, type TransactionSpec } from './types.ts';

export const X231_999: TransactionSpec = {
  setId: '999',
  name: '999',
  conventions: ['005010X231A1', '005010X231'],
  functionalId: 'FA',
  root: loop('ST', 'Transaction Set', 'R', 1, [
    seg('ST', 'Transaction Set Header', 'R', 1, { el: { 1: { codes: ['999'] } } }),
    seg('AK1', 'Functional Group Response Header', 'R', 1),
    loop('2000', 'Transaction Set Response Header', 'S', MANY, [
      seg('AK2', 'Transaction Set Response Header', 'R', 1),
      loop('2100', 'Error Identification', 'S', MANY, [
        seg('IK3', 'Error Identification', 'R', 1),
        seg('CTX', 'Segment Context / Business Unit Identifier', 'S', 10),
        loop('2110', 'Implementation Data Element Note', 'S', MANY, [
          seg('IK4', 'Implementation Data Element Note', 'R', 1),
          seg('CTX', 'Element Context', 'S', 10),
        ]),
      ]),
      seg('IK5', 'Transaction Set Response Trailer', 'R', 1),
    ]),
    seg('AK9', 'Functional Group Response Trailer', 'R', 1),
    seg('SE', 'Transaction Set Trailer', 'R', 1),
  ]),
};
