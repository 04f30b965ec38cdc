// Client certificates for specs, made by openssl as an operator would make
// them: a key and a certificate for a subject, signed by a given CA, and a
// kubeconfig that presents them.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'pipe' });
};

export interface Identity {
  cert: string;
  key: string;
}

/** A client key and certificate for `subject` (e.g. `/CN=jane/O=devs`), made and signed by openssl with the given CA. */
export function issue(dir: string, name: string, subject: string, ca: Identity): Identity {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, 'extendedKeyUsage = clientAuth\n');
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', subject, '-out', csr);
  openssl('x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', cert);
  return { cert, key };
}

/** A kubeconfig at `path` for `server` that trusts `caFile` and presents `user`'s certificate. */
export function certificateKubeconfig(path: string, server: string, caFile: string, user: Identity): string {
  writeFileSync(path, [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kubeactor',
    '  cluster:',
    `    certificate-authority: ${caFile}`,
    `    server: ${server}`,
    'users:',
    '- name: user',
    '  user:',
    `    client-certificate: ${user.cert}`,
    `    client-key: ${user.key}`,
    'contexts:',
    '- name: kubeactor',
    '  context: {cluster: kubeactor, user: user}',
    'current-context: kubeactor',
    '',
  ].join('\n'));
  return path;
}
