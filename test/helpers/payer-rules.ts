/**
 * A rules directory for a gateway test: a copy of `rules/` plus X12 payers of the test's own (CORE
 * SOAP at `endpoint`, test usage, 3 attempts), each needing authorization for every line so the 278
 * always goes. Remove it with `rmSync(dir, { recursive: true })`.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestPayer {
  id: string;
  /** 2010A NM109, and what the Bundle's insurer must carry to be routed to it. */
  umoId: string;
  /** More lines under `x12:`, indented by two spaces. */
  x12: string;
  endpoint: string;
}

export function payerRules(prefix: string, payers: TestPayer[]): string {
  const rules = mkdtempSync(path.join(tmpdir(), prefix));
  for (const dir of ['payers', 'prior-auth', 'states']) {
    mkdirSync(path.join(rules, dir));
    for (const f of readdirSync(`rules/${dir}`)) copyFileSync(path.join('rules', dir, f), path.join(rules, dir, f));
  }
  for (const p of payers) {
    const name = p.id.toUpperCase().replace(/-/g, '');
    const yaml = [`id: ${p.id}`, `name: ${p.id} plan`, 'connector: core-soap', `endpoint: ${p.endpoint}`, 'usage: T', 'maxAttempts: 3', 'x12:', `  interchangeId: ${name}`, `  applicationId: ${name}`, `  umoId: "${p.umoId}"`, p.x12];
    writeFileSync(path.join(rules, 'payers', `${p.id}.yaml`), yaml.join('\n'));
    writeFileSync(path.join(rules, 'prior-auth', `${p.id}.yaml`), `payer: ${p.id}\ninsurerIdentifiers: ["${p.umoId}"]\ndefaultPriorAuth: required\n`);
  }
  return rules;
}
