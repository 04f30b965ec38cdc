// The authorizers beyond RBAC, with the real kubectl: an ABAC policy file;
// the Node authorizer (a node reads only the secrets and configmaps of the
// pods bound to it) chained with RBAC through --authorization-config; and
// impersonation with `kubectl --as` / `--as-group`, allowed and refused in
// kube's words.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { call, credentialsOf } from '../support/http.js';
import { tokenKubeconfig } from '../support/tokens.js';
import { startServer, StartupError } from '../../harness/start-server.js';

const TOKENS = [
  'alice-token,alice,a1,"devs"',
  'bob-token,bob,b1,"readers"',
  'node1-token,system:node:node1,n1,"system:nodes"',
  'node2-token,system:node:node2,n2,"system:nodes"',
  '',
].join('\n');

const pod = (name: string, node: string, secret: string, configMap: string): string => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: {
    nodeName: node, serviceAccountName: 'default',
    containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: configMap } }] }],
    volumes: [{ name: 's', secret: { secretName: secret } }],
  },
});

describe('ABAC (--authorization-policy-file)', () => {
  const dir = tempDir('abac');
  let server: TestServer;

  before(async () => {
    const tokens = join(dir, 'tokens.csv');
    writeFileSync(tokens, TOKENS);
    const policy = join(dir, 'policy.jsonl');
    writeFileSync(policy, [
      '# alice may do anything in dev; readers may read pods anywhere',
      '{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"user": "alice", "namespace": "dev", "resource": "*", "apiGroup": "*"}}',
      '{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "readers", "namespace": "*", "resource": "pods", "apiGroup": "", "readonly": true}}',
      '{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "system:authenticated", "readonly": true, "nonResourcePath": "*"}}',
      '{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "system:authenticated", "readonly": true, "namespace": "*", "resource": "*", "apiGroup": "apiextensions.k8s.io"}}',
      '{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "system:authenticated", "namespace": "*", "resource": "selfsubjectrulesreviews", "apiGroup": "authorization.k8s.io"}}',
      '',
    ].join('\n'));
    server = await startTestServer({ tokenAuthFile: tokens, authorizationMode: ['ABAC'], authorizationPolicyFile: policy });
    await kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath).ok(['create', 'namespace', 'dev']);
  });
  after(async () => {
    await server.dispose();
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`kubectl ${version}: each user may do what a policy line allows, and nothing else`, async () => {
      const alice = kubectl(version, tokenKubeconfig(dir, `alice-${version}`, server, 'alice-token'));
      const bob = kubectl(version, tokenKubeconfig(dir, `bob-${version}`, server, 'bob-token'));
      await alice.ok(['create', 'configmap', `c-${version.replace('.', '-')}`, '-n', 'dev', '--from-literal=a=b']);
      const elsewhere = await alice.run(['get', 'configmaps', '-n', 'default']);
      assert.match(elsewhere.stderr, /configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" in the namespace "default": No policy matched\./);
      await bob.ok(['get', 'pods', '-n', 'dev']);
      const write = await bob.run(['delete', 'pod', 'nothing', '-n', 'dev']);
      assert.match(write.stderr, /pods "nothing" is forbidden: User "bob" cannot delete resource "pods" in API group "" in the namespace "dev"/);
      const secrets = await bob.run(['get', 'secrets', '-n', 'dev']);
      assert.match(secrets.stderr, /secrets is forbidden: User "bob" cannot list resource "secrets"/);
      // ABAC lists its rules: alice's in dev, bob's read-only ones, and no warning of an incomplete list.
      const aliceRules = await alice.run(['auth', 'can-i', '--list', '-n', 'dev']);
      assert.match(aliceRules.stdout, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
      assert.doesNotMatch(aliceRules.stderr, /incomplete/i);
      const bobRules = await bob.ok(['auth', 'can-i', '--list', '-n', 'dev']);
      assert.match(bobRules, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
      assert.doesNotMatch(bobRules, /^\*\.\*/m);
    });
  }

  it('refuses a malformed policy file at start, in one line naming its line', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"user": "x"}}\n{"user": \n');
    const error = await startServer({ securePort: 0, quiet: true, dataDir: tempDir('abac-bad'), authorizationMode: ['ABAC'], authorizationPolicyFile: bad }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof StartupError);
    assert.equal(error.outcome.optionErrors.length, 1);
    assert.match(error.outcome.optionErrors[0]!, /^--authorization-policy-file .*bad\.jsonl: line 2: /);
  });
});

describe('the Node authorizer, chained with RBAC by --authorization-config', () => {
  const dir = tempDir('node-authz');
  let server: TestServer;

  before(async () => {
    const tokens = join(dir, 'tokens.csv');
    writeFileSync(tokens, TOKENS);
    const config = join(dir, 'authz.yaml');
    writeFileSync(config, 'apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n- type: Node\n  name: node\n- type: RBAC\n  name: rbac\n');
    server = await startTestServer({ tokenAuthFile: tokens, authorizationConfig: config });
    const admin = kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath);
    for (const name of ['s1', 's2', 's3']) await admin.ok(['create', 'secret', 'generic', name, '--from-literal=k=v']);
    for (const name of ['c1', 'c2']) await admin.ok(['create', 'configmap', name, '--from-literal=k=v']);
    await admin.ok(['create', '-f', '-'], { input: pod('on-node1', 'node1', 's1', 'c1') });
    await admin.ok(['create', '-f', '-'], { input: pod('on-node2', 'node2', 's2', 'c2') });
  });
  after(async () => {
    await server.dispose();
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`kubectl ${version}: a node reads only the secrets and configmaps of its own pods`, async () => {
      const node1 = kubectl(version, tokenKubeconfig(dir, `node1-${version}`, server, 'node1-token'));
      assert.match(await node1.ok(['get', 'secret', 's1', '-o', 'name']), /secret\/s1/);
      assert.match(await node1.ok(['get', 'configmap', 'c1', '-o', 'name']), /configmap\/c1/);
      const other = await node1.run(['get', 'secret', 's2']);
      assert.match(other.stderr, /secrets "s2" is forbidden: User "system:node:node1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'node1' and this object/);
      assert.notEqual((await node1.run(['get', 'secret', 's3'])).code, 0);
      assert.notEqual((await node1.run(['get', 'configmap', 'c2'])).code, 0);
      const list = await node1.run(['get', 'secrets']);
      assert.match(list.stderr, /can only get individual resources of this type/);
      assert.match(await node1.ok(['get', 'pods', '-o', 'name']), /pod\/on-node1/);
      // The Node authorizer cannot list a node's rules: kube says the list is incomplete, and RBAC's are still listed.
      const rules = await node1.run(['auth', 'can-i', '--list']);
      assert.match(rules.stderr, /warning: the list may be incomplete: node authorizer does not support user rule resolution/i);
      assert.match(rules.stdout, /selfsubjectaccessreviews\.authorization\.k8s\.io/);
    });
  }

  it('follows the graph: a pod bound to the node later opens its secret, and its deletion closes it', async () => {
    const admin = kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath);
    const creds = credentialsOf(server.kubeconfigPath);
    const read = async () => (await call(creds, 'GET', '/api/v1/namespaces/default/secrets/s3', { token: 'node2-token' })).status;
    assert.equal(await read(), 403);
    await admin.ok(['create', '-f', '-'], { input: pod('later', 'node2', 's3', 'c2') });
    assert.equal(await read(), 200);
    await admin.ok(['delete', 'pod', 'later', '--grace-period=0', '--force']);
    assert.equal(await read(), 403);
  });
});

describe('impersonation (kubectl --as, --as-group)', () => {
  const dir = tempDir('impersonation');
  let server: TestServer;

  before(async () => {
    const tokens = join(dir, 'tokens.csv');
    writeFileSync(tokens, TOKENS);
    server = await startTestServer({ tokenAuthFile: tokens });
    const admin = kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath);
    await admin.ok(['create', 'clusterrole', 'impersonate-bob', '--verb=impersonate', '--resource=users', '--resource-name=bob']);
    await admin.ok(['create', 'clusterrolebinding', 'alice-as-bob', '--clusterrole=impersonate-bob', '--user=alice']);
    await admin.ok(['create', 'clusterrolebinding', 'bob-view', '--clusterrole=view', '--user=bob']);
  });
  after(async () => {
    await server.dispose();
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`kubectl ${version}: --as a user one may impersonate acts as them; others are refused in kube's words`, async () => {
      const alice = kubectl(version, tokenKubeconfig(dir, `alice-${version}`, server, 'alice-token'));
      assert.equal((await alice.run(['get', 'pods'])).code, 1, 'alice herself may not');
      await alice.ok(['get', 'pods', '--as', 'bob']);
      const review = JSON.parse(await alice.ok(['create', '--validate=false', '-o', 'json', '--as', 'bob', '-f', '-'], { input: 'apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\n' }));
      assert.deepEqual(review.status.userInfo, { username: 'bob', groups: ['system:authenticated'] });
      const carol = await alice.run(['get', 'pods', '--as', 'carol']);
      assert.match(carol.stderr, /users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope/);
      const group = await alice.run(['get', 'pods', '--as', 'bob', '--as-group', 'system:masters']);
      assert.match(group.stderr, /groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope/);
      const account = await alice.run(['get', 'pods', '--as', 'system:serviceaccount:kube-system:default']);
      assert.match(account.stderr, /serviceaccounts "default" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"/);
    });
  }

  it('checks uids and extras too, and refuses a group without a user', async () => {
    const creds = credentialsOf(server.kubeconfigPath);
    const asAlice = (headers: Record<string, string>) => call(creds, 'GET', '/api/v1/namespaces/default/pods', { token: 'alice-token', headers });
    const uid = await asAlice({ 'impersonate-user': 'bob', 'impersonate-uid': 'b1' });
    assert.equal(uid.status, 403);
    assert.match(uid.json().message, /uids.authentication.k8s.io "b1" is forbidden: User "alice" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope/);
    const extra = await asAlice({ 'impersonate-user': 'bob', 'impersonate-extra-scopes': 'admin' });
    assert.equal(extra.status, 403);
    assert.match(extra.json().message, /userextras.authentication.k8s.io "admin" is forbidden: User "alice" cannot impersonate resource "userextras\/scopes" in API group "authentication.k8s.io" at the cluster scope/);
    const groupOnly = await call(creds, 'GET', '/api/v1/namespaces/default/pods', { headers: { 'impersonate-group': 'devs' } });
    assert.equal(groupOnly.status, 500);
    assert.match(groupOnly.json().message, /without impersonating a user/);
    const admin = await call(creds, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
      // uWebSockets.js refuses a `%` in a header name, so the percent-encoded key is the node transport's spec (request-header.spec.ts).
      headers: { 'impersonate-user': 'system:serviceaccount:ns1:robot', 'impersonate-uid': 'r-1', 'impersonate-extra-Team': 'blue' },
    });
    assert.deepEqual(admin.json().status.userInfo, {
      username: 'system:serviceaccount:ns1:robot', uid: 'r-1', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'], extra: { team: ['blue'] },
    });
  });
});
