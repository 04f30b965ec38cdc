// Service account tokens as kube issues them, with the real kubectl:
// `kubectl create token` answers a signed JWT that logs in as the service
// account, for the API's audience only, bound to a pod it stops with; the
// tokens survive a restart; the issuer's discovery documents verify them.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { call, credentialsOf, type Credentials } from '../support/http.js';
import { tokenKubeconfig, UNAUTHORIZED } from '../support/tokens.js';

const whoamiAs = (creds: Credentials, token: string) =>
  call(creds, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }) });

describe('service account tokens (kubectl create token)', () => {
  const dataDir = tempDir('sa-tokens');
  const dir = tempDir('sa-tokens-kubeconfigs');
  let server: TestServer;
  let creds: Credentials;
  const admin = () => kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath);

  before(async () => {
    server = await startTestServer({ dataDir });
    creds = credentialsOf(server.kubeconfigPath);
    await admin().ok(['create', 'serviceaccount', 'bot']);
    await admin().ok(['create', 'rolebinding', 'bot-view', '--clusterrole=view', '--serviceaccount=default:bot']);
  });
  after(async () => {
    await server.dispose();
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`kubectl ${version}: a token from create token logs in as the service account, with kube's groups`, async () => {
      const token = (await kubectl(version, server.kubeconfigPath).ok(['create', 'token', 'bot'])).trim();
      const run = kubectl(version, tokenKubeconfig(dir, `bot-${version}`, server, token));
      const review = JSON.parse(await run.ok(['create', '--validate=false', '-o', 'json', '-f', '-'], { input: 'apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\n' }));
      assert.equal(review.status.userInfo.username, 'system:serviceaccount:default:bot');
      assert.deepEqual(review.status.userInfo.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
      assert.match(review.status.userInfo.extra['authentication.kubernetes.io/credential-id'][0], /^JTI=/);
      assert.match(await run.ok(['get', 'serviceaccounts']), /bot/);
      const denied = await run.run(['get', 'secrets', '-n', 'kube-system']);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /secrets is forbidden: User "system:serviceaccount:default:bot" cannot list resource "secrets" in API group "" in the namespace "kube-system"/);
    });
  }

  it('a token for another audience gets 401 from the API, and a TokenReview for that audience accepts it', async () => {
    const token = (await admin().ok(['create', 'token', 'bot', '--audience', 'vault'])).trim();
    const refused = await whoamiAs(creds, token);
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.json(), UNAUTHORIZED);
    const review = await call(creds, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: ['vault'] } }) });
    assert.equal(review.json().status.authenticated, true);
    assert.deepEqual(review.json().status.audiences, ['vault']);
    assert.equal(review.json().status.user.username, 'system:serviceaccount:default:bot');
  });

  it('a forged or malformed token gets 401 with kube\'s body, and the token appears in no reply', async () => {
    const token = (await admin().ok(['create', 'token', 'bot'])).trim();
    const [header, payload] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
    for (const bad of [`${header}.${forgedPayload}.${token.split('.')[2]}`, `${header}.${payload}.AAAA`, 'not.a.jwt', token.slice(0, -3)]) {
      const reply = await whoamiAs(creds, bad);
      assert.equal(reply.status, 401, bad);
      assert.deepEqual(reply.json(), UNAUTHORIZED);
    }
  });

  it('a token bound to a pod stops working when the pod is deleted', async () => {
    await admin().ok(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'worker' }, spec: { serviceAccountName: 'bot', containers: [{ name: 'c', image: 'busybox' }] } }) });
    const token = (await admin().ok(['create', 'token', 'bot', '--bound-object-kind', 'Pod', '--bound-object-name', 'worker'])).trim();
    const before = await whoamiAs(creds, token);
    assert.equal(before.status, 201);
    assert.deepEqual(before.json().status.userInfo.extra['authentication.kubernetes.io/pod-name'], ['worker']);
    await admin().ok(['delete', 'pod', 'worker', '--grace-period=0', '--force']);
    assert.equal((await whoamiAs(creds, token)).status, 401);
  });

  it("refuses to bind a token to a pod of another service account, or to a kind kube cannot bind, in kube's words", async () => {
    await admin().ok(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other' }, spec: { serviceAccountName: 'default', containers: [{ name: 'c', image: 'busybox' }] } }) });
    const pod = await admin().run(['create', 'token', 'bot', '--bound-object-kind', 'Pod', '--bound-object-name', 'other']);
    assert.match(pod.stderr, /cannot bind token for serviceaccount "bot" to pod running with serviceaccount "default"/);
    const body = (spec: object) => JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
    const kind = await call(creds, 'POST', '/api/v1/namespaces/default/serviceaccounts/bot/token', { body: body({ boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } }) });
    assert.equal(kind.status, 400);
    assert.equal(kind.json().message, 'cannot bind token to object of type /v1, Kind=ConfigMap');
    const short = await call(creds, 'POST', '/api/v1/namespaces/default/serviceaccounts/bot/token', { body: body({ expirationSeconds: 60 }) });
    assert.equal(short.status, 422);
    assert.match(short.json().message, /may not specify a duration less than 10 minutes/);
    const missing = await call(creds, 'POST', '/api/v1/namespaces/default/serviceaccounts/ghost/token', { body: body({}) });
    assert.equal(missing.status, 404);
    assert.equal(missing.json().message, 'serviceaccounts "ghost" not found');
  });

  it('serves the issuer discovery documents to service accounts, and its keys verify the tokens', async () => {
    const token = (await admin().ok(['create', 'token', 'bot'])).trim();
    const config = await call(creds, 'GET', '/.well-known/openid-configuration', { token });
    assert.equal(config.status, 200);
    assert.equal(config.headers['cache-control'], 'public, max-age=3600');
    assert.deepEqual(config.json(), {
      issuer: 'https://kubernetes.default.svc.cluster.local',
      jwks_uri: `https://127.0.0.1:${server.port}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
    });
    const keys = await call(creds, 'GET', '/openid/v1/jwks', { token });
    assert.equal(keys.headers['content-type'], 'application/jwk-set+json');
    const { payload } = await jwtVerify(token, createLocalJWKSet(keys.json<JSONWebKeySet>()), { issuer: 'https://kubernetes.default.svc.cluster.local' });
    assert.equal(payload.sub, 'system:serviceaccount:default:bot');
    assert.equal((await call(creds, 'GET', '/openid/v1/jwks', { token: null })).status, 403, 'anonymous may not read it by default');
  });

  it('tokens survive a restart of the server on the same data directory', async () => {
    const token = (await admin().ok(['create', 'token', 'bot'])).trim();
    await server.stop();
    server = await startTestServer({ dataDir });
    creds = credentialsOf(server.kubeconfigPath);
    const reply = await whoamiAs(creds, token);
    assert.equal(reply.status, 201);
    assert.equal(reply.json().status.userInfo.username, 'system:serviceaccount:default:bot');
  });
});
