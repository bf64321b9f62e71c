/**
 * retention: exporting and purging what is older than the retention period (audit events, stored
 * messages, closed requests), leaving a checkpoint that keeps the audit log verifiable, and
 * checking an export folder afterwards. The public face of the module.
 */
export { purgeBefore, checkPurgeRequest, latestAllowedCutoff, EXPORT_FORMAT, MANIFEST, type Manifest, type PurgeOptions, type PurgeReport } from './purge.ts';
export { checkExport, type ExportCheck } from './check-export.ts';
