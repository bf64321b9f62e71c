/**
 * The message of the ConfigError `fn` throws; fails the test when it throws anything else or nothing.
 * @example expect(configErrorOf(() => loadConfig({ PORT: 'x' }))).toMatch(/PORT/)
 */
import { expect } from 'vitest';
import { ConfigError } from '../../src/config/index.ts';

export function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('accepted: no ConfigError');
}
