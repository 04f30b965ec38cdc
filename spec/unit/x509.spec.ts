// kube's x509 authenticator (actors/authn/x509.ts) on certificates openssl
// makes: CN is the user, each O a group; the CA must have signed it, now must
// be inside its validity, and its extended key usage must allow client auth.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientCertificateAuthenticator, parseCaBundle } from '../../actors/authn/x509.js';
import { tempDir } from '../support/temp.js';

const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'pipe' });
};

describe('the x509 client-certificate authenticator', () => {
  let dir: string;
  let ca: { cert: string; key: string };
  let other: { cert: string; key: string };

  const makeCa = (name: string): { cert: string; key: string } => {
    const paths = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', paths.key, '-subj', `/CN=${name}`, '-days', '2', '-out', paths.cert);
    return paths;
  };

  const issue = (name: string, subject: string, signer: { cert: string; key: string }, extensions = 'extendedKeyUsage = clientAuth\n'): Buffer => {
    const key = join(dir, `${name}.key`);
    const csr = join(dir, `${name}.csr`);
    const cert = join(dir, `${name}.crt`);
    const ext = join(dir, `${name}.ext`);
    writeFileSync(ext, extensions);
    openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', subject, '-out', csr);
    openssl('x509', '-req', '-in', csr, '-CA', signer.cert, '-CAkey', signer.key, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', cert);
    return new X509Certificate(readFileSync(cert)).raw;
  };

  before(() => {
    dir = tempDir('x509-unit');
    ca = makeCa('ca');
    other = makeCa('other');
  });

  const authenticator = (): ClientCertificateAuthenticator => new ClientCertificateAuthenticator(readFileSync(ca.cert, 'utf8'));

  it('names the CN as the user and every O as a group, adding system:authenticated', () => {
    const user = authenticator().userOf(issue('jane', '/O=devs/O=qa/CN=jane', ca), Date.now());
    assert.deepEqual(user, { username: 'jane', groups: ['devs', 'qa', 'system:authenticated'] });
  });

  it('accepts any CA of a bundle', () => {
    const bundle = `${readFileSync(other.cert, 'utf8')}${readFileSync(ca.cert, 'utf8')}`;
    const user = new ClientCertificateAuthenticator(bundle).userOf(issue('sam', '/CN=sam', ca), Date.now());
    assert.equal(user?.username, 'sam');
  });

  it('refuses a certificate another CA signed, though its subject claims system:masters', () => {
    assert.equal(authenticator().userOf(issue('mallory', '/O=system:masters/CN=admin', other), Date.now()), undefined);
  });

  it('refuses a certificate outside its validity period', () => {
    const der = issue('late', '/CN=late', ca);
    const cert = new X509Certificate(der);
    assert.equal(authenticator().userOf(der, Date.parse(cert.validTo) + 1000), undefined);
    assert.equal(authenticator().userOf(der, Date.parse(cert.validFrom) - 1000), undefined);
  });

  it('refuses bytes that are no certificate', () => {
    assert.equal(authenticator().userOf(Buffer.from('not DER'), Date.now()), undefined);
  });

  it('refuses a certificate for server auth only, and one without a CN', () => {
    assert.equal(authenticator().userOf(issue('server', '/CN=server', ca, 'extendedKeyUsage = serverAuth\n'), Date.now()), undefined);
    assert.equal(authenticator().userOf(issue('nameless', '/O=devs', ca), Date.now()), undefined);
  });

  it('reads a bundle with no certificate as one error line', () => {
    assert.throws(() => parseCaBundle('just text\n'), /^Error: no PEM certificate found$/);
  });
});
