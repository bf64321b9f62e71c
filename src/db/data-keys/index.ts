/** Data keys at run time: loading and checking the ring, rotation passes, status (see service.ts). */
export { openDataKeys, dataKeyStatus, type DataKeyService, type DataKeyStatus, type KeyUsage } from './service.ts';
export { rekeyPass, resealedTotal, type RekeyOptions, type RekeyResult } from './rekey.ts';
export { readRingFile, ringFromSource, sourceName } from './load.ts';
