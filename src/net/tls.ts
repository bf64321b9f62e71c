/**
 * TLS material for outbound connections: the trust anchors (Node's bundled roots plus
 * PRIORGATE_CA_FILE), and per-payer client certificates for mutual TLS. Certificate verification
 * is never turned off; an unknown CA is trusted only by adding it here.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { rootCertificates } from 'node:tls';

export interface TlsMaterial {
  /** Trust anchors (PEM); absent means Node's bundled roots. */
  ca?: string[];
  /** Client certificate chain and key (PEM) for mutual TLS. */
  cert?: string;
  key?: string;
  passphrase?: string;
  /** The name to verify the server certificate against (and send as SNI), when not the URL's host. */
  servername?: string;
}

/** The lowest protocol version spoken in either direction. */
export const MIN_TLS_VERSION = 'TLSv1.2';

/** Node's roots plus extra PEM certificates (a CA bundle file may hold several). */
export function trustAnchors(extraPem: string | undefined): string[] | undefined {
  return extraPem ? [...rootCertificates, extraPem] : undefined;
}

/**
 * How long a kept-alive connection may sit idle before we close it: under the 5 s after which Node's
 * and Apache's servers close theirs. A request written on a connection the server is closing at
 * that moment fails (ECONNRESET) and the delivery waits for its retry; closing first avoids that.
 * A server's own shorter `Keep-Alive: timeout=` is honoured too (Node's agent closes a second early).
 */
const IDLE_SOCKET_MS = 4000;

/**
 * A keep-alive agent for `url`'s scheme: HTTPS presenting `tls` (and verifying the peer against its
 * `ca`), or plain HTTP. Idle connections close after `idleMs`; a request in progress is not cut by
 * it (the caller's deadline governs that).
 */
export function keepAliveAgent(url: URL, tls: TlsMaterial, opts: { maxSockets?: number; idleMs?: number } = {}): http.Agent {
  const common = { keepAlive: true, timeout: opts.idleMs ?? IDLE_SOCKET_MS, ...(opts.maxSockets ? { maxSockets: opts.maxSockets } : {}) };
  if (url.protocol !== 'https:') return new http.Agent(common);
  return new https.Agent({ ...common, ...tls, minVersion: MIN_TLS_VERSION, rejectUnauthorized: true });
}

/**
 * How a local caller (operator CLI, the demo payer simulator) trusts this gateway's own HTTPS port,
 * which it reaches as 127.0.0.1: the served certificate (and PRIORGATE_CA_FILE) as extra anchors,
 * verified against the certificate's first DNS name. Verification stays on.
 */
export function localClientTls(serverCertPem: string, caPem?: string): TlsMaterial {
  const name = /DNS:([^,\s]+)/.exec(new X509Certificate(serverCertPem).subjectAltName ?? '')?.[1];
  return { ca: [...rootCertificates, ...(caPem ? [caPem] : []), serverCertPem], ...(name ? { servername: name } : {}) };
}

export class TlsConfigError extends Error {
  override name = 'TlsConfigError';
}

/**
 * Reads PEM text named by a reference: `env:NAME` is the variable NAME holding the PEM itself (or a
 * path to it); anything else is a file path, relative to `baseDir`.
 * @example readPem('env:ACME_CLIENT_KEY', { baseDir: 'rules/payers', env: (n) => process.env[n] })
 */
export function readPem(ref: string, opts: { baseDir: string; env: (name: string) => string | undefined }): string {
  let file = ref;
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const value = opts.env(name);
    if (!value) throw new TlsConfigError(`environment variable ${name} is not set`);
    if (value.includes('-----BEGIN')) return value;
    file = value;
  }
  const resolved = path.resolve(opts.baseDir, file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch {
    throw new TlsConfigError(`cannot read ${resolved}`);
  }
  if (!text.includes('-----BEGIN')) throw new TlsConfigError(`${resolved} holds no PEM data`);
  return text;
}
