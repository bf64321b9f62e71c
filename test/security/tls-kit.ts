/**
 * A throwaway PKI made with `openssl` at test time: a CA the gateway and payer servers use (unknown
 * to Node's roots), a CA payers use for client certificates, a client certificate it signed, and a
 * rogue CA with a client certificate of its own. EC P-256 keys, valid for two days.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Pki {
  dir: string;
  file(name: string): string;
  pem(name: string): string;
  cleanup(): void;
}

function openssl(dir: string, args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function ca(dir: string, name: string) {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
}

function leaf(dir: string, name: string, issuer: string, cn: string, san: string, usage: string) {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\nextendedKeyUsage=${usage}\n${san ? `subjectAltName=${san}\n` : ''}`);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
}

export function makePki(): Pki {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-pki-'));
  ca(dir, 'server-ca');
  leaf(dir, 'gateway', 'server-ca', 'gateway.test', 'DNS:gateway.test,DNS:localhost,IP:127.0.0.1', 'serverAuth');
  leaf(dir, 'payer', 'server-ca', 'payer.test', 'DNS:payer.test,IP:127.0.0.1', 'serverAuth');
  ca(dir, 'client-ca');
  leaf(dir, 'client', 'client-ca', 'priorgate-client', '', 'clientAuth');
  ca(dir, 'rogue-ca');
  leaf(dir, 'rogue', 'rogue-ca', 'priorgate-client', '', 'clientAuth');
  return {
    dir,
    file: (name) => path.join(dir, name),
    pem: (name) => readFileSync(path.join(dir, name), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
