// Bootstrap tokens (--enable-bootstrap-token-auth): a Secret of type
// bootstrap.kubernetes.io/token in kube-system makes `<id>.<secret>` a
// bearer token for system:bootstrap:<id> in system:bootstrappers and its
// extra groups, until it expires or the Secret goes.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { call, credentialsOf, type Credentials } from '../support/http.js';
import { tokenKubeconfig, UNAUTHORIZED } from '../support/tokens.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function bootstrapSecret(id: string, secret: string, data: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    data: Object.fromEntries(Object.entries({ 'token-id': id, 'token-secret': secret, 'usage-bootstrap-authentication': 'true', ...data }).map(([k, v]) => [k, b64(v)])),
  });
}

const whoamiAs = (creds: Credentials, token: string) =>
  call(creds, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }) });

describe('bootstrap tokens', () => {
  const dir = tempDir('bootstrap');
  let server: TestServer;
  let creds: Credentials;
  const admin = () => kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath);

  before(async () => {
    server = await startTestServer({ enableBootstrapTokenAuth: true });
    creds = credentialsOf(server.kubeconfigPath);
    const later = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await admin().ok(['create', '-f', '-'], { input: bootstrapSecret('abcdef', '0123456789abcdef', { expiration: later, 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' }) });
    await admin().ok(['create', '-f', '-'], { input: bootstrapSecret('expire', '0123456789abcdef', { expiration: '2020-01-01T00:00:00Z' }) });
    await admin().ok(['create', '-f', '-'], { input: bootstrapSecret('unused', '0123456789abcdef', { 'usage-bootstrap-authentication': 'false' }) });
  });
  after(async () => {
    await server.dispose();
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`kubectl ${version} logs in with a bootstrap token as system:bootstrap:<id>`, async () => {
      const run = kubectl(version, tokenKubeconfig(dir, `bootstrap-${version}`, server, 'abcdef.0123456789abcdef'));
      const review = JSON.parse(await run.ok(['create', '--validate=false', '-o', 'json', '-f', '-'], { input: 'apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\n' }));
      assert.deepEqual(review.status.userInfo, { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'] });
    });
  }

  it('refuses a wrong secret, an expired token, one not for authentication, and one whose Secret is gone', async () => {
    for (const token of ['abcdef.0123456789abcdee', 'expire.0123456789abcdef', 'unused.0123456789abcdef']) {
      const reply = await whoamiAs(creds, token);
      assert.equal(reply.status, 401, token);
      assert.deepEqual(reply.json(), UNAUTHORIZED);
    }
    assert.equal((await whoamiAs(creds, 'abcdef.0123456789abcdef')).status, 201);
    await admin().ok(['delete', 'secret', '-n', 'kube-system', 'bootstrap-token-abcdef']);
    assert.equal((await whoamiAs(creds, 'abcdef.0123456789abcdef')).status, 401);
  });
});

describe('bootstrap tokens without --enable-bootstrap-token-auth', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.dispose();
  });

  it('are no credential', async () => {
    const creds = credentialsOf(server.kubeconfigPath);
    await kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath).ok(['create', '-f', '-'], { input: bootstrapSecret('abcdef', '0123456789abcdef') });
    assert.equal((await whoamiAs(creds, 'abcdef.0123456789abcdef')).status, 401);
  });
});
