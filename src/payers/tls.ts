/**
 * A payer's outbound TLS material from its rule file: trust anchors (Node's roots, PRIORGATE_CA_FILE
 * and the payer's own `tlsCa`) and, for mutual TLS, its client certificate and key. Read once at
 * start; a reference that cannot be read stops the start with the payer and key named.
 */
import { readPem, TlsConfigError, trustAnchors, type TlsMaterial } from '../net/index.ts';
import type { PayerConfig } from '../rules/payers.ts';

export interface PayerTlsContext {
  /** Where relative paths in payer files start (the payer directory). */
  baseDir: string;
  env: (name: string) => string | undefined;
  /** PRIORGATE_CA_FILE's PEM text. */
  caPem?: string;
}

export function payerTls(p: PayerConfig, ctx: PayerTlsContext): TlsMaterial {
  const read = (key: 'tlsCa' | 'tlsClientCert' | 'tlsClientKey') => {
    const ref = p[key];
    if (!ref) return undefined;
    try {
      return readPem(ref, ctx);
    } catch (e) {
      throw new TlsConfigError(`payer ${p.id}: ${key}: ${(e as Error).message}`);
    }
  };
  const extra = [ctx.caPem, read('tlsCa')].filter(Boolean).join('\n');
  const ca = trustAnchors(extra || undefined);
  const cert = read('tlsClientCert');
  const key = read('tlsClientKey');
  let passphrase: string | undefined;
  if (p.tlsClientKeyPassphrase) {
    passphrase = ctx.env(p.tlsClientKeyPassphrase.slice(4));
    if (passphrase === undefined) throw new TlsConfigError(`payer ${p.id}: tlsClientKeyPassphrase: environment variable ${p.tlsClientKeyPassphrase.slice(4)} is not set`);
  }
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(passphrase ? { passphrase } : {}) };
}
