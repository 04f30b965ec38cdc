// Nobody gains rights by writing RBAC objects, and a failing patch tells its
// sender nothing about the object: kube's escalation prevention (escalate and
// bind) and its JSON-patch error wording, driven as the attacker did.

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suiteServer } from '../support/server.js';
import { call, type Response } from '../support/http.js';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const TEAM_ROLES = `${RBAC}/namespaces/team/roles`;
const TEAM_BINDINGS = `${RBAC}/namespaces/team/rolebindings`;
const TEAM_SECRETS = '/api/v1/namespaces/team/secrets';
const PASSWORD = 'c3VwZXItc2VjcmV0LXBhc3N3b3Jk'; // base64 of the secret's value

const json = (body: unknown): string => JSON.stringify(body);
const NOT_HELD = 'user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:';

describe('escalation prevention and information leaks', () => {
  const suite = suiteServer();
  /** As alice, by the admin's impersonation: her rights are her own RBAC bindings'. */
  const asAlice = (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> =>
    call(suite.creds, method, path, { ...(body === undefined ? {} : { body: json(body) }), headers: { 'impersonate-user': 'alice', 'content-type': contentType } });
  const asAdmin = async (method: string, path: string, body?: unknown): Promise<void> => {
    const response = await call(suite.creds, method, path, body === undefined ? {} : { body: json(body) });
    assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.body}`);
  };

  before(async () => {
    await asAdmin('POST', '/api/v1/namespaces', { metadata: { name: 'team' } });
    // alice may manage roles and bindings in team, and patch (never read) its secrets.
    await asAdmin('POST', TEAM_ROLES, {
      metadata: { name: 'rbac-manager' },
      rules: [
        { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create', 'get', 'update', 'patch'] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['patch'] },
      ],
    });
    await asAdmin('POST', TEAM_BINDINGS, { metadata: { name: 'alice-manages' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rbac-manager' }, subjects: [{ kind: 'User', name: 'alice' }] });
    await asAdmin('POST', TEAM_SECRETS, { metadata: { name: 's' }, data: { password: PASSWORD } });
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`refuses kubectl ${version} create rolebinding to cluster-admin for oneself, and the secrets stay unreadable`, async () => {
      const k = kubectl(version, suite.server.kubeconfigPath);
      const result = await k.run(['create', 'rolebinding', `me-admin-${version}`, '-n', 'team', '--clusterrole=cluster-admin', '--user=alice', '--as=alice']);
      assert.notEqual(result.code, 0, result.stdout);
      assert.match(result.stderr, new RegExp(`rolebindings\\.rbac\\.authorization\\.k8s\\.io "me-admin-${version.replace('.', '\\.')}" is forbidden: user "alice" \\(groups=\\["system:authenticated"\\]\\) is attempting to grant RBAC permissions not currently held`));
      assert.equal((await asAlice('GET', `${TEAM_SECRETS}/s`)).status, 403);
      assert.equal((await call(suite.creds, 'GET', `${TEAM_BINDINGS}/me-admin-${version}`)).status, 404);
    });
  }

  it('refuses a Role granting * on * with 403 and kube\'s message', async () => {
    const response = await asAlice('POST', TEAM_ROLES, { metadata: { name: 'everything' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] });
    assert.equal(response.status, 403, response.body);
    const status = response.json();
    assert.equal(status.reason, 'Forbidden');
    assert.equal(status.message, `roles.rbac.authorization.k8s.io "everything" is forbidden: ${NOT_HELD}\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}`);
    assert.deepEqual(status.details, { name: 'everything', group: 'rbac.authorization.k8s.io', kind: 'roles' });
  });

  it('lets a Role grant what its writer holds, and refuses an update or patch that goes beyond it', async () => {
    const held = { metadata: { name: 'reader' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get'] }] };
    assert.equal((await asAlice('POST', TEAM_ROLES, held)).status, 201);
    const patch = await asAlice('PATCH', `${TEAM_ROLES}/reader`, [{ op: 'add', path: '/rules/-', value: { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] } }], 'application/json-patch+json');
    assert.equal(patch.status, 403, patch.body);
    assert.equal(patch.json().message, `roles.rbac.authorization.k8s.io "reader" is forbidden: ${NOT_HELD}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}`);
    const put = await asAlice('PUT', `${TEAM_ROLES}/reader`, { ...held, rules: [...held.rules, { nonResourceURLs: ['/metrics'], verbs: ['get'] }] });
    assert.equal(put.status, 403, put.body);
    assert.match(put.json().message, /\{NonResourceURLs:\["\/metrics"\], Verbs:\["get"\]\}$/);
  });

  it('refuses a binding a user may not bind, and does not let an update change its roleRef', async () => {
    const binding = { metadata: { name: 'to-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'alice' }] };
    assert.equal((await asAlice('POST', TEAM_BINDINGS, binding)).status, 403);
    // A binding to a role alice fully holds is fine, but its roleRef is then fixed.
    const own = { metadata: { name: 'own' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rbac-manager' }, subjects: [{ kind: 'User', name: 'bob' }] };
    assert.equal((await asAlice('POST', TEAM_BINDINGS, own)).status, 201);
    const swap = await asAlice('PATCH', `${TEAM_BINDINGS}/own`, { roleRef: { kind: 'ClusterRole', name: 'cluster-admin' } }, 'application/merge-patch+json');
    assert.equal(swap.status, 422, swap.body);
    assert.match(swap.json().message, /roleRef: Invalid value: rbac\.RoleRef\{APIGroup:"rbac\.authorization\.k8s\.io", Kind:"ClusterRole", Name:"cluster-admin"\}: cannot change roleRef/);
  });

  it('lets a user with escalate write any Role, and a user with bind bind that role', async () => {
    await asAdmin('POST', TEAM_ROLES, { metadata: { name: 'escalator' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] }, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['view'] }] });
    await asAdmin('POST', TEAM_BINDINGS, { metadata: { name: 'alice-escalates' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'escalator' }, subjects: [{ kind: 'User', name: 'alice' }] });
    assert.equal((await asAlice('POST', TEAM_ROLES, { metadata: { name: 'everything-allowed' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] })).status, 201);
    // escalate can be held on one role by name, as kube checks it on the role being written.
    await asAdmin('POST', TEAM_ROLES, { metadata: { name: 'named-escalator' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'], resourceNames: ['only-this'] }] });
    await asAdmin('POST', TEAM_BINDINGS, { metadata: { name: 'bob-escalates' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'named-escalator' }, subjects: [{ kind: 'User', name: 'bob' }] });
    await asAdmin('POST', TEAM_BINDINGS, { metadata: { name: 'bob-manages' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rbac-manager' }, subjects: [{ kind: 'User', name: 'bob' }] });
    const asBob = (name: string): Promise<Response> =>
      call(suite.creds, 'POST', TEAM_ROLES, { body: json({ metadata: { name }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['delete'] }] }), headers: { 'impersonate-user': 'bob' } });
    assert.equal((await asBob('only-this')).status, 201);
    assert.equal((await asBob('another')).status, 403);
    const view = { metadata: { name: 'view-for-bob' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'bob' }] };
    assert.equal((await asAlice('POST', TEAM_BINDINGS, view)).status, 201);
    const edit = { metadata: { name: 'edit-for-bob' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: 'bob' }] };
    assert.equal((await asAlice('POST', TEAM_BINDINGS, edit)).status, 403);
  });

  it('answers a failing JSON patch of a secret without any of the secret', async () => {
    for (const patch of [
      [{ op: 'test', path: '/data/password', value: 'x' }],
      [{ op: 'remove', path: '/data/nope' }],
      [{ op: 'replace', path: '/data/nope/deeper', value: 'x' }],
      [{ op: 'move', from: '/data/nope', path: '/data/x' }],
      [{ op: 'bogus', path: '/data' }],
    ]) {
      const response = await asAlice('PATCH', `${TEAM_SECRETS}/s`, patch, 'application/json-patch+json');
      assert.equal(response.status, 422, response.body);
      assert.equal(response.json().message, 'the server rejected our request due to an error in our request');
      for (const leak of [PASSWORD, 'creationTimestamp', 'uid', 'resourceVersion']) assert.equal(response.body.includes(leak), false, `${json(patch)} leaked ${leak}: ${response.body}`);
    }
    const test = await asAlice('PATCH', `${TEAM_SECRETS}/s`, [{ op: 'test', path: '/data/password', value: 'x' }], 'application/json-patch+json');
    assert.deepEqual(test.json().details.causes, [{ reason: 'UnexpectedServerResponse', message: 'testing value /data/password failed: test failed' }]);
  });
});
