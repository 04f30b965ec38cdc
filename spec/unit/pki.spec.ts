// The data directory's credentials: a CA, a serving certificate for the
// loopback names it signs, an admin token and kubeconfig; made once and
// reused on later starts.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ADMIN_USER, ensureCredentials, serverUrl, type Credentials } from '../../actors/supervisor/pki.js';
import { tempDir } from '../support/temp.js';

const mode = (path: string): number => statSync(path).mode & 0o777;

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: { token: string; 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
}

const kubeconfigOf = (credentials: Credentials): Kubeconfig => parse(readFileSync(credentials.adminKubeconfigPath, 'utf8')) as Kubeconfig;

function handshake(credentials: Credentials, servername: string): Promise<{ authorized: boolean; error?: string }> {
  const server: Server = createServer({ cert: readFileSync(credentials.serverCertPath), key: readFileSync(credentials.serverKeyPath) }, (socket) => socket.end());
  return new Promise((resolve, reject) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const socket = connect({ host: '127.0.0.1', port, ca: credentials.caPem, servername, rejectUnauthorized: false }, () => {
        const result = socket.authorized ? { authorized: true } : { authorized: false, error: String(socket.authorizationError) };
        socket.end();
        server.close();
        resolve(result);
      });
      socket.on('error', (e) => {
        server.close();
        reject(e);
      });
    });
  });
}

describe('credentials on first start', () => {
  let dir: string;
  let credentials: Credentials;
  let ca: X509Certificate;
  let serving: X509Certificate;

  before(async () => {
    dir = join(tempDir('pki'), 'data');
    credentials = await ensureCredentials(dir, { bindAddress: '10.1.2.3', securePort: 6443, extraSans: ['api.example.test', '192.0.2.7'] });
    ca = new X509Certificate(readFileSync(credentials.caCertPath));
    serving = new X509Certificate(readFileSync(credentials.serverCertPath));
  });

  it('creates the data directory private to its owner, and the keys and token private too', () => {
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(credentials.serverKeyPath), 0o600);
    assert.equal(mode(join(dir, 'admin.token')), 0o600);
    assert.equal(mode(credentials.adminKubeconfigPath), 0o600);
    assert.equal(readFileSync(credentials.caCertPath, 'utf8'), credentials.caPem);
  });

  it('makes a self-signed CA named kubeactor-ca, valid for ten years', () => {
    assert.equal(ca.subject, 'CN=kubeactor-ca');
    assert.equal(ca.issuer, 'CN=kubeactor-ca');
    assert.ok(ca.ca);
    assert.ok(ca.verify(ca.publicKey));
    assert.equal(ca.publicKey.asymmetricKeyType, 'ec');
    assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const years = (Date.parse(ca.validTo) - Date.now()) / (365 * 24 * 3600 * 1000);
    assert.ok(years > 9.9 && years < 10.1, `CA valid for ${years} years`);
  });

  it('makes a serving certificate the CA signed, for server auth, valid for a year', () => {
    assert.equal(serving.subject, 'CN=kubeactor');
    assert.equal(serving.issuer, 'CN=kubeactor-ca');
    assert.ok(!serving.ca);
    assert.ok(serving.checkIssued(ca));
    assert.ok(serving.verify(ca.publicKey));
    assert.deepEqual(serving.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    const days = (Date.parse(serving.validTo) - Date.now()) / (24 * 3600 * 1000);
    assert.ok(days > 364 && days < 366, `serving certificate valid for ${days} days`);
  });

  it('covers the loopback and in-cluster names, the bind address and the extra SANs', () => {
    const sans = serving.subjectAltName?.split(', ') ?? [];
    for (const name of ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'api.example.test']) {
      assert.ok(sans.includes(`DNS:${name}`), `DNS:${name} in ${sans.join(', ')}`);
    }
    for (const ip of ['127.0.0.1', '10.1.2.3', '192.0.2.7']) assert.ok(sans.includes(`IP Address:${ip}`), `IP ${ip}`);
    assert.ok(serving.checkIP('::1'), 'covers ::1');
    assert.equal(serving.checkHost('kubernetes.default.svc'), 'kubernetes.default.svc');
  });

  it('serves TLS that a client trusting only the CA accepts for localhost', async () => {
    assert.deepEqual(await handshake(credentials, 'localhost'), { authorized: true });
    const wrongName = await handshake(credentials, 'elsewhere.example');
    assert.equal(wrongName.authorized, false);
  });

  it('makes a long random admin token, an admin client certificate, and a kubeconfig that carries both', () => {
    assert.match(credentials.adminToken, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(readFileSync(join(dir, 'admin.token'), 'utf8').trim(), credentials.adminToken);
    const config = kubeconfigOf(credentials);
    assert.equal(config['current-context'], 'kubeactor');
    assert.deepEqual(config.contexts, [{ name: 'kubeactor', context: { cluster: 'kubeactor', user: 'admin' } }]);
    const certPem = readFileSync(credentials.adminCertPath, 'utf8');
    assert.deepEqual(config.users, [{
      name: 'admin',
      user: {
        token: credentials.adminToken,
        'client-certificate-data': Buffer.from(certPem).toString('base64'),
        'client-key-data': readFileSync(credentials.adminKeyPath).toString('base64'),
      },
    }]);
    assert.equal(mode(credentials.adminKeyPath), 0o600);
    const client = new X509Certificate(certPem);
    assert.equal(client.subject, 'O=system:masters\nCN=kubeactor-admin');
    assert.ok(client.checkIssued(ca) && client.verify(ca.publicKey));
    assert.deepEqual(client.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(config.clusters[0]?.cluster.server, 'https://10.1.2.3:6443');
    assert.equal(Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString(), credentials.caPem);
  });

  it('names the admin user a member of system:masters', () => {
    assert.deepEqual(ADMIN_USER, { username: 'kubeactor-admin', groups: ['system:masters', 'system:authenticated'] });
  });
});

describe('credentials on later starts', () => {
  it('are reused, quickly, with only the kubeconfig following a port change', async () => {
    const dir = join(tempDir('pki-warm'), 'data');
    const first = await ensureCredentials(dir, { bindAddress: '0.0.0.0', securePort: 6443 });
    const certBefore = readFileSync(first.serverCertPath, 'utf8');
    const keyBefore = readFileSync(first.serverKeyPath, 'utf8');
    const kubeconfigTime = statSync(first.adminKubeconfigPath).mtimeMs;

    const started = performance.now();
    const again = await ensureCredentials(dir, { bindAddress: '0.0.0.0', securePort: 6443 });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 100, `warm start took ${elapsed.toFixed(1)} ms`);
    assert.deepEqual(again, first);
    assert.equal(readFileSync(first.serverCertPath, 'utf8'), certBefore);
    assert.equal(readFileSync(first.serverKeyPath, 'utf8'), keyBefore);
    assert.equal(statSync(first.adminKubeconfigPath).mtimeMs, kubeconfigTime, 'an unchanged kubeconfig is not rewritten');
    assert.equal(kubeconfigOf(first).clusters[0]?.cluster.server, 'https://127.0.0.1:6443');

    const moved = await ensureCredentials(dir, { bindAddress: '0.0.0.0', securePort: 7443 });
    assert.equal(moved.adminToken, first.adminToken);
    assert.equal(readFileSync(first.serverCertPath, 'utf8'), certBefore);
    assert.equal(kubeconfigOf(moved).clusters[0]?.cluster.server, 'https://127.0.0.1:7443');
  });

  it('re-issue the serving certificate from the same CA when it must cover a new name', async () => {
    const dir = join(tempDir('pki-sans'), 'data');
    const first = await ensureCredentials(dir, { bindAddress: '', securePort: 6443 });
    const certBefore = readFileSync(first.serverCertPath, 'utf8');
    const second = await ensureCredentials(dir, { bindAddress: '', securePort: 6443, extraSans: ['new.example.test'] });
    assert.equal(second.caPem, first.caPem);
    const serving = new X509Certificate(readFileSync(second.serverCertPath));
    assert.notEqual(serving.toString(), certBefore);
    assert.equal(serving.checkHost('new.example.test'), 'new.example.test');
    assert.ok(serving.verify(new X509Certificate(first.caPem).publicKey));
  });

  it('replace a serving certificate that is damaged', async () => {
    const dir = join(tempDir('pki-damaged'), 'data');
    const first = await ensureCredentials(dir, { bindAddress: '', securePort: 6443 });
    writeFileSync(first.serverCertPath, 'not a certificate');
    const second = await ensureCredentials(dir, { bindAddress: '', securePort: 6443 });
    assert.equal(second.caPem, first.caPem);
    assert.deepEqual(await handshake(second, 'localhost'), { authorized: true });
  });
});

describe('admin kubeconfig server address', () => {
  it('is loopback for a wildcard bind address and the address itself otherwise, IPv6 in brackets', () => {
    assert.equal(serverUrl('0.0.0.0', 6443), 'https://127.0.0.1:6443');
    assert.equal(serverUrl('::', 6443), 'https://127.0.0.1:6443');
    assert.equal(serverUrl('', 6443), 'https://127.0.0.1:6443');
    assert.equal(serverUrl('192.168.1.5', 8443), 'https://192.168.1.5:8443');
    assert.equal(serverUrl('::1', 6443), 'https://[::1]:6443');
  });
});
