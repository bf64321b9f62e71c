/**
 * The payer directory: `rules/payers/*.yaml`, one file per payer. How to reach a payer and what it
 * calls itself in X12 is data here, never `if (payerId === ...)` in code (STYLE.md habit 10).
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { DEVIATION_NAMES, type EnvelopeDeviation } from '../x12/index.ts';
import { loadYamlFile, type RuleProblem, yamlFiles } from './yaml-file.ts';

const X12Id = z.string().regex(/^[A-Za-z0-9 ]{1,15}$/, 'must be 1-15 letters, digits or spaces');
/** PEM material by reference: a file path (relative to this directory) or `env:NAME`. Never inline. */
const PemRef = z.string().regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|[^\s-][^\n]*)$/, 'must be a file path or env:VARIABLE_NAME');

/** Interface-health thresholds of a payer (src/quality): what raises its health alerts. */
export const HEALTH_DEFAULTS = {
  windowMinutes: 15,
  windowCalls: 200,
  minCalls: 10,
  errorRate: 0.2,
  latencyP95Ms: 5000,
  deadlineWarningHours: 24,
  pendedFollowUpHours: 72,
};

const HealthSchema = z
  .object({
    /** The window: the newest `windowCalls` calls within the last `windowMinutes`. */
    windowMinutes: z.number().int().min(1).max(24 * 60).default(HEALTH_DEFAULTS.windowMinutes),
    windowCalls: z.number().int().min(1).max(10_000).default(HEALTH_DEFAULTS.windowCalls),
    /** Fewer calls than this in the window: no verdict on error rate or latency. */
    minCalls: z.number().int().min(1).max(10_000).default(HEALTH_DEFAULTS.minCalls),
    /** Share of failed calls (no answer, transport error, HTTP error) that raises payer-error-rate. */
    errorRate: z.number().min(0).max(1).default(HEALTH_DEFAULTS.errorRate),
    /** 95th-percentile call latency that raises payer-latency. */
    latencyP95Ms: z.number().int().min(1).max(600_000).default(HEALTH_DEFAULTS.latencyP95Ms),
    /** An undecided request this close to its decision deadline (or past it) raises payer-deadline. */
    deadlineWarningHours: z.number().min(0).max(24 * 30).default(HEALTH_DEFAULTS.deadlineWarningHours),
    /** A pended request with no payer follow-up for this long counts as unanswered. */
    pendedFollowUpHours: z.number().min(0).max(24 * 90).default(HEALTH_DEFAULTS.pendedFollowUpHours),
  })
  .strict();

const Delimiter = z.string().length(1).regex(/^[!-/:-@[-`{-~]$/, 'must be one printable punctuation character');
const Delimiters = z
  .object({ element: Delimiter, component: Delimiter, repetition: Delimiter, segment: Delimiter })
  .strict()
  .refine((d) => new Set(Object.values(d)).size === 4, { message: 'the four delimiters must differ' });

/**
 * `x12-275`: an X12 275 (005010X210) carries the documents, over the payer's connector (CORE payload
 * type X12_275_Request_005010X210E1), `with-278` (queued with it) or `after-278` (once the payer has
 * answered the 278). Any other route: the 278 says so in PWK02 (FX fax, BM mail, EM e-mail, FT
 * portal or file transfer, AA available on request) and the provider is told, with `instructions`.
 */
const Attachments = z
  .object({
    route: z.enum(['x12-275', 'fax', 'mail', 'email', 'portal', 'none']),
    timing: z.enum(['with-278', 'after-278']).default('after-278'),
    instructions: z.string().min(1).max(300).optional(),
  })
  .strict();

/**
 * PAS 2.2.1 spec-26..28: the entire PAS request Bundle (the bytes the provider sent, as stored) to an
 * X12 payer in an X12 275 of the attachment form `form` names. `006020X316` (Additional Information
 * to Support a Health Care Services Review, 6020): BDS*B64 (the Bundle base64 encoded, spec-28
 * BDS01) in 2100A with CAT*AE*HL (HL7 content, spec-28 CAT02); the 005010X210 275 has no BDS
 * segment (its binary segment is BIN), so no 5010 form can meet spec-28. Sent `with-278` or
 * `after-278` like the documents' 275; `announce`: the 278 names it in a PWK*OZ*EL of its own
 * (2000E), whose PWK06 the 275's TRN02 repeats.
 */
const PasBundle275 = z
  .object({
    form: z.enum(['006020X316']),
    timing: z.enum(['with-278', 'after-278']).default('after-278'),
    announce: z.boolean().default(false),
  })
  .strict();

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
        /**
         * Delimiters the payer's companion guide pins (commonly `* ~ : ^`). Unset: the writer picks
         * characters no value contains. Set: values carrying one of them get it replaced by a space.
         */
        delimiters: Delimiters.optional(),
        /** X12 character set the payer reads: basic (upper case, digits, few punctuation) or extended. */
        characterSet: z.enum(['basic', 'extended']).default('extended'),
        /** Named 004010-era envelope deviations this payer sends and we accept as warnings (x12/leniency.ts). */
        leniency: z.array(z.enum(DEVIATION_NAMES as [EnvelopeDeviation, ...EnvelopeDeviation[]])).default([]),
        /** How documents a 278 promises (PWK) reach this payer. */
        attachments: Attachments.default({ route: 'none', timing: 'after-278' }),
        /** The whole PAS request Bundle as an X12 275 (spec-28); unset: not sent. */
        pasBundle275: PasBundle275.optional(),
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
    health: HealthSchema.default(HEALTH_DEFAULTS),
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
export type PayerHealthSettings = z.infer<typeof HealthSchema>;

/** Loads `dir` (`payers/`); `last`: a file of it read after the others (see loadRuleSet). */
export function loadPayers(dir: string, opts: { last?: string } = {}): { payers: PayerConfig[]; problems: RuleProblem[]; files: string[]; fileOf: Record<string, string> } {
  const payers: PayerConfig[] = [];
  const problems: RuleProblem[] = [];
  const fileOf: Record<string, string> = {};
  if (!existsSync(dir)) return { payers, problems: [{ file: dir, line: 0, message: 'payer directory not found' }], files: [], fileOf };
  const files = yamlFiles(dir, opts.last);
  for (const file of files) {
    const r = loadYamlFile(file, PayerSchema);
    if (!r.ok) problems.push(...r.problems);
    else if (payers.some((p) => p.id === r.value.id)) problems.push({ file, ...r.locate(['id']), message: `id: payer id ${r.value.id} is defined twice` });
    else {
      payers.push(r.value);
      fileOf[r.value.id] = file;
    }
  }
  return { payers, problems, files, fileOf };
}
