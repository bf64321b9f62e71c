/**
 * The `priorgate` command: a table of subcommands, and the one place that turns errors into exit
 * codes and messages (by `toExitCode`, src/errors/map.ts).
 */
import { toExitCode } from '../errors/index.ts';
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
    // The one place an error becomes an exit code and a message (src/errors/map.ts).
    const { exit, message } = toExitCode(e);
    println(io.stderr, `priorgate ${name}: ${message}`);
    return exit;
  }
}

function defaultIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Every command name (the help table must cover them all). */
export const COMMAND_NAMES = Object.keys(COMMANDS);
