// Webhook token authentication and Webhook authorization, as kube-apiserver
// runs them: webhooks the spec serves on loopback (HTTPS, its own CA), named
// by kubeconfig-format files. The token webhook answers TokenReviews (cached
// for --authentication-token-webhook-cache-ttl); the authorization webhook
// answers SubjectAccessReviews: allowed, denied (ending the chain), or no
// opinion (RBAC decides next); a failing one is kube's 500.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { startServer, StartupError } from '../../harness/start-server.js';
import { call, credentialsOf, type Credentials } from '../support/http.js';
import { tokenKubeconfig, UNAUTHORIZED } from '../support/tokens.js';
import { makeTestCa, startTestWebhook, type TestWebhook } from '../support/webhook-server.js';

/** A webhook kubeconfig; `user` holds the user entry's fields (the API server's credentials for the webhook). */
function webhookKubeconfig(dir: string, name: string, url: string, caPem: string, user: Record<string, string> = {}): string {
  const path = join(dir, `${name}.kubeconfig`);
  const fields = Object.entries(user).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`);
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: webhook', '  cluster:', `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`, `    server: ${url}`,
    'users:', '- name: apiserver', ...(fields.length > 0 ? ['  user:', ...fields] : []),
    'contexts:', '- name: webhook', '  context: {cluster: webhook, user: apiserver}', 'current-context: webhook', '',
  ].join('\n'));
  return path;
}

interface Review {
  apiVersion: string;
  kind: string;
  spec: { token?: string; user?: string; groups?: string[]; resourceAttributes?: { verb: string; resource: string; namespace: string } };
}

describe('webhook token authentication and Webhook authorization', () => {
  const dir = tempDir('webhooks-authn');
  let tokens: TestWebhook;
  let authz: TestWebhook;
  let server: TestServer;
  let creds: Credentials;

  before(async () => {
    const ca = await makeTestCa();
    tokens = await startTestWebhook(ca, {
      handler: (body) => {
        const review = body as Review;
        const known = review.spec.token === 'jane-token';
        return { apiVersion: review.apiVersion, kind: 'TokenReview', status: known ? { authenticated: true, user: { username: 'jane', uid: 'j-1', groups: ['ops'], extra: { team: ['blue'] } } } : { authenticated: false } };
      },
    });
    authz = await startTestWebhook(ca, {
      handler: (body, _request, response) => {
        const { spec } = body as Review;
        const a = spec.resourceAttributes;
        if (spec.user !== 'jane' || !a) return { status: { allowed: false } };
        if (a.resource === 'pods' && a.verb === 'list') return { status: { allowed: true, reason: 'ops may list pods' } };
        if (a.resource === 'secrets') return { status: { allowed: false, denied: true, reason: 'no secrets for ops' } };
        if (a.resource === 'nodes') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('not json');
          return undefined;
        }
        return { status: { allowed: false } };
      },
    });
    server = await startTestServer({
      authenticationTokenWebhookConfigFile: webhookKubeconfig(dir, 'tokens', tokens.url('/authenticate'), ca.certPem),
      authenticationTokenWebhookVersion: 'v1',
      authorizationMode: ['Webhook', 'RBAC'],
      authorizationWebhookConfigFile: webhookKubeconfig(dir, 'authz', authz.url('/authorize'), ca.certPem),
      authorizationWebhookVersion: 'v1',
    });
    creds = credentialsOf(server.kubeconfigPath);
    const admin = kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath);
    // RBAC would let jane read secrets and configmaps: the webhook's deny comes first.
    await admin.ok(['create', 'rolebinding', 'jane-edit', '--clusterrole=edit', '--user=jane']);
  });
  after(async () => {
    await server.dispose();
    await tokens.close();
    await authz.close();
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`kubectl ${version}: the token webhook names the user, and the chain decides Webhook first, then RBAC`, async () => {
      const run = kubectl(version, tokenKubeconfig(dir, `jane-${version}`, server, 'jane-token'));
      const review = JSON.parse(await run.ok(['create', '--validate=false', '-o', 'json', '-f', '-'], { input: 'apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\n' }));
      assert.deepEqual(review.status.userInfo, { username: 'jane', uid: 'j-1', groups: ['ops', 'system:authenticated'], extra: { team: ['blue'] } });
      await run.ok(['get', 'pods']);
      await run.ok(['get', 'configmaps']);
      const secrets = await run.run(['get', 'secrets']);
      assert.match(secrets.stderr, /secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "default": no secrets for ops/);
      assert.equal((await run.ok(['auth', 'can-i', 'list', 'pods'])).trim(), 'yes');
      assert.equal((await run.run(['auth', 'can-i', 'get', 'secrets'])).stdout.trim(), 'no');
      const rules = await run.run(['auth', 'can-i', '--list']);
      assert.match(rules.stderr, /warning: the list may be incomplete: webhook authorizer does not support user rule resolution/i);
      assert.match(rules.stdout, /^configmaps\s+\[\]\s+\[\]\s+\[.*get.*\]$/m, 'RBAC\'s rules are listed all the same');
    });
  }

  it('sends kube\'s TokenReview and SubjectAccessReview, and caches the answers', async () => {
    const review = tokens.seen.find((s) => (s.body as Review).spec.token === 'jane-token')!.body as Review & { spec: { audiences?: string[] } };
    assert.equal(review.apiVersion, 'authentication.k8s.io/v1');
    assert.equal(review.kind, 'TokenReview');
    assert.deepEqual(review.spec.audiences, ['https://kubernetes.default.svc.cluster.local']);
    const sar = authz.seen.find((s) => (s.body as Review).spec.resourceAttributes?.resource === 'pods')!.body as Review;
    assert.equal(sar.apiVersion, 'authorization.k8s.io/v1');
    assert.deepEqual(sar.spec.resourceAttributes, { namespace: 'default', verb: 'list', group: '', resource: 'pods', subresource: '', name: '' });
    assert.deepEqual(sar.spec.groups, ['ops', 'system:authenticated']);
    const before = { tokens: tokens.seen.length, authz: authz.seen.length };
    for (let i = 0; i < 3; i++) assert.equal((await call(creds, 'GET', '/api/v1/namespaces/default/pods', { token: 'jane-token' })).status, 200);
    assert.equal(tokens.seen.length, before.tokens, 'the token answer is cached');
    assert.equal(authz.seen.length, before.authz, 'the authorization answer is cached');
  });

  it("answers an unknown token with 401, and a failing authorization webhook with kube's 500", async () => {
    const unknown = await call(creds, 'GET', '/api/v1/namespaces/default/pods', { token: 'who-knows' });
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.json(), UNAUTHORIZED);
    const failing = await call(creds, 'GET', '/api/v1/nodes', { token: 'jane-token' });
    assert.equal(failing.status, 500);
    assert.equal(failing.json().reason, 'InternalError');
    assert.doesNotMatch(failing.body, /jane-token/);
  });
});

describe("the webhooks' kubeconfig user: a client certificate and a bearer token", () => {
  const dir = tempDir('webhooks-credentials');
  let tokens: TestWebhook;
  let authz: TestWebhook;
  let server: TestServer;
  let clientCa: Awaited<ReturnType<typeof makeTestCa>>;
  let serving: Awaited<ReturnType<typeof makeTestCa>>;

  before(async () => {
    serving = await makeTestCa();
    clientCa = await makeTestCa('webhook-client-ca');
    // Both webhooks refuse, in the TLS handshake, a client without a certificate their CA signed.
    tokens = await startTestWebhook(serving, {
      clientCa: clientCa.certPem,
      handler: (body) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status: (body as Review).spec.token === 'jane-token' ? { authenticated: true, user: { username: 'jane', groups: ['ops'] } } : { authenticated: false } }),
    });
    authz = await startTestWebhook(serving, {
      clientCa: clientCa.certPem,
      handler: (body, request) => {
        const { spec } = body as Review;
        const allowed = request.headers.authorization === 'Bearer authz-secret' && spec.user === 'jane' && spec.resourceAttributes?.resource === 'pods';
        return { status: { allowed } };
      },
    });
    const apiserver = await clientCa.issue({}, undefined, { commonName: 'kube-apiserver' });
    writeFileSync(join(dir, 'client.crt'), apiserver.certPem);
    writeFileSync(join(dir, 'client.key'), apiserver.keyPem);
    writeFileSync(join(dir, 'authz-token'), 'authz-secret\n');
    server = await startTestServer({
      authenticationTokenWebhookConfigFile: webhookKubeconfig(dir, 'tokens', tokens.url('/authenticate'), serving.certPem, {
        'client-certificate-data': Buffer.from(apiserver.certPem).toString('base64'),
        'client-key-data': Buffer.from(apiserver.keyPem).toString('base64'),
      }),
      authorizationMode: ['Webhook', 'RBAC'],
      authorizationWebhookConfigFile: webhookKubeconfig(dir, 'authz', authz.url('/authorize'), serving.certPem, {
        'client-certificate': join(dir, 'client.crt'), 'client-key': join(dir, 'client.key'), tokenFile: join(dir, 'authz-token'),
      }),
    });
  });
  after(async () => {
    await server.dispose();
    await tokens.close();
    await authz.close();
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`kubectl ${version}: the server presents its client certificate to both webhooks and its token to the authorizer`, async () => {
      const run = kubectl(version, tokenKubeconfig(dir, `jane-${version}`, server, 'jane-token'));
      await run.ok(['get', 'pods']);
      const refused = await run.run(['get', 'configmaps']);
      assert.match(refused.stderr, /configmaps is forbidden: User "jane" cannot list resource "configmaps"/);
      assert.equal(tokens.seen.at(-1)?.clientName, 'kube-apiserver');
      assert.equal(authz.seen.at(-1)?.clientName, 'kube-apiserver');
      assert.equal(authz.seen.at(-1)?.headers.authorization, 'Bearer authz-secret');
      assert.equal(tokens.seen.at(-1)?.headers.authorization, undefined);
    });
  }

  it('refuses at start, in one line quoting no key, a certificate without its key and a key that is not the certificate\'s', async () => {
    const other = await clientCa.issue({}, undefined, { commonName: 'other' });
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'client-certificate': join(dir, 'client.crt') }, /client-key-data or client-key must be specified/],
      [{ 'client-certificate': join(dir, 'client.crt'), 'client-key-data': Buffer.from(other.keyPem).toString('base64') }, /tls: private key does not match public key/],
    ];
    for (const [i, [user, expected]] of cases.entries()) {
      const config = webhookKubeconfig(dir, `bad-${i}`, tokens.url('/authenticate'), serving.certPem, user);
      const error = await startServer({ securePort: 0, quiet: true, dataDir: tempDir('webhook-bad'), authenticationTokenWebhookConfigFile: config }).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof StartupError, String(error));
      assert.equal(error.outcome.optionErrors.length, 1);
      assert.match(error.outcome.optionErrors[0]!, /^--authentication-token-webhook-config-file: /);
      assert.match(error.outcome.optionErrors[0]!, expected);
      assert.doesNotMatch(error.outcome.optionErrors[0]!, /PRIVATE KEY/);
    }
  });
});
