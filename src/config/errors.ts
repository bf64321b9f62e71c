/** Thrown when the environment (or a file it names) is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  /** Messages name variables and files, never their secret values. */
  readonly phiFree = true;
}
