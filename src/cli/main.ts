/**
 * The `priorgate` command: a table of subcommands, and the one place that turns errors into exit
 * codes and messages.
 */
import { ConfigError } from '../config/index.ts';
import { StoreInUseError } from '../db/client.ts';
import { AppError } from '../http/errors.ts';
import { type CliIo, type Command, EXIT, println } from './io.ts';

const COMMANDS: Record<string, { help: string; load: () => Promise<{ run: Command }> }> = {
  serve: { help: 'serve [--port N] [--demo]           run the gateway', load: () => import('./commands/serve.ts') },
  migrate: { help: 'migrate                             apply database migrations', load: () => import('./commands/migrate.ts') },
  token: { help: 'token --client ID [--scope S]       mint an access token for a client', load: () => import('./commands/token.ts') },
  client: { help: 'client add --id ID --org ORG ... | client disable|enable --id ID  register an API client; stop or restore its access', load: () => import('./commands/client.ts') },
  staff: { help: 'staff add --username U --role viewer|staff|admin|auditor [--org ORG]  create a staff user (password from PRIORGATE_STAFF_PASSWORD or stdin); staff reset-mfa --username U', load: () => import('./commands/staff.ts') },
  payer: { help: 'payer secret --payer ID              new secret for the payer\'s deliveries to /payer/x12', load: () => import('./commands/payer.ts') },
  keys: { help: 'keys rotate [--data] | keys status --data | keys retire --data KID  token-signing and data keys', load: () => import('./commands/keys.ts') },
  audit: { help: 'audit verify | audit flag ID --reason vip|employee|other | audit unflag ID  verify the chain; flag records whose reads raise alerts', load: () => import('./commands/audit.ts') },
  retention: { help: 'retention purge --before DATE [--out DIR] | retention check DIR  export and purge records older than the retention period', load: () => import('./commands/retention.ts') },
  validate: { help: 'validate FILE|- [--summary] [--payer ID]  X12 → 999/TA1 (with the payer\'s envelope leniency); FHIR Bundle → OperationOutcome', load: () => import('./commands/validate.ts') },
  rules: { help: 'rules check [DIR] | rules explain FILE --payer ID  validate rule files; show which rules fire', load: () => import('./commands/rules.ts') },
  translate: { help: 'translate FILE|- [--to x12|fhir] [--payer ID]  PAS Bundle ⇄ X12 278; 271 → CoverageEligibilityResponse', load: () => import('./commands/translate.ts') },
  sim: { help: 'sim payer [--port N]                 run the payer simulator standalone', load: () => import('./commands/sim.ts') },
  eligibility: { help: 'eligibility batch ROSTER.csv --payer ID [--out FILE]  check a roster (270/271)', load: () => import('./commands/eligibility.ts') },
  x12: { help: 'x12 pretty FILE|- | x12 map [FILE|-] [--set NAME] [--pending]  one segment per line; the X12 ⇄ FHIR map, or where each element of a file lands', load: () => import('./commands/x12.ts') },
  'check-mappings': { help: 'check-mappings [--dir DIR] [--case ID] [--accept]  re-translate the golden PAS ⇄ X12 cases; exit 1 when the output changed', load: () => import('./commands/check-mappings.ts') },
};

function usage(io: CliIo) {
  println(io.stderr, ['usage: priorgate <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  ${c.help}`)].join('\n'));
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    usage(io);
    return name ? EXIT.ok : EXIT.usage;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    println(io.stderr, `priorgate: unknown command "${name}"`);
    usage(io);
    return EXIT.usage;
  }
  try {
    const { run } = await cmd.load();
    return await run(args, io);
  } catch (e) {
    if (e instanceof ConfigError) {
      println(io.stderr, `priorgate ${name}: ${e.message}`);
      return EXIT.usage;
    }
    if (e instanceof AppError) {
      // Refusals and unknown ids are the caller's to fix (2); anything else failed (1).
      println(io.stderr, `priorgate ${name}: ${e.message}`);
      return e.status < 500 ? EXIT.usage : EXIT.failed;
    }
    if (e instanceof StoreInUseError) {
      println(io.stderr, `priorgate ${name}: ${e.message}`);
      return EXIT.storeBusy;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      println(io.stderr, `priorgate ${name}: ${(e as Error).message}`);
      return EXIT.usage;
    }
    if (code === 'ENOENT') {
      println(io.stderr, `priorgate ${name}: ${(e as Error).message}`);
      return EXIT.usage;
    }
    println(io.stderr, `priorgate ${name}: ${(e as Error).message ?? String(e)}`);
    return EXIT.failed;
  }
}

function defaultIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}
