/**
 * Every command's help, in one table: its usage lines (also what a command prints on misuse), what
 * it does, its options and its exit codes. `priorgate --help` lists the commands and the exit
 * codes; `priorgate CMD --help` (or `-h`, anywhere among its arguments, or `priorgate help CMD`)
 * prints that command's help and exits 0 without doing anything.
 */

export interface CommandHelp {
  /** One line for the top-level list. */
  summary: string;
  /** Usage lines, one per form (subcommand), without the leading "usage:". */
  usage: string[];
  /** What it does, options, notes: the rest of the help. */
  details: string[];
  exits: string;
}

export const EXIT_CODES = [
  '0  done (accepted, intact, all checked)',
  '1  failed, rejected or broken (the command ran; the result is negative)',
  '2  usage error, invalid input, unknown id or refused request',
  '3  the embedded store is held by a running server (stop it, or use Postgres)',
];

export const HELP: Record<string, CommandHelp> = {
  serve: {
    summary: 'run the gateway (FHIR API, payer inbound, staff pages, workers)',
    usage: ['priorgate serve [--port N] [--demo]'],
    details: ['--port N   listen on N (default PORT, 8080)', '--demo     demo mode: simulators, demo organizations, clients and staff users'],
    exits: 'runs until SIGINT or SIGTERM; 2 on a bad configuration',
  },
  migrate: {
    summary: 'apply database migrations',
    usage: ['priorgate migrate'],
    details: ['Applies migrations/ to DATABASE_URL, or to the embedded store in PRIORGATE_DATA_DIR. Harmless twice.'],
    exits: '0 applied; 3 store in use',
  },
  token: {
    summary: 'mint an access token for a registered client (operator use)',
    usage: ['priorgate token --client ID [--scope "system/Claim.c ..."] [--json]'],
    details: ['On the embedded store this goes through the running server.'],
    exits: '0; 2 unknown client',
  },
  client: {
    summary: 'register an API client of an organization; stop or restore its access',
    usage: [
      'priorgate client add --id ID --org ORG [--org-name NAME] [--npi NPI] (--jwks FILE | --jwks-url URL) [--scopes "system/Claim.c ..."]',
      'priorgate client disable --id ID',
      'priorgate client enable --id ID',
    ],
    details: [
      '--npi NPI   the organization\'s NPI: 10 digits with a valid check digit (Luhn with the 80840 prefix)',
      '--jwks FILE the client\'s public keys (JWKS or one JWK, each with a kid; never a private key)',
      '--jwks-url  fetched under the SSRF rules (https unless in PRIORGATE_JWKS_ALLOWLIST)',
      'disable     no new tokens, and the tokens it holds are refused from now on (audited)',
      'enable      it can get new tokens again (tokens issued before it was disabled stay refused)',
      'On the embedded store, disable and enable go through the running server.',
    ],
    exits: '0 registered, disabled or enabled; 2 bad input (bad NPI, scope, key file or URL) or unknown client',
  },
  staff: {
    summary: 'create staff users; reset a user\'s two-step verification; lift sign-in pauses',
    usage: ['priorgate staff add --username U --role viewer|staff|admin|auditor [--org ORG]', 'priorgate staff reset-mfa --username U', 'priorgate staff unlock --username U'],
    details: [
      'The password comes from PRIORGATE_STAFF_PASSWORD or the first line of stdin, never from the command line.',
      'reset-mfa   turns the user\'s two-step verification off and ends their sessions',
      'unlock      lifts the sign-in pauses of a user name, from every address (login throttle)',
    ],
    exits: '0; 1 the user exists (add) or does not (reset-mfa, unlock); 2 bad usage',
  },
  payer: {
    summary: 'issue the secret a payer uses to deliver X12 to /payer/x12',
    usage: ['priorgate payer secret --payer ID'],
    details: ['Printed once; only its hash is stored.'],
    exits: '0; 2 unknown payer',
  },
  keys: {
    summary: 'token-signing keys and data (encryption-at-rest) keys',
    usage: [
      'priorgate keys rotate',
      'priorgate keys rotate --data [--resume] [--no-reencrypt] [--batch N]',
      'priorgate keys status --data [--json]',
      'priorgate keys retire --data KID',
    ],
    details: [
      'rotate          a new token-signing key; tokens signed by the old one stay valid until they expire',
      'rotate --data   a new current data key; rows under older keys re-encrypted in batches of N (200)',
      'status --data   the key ring and rows per key',
      'retire --data   removes a key from the ring once no row uses it',
    ],
    exits: '0; 1 rows that do not decrypt, or the key is still in use or current; 2 bad usage',
  },
  audit: {
    summary: 'verify the signed audit log; witness and prove it; flag records whose reads raise alerts',
    usage: [
      'priorgate audit verify [--witness FILE]',
      'priorgate audit heads --out FILE',
      'priorgate audit proof EVENT_ID',
      'priorgate audit flag REQUEST_ID --reason vip|employee|other',
      'priorgate audit unflag REQUEST_ID',
    ],
    details: [
      'verify   checks every sealed event, every signed tree head and their consistency (from the latest',
      '         retention checkpoint, if any) and names the first wrong event or head',
      '--witness FILE  also checks that the log still holds every head the witness file received',
      'heads    appends the newest signed tree head to a witness file (--out FILE)',
      'proof    the event\'s inclusion proof against the latest signed head (JSON)',
      'On a held embedded store each goes through the running server.',
    ],
    exits: '0 intact (verify) or done; 1 broken, or the event is not sealed yet (proof); 2 unreadable witness file, unknown event, request or reason',
  },
  retention: {
    summary: 'export and purge records older than the retention period',
    usage: ['priorgate retention purge --before YYYY-MM-DD [--out DIR]', 'priorgate retention check DIR'],
    details: ['purge refuses cutoffs younger than PRIORGATE_RETENTION_YEARS (6); check compares an export with its manifest.'],
    exits: '0 purged or intact; 1 failed (nothing deleted) or damaged; 2 refused',
  },
  validate: {
    summary: 'X12 file → its 999 (or TA1); FHIR Bundle → OperationOutcome',
    usage: ['priorgate validate FILE|- [--summary] [--payer ID]'],
    details: [
      '--summary   one line instead of the whole 999 (or OperationOutcome)',
      '--payer ID  apply that payer\'s envelope leniency (x12.leniency in rules/payers), as POST /payer/x12 does',
      'JSON input (a PAS request, inquiry or response Bundle, or a saved $inquire Parameters) is checked by',
      'the server\'s own PAS validator; X12 is validated as a stream, so file size does not matter.',
    ],
    exits: '0 accepted; 1 rejected; 2 unreadable',
  },
  rules: {
    summary: 'validate rule files; show which rules fire for a request',
    usage: ['priorgate rules check [DIR|FILE]', 'priorgate rules explain FILE|- --payer ID [--state XX] [--json]'],
    details: [
      'check       a rules directory (default the configured one), one of its folders, or one rule file (checked against',
      '            the rest of its directory); prints each problem as file:line:column: message',
      'explain     traces each service line, gold card, documentation and review step for a PAS request Bundle',
    ],
    exits: '0 valid (check) or explained; 1 invalid, or no rule files; 2 no such path, not a rule file, input not a PAS request Bundle, unknown payer or state',
  },
  translate: {
    summary: 'PAS request Bundle ⇄ X12 278; 271 → CoverageEligibilityResponse',
    usage: ['priorgate translate FILE|- [--to x12|fhir] [--payer ID]'],
    details: [
      'The direction follows the input unless --to says otherwise.',
      '--payer ID  the 278 is addressed to that payer and fitted to its character set, delimiters and document route',
    ],
    exits: '0; 2 invalid input (errors on stderr)',
  },
  sim: {
    summary: 'run the payer or EHR simulator on its own',
    usage: [
      'priorgate sim payer [--port N] [--callback URL] [--auth "Basic ..."] [--delay-ms N] [--fail-status 503] [--reject-share 72=0.1,73=0.05,75=0.05,999=0.02]',
      'priorgate sim ehr [--port N] --client ID --jwk PUBLIC_JWK_FILE',
    ],
    details: [
      'payer: CORE SOAP at /core, plain X12 at /x12, PAS FHIR at /fhir; decides by the member id\'s last letter (A approve, D deny, P pend, R reject, T silent)',
      '--callback URL      where pended requests\' final answers are pushed (with --auth as the Authorization header)',
      '--fail-status N     answer every call with this HTTP status (400-599): a payer outage',
      '--reject-share C=S  refuse this share of requests with AAA03 code C (72, 73, 75 …; 999: a 999 rejection); shares add up to at most 1',
      'Faults can also be changed while it runs: POST <sim>/faults.',
      'ehr: FHIR search and a SMART token endpoint for one backend client',
      'Run one in the background (`&`) and stop it with `kill %1` when done.',
    ],
    exits: 'runs until SIGINT or SIGTERM; 2 bad usage',
  },
  eligibility: {
    summary: 'check every member of a roster (270/271)',
    usage: ['priorgate eligibility batch ROSTER.csv|- --payer ID [--out FILE] [--concurrency N] [--org ORG | --npi NPI [--provider-name NAME]] [--endpoint URL]'],
    details: [
      'ROSTER.csv header: member_id,first_name,last_name,birth_date[,service_type]',
      '--out FILE      results CSV, one row per roster row in roster order (stdout without it); re-running on FILE resumes',
      '--endpoint URL  the payer\'s endpoint (else its rules file, or the database)',
      '--npi NPI       the information receiver (2100B), checked like every NPI',
      'A payer that cannot be reached stops the run at once with the reason.',
    ],
    exits: '0 every row checked; 1 some failed or were invalid (or the payer could not be reached); 2 bad usage',
  },
  x12: {
    summary: 'print X12 one segment per line with loop names; the X12 ⇄ FHIR map',
    usage: ['priorgate x12 pretty FILE|-', 'priorgate x12 map [FILE|-] [--set NAME] [--pending] [--markdown]'],
    details: [
      'pretty      one segment per line with its loop id and name',
      'map         without a file: the X12 ⇄ FHIR map, one position per line (TSV, or Markdown as in docs/x12-map.md);',
      '            with a file: every data-bearing element and where it landed (landed, pending, outside-pas, mapped, dropped, no-home)',
      '--set NAME  only one set (278 request, 278 response, 270, 271, 275, 999)',
      '--pending   only positions still waiting for a FHIR home',
    ],
    exits: '0; 1 a file has a dropped or homeless element (map); 2 unreadable or not X12',
  },
  'check-mappings': {
    summary: 're-translate the golden PAS ⇄ X12 cases; report what changed',
    usage: ['priorgate check-mappings [--dir DIR] [--case ID]... [--accept]'],
    details: [
      '--dir DIR   the cases (default mappings/: cases.yaml and the accepted outputs)',
      '--case ID   only this case (repeatable)',
      '--accept    record the new output as the accepted one',
    ],
    exits: '0 nothing changed (or accepted); 1 changes, or a case that no longer translates; 2 unreadable manifest',
  },
};

/** The usage lines as a command prints them on misuse. */
export function usageOf(command: string): string {
  const h = HELP[command];
  return h ? h.usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${u}`).join('\n') : `usage: priorgate ${command}`;
}

/** A command's whole help. */
export function helpOf(command: string): string {
  const h = HELP[command]!;
  return [usageOf(command), '', h.summary.charAt(0).toUpperCase() + h.summary.slice(1) + '.', ...(h.details.length ? ['', ...h.details.map((d) => `  ${d}`)] : []), '', `Exit codes: ${h.exits}.`].join('\n');
}

/** The top-level help: every command and the exit codes. */
export function topHelp(): string {
  const width = Math.max(...Object.keys(HELP).map((k) => k.length));
  return [
    'usage: priorgate <command> [options]',
    '       priorgate <command> --help      that command\'s usage, options and exit codes',
    '',
    'Commands:',
    ...Object.entries(HELP).map(([name, h]) => `  ${name.padEnd(width)}  ${h.summary}`),
    '',
    'Exit codes:',
    ...EXIT_CODES.map((e) => `  ${e}`),
  ].join('\n');
}

/** Is help asked for among these arguments (before a `--` that ends the options)? */
export function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}
