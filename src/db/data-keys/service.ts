/**
 * Data keys in a running process: the ring loaded and checked against the database before the
 * gateway serves, the cipher attached to the database handle, the ring file watched for rotations
 * (`priorgate keys rotate --data` writes it), and rotation passes run in the background.
 */
import { unwatchFile, watchFile } from 'node:fs';
import { appendAudit } from '../../audit/index.ts';
import { ConfigError, type DataKeySource } from '../../config/index.ts';
import type { Logger } from '../../log/index.ts';
import type { Db } from '../client.ts';
import { attachCipher, FieldCipher, type KeyRing } from '../crypto/index.ts';
import {
  markDrained,
  markRetired,
  notePlaintextOnce,
  PLAINTEXT,
  registerCurrentKey,
  registeredDataKeys,
  rowsPerKey,
  SEALED_TABLES,
  type DataKeyRow,
  type SealedTable,
} from '../queries/data-keys.ts';
import { generateDefaultRing, ringFromSource, ringMissing, sourceName } from './load.ts';
import { rekeyPass, resealedTotal, type RekeyOptions, type RekeyResult } from './rekey.ts';
import { withTransaction } from '../tx.ts';

export interface KeyUsage {
  kid: string;
  current: boolean;
  /** Held by this process's ring (can decrypt). */
  inRing: boolean;
  registered: boolean;
  drainedAt: string | null;
  retiredAt: string | null;
  rows: Record<SealedTable, number> & { total: number };
}

export interface DataKeyStatus {
  source: string;
  current: string;
  keys: KeyUsage[];
  rekeyRunning: boolean;
}

export interface DataKeyService {
  readonly cipher: FieldCipher;
  /** Re-reads the ring (file sources); registers a new current key. Returns whether the current key changed. */
  reload(): Promise<{ changed: boolean; current: string }>;
  /** Runs a pass now, or joins the one running; repeats while passes still find rows (see rekeyPass). */
  rekey(opts?: RekeyOptions): Promise<RekeyResult>;
  /** Starts `rekey` in the background (errors are logged). */
  rekeyInBackground(): void;
  status(): Promise<DataKeyStatus>;
  /** Marks a key retired if no row uses it and it is not current; `rows` > 0 means refused. */
  retire(kid: string, actor: string): Promise<{ retired: boolean; reason?: string; rows: number }>;
  stop(): Promise<void>;
}

export interface OpenDataKeysOptions {
  log: Logger;
  now?: () => Date;
  /** Watch the ring file and run passes in the background (servers); one-shot commands do not. */
  background?: boolean;
  /** Pass settings for background passes. */
  rekey?: RekeyOptions;
  /** Generate the default ring file when it is missing (a server's first start); default true. */
  generate?: boolean;
}

const live = (r: DataKeyRow) => r.kid !== PLAINTEXT && !r.retiredAt;

/** Refuses a ring that cannot read what is stored: a missing key, or other bytes under a known key id. */
function checkRing(ring: KeyRing, registered: DataKeyRow[], source: DataKeySource, log: Logger): void {
  const name = sourceName(source);
  for (const r of registered.filter(live)) {
    const check = ring.checkValue(r.kid);
    if (check === undefined) {
      if (r.drainedAt) {
        log.warn({ kid: r.kid }, 'a data key no row uses any more is missing from the key ring; retire it with `priorgate keys retire --data`');
        continue;
      }
      throw new ConfigError(
        `data keys: this database has been written with data key "${r.kid}", which ${name} does not hold (it holds ${ring.ids().join(', ')}). ` +
          'Start with the key ring the stored rows were written with.',
      );
    }
    if (r.checkValue && r.checkValue !== check) {
      throw new ConfigError(`data keys: key "${r.kid}" in ${name} is not the key this database was written with. Start with the key ring the stored rows were written with.`);
    }
  }
}

export async function openDataKeys(db: Db, source: DataKeySource, opts: OpenDataKeysOptions): Promise<DataKeyService> {
  const { log } = opts;
  const now = opts.now ?? (() => new Date());
  let registered = await registeredDataKeys(db);
  let ring: KeyRing;
  if (ringMissing(source)) {
    const inUse = registered.filter(live).map((r) => r.kid);
    if (inUse.length) {
      throw new ConfigError(
        `data keys: no key ring at ${source.kind === 'file' ? source.path : ''}, but this database has been written with data key ${inUse.map((k) => `"${k}"`).join(', ')}. ` +
          'Restore that file from your backup, or point PRIORGATE_DATA_KEY_FILE at the ring they were written with.',
      );
    }
    if (opts.generate === false) {
      throw new ConfigError(`data keys: there is no key ring at ${(source as { path: string }).path} yet; the gateway generates one on its first start`);
    }
    ring = generateDefaultRing(source as Extract<DataKeySource, { kind: 'file' }>, now());
    log.warn(
      { file: (source as { path: string }).path, kid: ring.currentId },
      'generated a data key ring for encryption at rest (mode 0600): back it up with the database — without it stored PHI cannot be read. ' +
        'Gateways sharing one database need the same ring (PRIORGATE_DATA_KEY_FILE).',
    );
  } else {
    ring = ringFromSource(source);
  }
  checkRing(ring, registered, source, log);
  await notePlaintextOnce(db);
  await activate(db, ring, 'system');
  registered = await registeredDataKeys(db);

  // Another process that rotated the ring file: a value under a key id we do not know re-reads it.
  const cipher = new FieldCipher(ring, source.kind === 'file' ? () => tryRing(source, log) : undefined);
  cipher.acceptPlaintext = !registered.some((r) => r.kid === PLAINTEXT && r.drainedAt);
  attachCipher(db, cipher);

  let stopping = false;
  // The key this process registered as current (a re-read on an unknown key id may have swapped the
  // ring already: the next reload still registers the new key and starts the pass).
  let activated = ring.currentId;
  let running: Promise<RekeyResult> | undefined;
  let again = false;

  async function runPasses(passOpts: RekeyOptions): Promise<RekeyResult> {
    const merged: RekeyOptions = { ...opts.rekey, ...passOpts, shouldStop: () => stopping || Boolean(passOpts.shouldStop?.()) };
    let total: RekeyResult | undefined;
    // A pass skips rows locked at that moment: repeat until a pass has nothing left to move.
    for (let i = 0; i < 5; i++) {
      const r = await rekeyPass(db, cipher, merged);
      total = total ? addResults(total, r) : r;
      if (r.stopped || resealedTotal(r) === 0) break;
    }
    const result = total!;
    const complete = !result.stopped && result.failed === 0 && result.skipped === 0 && result.current === cipher.ring.currentId;
    const older = new Set([...cipher.ring.olderIds(), PLAINTEXT]);
    const drained = complete ? (await registeredDataKeys(db)).filter((r) => older.has(r.kid) && !r.drainedAt).map((r) => r.kid) : [];
    if (resealedTotal(result) || drained.length) {
      await withTransaction(db, async (tx) => {
        await markDrained(tx, drained, now());
        // Counts and key ids only: what the pass did, for the audit trail.
        await appendAudit(tx, { actor: 'system', action: 'data-key.rekey', entityType: 'data_key', entityId: result.current, detail: { resealed: result.resealed, drained, skipped: result.skipped, failed: result.failed } });
      });
    }
    if (complete) cipher.acceptPlaintext = false;
    return result;
  }

  async function reloadNow(): Promise<{ changed: boolean; current: string }> {
    const next = source.kind === 'file' ? tryRing(source, log) : undefined;
    if (next) cipher.replaceRing(next);
    const current = cipher.ring.currentId;
    const previous = activated;
    if (current === previous) return { changed: false, current };
    await activate(db, cipher.ring, 'system');
    activated = current;
    log.info({ kid: current, previous }, 'data key ring reloaded: new current data key');
    return { changed: true, current };
  }
  // Reloads run one after another: the file watcher and an operator's reload at the same moment
  // would both see the new key as a change (and both register it) while the first still awaits
  // its registration; one after the other, only the first does.
  let reloads: Promise<unknown> = Promise.resolve();

  const service: DataKeyService = {
    cipher,
    reload() {
      const run = reloads.then(reloadNow, reloadNow);
      reloads = run.catch(() => undefined);
      return run;
    },
    rekey(passOpts = {}) {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          // What every pass of this run moved: a caller that joined it (a reload's background pass
          // was under way) is told about the rows moved before it joined too, not the last pass's.
          let r: RekeyResult | undefined;
          do {
            again = false;
            const pass = await runPasses(passOpts);
            r = r ? addResults(r, pass) : pass;
          } while (again && !stopping);
          return r;
        } finally {
          running = undefined;
        }
      })();
      return running;
    },
    rekeyInBackground() {
      void service
        .rekey()
        .then((r) => {
          if (resealedTotal(r) || r.failed || r.skipped) {
            log.info({ current: r.current, resealed: r.resealed, skipped: r.skipped, failed: r.failed, failures: r.failures, stopped: r.stopped }, 'data key pass finished');
          }
        })
        .catch((err) => log.error({ err }, 'data key pass failed'));
    },
    async status() {
      return dataKeyStatus(db, cipher, source, Boolean(running));
    },
    async retire(kid, actor) {
      if (kid === cipher.ring.currentId) return { retired: false, reason: 'it is the current key', rows: 0 };
      const known = cipher.ring.ids().includes(kid) || (await registeredDataKeys(db)).some((r) => r.kid === kid && r.kid !== PLAINTEXT);
      if (!known) return { retired: false, reason: 'no such data key', rows: 0 };
      const usage = (await rowsPerKey(db)).filter((r) => r.kid === kid).reduce((n, r) => n + r.rows, 0);
      if (usage > 0) return { retired: false, reason: `${usage} rows are still encrypted under it`, rows: usage };
      await withTransaction(db, async (tx) => {
        await markRetired(tx, kid, now());
        await appendAudit(tx, { actor, action: 'data-key.retire', entityType: 'data_key', entityId: kid });
      });
      return { retired: true, rows: 0 };
    },
    async stop() {
      stopping = true;
      if (source.kind === 'file' && opts.background) unwatchFile(source.path, onFileChange);
      await running?.catch(() => undefined);
    },
  };

  function onFileChange() {
    void service
      .reload()
      .then(({ changed }) => changed && service.rekeyInBackground())
      .catch((err) => log.error({ err }, 'data key ring reload failed'));
  }

  if (opts.background) {
    if (source.kind === 'file') watchFile(source.path, { interval: 1000, persistent: false }, onFileChange);
    // Rows under a key that is no longer current, or plaintext from before: move them now.
    if (registered.some((r) => r.kid !== cipher.ring.currentId && !r.drainedAt && !r.retiredAt)) service.rekeyInBackground();
  }
  return service;
}

/** Registers the ring's current key (audited when it is new to the database, or back in use). */
async function activate(db: Db, ring: KeyRing, actor: string): Promise<void> {
  const kid = ring.currentId;
  const before = (await registeredDataKeys(db)).find((r) => r.kid === kid);
  if (before && !before.drainedAt && !before.retiredAt) return;
  await withTransaction(db, async (tx) => {
    await registerCurrentKey(tx, kid, ring.checkValue(kid)!);
    await appendAudit(tx, { actor, action: 'data-key.activate', entityType: 'data_key', entityId: kid, detail: { source: ring.source.kind } });
  });
}

/** The ring file as it is now, or undefined (logged) when it cannot be read: the old ring stays. */
function tryRing(source: Extract<DataKeySource, { kind: 'file' }>, log: Logger): KeyRing | undefined {
  try {
    return ringFromSource(source);
  } catch (err) {
    log.warn({ err }, 'data key ring file unreadable; keeping the ring in force');
    return undefined;
  }
}

function addResults(a: RekeyResult, b: RekeyResult): RekeyResult {
  return {
    current: b.current,
    resealed: Object.fromEntries(SEALED_TABLES.map((t) => [t, a.resealed[t] + b.resealed[t]])) as RekeyResult['resealed'],
    // Skipped and failed rows are met again by every pass: the last pass's count is the true one.
    skipped: b.skipped,
    failed: b.failed,
    failures: b.failures,
    stopped: b.stopped,
  };
}

export async function dataKeyStatus(db: Db, cipher: FieldCipher, source: DataKeySource, rekeyRunning = false): Promise<DataKeyStatus> {
  const [registered, usage] = await Promise.all([registeredDataKeys(db), rowsPerKey(db)]);
  const kids = [...new Set([...registered.map((r) => r.kid), ...cipher.ring.ids(), ...usage.map((u) => u.kid)])];
  const keys = kids.map((kid): KeyUsage => {
    const reg = registered.find((r) => r.kid === kid);
    const rows = Object.fromEntries(SEALED_TABLES.map((t) => [t, usage.find((u) => u.kid === kid && u.table === t)?.rows ?? 0])) as Record<SealedTable, number>;
    return {
      kid,
      current: kid === cipher.ring.currentId,
      inRing: cipher.ring.ids().includes(kid),
      registered: Boolean(reg),
      drainedAt: reg?.drainedAt?.toISOString() ?? null,
      retiredAt: reg?.retiredAt?.toISOString() ?? null,
      rows: { ...rows, total: SEALED_TABLES.reduce((n, t) => n + rows[t], 0) },
    };
  });
  return { source: sourceName(source), current: cipher.ring.currentId, keys, rekeyRunning };
}
