/**
 * The `priorgate` command: a table of subcommands, and the one place that turns errors into exit
 * codes and messages.
 */
import { ConfigError } from '../config/index.ts';
import { StoreInUseError } from '../db/client.ts';
import { AppError } from '../errors/index.ts';
import { helpOf, topHelp, wantsHelp } from './help.ts';
import { type CliIo, type Command, EXIT, println } from './io.ts';

/** How each command is loaded (its help is in help.ts, keyed the same). */
const COMMANDS: Record<string, () => Promise<{ run: Command }>> = {
  serve: () => import('./commands/serve.ts'),
  migrate: () => import('./commands/migrate.ts'),
  token: () => import('./commands/token.ts'),
  client: () => import('./commands/client.ts'),
  staff: () => import('./commands/staff.ts'),
  payer: () => import('./commands/payer.ts'),
  keys: () => import('./commands/keys.ts'),
  audit: () => import('./commands/audit.ts'),
  retention: () => import('./commands/retention.ts'),
  validate: () => import('./commands/validate.ts'),
  rules: () => import('./commands/rules.ts'),
  translate: () => import('./commands/translate.ts'),
  sim: () => import('./commands/sim.ts'),
  eligibility: () => import('./commands/eligibility.ts'),
  x12: () => import('./commands/x12.ts'),
  'check-mappings': () => import('./commands/check-mappings.ts'),
};

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    // `priorgate help CMD` is `priorgate CMD --help`.
    const about = name === 'help' ? args[0] : undefined;
    if (about && COMMANDS[about]) {
      println(io.stdout, helpOf(about));
      return EXIT.ok;
    }
    // Asked for: stdout and 0. No command at all: a usage error on stderr.
    println(name ? io.stdout : io.stderr, topHelp());
    return name && !(about && !COMMANDS[about]) ? EXIT.ok : EXIT.usage;
  }
  const load = COMMANDS[name];
  if (!load) {
    println(io.stderr, `priorgate: unknown command "${name}"`);
    println(io.stderr, topHelp());
    return EXIT.usage;
  }
  // Help is answered here, before the command runs: `migrate --help` migrates nothing.
  if (wantsHelp(args)) {
    println(io.stdout, helpOf(name));
    return EXIT.ok;
  }
  try {
    const { run } = await load();
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

/** Every command name (the help table must cover them all). */
export const COMMAND_NAMES = Object.keys(COMMANDS);
