/**
 * Loading the data key ring from where the configuration says (src/config/data-keys.ts), and
 * generating the default ring file on a first start with nothing configured (demo, `npm start`).
 */
import { existsSync } from 'node:fs';
import { ConfigError, readKeyRingFile, type DataKeySource, type KeyRingFile } from '../../config/index.ts';
import { generateKeyRingFile, keyRingFromEnv, keyRingFromFile, writeKeyRingFile, type KeyRing } from '../crypto/index.ts';

/** How a source is named in messages: the variable an operator would change. */
export function sourceName(source: DataKeySource): string {
  if (source.kind === 'env') return source.variable;
  return source.explicit ? `PRIORGATE_DATA_KEY_FILE (${source.path})` : `the key ring file ${source.path}`;
}

/** Reads a ring file of a file source; ConfigError naming the variable when it is unreadable or invalid. */
export function readRingFile(source: Extract<DataKeySource, { kind: 'file' }>): KeyRingFile {
  return readKeyRingFile(source.path, source.explicit ? 'PRIORGATE_DATA_KEY_FILE' : `PRIORGATE_DATA_DIR (${source.path})`);
}

export function ringFromSource(source: DataKeySource): KeyRing {
  return source.kind === 'env' ? keyRingFromEnv(source) : keyRingFromFile(readRingFile(source), source);
}

/** True when the default ring file has yet to be generated. */
export const ringMissing = (source: DataKeySource) => source.kind === 'file' && !source.explicit && !existsSync(source.path);

/** Writes a fresh ring to the default file (mode 0600). Returns the ring. */
export function generateDefaultRing(source: Extract<DataKeySource, { kind: 'file' }>, now: Date): KeyRing {
  if (source.explicit) throw new ConfigError(`invalid configuration:\n  PRIORGATE_DATA_KEY_FILE: cannot read ${source.path} (no such file)`);
  writeKeyRingFile(source.path, generateKeyRingFile(now));
  return ringFromSource(source);
}
