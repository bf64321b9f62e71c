/**
 * A witness file: the signed tree heads, one JSON object a line, appended as they are sealed. Kept
 * outside the database (another disk, host or backup), it is what catches a log rolled back or
 * rewritten by someone with write access to the database: `priorgate audit verify --witness FILE`
 * checks that the database still holds every head in it.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

export interface WitnessHead {
  headNo: number;
  treeSize: number;
  rootHash: string;
  sealedAt: string;
  kid: string;
  /** The signed head (compact JWS, ES384): what the witness actually relies on. */
  jws: string;
}

/** Reads a witness file; a line that is not a head is reported with its number. */
export function readWitnessFile(file: string): WitnessHead[] {
  if (!existsSync(file)) return [];
  const out: WitnessHead[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let h: Partial<WitnessHead>;
      try {
        h = JSON.parse(line) as Partial<WitnessHead>;
      } catch {
        throw new Error(`${file}:${i + 1}: not JSON`);
      }
      if (typeof h.headNo !== 'number' || typeof h.treeSize !== 'number' || typeof h.jws !== 'string') throw new Error(`${file}:${i + 1}: not a signed tree head`);
      out.push(h as WitnessHead);
    });
  return out;
}

/** The newest head number in the file (0 when it is empty or absent). */
export function lastWitnessed(file: string): number {
  const heads = readWitnessFile(file);
  return heads.length ? heads[heads.length - 1]!.headNo : 0;
}

/** Appends heads and makes them durable before returning (owner-only file). */
export function appendWitnessFile(file: string, heads: WitnessHead[]) {
  if (heads.length === 0) return;
  const fd = openSync(file, 'a', 0o600);
  try {
    writeSync(fd, heads.map((h) => `${JSON.stringify(h)}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
