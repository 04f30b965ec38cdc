// The data directory's credentials, as kube's MaybeDefaultWithSelfSignedCerts
// does it: a self-signed CA, a serving certificate for loopback, an admin
// bearer token and an admin kubeconfig. Made once; later starts reuse them.

import { webcrypto, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { UserInfo } from '../../protocol/kube/meta.js';

/** @peculiar/x509 costs ~200 ms to load, so only a first start, which creates certificates, loads it. */
async function loadX509(): Promise<typeof import('@peculiar/x509')> {
  // It resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill loaded first.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  return x509;
}

export const ADMIN_USER: UserInfo = { username: 'kubeactor-admin', groups: ['system:masters', 'system:authenticated'] };

export interface Credentials {
  caCertPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  adminToken: string;
  adminKubeconfigPath: string;
  caPem: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

function writeAtomically(path: string, data: string, mode: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data, { mode });
  renameSync(temp, path);
}

function pemOfKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END PRIVATE KEY-----\n`;
}

async function createCertificates(bindAddress: string): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const x509 = await loadX509();
  const now = Date.now();
  const caKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: 'CN=kubeactor-ca',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3650 * DAY),
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ips = new Set(['127.0.0.1', '::1']);
  if (isIP(bindAddress) && bindAddress !== '0.0.0.0' && bindAddress !== '::') ips.add(bindAddress);
  const dns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex'),
    subject: 'CN=kubeactor',
    issuer: ca.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * DAY),
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...dns.map((value) => ({ type: 'dns' as const, value })), ...[...ips].map((value) => ({ type: 'ip' as const, value }))]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keyPem = pemOfKey(await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey));
  return { caPem: ca.toString('pem'), certPem: cert.toString('pem'), keyPem };
}

function serverUrl(bindAddress: string, port: number): string {
  const host = bindAddress === '' || bindAddress === '0.0.0.0' || bindAddress === 'localhost' ? '127.0.0.1' : bindAddress === '::' ? '::1' : bindAddress;
  return `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

function kubeconfig(server: string, caPem: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kubeactor',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: kubeactor',
    '  context:',
    '    cluster: kubeactor',
    '    user: admin',
    'current-context: kubeactor',
    '',
  ].join('\n');
}

export async function ensureCredentials(dataDir: string, options: { bindAddress: string; securePort: number }): Promise<Credentials> {
  const paths = {
    caCertPath: join(dataDir, 'ca.crt'),
    serverCertPath: join(dataDir, 'serving.crt'),
    serverKeyPath: join(dataDir, 'serving.key'),
    tokenPath: join(dataDir, 'admin.token'),
    adminKubeconfigPath: join(dataDir, 'admin.kubeconfig'),
  };
  if (![paths.caCertPath, paths.serverCertPath, paths.serverKeyPath].every(existsSync)) {
    const { caPem, certPem, keyPem } = await createCertificates(options.bindAddress);
    writeAtomically(paths.serverKeyPath, keyPem, 0o600);
    writeAtomically(paths.serverCertPath, certPem, 0o644);
    writeAtomically(paths.caCertPath, caPem, 0o644);
  }
  if (!existsSync(paths.tokenPath)) writeAtomically(paths.tokenPath, `${randomBytes(32).toString('base64url')}\n`, 0o600);
  const caPem = readFileSync(paths.caCertPath, 'utf8');
  const adminToken = readFileSync(paths.tokenPath, 'utf8').trim();
  const wanted = kubeconfig(serverUrl(options.bindAddress, options.securePort), caPem, adminToken);
  if (!existsSync(paths.adminKubeconfigPath) || readFileSync(paths.adminKubeconfigPath, 'utf8') !== wanted) {
    writeAtomically(paths.adminKubeconfigPath, wanted, 0o600);
  }
  return { caCertPath: paths.caCertPath, serverCertPath: paths.serverCertPath, serverKeyPath: paths.serverKeyPath, adminToken, adminKubeconfigPath: paths.adminKubeconfigPath, caPem };
}
