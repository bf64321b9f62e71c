/**
 * What a batch needs before its first 270, shared by the CLI and the staff batch runner: the
 * payer's endpoint and the 2100B information receiver (the provider the batch asks for).
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { organizations, payers as payersTable } from '../db/schema.ts';
import { AppError } from '../errors/index.ts';
import type { PayerConfig } from '../rules/payers.ts';
import { validNpi, type EligibilityInquiry } from '../translate/index.ts';

/** A batch that cannot start as asked (unknown organization, bad NPI, no endpoint). */
export class BatchSetupError extends AppError {
  override name = 'BatchSetupError';
  constructor(message: string) {
    super('invalid', message);
  }
}

/**
 * 2100B: the organization's NPI, an NPI given, or the gateway itself (SV: the number the payer
 * assigned to the submitter).
 */
export async function receiverFor(
  db: Db,
  senderId: string,
  v: { org?: string; npi?: string; providerName?: string },
): Promise<EligibilityInquiry['receiver']> {
  if (v.org) {
    const [org] = await db.select().from(organizations).where(eq(organizations.id, v.org));
    if (!org?.npi) throw new BatchSetupError(`organization "${v.org}" is unknown or has no NPI`);
    return { entity: '1P', person: false, name: { last: org.name }, qualifier: 'XX', id: org.npi };
  }
  if (v.npi) {
    if (!validNpi(v.npi)) throw new BatchSetupError(`--npi ${v.npi} is not a valid NPI (10 digits, check digit)`);
    return { entity: '1P', person: false, name: { last: v.providerName ?? senderId }, qualifier: 'XX', id: v.npi };
  }
  return { entity: '1P', person: false, name: { last: v.providerName ?? senderId }, qualifier: 'SV', id: senderId };
}

/** The payer's endpoint: given, from its rules file, or from the payers table (demo seed). */
export async function endpointFor(db: Db, payer: PayerConfig, given?: string): Promise<string> {
  if (given) return given;
  if (payer.endpoint) return payer.endpoint;
  const [row] = await db.select().from(payersTable).where(eq(payersTable.id, payer.id));
  if (row?.endpoint) return row.endpoint;
  throw new BatchSetupError(`payer "${payer.id}" has no endpoint: set one in its rules file, or pass --endpoint URL`);
}

/**
 * Can anything be reached at the endpoint's host and port? A TCP connection, opened and closed
 * (nothing is sent), before a batch starts: an endpoint that refuses or does not answer is one
 * clear error with its cause instead of a roster of failed rows. Undefined when it connects.
 */
export async function unreachableCause(endpoint: string, timeoutMs = 5000): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `"${endpoint}" is not a URL`;
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (cause?: string) => {
      socket.destroy();
      resolve(cause);
    };
    socket.setTimeout(timeoutMs, () => done(`no connection within ${timeoutMs} ms`));
    socket.once('connect', () => done());
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ? `${e.code} (${e.message})` : e.message));
  });
}
