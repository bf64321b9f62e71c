/**
 * `priorgate translate FILE|- [--to x12|fhir] [--payer ID]`: a PAS request Bundle (JSON) becomes an
 * X12 278 request interchange (with `--payer`, fitted to that payer's character set, delimiters and
 * document route); an X12 278 response becomes a PAS response Bundle, a 271 a Bundle with a
 * CoverageEligibilityResponse per member. The direction follows the input unless `--to` says
 * otherwise. Exit 0 ok, 2 invalid input (errors and warnings on stderr).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.ts';
import { hasErrors, validatePasRequestBundle } from '../../fhir/validate/index.ts';
import { loadPayers } from '../../rules/payers.ts';
import { eligibility271ToFhirAll, pasRequestTo278, TranslateError, x12ResponseToPas } from '../../translate/index.ts';
import { fitForPayer, InMemoryControlNumbers, parseX12, writeX12 } from '../../x12/index.ts';
import { bodyOf, translationFor } from '../../payers/x12-io.ts';
import { type CliIo, EXIT, println, readInput } from '../io.ts';
import { usageOf } from '../help.ts';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { to: { type: 'string' }, payer: { type: 'string' } } });
  const file = positionals[0];
  if (!file || (values.to && !['x12', 'fhir'].includes(values.to))) {
    println(io.stderr, usageOf('translate'));
    return EXIT.usage;
  }
  const text = await readInput(file, io);
  const to = values.to ?? (text.trimStart().startsWith('{') ? 'x12' : 'fhir');
  const now = new Date();
  try {
    if (to === 'x12') {
      let bundle;
      try {
        bundle = JSON.parse(text);
      } catch {
        println(io.stderr, 'translate: the input is not valid JSON');
        return EXIT.usage;
      }
      const issues = validatePasRequestBundle(bundle);
      if (hasErrors(issues)) {
        for (const i of issues.filter((x) => x.severity === 'error')) println(io.stderr, `${i.expression}: ${i.diagnostics}`);
        return EXIT.usage;
      }
      const config = loadConfig(io.env);
      const payer = values.payer ? loadPayers(`${config.rulesDir}/payers`).payers.find((p) => p.id === values.payer) : undefined;
      if (values.payer && !payer?.x12) {
        println(io.stderr, `translate: no X12 payer "${values.payer}" in ${config.rulesDir}/payers`);
        return EXIT.usage;
      }
      const x12 = payer?.x12;
      // The payer's identity and document routes, as the gateway writes its 278s.
      const translated = pasRequestTo278(bundle, { now, ...(payer ? translationFor(payer) : {}) });
      for (const w of translated.warnings) println(io.stderr, `warning: ${w.expression}: ${w.message}`);
      const { segments, changes } = x12 ? fitForPayer(translated.segments, { characterSet: x12.characterSet, ...(x12.delimiters ? { delimiters: x12.delimiters } : {}) }) : { segments: translated.segments, changes: [] };
      for (const c of changes) {
        println(io.stderr, `warning: ${c.position}: ${c.kind === 'transliterated' ? `changed to fit the payer's ${x12!.characterSet} character set` : "held a delimiter the payer pins: replaced by a space"}`);
      }
      const out = writeX12(
        {
          sender: { qualifier: 'ZZ', id: config.x12SenderId },
          receiver: { qualifier: x12?.interchangeQualifier ?? 'ZZ', id: x12?.interchangeId ?? 'PAYER' },
          usage: payer?.usage ?? 'T',
          groups: [{ functionalId: 'HI', applicationSender: config.x12SenderId, applicationReceiver: x12?.applicationId ?? 'PAYER', version: '005010X217', transactions: [{ setId: '278', segments }] }],
        },
        { controlNumbers: new InMemoryControlNumbers(), now, lineBreak: '\n', ...(x12?.delimiters ? { delimiters: x12.delimiters } : {}) },
      );
      io.stdout.write(out);
      return EXIT.ok;
    }
    const parsed = parseX12(text, { validate: false });
    const sets = parsed.interchanges.flatMap((i) => i.groups).flatMap((g) => g.transactions);
    const tx = sets.find((t) => t.specName === '278 response' || t.setId === '271');
    if (!parsed.isX12 || !tx) {
      const what = sets.length ? `an X12 ${sets[0]!.specName ?? sets[0]!.setId}` : 'not X12';
      println(io.stderr, `translate: the input is ${what}, neither a PAS Bundle, an X12 278 response nor a 271`);
      return EXIT.usage;
    }
    // A 271 (every member it answers: one CoverageEligibilityResponse each) or a 278 response.
    const out = tx.setId === '271' ? eligibility271ToFhirAll(bodyOf(tx), { now, ids: randomUUID }) : x12ResponseToPas(bodyOf(tx), { now, ids: randomUUID });
    println(io.stdout, JSON.stringify(out, null, 2));
    return EXIT.ok;
  } catch (e) {
    if (e instanceof TranslateError) {
      println(io.stderr, `translate: ${e.expression}: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
}
