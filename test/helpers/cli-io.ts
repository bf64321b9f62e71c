/**
 * Running a CLI command in process: an io whose stdout and stderr are kept, and a runner that
 * calls a command (`main`, or one command's `run`) with it.
 */
import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.ts';

export interface CapturedIo {
  io: CliIo;
  stdout(): string;
  stderr(): string;
}

export function captureIo(opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const stdin = Readable.from([Buffer.from(opts.stdin ?? '')]);
  return { io: { stdin, stdout, stderr, env: opts.env ?? {} }, stdout: () => out, stderr: () => err };
}

/** Runs `command` with `args`; what it printed comes back with its exit code (`text`: stdout then stderr). */
export async function runCommand(
  command: (args: string[], io: CliIo) => Promise<number>,
  args: string[],
  opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string; text: string }> {
  const c = captureIo(opts);
  const code = await command(args, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr(), text: c.stdout() + c.stderr() };
}
