/**
 * eligibility: the batch engine (roster CSV → 270s through the payer connector → results CSV),
 * resumable on its results file. The CLI (`priorgate eligibility batch`) and, later, a staff job
 * drive it through these exports.
 */
export { runEligibilityBatch, type BatchCounts, type BatchOptions, type BatchProgress, type BatchSummary } from './engine.ts';
export { eligibilityChannel, type Check, type CheckResult, type ChannelOptions } from './channel.ts';
export { ControlNumberBlocks, memoryReserve, type Reserve } from './control-block.ts';
export { openResults, streamResults, keyOfResult, RESULT_COLUMNS, ResultsError, type ResultsFile, type ResultRow, type ResultStatus } from './results.ts';
export { readRoster, countLines, rosterKey, RosterError, type RosterProblem, type RosterRow } from './roster.ts';
export { progressView, summaryText, type ProgressView } from './progress.ts';
export { BatchSetupError, endpointFor, receiverFor, unreachableCause } from './setup.ts';
export { dbResults } from './db-results.ts';
