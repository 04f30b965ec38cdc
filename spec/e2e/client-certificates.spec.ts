// x509 client certificates (--client-ca-file), as kube-apiserver takes them:
// a certificate made with openssl and signed by the data directory's CA logs
// in with the real kubectl, which names its user (CN) and groups (O); a
// certificate another CA signed is no user. --client-ca-file serves with the
// node:http2 transport, which can read client certificates.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:http2';
import { join } from 'node:path';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { certificateKubeconfig as kubeconfigFor, issue, openssl, type Identity } from '../support/client-certificates.js';

/** A SelfSubjectReview over HTTP/1.1 with the given certificate and, optionally, a bearer token. */
function whoami(server: TestServer, user: Identity, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    const req = request({
      host: '127.0.0.1', port: server.port, method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      ca: readFileSync(server.caFile), cert: readFileSync(user.cert), key: readFileSync(user.key),
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('x509 client certificates against --client-ca-file', () => {
  let server: TestServer;
  let dir: string;
  let jane: Identity;
  let stranger: Identity;

  before(async () => {
    const dataDir = tempDir('x509-data');
    // The flag may name the data directory's own CA: it is read once the CA exists.
    server = await startTestServer({ dataDir, clientCaFile: join(dataDir, 'ca.crt') });
    dir = tempDir('x509-users');
    jane = issue(dir, 'jane', '/CN=jane/O=devs/O=qa', { cert: join(dataDir, 'ca.crt'), key: join(dataDir, 'ca.key') });
    const otherCa = { cert: join(dir, 'other-ca.crt'), key: join(dir, 'other-ca.key') };
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', otherCa.key, '-subj', '/CN=other-ca', '-days', '1', '-out', otherCa.cert);
    stranger = issue(dir, 'stranger', '/CN=jane/O=system:masters', otherCa);
  });

  after(async () => {
    await server.dispose();
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`kubectl ${version} logs in with a certificate the CA signed, and a SelfSubjectReview names its CN and O`, async () => {
      const config = kubeconfigFor(join(dir, `jane-${version}.kubeconfig`), `https://127.0.0.1:${server.port}`, server.caFile, jane);
      const run = kubectl(version, config);
      const expected = { username: 'jane', groups: ['devs', 'qa', 'system:authenticated'] };
      const created = await run.ok(['create', '--validate=false', '-o', 'json', '-f', '-'], { input: 'apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\n' });
      assert.deepEqual(JSON.parse(created).status.userInfo, expected);
      // `auth whoami` asks for authentication.k8s.io/v1 from kubectl 1.28 on; 1.27 knew only v1beta1, which kube 1.33 does not serve.
      if (Number(version.split('.')[1]) >= 28) {
        const out = await run.ok(['auth', 'whoami', '-o', 'json']);
        assert.deepEqual(JSON.parse(out).status.userInfo, expected);
      }
    });
  }

  it('serves the admin kubeconfig, which carries the admin token and client certificate both', async () => {
    const out = await kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath).ok(['create', '--validate=false', '-o', 'jsonpath={.status.userInfo.username}', '-f', '-'], { input: 'apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\n' });
    assert.equal(out, 'kubeactor-admin');
  });

  it('takes the same certificate over HTTP/2', async () => {
    const session = connect(`https://127.0.0.1:${server.port}`, { ca: readFileSync(server.caFile), cert: readFileSync(jane.cert), key: readFileSync(jane.key) });
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/apis/authentication.k8s.io/v1/selfsubjectreviews', 'content-type': 'application/json' });
        let status = 0;
        let body = '';
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.on('data', (c: Buffer) => (body += c));
        stream.on('end', () => resolve({ status, body }));
        stream.on('error', reject);
        stream.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
      });
      assert.equal(answer.status, 201, answer.body);
      assert.equal(JSON.parse(answer.body).status.userInfo.username, 'jane');
    } finally {
      session.close();
    }
  });

  it('refuses a certificate another CA signed with 401, though anonymous requests are allowed', async () => {
    const answer = await whoami(server, stranger);
    assert.equal(answer.status, 401, answer.body);
    assert.deepEqual(JSON.parse(answer.body), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401,
    });
  });

  it('lets a valid bearer token beside a refused certificate name the user', async () => {
    const token = readFileSync(join(server.dataDir, 'admin.token'), 'utf8').trim();
    const answer = await whoami(server, stranger, token);
    assert.equal(answer.status, 201, answer.body);
    assert.equal(JSON.parse(answer.body).status.userInfo.username, 'kubeactor-admin');
  });

  it("lets the admin kubeconfig's client certificate log in alone (O=system:masters)", async () => {
    const admin = { cert: join(server.dataDir, 'admin.crt'), key: join(server.dataDir, 'admin.key') };
    const answer = await whoami(server, admin);
    assert.equal(answer.status, 201, answer.body);
    assert.deepEqual(JSON.parse(answer.body).status.userInfo, { username: 'kubeactor-admin', groups: ['system:masters', 'system:authenticated'] });
    const config = kubeconfigFor(join(dir, 'admin-cert.kubeconfig'), `https://127.0.0.1:${server.port}`, server.caFile, admin);
    const out = await kubectl(KUBECTL_VERSIONS.at(-1)!, config).ok(['get', 'namespaces', '-o', 'name']);
    assert.match(out, /namespace\/default/);
  });
});

describe('--client-ca-file that cannot serve', () => {
  it('is one line naming the flag, and the server does not start', async () => {
    const bogus = join(tempDir('x509-bogus'), 'ca.crt');
    writeFileSync(bogus, 'not a certificate\n');
    await assert.rejects(startTestServer({ clientCaFile: bogus }), (e: { outcome?: { optionErrors: string[] } }) => {
      assert.deepEqual(e.outcome?.optionErrors, [`--client-ca-file: ${bogus}: no PEM certificate found`]);
      return true;
    });
  });

  it('refuses --transport=uws beside it', async () => {
    await assert.rejects(startTestServer({ clientCaFile: '/nonexistent', transport: 'uws' }), (e: { outcome?: { optionErrors: string[] } }) => {
      assert.deepEqual(e.outcome?.optionErrors, ['--client-ca-file needs --transport=node (or auto): uWebSockets.js cannot read client certificates']);
      return true;
    });
  });
});
