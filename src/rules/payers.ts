/**
 * The payer directory: `rules/payers/*.yaml`, one file per payer. How to reach a payer and what it
 * calls itself in X12 is data here, never `if (payerId === ...)` in code (STYLE.md habit 10).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadYamlFile, type RuleProblem } from './yaml-file.ts';

const X12Id = z.string().regex(/^[A-Za-z0-9 ]{1,15}$/, 'must be 1-15 letters, digits or spaces');
/** PEM material by reference: a file path (relative to this directory) or `env:NAME`. Never inline. */
const PemRef = z.string().regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|[^\s-][^\n]*)$/, 'must be a file path or env:VARIABLE_NAME');

export const PayerSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'must be lower-case letters, digits and dashes'),
    name: z.string().min(1),
    connector: z.enum(['core-soap', 'https-x12', 'pas-fhir']),
    /** The payer's URL; demo payers get the in-process simulator's URL at start. */
    endpoint: z.url().optional(),
    x12: z
      .object({
        interchangeQualifier: z.string().length(2).default('ZZ'),
        interchangeId: X12Id,
        applicationId: X12Id,
        /** 2010A NM109: the UMO's identifier, with its qualifier (PI payer id, XV CMS plan id, 46 ETIN). */
        umoId: z.string().min(1),
        umoIdQualifier: z.enum(['PI', 'XV', '46']).default('PI'),
      })
      .strict()
      .optional(),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    maxConcurrency: z.number().int().min(1).max(256).default(8),
    maxAttempts: z.number().int().min(1).max(50).default(8),
    circuitBreaker: z
      .object({ failures: z.number().int().min(1).default(5), resetMs: z.number().int().min(100).default(30_000) })
      .strict()
      .default({ failures: 5, resetMs: 30_000 }),
    supportsInquiry: z.boolean().default(false),
    /** How staff reach the payer's utilization-management desk when a request needs a call. */
    contact: z
      .object({
        phone: z.string().regex(/^\+?[0-9 ().-]{7,25}(?: (?:x|ext\.?) ?\d{1,6})?$/, 'must be a phone number such as 1-800-555-0100 or +1 800 555 0100 ext 12'),
        hours: z.string().min(1).max(120).optional(),
        portal: z.url().optional(),
        email: z.email().optional(),
        note: z.string().min(1).max(300).optional(),
      })
      .strict()
      .optional(),
    /**
     * The payer's meanings of the HCR03 decision reason codes it sends (X12 external code list 886,
     * as published in its 278 companion guide): `"0U": "Service not covered under the plan"`.
     */
    decisionReasons: z.record(z.string().regex(/^[0-9A-Z]{1,3}$/, 'must be an X12 886 code (1-3 letters or digits)'), z.string().min(1).max(200)).default({}),
    usage: z.enum(['P', 'T']).default('P'),
    /**
     * Outbound TLS to this payer (verification is always on): extra trust anchors for its server
     * certificate, and a client certificate and key for mutual TLS. Each is a PEM file path or
     * `env:NAME` (the variable holds the PEM, or a path to it); the key passphrase only `env:NAME`.
     */
    tlsCa: PemRef.optional(),
    tlsClientCert: PemRef.optional(),
    tlsClientKey: PemRef.optional(),
    tlsClientKeyPassphrase: z.string().regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, 'must be env:VARIABLE_NAME (never the passphrase itself)').optional(),
  })
  .strict()
  .refine((p) => p.connector === 'pas-fhir' || p.x12 !== undefined, { message: 'X12 connectors need an x12 section', path: ['x12'] })
  .refine((p) => Boolean(p.tlsClientCert) === Boolean(p.tlsClientKey), { message: 'tlsClientCert and tlsClientKey go together', path: ['tlsClientCert'] });

export type PayerConfig = z.infer<typeof PayerSchema>;

export function loadPayers(dir: string): { payers: PayerConfig[]; problems: RuleProblem[] } {
  const payers: PayerConfig[] = [];
  const problems: RuleProblem[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return { payers, problems: [{ file: dir, line: 0, message: 'payer directory not found' }] };
  }
  for (const f of files) {
    const file = path.join(dir, f);
    const r = loadYamlFile(file, PayerSchema);
    if (!r.ok) problems.push(...r.problems);
    else if (payers.some((p) => p.id === r.value.id)) problems.push({ file, line: 1, message: `payer id ${r.value.id} is defined twice` });
    else payers.push(r.value);
  }
  return { payers, problems };
}
