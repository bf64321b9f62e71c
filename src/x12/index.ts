/**
 * `x12`: the X12 5010 codec of Priorgate (278 X217, 270/271 X279A1, 999 X231A1, TA1). Pure: no
 * I/O of its own beyond reading the streams it is handed, no clock, no environment. Other modules
 * import only this file.
 */
export type { Element, ElementValue, Segment } from './types.ts';
export type {
  Delimiters, FunctionalGroup, Interchange, IssueLevel, Loop, ParseResult, Party, TransactionSet, X12Issue,
} from './model.ts';
export { DEFAULT_DELIMITERS } from './model.ts';

export { parseX12, parseX12Stream, x12Transactions } from './reader.ts';
export type { LoopContext, ParseOptions, StreamHandlers, StreamInput, StreamOptions } from './reader.ts';

export { validateX12, validateX12Stream, x12Verdict, isClean, interchangeKey } from './validate.ts';
export { ackAccepts } from './ack.ts';
export type { SeenInterchanges, ValidateOptions, ValidationResult } from './validate.ts';

export { writeX12, writeTransaction, X12StreamWriter, SegmentSerializer, X12WriteError } from './writer.ts';
export type { GroupInput, InterchangeInput, TransactionInput, WriteErrorCode, WriteOptions } from './writer.ts';

export { InMemoryControlNumbers } from './control-numbers.ts';
export type { ControlKind, ControlNumbers } from './control-numbers.ts';

export { chooseDelimiters, forbiddenTable, sanitizeValue } from './sanitize.ts';
export { prettyX12 } from './pretty.ts';
export { fitForPayer, toCharacterSet, type CharacterChange, type CharacterSet } from './charset.ts';
export { ENVELOPE_DEVIATIONS, DEVIATION_NAMES, type EnvelopeDeviation } from './leniency.ts';
export { hlBranch, singleSetInterchange } from './fragment.ts';
export { firstValue as elementText } from './element-check.ts';
export { SPECS, selectSpec } from './spec/index.ts';
export type { TransactionSpec } from './spec/index.ts';
