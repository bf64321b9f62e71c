import { PriorgateError } from '../errors/index.ts';

/**
 * Thrown when the environment (or a file it names) is invalid; the message names every bad variable,
 * never a secret value. Exit code 2 on the command line; a 500 with the request id over HTTP.
 */
export class ConfigError extends PriorgateError {
  override name = 'ConfigError';
  constructor(message: string) {
    super('config', message);
  }
}
