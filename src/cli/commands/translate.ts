/**
 * `priorgate translate FILE|- [--to x12|fhir] [--payer ID]`: a PAS request Bundle (JSON) becomes an
 * X12 278 request interchange; an X12 278 response becomes a PAS response Bundle. The direction
 * follows the input unless `--to` says otherwise. Exit 0 ok, 2 invalid input (errors on stderr).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.ts';
import { hasErrors, validatePasRequestBundle } from '../../fhir/validate/index.ts';
import { loadPayers } from '../../rules/payers.ts';
import { pasRequestTo278, TranslateError, x12ResponseToPas } from '../../translate/index.ts';
import { InMemoryControlNumbers, parseX12, writeX12 } from '../../x12/index.ts';
import { bodyOf } from '../../payers/x12-io.ts';
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
      const { segments, warnings } = pasRequestTo278(bundle, { now, ...(x12 ? { payer: { id: x12.umoId, idQualifier: x12.umoIdQualifier, name: payer!.name } } : {}) });
      for (const w of warnings) println(io.stderr, `warning: ${w.expression}: ${w.message}`);
      const out = writeX12(
        {
          sender: { qualifier: 'ZZ', id: config.x12SenderId },
          receiver: { qualifier: x12?.interchangeQualifier ?? 'ZZ', id: x12?.interchangeId ?? 'PAYER' },
          usage: payer?.usage ?? 'T',
          groups: [{ functionalId: 'HI', applicationSender: config.x12SenderId, applicationReceiver: x12?.applicationId ?? 'PAYER', version: '005010X217', transactions: [{ setId: '278', segments }] }],
        },
        { controlNumbers: new InMemoryControlNumbers(), now, lineBreak: '\n' },
      );
      io.stdout.write(out);
      return EXIT.ok;
    }
    const parsed = parseX12(text, { validate: false });
    const tx = parsed.interchanges.flatMap((i) => i.groups).flatMap((g) => g.transactions).find((t) => t.setId === '278');
    if (!parsed.isX12 || !tx) {
      println(io.stderr, 'translate: the input is neither a PAS Bundle nor an X12 278 response');
      return EXIT.usage;
    }
    println(io.stdout, JSON.stringify(x12ResponseToPas(bodyOf(tx), { now, ids: randomUUID }), null, 2));
    return EXIT.ok;
  } catch (e) {
    if (e instanceof TranslateError) {
      println(io.stderr, `translate: ${e.expression}: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
}
