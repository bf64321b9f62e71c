/**
 * Where the data keys (encryption at rest, src/db/crypto) come from, and the format of a key ring
 * file. Validated here like every other setting; the key bytes themselves are kept behind a
 * function so that printing or logging a config object never shows them.
 *
 * Key ring file (`PRIORGATE_DATA_KEY_FILE`, default `$PRIORGATE_DATA_DIR/data-keys.json`, mode 0600):
 * ```json
 * { "version": 1, "current": "k20260301-9f3c", "searchKey": "<base64, 32 bytes>",
 *   "keys": [ { "id": "k20260101-41aa", "key": "<base64, 32 bytes>", "created": "2026-01-01T00:00:00.000Z" },
 *             { "id": "k20260301-9f3c", "key": "<base64, 32 bytes>", "created": "2026-03-01T00:00:00.000Z" } ] }
 * ```
 * `current` encrypts new values; every listed key decrypts. `searchKey` keys the member-id search
 * hashes and never changes on rotation (a new one would orphan every stored hash).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

/** Key ids: short, printable, and free of the envelope's `.` separator. */
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

/** Decodes standard or url-safe base64; undefined unless the input is exactly 32 bytes of it. */
export function key32(text: string): Buffer | undefined {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return undefined;
  const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

const Key32 = z.string().refine((s) => key32(s) !== undefined, 'must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)');

export const KeyRingFileSchema = z
  .object({
    version: z.literal(1),
    current: z.string().regex(KID_PATTERN, 'must be a key id (letters, digits, _ or -, at most 40)'),
    searchKey: Key32,
    keys: z
      .array(
        z.object({
          id: z.string().regex(KID_PATTERN, 'must be letters, digits, _ or - (at most 40)'),
          key: Key32,
          created: z.iso.datetime({ offset: true }).optional(),
        }),
      )
      .min(1, 'must list at least one key'),
  })
  .superRefine((ring, ctx) => {
    const ids = ring.keys.map((k) => k.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['keys'], message: `key id "${dup}" is listed twice` });
    if (!ids.includes(ring.current)) ctx.addIssue({ code: 'custom', path: ['current'], message: `"${ring.current}" is not one of the listed keys` });
  });

export type KeyRingFile = z.infer<typeof KeyRingFileSchema>;

/** Where the data keys come from. */
export type DataKeySource =
  | { kind: 'env'; variable: 'PRIORGATE_DATA_KEY'; key(): Buffer }
  /** `explicit`: named by PRIORGATE_DATA_KEY_FILE; otherwise the default file, generated on first start. */
  | { kind: 'file'; path: string; explicit: boolean };

/**
 * Reads and validates a key ring file. Throws a ConfigError naming `variable` and the problem.
 * @example readKeyRingFile('/etc/priorgate/data-keys.json').current // 'k20260301-9f3c'
 */
export function readKeyRingFile(file: string, variable = 'PRIORGATE_DATA_KEY_FILE'): KeyRingFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`invalid configuration:\n  ${variable}: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : code ?? 'unreadable'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`invalid configuration:\n  ${variable}: ${file} is not JSON (expected a key ring: see README "Encryption at rest")`);
  }
  const parsed = KeyRingFileSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${variable}: ${file}: ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The data key source the environment asks for (validated; the file is read once here to fail early). */
export function dataKeySource(env: { PRIORGATE_DATA_KEY?: string; PRIORGATE_DATA_KEY_FILE?: string }, dataDir: string): DataKeySource {
  if (env.PRIORGATE_DATA_KEY && env.PRIORGATE_DATA_KEY_FILE) {
    throw new ConfigError('invalid configuration:\n  PRIORGATE_DATA_KEY: set PRIORGATE_DATA_KEY or PRIORGATE_DATA_KEY_FILE, not both');
  }
  if (env.PRIORGATE_DATA_KEY) {
    const bytes = key32(env.PRIORGATE_DATA_KEY);
    if (!bytes) throw new ConfigError('invalid configuration:\n  PRIORGATE_DATA_KEY: must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)');
    return { kind: 'env', variable: 'PRIORGATE_DATA_KEY', key: () => Buffer.from(bytes) };
  }
  if (env.PRIORGATE_DATA_KEY_FILE) {
    const file = path.resolve(env.PRIORGATE_DATA_KEY_FILE);
    readKeyRingFile(file);
    return { kind: 'file', path: file, explicit: true };
  }
  return { kind: 'file', path: path.join(dataDir, 'data-keys.json'), explicit: false };
}
