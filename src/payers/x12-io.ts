/**
 * The gateway's side of X12 interchanges: wrapping one transaction body in ISA/GS/ST envelopes with
 * stored control numbers, and reading what payers send back. The codec (`x12/`) does the syntax.
 */
import type { Db } from '../db/client.ts';
import { nextControlNumbers, nextEnvelopeNumbers } from '../db/queries/control-numbers.ts';
import { ControlNumberBlocks } from '../eligibility/control-block.ts';
import { assertSendable, sendableAsChecked, traceOriginator, type EnvelopeShape, type PasRequestOptions } from '../translate/index.ts';
import { fitForPayer, writeX12, type CharacterChange, type ControlKind, type ControlNumbers, type Delimiters, type Interchange, type TransactionSet } from '../x12/index.ts';
import type { Segment } from '../x12/types.ts';
import type { PayerConfig } from '../rules/payers.ts';

export interface Party {
  qualifier: string;
  id: string;
  /** GS02/GS03 application code. */
  application: string;
}

export interface Outgoing {
  text: string;
  isa13: string;
  st02: string;
  /** Values changed to fit the payer's character set or pinned delimiters (positions, never values). */
  fitted: CharacterChange[];
}

/**
 * Control numbers reserved up front (ISA, GS, ST), so the writer itself stays pure. GS06 repeats
 * the ISA13 number: a payer's 999 names only GS06 (AK102) and ST02 (AK202), and this is how a late
 * 999 finds the interchange it answers (by its stored ISA13).
 */
async function reserve(db: Db, sender: string, reserved?: EnvelopeNumbers): Promise<ControlNumbers> {
  const n = reserved ?? (await nextEnvelopeNumbers(db, sender));
  return { next: (kind) => (kind === 'GS' ? n.ISA : n[kind]) };
}

/** One interchange's control numbers (GS06 repeats the ISA13). */
export type EnvelopeNumbers = Record<'ISA' | 'ST', number>;

/**
 * An interchange's control numbers taken before its transaction opens, from blocks reserved in
 * short statements of their own: the per-sender counter rows are then never locked for the length
 * of a request's transaction (they were the row every accepting transaction waited on). Called
 * outside any transaction (inside one it would wait for a pool connection the transaction may be
 * holding). A number is never reused; one not used (a rolled-back transaction, a restart) is a gap,
 * which X12 allows.
 */
export async function reserveEnvelope(db: Db, sender: string): Promise<EnvelopeNumbers> {
  let bySender = envelopeBlocks.get(db);
  if (!bySender) envelopeBlocks.set(db, (bySender = new Map()));
  let blocks = bySender.get(sender);
  if (!blocks) bySender.set(sender, (blocks = new ControlNumberBlocks((kind, count) => nextControlNumbers(db, sender, kind, count), ENVELOPE_BLOCK, ['ISA', 'ST'])));
  // Other callers may take the last numbers between ensure() and here: take both or look again.
  while (blocks.available('ISA') < 1 || blocks.available('ST') < 1) await blocks.ensure();
  return { ISA: blocks.next('ISA'), ST: blocks.next('ST') };
}

const ENVELOPE_BLOCK = 50;
const envelopeBlocks = new WeakMap<Db, Map<string, ControlNumberBlocks>>();

/** What the payer's configuration says about how X12 must look (rules/payers: `x12`). */
export interface PayerX12Form {
  characterSet: 'basic' | 'extended';
  delimiters?: Delimiters;
}

/**
 * One transaction in one interchange. `functionalId`: HI (278), HS (270), HB (271), FA (999), PI
 * (275). The body is first fitted to the payer's character set and pinned delimiters; the whole
 * interchange then passes the pre-send check (the validator `priorgate validate` runs) or throws
 * a TranslateError naming the position: nothing the payer would reject leaves.
 */
export async function envelope(
  db: Db,
  opts: { from: Party; to: Party; setId: string; version: string; functionalId: string; body: Segment[]; usage: 'P' | 'T'; now: Date; form?: PayerX12Form; numbers?: EnvelopeNumbers },
): Promise<Outgoing> {
  const { segments, changes } = opts.form ? fitForPayer(opts.body, opts.form) : { segments: opts.body, changes: [] };
  const reserved = await reserve(db, opts.from.id, opts.numbers);
  // The numbers the writer takes are kept: ISA13 and ST02 need no parse of what it wrote.
  const used: Partial<Record<ControlKind, number>> = {};
  const controlNumbers: ControlNumbers = { next: (kind, sender) => (used[kind] = reserved.next(kind, sender)) };
  const text = writeX12(
    {
      sender: { qualifier: opts.from.qualifier, id: opts.from.id },
      receiver: { qualifier: opts.to.qualifier, id: opts.to.id },
      usage: opts.usage,
      groups: [
        {
          functionalId: opts.functionalId,
          applicationSender: opts.from.application,
          applicationReceiver: opts.to.application,
          version: opts.version,
          transactions: [{ setId: opts.setId, segments }],
        },
      ],
    },
    { controlNumbers, now: opts.now, ...(opts.form?.delimiters ? { delimiters: opts.form.delimiters } : {}) },
  );
  // The whole interchange is read again unless only the envelope is new and of a shape read before.
  const shape: EnvelopeShape = { from: opts.from, to: opts.to, usage: opts.usage, version: opts.version, functionalId: opts.functionalId, setId: opts.setId };
  if (!sendableAsChecked(opts.body, text, shape)) assertSendable(text, 'Bundle.entry[0].resource', shape);
  return { text, isa13: String(used.ISA).padStart(9, '0'), st02: String(used.ST).padStart(4, '0'), fitted: changes };
}

/** The payer's document route (PWK02) and whether the 278 announces the PAS Bundle's 275. */
function documentOptions(payer: PayerConfig): Pick<PasRequestOptions, 'attachmentRoute' | 'announceBundle'> {
  const x12 = payer.x12;
  if (!x12) return {};
  return { attachmentRoute: x12.attachments.route, ...(x12.pasBundle275?.announce ? { announceBundle: true } : {}) };
}

/** How the translator writes for this payer: its 2010A identity and its document routes. */
export function translationFor(payer: PayerConfig): Pick<PasRequestOptions, 'payer' | 'attachmentRoute' | 'announceBundle'> {
  const x12 = payer.x12;
  return x12 ? { payer: { id: x12.umoId, idQualifier: x12.umoIdQualifier, name: payer.name }, ...documentOptions(payer) } : {};
}

/**
 * Everything the translator needs to write a request's 278 for this payer: who it is to and from
 * (`routedParties`), the payer's document route (PWK02) and the PAS Bundle's announcement.
 */
export function requestOptionsFor(payer: PayerConfig, senderId: string, requesterNpi: string | null | undefined): Pick<PasRequestOptions, 'payer' | 'requesterNpi' | 'originator' | 'attachmentRoute' | 'announceBundle'> {
  return { ...routedParties(payer, senderId, requesterNpi), ...documentOptions(payer) };
}

/** The payer's X12 form from its configuration. */
export function x12FormOf(payer: PayerConfig): PayerX12Form | undefined {
  const x12 = payer.x12;
  return x12 ? { characterSet: x12.characterSet, ...(x12.delimiters ? { delimiters: x12.delimiters } : {}) } : undefined;
}

/** The body of a transaction set as `translate` wants it: BHT … the segment before SE. */
export function bodyOf(tx: TransactionSet): Segment[] {
  const segs = tx.segments;
  return segs.slice(segs[0]?.tag === 'ST' ? 1 : 0, segs.at(-1)?.tag === 'SE' ? -1 : undefined);
}

/**
 * Who sent a transaction, as PAS TransmissionIdentifiers names it: ISA06/ISA08 and the GS02/GS03 of
 * the functional group the transaction is in.
 */
export function envelopeOf(ic: Interchange, tx: TransactionSet): { applicationSender?: string; applicationReceiver?: string; interchangeSender: string; interchangeReceiver: string } {
  const group = ic.groups.find((g) => g.transactions.includes(tx));
  return {
    ...(group ? { applicationSender: group.applicationSender, applicationReceiver: group.applicationReceiver } : {}),
    interchangeSender: ic.sender.id,
    interchangeReceiver: ic.receiver.id,
  };
}

/** Our side and the payer's side of an interchange, from the payer's rules (ISA05-08, GS02-03). */
export function partiesFor(payer: PayerConfig, senderId: string): { from: Party; to: Party } {
  const x12 = payer.x12!;
  return {
    from: { qualifier: 'ZZ', id: senderId, application: senderId },
    to: { qualifier: x12.interchangeQualifier, id: x12.interchangeId, application: x12.applicationId },
  };
}

/**
 * Who a request is from and to, as the 278 names them when the Bundle leaves it out: 2010A the
 * routed payer (its X12 payer id; a payer taking PAS FHIR is named by its directory id, for the
 * 278 the gateway builds its own answers from), 2010B the submitting organization's NPI, 2000E
 * TRN03 the gateway (its X12 sender id) relaying the trace.
 */
export function routedParties(payer: PayerConfig, senderId: string, requesterNpi: string | null | undefined): Pick<PasRequestOptions, 'payer' | 'requesterNpi' | 'originator'> {
  const x12 = payer.x12;
  return {
    payer: x12 ? { id: x12.umoId, idQualifier: x12.umoIdQualifier, name: payer.name } : { id: payer.id, idQualifier: 'PI', name: payer.name },
    originator: traceOriginator(senderId),
    ...(requesterNpi ? { requesterNpi } : {}),
  };
}
