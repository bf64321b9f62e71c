/** Every segment the tables know, by tag. A tag outside this map in a transaction is "unexpected". */
import * as common from './dictionary-common.ts';
import * as names from './dictionary-names.ts';
import * as envelope from './dictionary-envelope.ts';
import * as x217 from './dictionary-278.ts';
import * as x231 from './dictionary-999.ts';
import * as x210 from './dictionary-275.ts';
import type { SegmentSpec } from './types.ts';

export const DICTIONARY: Readonly<Record<string, SegmentSpec>> = Object.freeze(
  Object.fromEntries(
    [...Object.values(envelope), ...Object.values(common), ...Object.values(names), ...Object.values(x217), ...Object.values(x231), ...Object.values(x210)].map(
      (s) => [s.tag, s],
    ),
  ),
);
