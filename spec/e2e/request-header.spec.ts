// Request header authentication (kube's front proxy): a client certificate
// signed by --requestheader-client-ca-file, with an allowed CN, makes the
// server believe the user, groups, uid and extras its headers name. Without
// that certificate the headers mean nothing; a proxy whose CN is not allowed
// is refused with 401.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { UNAUTHORIZED } from '../support/tokens.js';

const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'pipe' });
};

interface Identity {
  cert: string;
  key: string;
}

function makeCa(dir: string, name: string): Identity {
  const ca = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.key, '-subj', `/CN=${name}`, '-days', '1', '-out', ca.cert);
  return ca;
}

function issue(dir: string, name: string, ca: Identity): Identity {
  const id = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, 'extendedKeyUsage = clientAuth\n');
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', id.key, '-subj', `/CN=${name}`, '-out', csr);
  openssl('x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', id.cert);
  return id;
}

function whoami(server: TestServer, identity: Identity | undefined, headers: Record<string, string | string[]>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: server.port, method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      ca: readFileSync(server.caFile), ...(identity ? { cert: readFileSync(identity.cert), key: readFileSync(identity.key) } : {}),
      headers: { 'content-type': 'application/json', ...headers },
    }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
  });
}

describe('request header authentication (front proxy)', () => {
  const dir = tempDir('front-proxy');
  let server: TestServer;
  let proxy: Identity;
  let stranger: Identity;
  const asked = { 'x-remote-user': 'jane', 'x-remote-group': ['devs', 'qa'], 'x-remote-uid': 'j-1', 'x-remote-extra-scopes': 'read', 'x-remote-extra-acme.com%2Fteam': 'blue' };

  before(async () => {
    const ca = makeCa(dir, 'front-proxy-ca');
    proxy = issue(dir, 'front-proxy-client', ca);
    stranger = issue(dir, 'someone-else', ca);
    server = await startTestServer({
      requestheaderClientCaFile: ca.cert,
      requestheaderAllowedNames: ['front-proxy-client'],
      requestheaderUsernameHeaders: ['X-Remote-User'],
      requestheaderGroupHeaders: ['X-Remote-Group'],
      requestheaderUidHeaders: ['X-Remote-Uid'],
      requestheaderExtraHeadersPrefix: ['X-Remote-Extra-'],
    });
  });
  after(async () => {
    await server.dispose();
  });

  it('believes the headers of a proxy whose certificate the CA signed, with an allowed CN', async () => {
    const reply = await whoami(server, proxy, asked);
    assert.equal(reply.status, 201);
    assert.deepEqual(JSON.parse(reply.body).status.userInfo, {
      username: 'jane', uid: 'j-1', groups: ['devs', 'qa', 'system:authenticated'], extra: { scopes: ['read'], 'acme.com/team': ['blue'] },
    });
  });

  it('ignores the headers without the proxy certificate: the request is anonymous', async () => {
    const reply = await whoami(server, undefined, asked);
    assert.equal(reply.status, 403);
    assert.match(JSON.parse(reply.body).message, /User "system:anonymous" cannot create resource "selfsubjectreviews"/);
  });

  it('refuses a proxy certificate whose CN is not allowed', async () => {
    const reply = await whoami(server, stranger, asked);
    assert.equal(reply.status, 401);
    assert.deepEqual(JSON.parse(reply.body), UNAUTHORIZED);
  });
});
