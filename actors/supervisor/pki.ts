// The data directory's credentials, made the way kube-apiserver's
// MaybeDefaultWithSelfSignedCerts makes them when none are given: a private
// CA, a serving certificate it signs for the loopback names, an admin bearer
// token, an admin client certificate the CA signs (CN kubeactor-admin, O
// system:masters: it logs in where --client-ca-file trusts the CA) and a
// kubeconfig that carries both. Made once; later starts only read
// and check them with node:crypto, which costs milliseconds, because the
// library that makes certificates takes hundreds of milliseconds to load.

import { KeyObject, X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { UserInfo } from '../../protocol/kube/meta.js';

export interface Credentials {
  caCertPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  adminToken: string;
  adminCertPath: string;
  adminKeyPath: string;
  adminKubeconfigPath: string;
  caPem: string;
}

export interface CredentialOptions {
  bindAddress: string;
  securePort: number;
  /** Further DNS names or IPs the serving certificate must cover. */
  extraSans?: string[];
}

/** The identity the generated admin token authenticates as. */
export const ADMIN_USER: UserInfo = { username: 'kubeactor-admin', groups: ['system:masters', 'system:authenticated'] };

/** A fresh copy of ADMIN_USER, for holders that may change it. */
export function adminUser(): UserInfo {
  return { username: ADMIN_USER.username, groups: [...ADMIN_USER.groups] };
}

export const CA_NAME = 'kubeactor-ca';
/** The admin client certificate's subject, as node prints it. */
const ADMIN_SUBJECT = `O=${ADMIN_USER.groups[0]}\nCN=${ADMIN_USER.username}`;
export const SERVER_NAME = 'kubeactor';
export const DEFAULT_DNS_NAMES: readonly string[] = [
  'localhost',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];
export const DEFAULT_IPS: readonly string[] = ['127.0.0.1', '::1'];

const DAY = 24 * 60 * 60 * 1000;
const CA_LIFETIME = 3650 * DAY;
const SERVING_LIFETIME = 365 * DAY;
/** Renewed this long before expiry, so a restart never serves a certificate about to lapse. */
const RENEW_BEFORE = 30 * DAY;
/** Backdated, as kube does, for clients whose clocks lag the one that signed. */
const BACKDATE = 60 * 60 * 1000;

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

interface Paths {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  token: string;
  adminCert: string;
  adminKey: string;
  kubeconfig: string;
}

function pathsIn(dataDir: string): Paths {
  return {
    caCert: join(dataDir, 'ca.crt'),
    caKey: join(dataDir, 'ca.key'),
    serverCert: join(dataDir, 'serving.crt'),
    serverKey: join(dataDir, 'serving.key'),
    token: join(dataDir, 'admin.token'),
    adminCert: join(dataDir, 'admin.crt'),
    adminKey: join(dataDir, 'admin.key'),
    kubeconfig: join(dataDir, 'admin.kubeconfig'),
  };
}

/** The data directory's CA, which signs what csrsigning issues unless --cluster-signing-*-file say otherwise. */
export const dataDirCa = (dataDir: string): { certFile: string; keyFile: string } => ({ certFile: pathsIn(dataDir).caCert, keyFile: pathsIn(dataDir).caKey });

// ---------------------------------------------------------------- files

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Readers never see a half-written file: the content lands under a temporary name first. */
function writeAtomically(path: string, data: string, mode: number): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, data, { mode, flag: 'wx' });
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // Nothing was left behind.
    }
    throw e;
  }
}

// ---------------------------------------------------------------- names

const isUnspecified = (address: string): boolean => address === '' || address === '0.0.0.0' || address === '::';

/** One spelling per address, as certificates print them, so comparisons are exact. */
function normalizeIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}

/** The names and addresses the serving certificate must cover. */
export function servingSans(bindAddress: string, extraSans: readonly string[] = []): { dns: string[]; ips: string[] } {
  const dns = new Set(DEFAULT_DNS_NAMES);
  const ips = new Set(DEFAULT_IPS.map(normalizeIp));
  if (isIP(bindAddress) && !isUnspecified(bindAddress)) ips.add(normalizeIp(bindAddress));
  for (const san of extraSans) {
    if (san === '') continue;
    if (isIP(san)) ips.add(normalizeIp(san));
    else dns.add(san.toLowerCase());
  }
  return { dns: [...dns], ips: [...ips] };
}

/** The `server:` of the admin kubeconfig: loopback unless the server listens on one specific address. */
export function serverUrl(bindAddress: string, port: number): string {
  const host = isUnspecified(bindAddress) ? '127.0.0.1' : bindAddress;
  return `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

// ---------------------------------------------------------------- checks

function parseCert(pem: string | undefined): X509Certificate | undefined {
  if (!pem) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function parseKey(pem: string | undefined): KeyObject | undefined {
  if (!pem) return undefined;
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
}

const expiresSoon = (cert: X509Certificate, now: number): boolean => Date.parse(cert.validTo) - now < RENEW_BEFORE;

/** `DNS:localhost, IP Address:127.0.0.1, ...` as node prints it, split into sets. */
function sansOf(cert: X509Certificate): { dns: Set<string>; ips: Set<string> } {
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const entry of (cert.subjectAltName ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) dns.add(entry.slice(4).toLowerCase());
    else if (entry.startsWith('IP Address:')) ips.add(normalizeIp(entry.slice(11)));
  }
  return { dns, ips };
}

function usableCa(cert: X509Certificate | undefined, key: KeyObject | undefined, now: number): cert is X509Certificate {
  return !!cert && !!key && cert.ca && cert.checkPrivateKey(key) && !expiresSoon(cert, now);
}

/** A client certificate (the admin's, the front proxy's): the CA's, naming `subject`, not near expiry. */
function usableClient(cert: X509Certificate | undefined, key: KeyObject | undefined, ca: X509Certificate, now: number, subject = ADMIN_SUBJECT): boolean {
  if (!cert || !key || !cert.checkPrivateKey(key) || expiresSoon(cert, now)) return false;
  return cert.checkIssued(ca) && cert.verify(ca.publicKey) && cert.subject === subject;
}

function usableServing(
  cert: X509Certificate | undefined,
  key: KeyObject | undefined,
  ca: X509Certificate,
  wanted: { dns: string[]; ips: string[] },
  now: number,
): boolean {
  if (!cert || !key || !cert.checkPrivateKey(key) || expiresSoon(cert, now)) return false;
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  const has = sansOf(cert);
  return wanted.dns.every((d) => has.dns.has(d)) && wanted.ips.every((ip) => has.ips.has(ip));
}

// ---------------------------------------------------------------- generation

type X509Module = typeof import('@peculiar/x509');
let x509Module: Promise<X509Module> | undefined;

/** Loaded only when a certificate must be made: it is slow to load and a warm start never needs it. */
export function loadX509(): Promise<X509Module> {
  x509Module ??= (async () => {
    // Its dependency-injection container needs the Reflect metadata polyfill in place first.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as never);
    return x509;
  })();
  return x509Module;
}

/** A positive serial: the top bit clear so DER needs no sign byte. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function privateKeyPem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

export interface Issued {
  certPem: string;
  keyPem: string;
}

async function createCa(now: number, name = CA_NAME): Promise<Issued> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${name}`,
    notBefore: new Date(now - BACKDATE),
    notAfter: new Date(now + CA_LIFETIME),
    keys,
    signingAlgorithm: EC_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: `${cert.toString('pem').trimEnd()}\n`, keyPem: privateKeyPem(keys.privateKey) };
}

/** A leaf certificate the CA signs for `subject`: for TLS serving (with its SANs) or for client authentication. */
async function issueLeaf(ca: Issued, now: number, subject: string, usage: 'serverAuth' | 'clientAuth', sans?: { dns: string[]; ips: string[] }): Promise<Issued> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'der' }), EC_KEY, false, ['sign']);
  const keys = await generateKeys();
  const names = sans ? [...sans.dns.map((value) => ({ type: 'dns' as const, value })), ...sans.ips.map((value) => ({ type: 'ip' as const, value }))] : [];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: caCert.subjectName,
    notBefore: new Date(now - BACKDATE),
    notAfter: new Date(now + SERVING_LIFETIME),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: EC_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // An ECDSA key only signs; keyEncipherment would mean nothing.
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage[usage]]),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certPem: `${cert.toString('pem').trimEnd()}\n`, keyPem: privateKeyPem(keys.privateKey) };
}

const createServing = (ca: Issued, sans: { dns: string[]; ips: string[] }, now: number): Promise<Issued> => issueLeaf(ca, now, `CN=${SERVER_NAME}`, 'serverAuth', sans);

const createClient = (ca: Issued, now: number): Promise<Issued> => issueLeaf(ca, now, `O=${ADMIN_USER.groups[0]}, CN=${ADMIN_USER.username}`, 'clientAuth');

// ---------------------------------------------------------------- certificate signing requests

/** kube's key usages (certificates.k8s.io KeyUsage) as X.509 key usage bits and extended key usages. */
const KEY_USAGES: Record<string, keyof typeof import('@peculiar/x509').KeyUsageFlags> = {
  signing: 'digitalSignature', 'digital signature': 'digitalSignature', 'content commitment': 'nonRepudiation', 'key encipherment': 'keyEncipherment',
  'key agreement': 'keyAgreement', 'data encipherment': 'dataEncipherment', 'cert sign': 'keyCertSign', 'crl sign': 'cRLSign',
  'encipher only': 'encipherOnly', 'decipher only': 'decipherOnly',
};
const EXT_KEY_USAGES: Record<string, string> = {
  any: '2.5.29.37.0', 'server auth': '1.3.6.1.5.5.7.3.1', 'client auth': '1.3.6.1.5.5.7.3.2', 'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4', 's/mime': '1.3.6.1.5.5.7.3.4', 'ipsec end system': '1.3.6.1.5.5.7.3.5', 'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7', timestamping: '1.3.6.1.5.5.7.3.8', 'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3', 'netscape sgc': '2.16.840.1.113730.4.1',
};

/** What a PKCS#10 request asks for, as the csrsigning controller checks it. */
export interface ParsedRequest {
  organizations: string[];
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

function subjectAltNames(x509: X509Module, request: import('@peculiar/x509').Pkcs10CertificateRequest) {
  const extension = request.getExtension('2.5.29.17');
  return extension ? new x509.SubjectAlternativeNameExtension(extension.rawData) : undefined;
}

/** Parses a PEM `CERTIFICATE REQUEST` and checks its signature; throws in kube's words. */
export async function parseCertificateRequest(pem: string): Promise<ParsedRequest> {
  const x509 = await loadX509();
  const block = /-----BEGIN CERTIFICATE REQUEST-----([\s\S]*?)-----END CERTIFICATE REQUEST-----/.exec(pem);
  if (!block) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const request = new x509.Pkcs10CertificateRequest(block[0]);
  if (!(await request.verify())) throw new Error('x509: ECDSA verification failure');
  const names = subjectAltNames(x509, request)?.names.toJSON() ?? [];
  const of = (type: string): string[] => names.filter((n) => n.type === type).map((n) => n.value);
  return {
    organizations: request.subjectName.getField('O'),
    commonName: request.subjectName.getField('CN')[0] ?? '',
    dnsNames: of('dns'), ipAddresses: of('ip'), emailAddresses: of('email'), uris: of('url'),
  };
}

/**
 * Signs a request with a CA, as kube's csrsigning does (authority.Sign with its permissive policy): the
 * request's subject, SANs and key; the asked-for usages; not a CA; backdated 5 minutes, and a certificate
 * of 8 hours or more loses those 5 minutes at its end; never outliving the CA.
 */
export async function signCertificateRequest(ca: Issued, pem: string, usages: readonly string[], ttlMs: number, now: number): Promise<string> {
  const x509 = await loadX509();
  const request = new x509.Pkcs10CertificateRequest(pem.trim());
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'der' }), EC_KEY, false, ['sign']);
  let bits = 0;
  const extended: string[] = [];
  for (const usage of usages) {
    const bit = KEY_USAGES[usage];
    if (bit) bits |= x509.KeyUsageFlags[bit];
    else if (EXT_KEY_USAGES[usage]) extended.push(EXT_KEY_USAGES[usage]);
    else throw new Error(`unrecognized usage: ${usage}`);
  }
  const backdate = 5 * 60 * 1000;
  const short = 8 * 60 * 60 * 1000;
  const notAfter = Math.min(ttlMs < short ? now + ttlMs : now + ttlMs - backdate, caCert.notAfter.getTime());
  const san = subjectAltNames(x509, request);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: request.subjectName,
    issuer: caCert.subjectName,
    notBefore: new Date(now - backdate),
    notAfter: new Date(notAfter),
    publicKey: request.publicKey,
    signingKey: caKey,
    signingAlgorithm: EC_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...(bits ? [new x509.KeyUsagesExtension(bits, true)] : []),
      ...(extended.length > 0 ? [new x509.ExtendedKeyUsageExtension(extended)] : []),
      ...(san ? [new x509.SubjectAlternativeNameExtension(san.names.toJSON())] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return `${cert.toString('pem').trimEnd()}\n`;
}

// ---------------------------------------------------------------- kubeconfig

/** The admin's kubeconfig: the bearer token, and the client certificate beside it when there is one. */
export function adminKubeconfig(server: string, caPem: string, token: string, client?: Issued): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kubeactor',
    '  cluster:',
    `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    `    server: ${server}`,
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    ...(client
      ? [
          `    client-certificate-data: ${Buffer.from(client.certPem).toString('base64')}`,
          `    client-key-data: ${Buffer.from(client.keyPem).toString('base64')}`,
        ]
      : []),
    'contexts:',
    '- name: kubeactor',
    '  context:',
    '    cluster: kubeactor',
    '    user: admin',
    'current-context: kubeactor',
    'preferences: {}',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------- entry

/**
 * Creates what is missing in `dataDir` and returns the paths and secrets to
 * serve with. Existing files are kept while they are valid: the CA while it
 * has its key and is not near expiry; the serving certificate while the CA
 * signed it, it matches its key, covers every wanted name and is not near
 * expiry. The kubeconfig is rewritten only when its content would change,
 * as it does when the port or bind address does.
 */
export async function ensureCredentials(dataDir: string, options: CredentialOptions): Promise<Credentials> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const paths = pathsIn(dataDir);
  const now = Date.now();
  const wanted = servingSans(options.bindAddress, options.extraSans);

  let ca: Issued | undefined;
  {
    const certPem = readIfPresent(paths.caCert);
    const keyPem = readIfPresent(paths.caKey);
    if (usableCa(parseCert(certPem), parseKey(keyPem), now)) ca = { certPem: certPem!, keyPem: keyPem! };
  }
  let renewServing = false;
  if (!ca) {
    ca = await createCa(now);
    writeAtomically(paths.caKey, ca.keyPem, 0o600);
    writeAtomically(paths.caCert, ca.certPem, 0o644);
    renewServing = true;
  }

  const serving = parseCert(readIfPresent(paths.serverCert));
  if (renewServing || !usableServing(serving, parseKey(readIfPresent(paths.serverKey)), new X509Certificate(ca.certPem), wanted, now)) {
    const issued = await createServing(ca, wanted, now);
    writeAtomically(paths.serverKey, issued.keyPem, 0o600);
    writeAtomically(paths.serverCert, issued.certPem, 0o644);
  }

  let adminToken = readIfPresent(paths.token)?.trim();
  if (!adminToken) {
    adminToken = randomBytes(32).toString('base64url');
    writeAtomically(paths.token, `${adminToken}\n`, 0o600);
  }

  let client: Issued | undefined;
  {
    const certPem = readIfPresent(paths.adminCert);
    const keyPem = readIfPresent(paths.adminKey);
    if (!renewServing && usableClient(parseCert(certPem), parseKey(keyPem), new X509Certificate(ca.certPem), now)) client = { certPem: certPem!, keyPem: keyPem! };
  }
  if (!client) {
    client = await createClient(ca, now);
    writeAtomically(paths.adminKey, client.keyPem, 0o600);
    writeAtomically(paths.adminCert, client.certPem, 0o644);
  }

  const kubeconfig = adminKubeconfig(serverUrl(options.bindAddress, options.securePort), ca.certPem, adminToken, client);
  if (readIfPresent(paths.kubeconfig) !== kubeconfig) writeAtomically(paths.kubeconfig, kubeconfig, 0o600);

  return {
    caCertPath: paths.caCert,
    serverCertPath: paths.serverCert,
    serverKeyPath: paths.serverKey,
    adminToken,
    adminCertPath: paths.adminCert,
    adminKeyPath: paths.adminKey,
    adminKubeconfigPath: paths.kubeconfig,
    caPem: ca.certPem,
  };
}

// ---------------------------------------------------------------- front proxy

/** The request-header CA's name, and the CN of the client certificate it signs for the aggregator's proxy. */
export const FRONT_PROXY_CA_NAME = 'kubeactor-front-proxy-ca';
export const FRONT_PROXY_CLIENT_NAME = 'front-proxy-client';

export interface FrontProxyCredentials {
  /** The request-header CA (kube's --requestheader-client-ca-file): extension servers verify the proxy against it. */
  requestHeaderCaPem: string | undefined;
  /** kube's --proxy-client-cert-file and --proxy-client-key-file. */
  certPath: string;
  keyPath: string;
}

/**
 * The aggregator's proxy client certificate and the request-header CA that signs it, made in `dataDir`
 * (front-proxy-ca.crt, front-proxy-client.crt) as kubeadm lays them out, and kept while valid.
 * Given --proxy-client-cert-file and --proxy-client-key-file, those are used instead and nothing is made:
 * the request-header CA is then the operator's (--requestheader-client-ca-file, once authn reads it).
 */
export async function ensureFrontProxyCredentials(dataDir: string, given?: { certFile: string; keyFile: string }): Promise<FrontProxyCredentials> {
  if (given) return { requestHeaderCaPem: undefined, certPath: given.certFile, keyPath: given.keyFile };
  const now = Date.now();
  const paths = { caCert: join(dataDir, 'front-proxy-ca.crt'), caKey: join(dataDir, 'front-proxy-ca.key'), cert: join(dataDir, 'front-proxy-client.crt'), key: join(dataDir, 'front-proxy-client.key') };
  let ca: Issued | undefined;
  const caCertPem = readIfPresent(paths.caCert);
  const caKeyPem = readIfPresent(paths.caKey);
  if (usableCa(parseCert(caCertPem), parseKey(caKeyPem), now)) ca = { certPem: caCertPem!, keyPem: caKeyPem! };
  const fresh = !ca;
  if (!ca) {
    ca = await createCa(now, FRONT_PROXY_CA_NAME);
    writeAtomically(paths.caKey, ca.keyPem, 0o600);
    writeAtomically(paths.caCert, ca.certPem, 0o644);
  }
  if (fresh || !usableClient(parseCert(readIfPresent(paths.cert)), parseKey(readIfPresent(paths.key)), new X509Certificate(ca.certPem), now, `CN=${FRONT_PROXY_CLIENT_NAME}`)) {
    const client = await issueLeaf(ca, now, `CN=${FRONT_PROXY_CLIENT_NAME}`, 'clientAuth');
    writeAtomically(paths.key, client.keyPem, 0o600);
    writeAtomically(paths.cert, client.certPem, 0o644);
  }
  return { requestHeaderCaPem: ca.certPem, certPath: paths.cert, keyPath: paths.key };
}

/**
 * A CA and a serving certificate it signs, in memory: for servers a spec or bench runs itself (an
 * extension API server on loopback), never for kubeactor's own data directory.
 */
export async function issueServingPair(caName: string, dns: string[], ips: string[]): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const now = Date.now();
  const ca = await createCa(now, caName);
  const serving = await issueLeaf(ca, now, `CN=${dns[0] ?? caName}`, 'serverAuth', { dns, ips });
  return { caPem: ca.certPem, certPem: serving.certPem, keyPem: serving.keyPem };
}
