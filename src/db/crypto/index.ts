/**
 * Encryption at rest for PHI columns: AES-256-GCM envelopes bound to their row and column, a data
 * key ring with rotation, and keyed hashes for searching encrypted identifiers.
 */
export { DecryptError, type FieldAddress } from './errors.ts';
export { envelopePrefix, isEnvelope, ENVELOPE_VERSION } from './envelope.ts';
export { attachCipher, cipherOf, FieldCipher, hasCipher, normalizeIdentifier, type SearchKind } from './field-cipher.ts';
export {
  envKeyId,
  ephemeralKeyRing,
  generateKeyRingFile,
  KeyRing,
  keyRingFromEnv,
  keyRingFromFile,
  newKeyId,
  withNewKey,
  withoutKey,
  writeKeyRingFile,
  type DataKey,
} from './key-ring.ts';
