/**
 * Runs `priorgate eligibility …` as its own process, as bin.mjs would once the command is in the
 * CLI's table (src/cli/main.ts, the lead's file): `node --import tsx test/eligibility/cli-runner.ts batch …`.
 */
import { run } from '../../src/cli/commands/eligibility.ts';

process.exitCode = await run(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
