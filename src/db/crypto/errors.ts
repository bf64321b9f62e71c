/**
 * Errors of encryption at rest. Their messages name the table, column, row id and key id only —
 * never a value — so the logger may keep them (`phiFree`, from PriorgateError).
 */
import { PriorgateError } from '../../errors/index.ts';

/** Where a sealed value lives: the associated data binds its ciphertext to this place. */
export interface FieldAddress {
  table: string;
  column: string;
  /** The row's primary key. */
  id: string | number;
}

const where = (at: FieldAddress) => `${at.table}.${at.column} of row ${at.id}`;

/**
 * A stored value that does not decrypt: altered, moved from another row or column, written under a
 * key the ring does not hold, or plaintext where only ciphertext is accepted.
 */
export class DecryptError extends PriorgateError {
  override name = 'DecryptError';
  constructor(
    readonly at: FieldAddress,
    readonly reason: 'unknown-key' | 'authentication' | 'malformed' | 'plaintext',
    readonly kid?: string,
  ) {
    super(
      'integrity',
      reason === 'unknown-key'
        ? `cannot decrypt ${where(at)}: it was encrypted under data key "${kid}", which the key ring does not hold`
        : reason === 'authentication'
          ? `cannot decrypt ${where(at)} (data key "${kid}"): authentication failed — the value was altered, moved from another row or column, or the key is not the one it was written with`
          : reason === 'plaintext'
            ? `refusing ${where(at)}: the stored value is not encrypted, and every plaintext row has already been encrypted`
            : `cannot decrypt ${where(at)}: not a well-formed envelope`,
    );
  }
}
