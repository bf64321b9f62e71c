/**
 * The golden mapping cases (`mappings/cases.yaml`) and what each one produces today: a PAS request
 * Bundle as the 278 interchange the gateway would send the case's payer, a 278 response as the PAS
 * response Bundle the provider would get, an eligibility request as its 270. Deterministic: the
 * manifest's clock, ids id-1, id-2 …, control numbers from 1.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { bodyOf, partiesFor } from '../payers/x12-io.ts';
import type { PayerConfig } from '../rules/payers.ts';
import { parseYamlWith, type RuleProblem } from '../rules/yaml-file.ts';
import { inquiryTo270, pasRequestTo278, readEligibilityRequest, traceOriginator, x12ResponseToPas, type Bundle } from '../translate/index.ts';
import { InMemoryControlNumbers, parseX12, writeX12, type Segment } from '../x12/index.ts';

const Case = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
    direction: z.enum(['pas-to-278', '278-to-pas', 'eligibility-to-270']),
    input: z.string().min(1),
    /** 278-to-pas: the request the response answers (items and parties are matched against it). */
    request: z.string().min(1).optional(),
    /** pas-to-278, eligibility-to-270: the payer whose X12 identifiers (rules/payers) are used. */
    payer: z.string().optional(),
    expected: z.string().min(1),
  })
  .strict();

export const ManifestSchema = z
  .object({ clock: z.iso.datetime({ offset: true }), cases: z.array(Case).min(1) })
  .strict()
  .refine((m) => new Set(m.cases.map((c) => c.id)).size === m.cases.length, { message: 'case ids must be unique', path: ['cases'] });

export type MappingCase = z.infer<typeof Case>;
export type Manifest = z.infer<typeof ManifestSchema>;

export function loadManifest(file: string): { ok: true; manifest: Manifest } | { ok: false; problems: RuleProblem[] } {
  const parsed = parseYamlWith(file, readFileSync(file, 'utf8'), ManifestSchema);
  return parsed.ok ? { ok: true, manifest: parsed.value } : { ok: false, problems: parsed.problems };
}

/**
 * One segment per line (`*` between elements, composites split on `:`), as golden files are
 * written; `#` lines are comments. A file whose data holds a colon (a URL in PER) declares another
 * separator, as a real sender picks ISA16: a comment line `# component separator: >`.
 */
export function segmentsFromLines(text: string): Segment[] {
  const sep = /^# component separator: (\S)$/m.exec(text)?.[1] ?? ':';
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const [tag, ...elements] = line.split('*');
      return { tag: tag!, elements: elements.map((e) => (e.includes(sep) ? e.split(sep) : e)) };
    });
}

/** A 278 as segments: a whole interchange (ISA …), or one segment per line as the golden files are written. */
export function segmentsOf(text: string): Segment[] {
  if (text.trimStart().startsWith('ISA')) {
    const tx = parseX12(text, { validate: false }).interchanges.flatMap((i) => i.groups).flatMap((g) => g.transactions)[0];
    if (!tx) throw new Error('the interchange holds no transaction set');
    return bodyOf(tx);
  }
  return segmentsFromLines(text);
}

function interchange(payer: PayerConfig | undefined, senderId: string, body: Segment[], kind: { setId: string; version: string; functionalId: string }, now: Date): string {
  const parties = payer?.x12 ? partiesFor(payer, senderId) : { from: { qualifier: 'ZZ', id: senderId, application: senderId }, to: { qualifier: 'ZZ', id: 'PAYER', application: 'PAYER' } };
  return writeX12(
    {
      sender: { qualifier: parties.from.qualifier, id: parties.from.id },
      receiver: { qualifier: parties.to.qualifier, id: parties.to.id },
      usage: payer?.usage ?? 'T',
      groups: [{ functionalId: kind.functionalId, applicationSender: parties.from.application, applicationReceiver: parties.to.application, version: kind.version, transactions: [{ setId: kind.setId, segments: body }] }],
    },
    { controlNumbers: new InMemoryControlNumbers(1), now, lineBreak: '\n' },
  );
}

/** What a case translates to today, as the text its expected file holds. */
export function translateCase(c: MappingCase, ctx: { dir: string; now: Date; payers: PayerConfig[]; senderId: string }): string {
  const read = (p: string) => readFileSync(path.resolve(ctx.dir, p), 'utf8');
  const payer = c.payer ? ctx.payers.find((p) => p.id === c.payer) : undefined;
  if (c.payer && !payer) throw new Error(`no payer ${c.payer} in the rules directory`);
  if (c.direction === 'pas-to-278') {
    const x12 = payer?.x12;
    const { segments } = pasRequestTo278(JSON.parse(read(c.input)) as Bundle, { now: ctx.now, ...(x12 ? { payer: { id: x12.umoId, idQualifier: x12.umoIdQualifier, name: payer!.name } } : {}) });
    return interchange(payer, ctx.senderId, segments, { setId: '278', version: '005010X217', functionalId: 'HI' }, ctx.now);
  }
  if (c.direction === 'eligibility-to-270') {
    const request = readEligibilityRequest(JSON.parse(read(c.input)));
    if (!request.inquiry) throw new Error(`the eligibility request is not valid: ${request.issues.map((i) => i.diagnostics).join('; ')}`);
    const x12 = payer?.x12;
    const inquiry = x12 ? { ...request.inquiry, source: { name: payer!.name, qualifier: x12.umoIdQualifier, id: x12.umoId } } : request.inquiry;
    const { segments } = inquiryTo270(inquiry, { now: ctx.now, trace: 'GOLDEN270', originator: traceOriginator(ctx.senderId) });
    return interchange(payer, ctx.senderId, segments, { setId: '270', version: '005010X279A1', functionalId: 'HS' }, ctx.now);
  }
  let n = 0;
  const bundle = x12ResponseToPas(segmentsOf(read(c.input)), { request: c.request ? (JSON.parse(read(c.request)) as Bundle) : undefined, now: ctx.now, ids: () => `id-${++n}` });
  return `${JSON.stringify(bundle, null, 2)}\n`;
}
