/** What every CLI command gets, so tests can run commands in-process with captured streams. */
import { readFileSync } from 'node:fs';

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Plugged in by main: FHIR Bundle validation for `priorgate validate`. */
  validateFhir?: (text: string) => Promise<{ accepted: boolean; outcome: unknown }>;
}

export type Command = (args: string[], io: CliIo) => Promise<number>;

/** Exit codes used across commands (CONTRACT.md fixes 0/1/2 per command); errors map to them in src/errors. */
export { EXIT } from '../errors/index.ts';

/** Reads FILE, or stdin for `-`. */
export async function readInput(file: string, io: CliIo): Promise<string> {
  if (file !== '-') return readFileSync(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

export function println(stream: NodeJS.WritableStream, line: string) {
  stream.write(line.endsWith('\n') ? line : `${line}\n`);
}

/** Resolves on the first SIGINT or SIGTERM (long-running commands: serve, simulators). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
}
