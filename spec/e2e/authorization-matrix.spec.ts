// The authorization matrix: for a set of users, groups and bindings, every
// verb on a set of resources in a set of namespaces is asked of the server
// (SubjectAccessReview, answered by the whole chain), and every answer must
// match the expected table below, written from kube's bootstrap roles. The
// spec reports every wrong answer, and there must be none.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suiteServer } from '../support/server.js';
import { call } from '../support/http.js';

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] as const;
const READ = ['get', 'list', 'watch'];
const RESOURCES = [
  { group: '', resource: 'pods' },
  { group: '', resource: 'secrets' },
  { group: 'apps', resource: 'deployments' },
  { group: 'rbac.authorization.k8s.io', resource: 'roles' },
] as const;
const NAMESPACES = ['dev', 'prod', 'default'] as const;

interface Subject {
  user: string;
  groups: string[];
}

const SUBJECTS: Subject[] = [
  { user: 'alice', groups: [] },          // edit in dev (RoleBinding to the ClusterRole)
  { user: 'bob', groups: [] },            // view everywhere (ClusterRoleBinding)
  { user: 'carol', groups: ['auditors'] }, // auditors read secrets in prod (a Role)
  { user: 'dave', groups: ['platform'] }, // platform admins dev and prod (RoleBindings to admin)
  { user: 'eve', groups: [] },            // nothing
];

/**
 * The expected table: `user namespace resource verbs` lines, every other
 * question denied. edit and admin include secrets; view does not; only admin
 * includes roles; a Role grants in its own namespace only.
 */
const EXPECTED = [
  `alice dev pods ${VERBS.join(',')}`,
  `alice dev secrets ${VERBS.join(',')}`,
  `alice dev deployments ${VERBS.join(',')}`,
  ...NAMESPACES.flatMap((ns) => [`bob ${ns} pods ${READ.join(',')}`, `bob ${ns} deployments ${READ.join(',')}`]),
  'carol prod secrets get,list',
  ...['dev', 'prod'].flatMap((ns) => ['pods', 'secrets', 'deployments', 'roles'].map((r) => `dave ${ns} ${r} ${VERBS.join(',')}`)),
];

const allowed = new Set(EXPECTED.flatMap((line) => {
  const [user, ns, resource, verbs] = line.split(' ') as [string, string, string, string];
  return verbs.split(',').map((verb) => `${user} ${ns} ${resource} ${verb}`);
}));

describe('the authorization matrix', () => {
  const suite = suiteServer();
  const post = (path: string, body: object) => call(suite.creds, 'POST', path, { body: JSON.stringify(body) });
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const ref = (kind: string, name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
  const user = (name: string) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
  const group = (name: string) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });

  it('answers every question as the expected table says', async () => {
    for (const ns of ['dev', 'prod']) assert.equal((await post('/api/v1/namespaces', { metadata: { name: ns } })).status, 201);
    const writes = [
      post(`${rbac}/namespaces/dev/rolebindings`, { metadata: { name: 'alice-edit' }, roleRef: ref('ClusterRole', 'edit'), subjects: [user('alice')] }),
      post(`${rbac}/clusterrolebindings`, { metadata: { name: 'bob-view' }, roleRef: ref('ClusterRole', 'view'), subjects: [user('bob')] }),
      post(`${rbac}/namespaces/prod/roles`, { metadata: { name: 'secret-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] }),
      post(`${rbac}/namespaces/prod/rolebindings`, { metadata: { name: 'auditors' }, roleRef: ref('Role', 'secret-reader'), subjects: [group('auditors')] }),
      post(`${rbac}/namespaces/dev/rolebindings`, { metadata: { name: 'platform' }, roleRef: ref('ClusterRole', 'admin'), subjects: [group('platform')] }),
      post(`${rbac}/namespaces/prod/rolebindings`, { metadata: { name: 'platform' }, roleRef: ref('ClusterRole', 'admin'), subjects: [group('platform')] }),
    ];
    for (const reply of await Promise.all(writes)) assert.equal(reply.status, 201, reply.body);

    const wrong: string[] = [];
    let asked = 0;
    for (const subject of SUBJECTS) {
      for (const ns of NAMESPACES) {
        for (const { group: apiGroup, resource } of RESOURCES) {
          const answers = await Promise.all(VERBS.map(async (verb) => {
            const reply = await post('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
              apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
              spec: { user: subject.user, groups: [...subject.groups, 'system:authenticated'], resourceAttributes: { namespace: ns, verb, group: apiGroup, resource } },
            });
            return { verb, got: reply.json().status.allowed === true };
          }));
          for (const { verb, got } of answers) {
            asked++;
            const key = `${subject.user} ${ns} ${resource} ${verb}`;
            if (got !== allowed.has(key)) wrong.push(`${key}: expected ${allowed.has(key) ? 'allowed' : 'denied'}, got ${got ? 'allowed' : 'denied'}`);
          }
        }
      }
    }
    assert.equal(asked, SUBJECTS.length * NAMESPACES.length * RESOURCES.length * VERBS.length);
    assert.deepEqual(wrong, [], `${wrong.length} wrong answers of ${asked}`);
  });

  it('answers the same through real requests as through reviews (a sample of the table)', async () => {
    const as = (who: string, groups: string[], path: string) =>
      call(suite.creds, 'GET', path, { headers: { 'impersonate-user': who, ...(groups.length > 0 ? { 'impersonate-group': groups.join(',') } : {}) } });
    assert.equal((await as('alice', [], '/api/v1/namespaces/dev/secrets')).status, 200);
    assert.equal((await as('alice', [], '/api/v1/namespaces/prod/secrets')).status, 403);
    assert.equal((await as('bob', [], '/api/v1/namespaces/prod/secrets')).status, 403);
    assert.equal((await as('bob', [], '/apis/apps/v1/namespaces/default/deployments')).status, 200);
    assert.equal((await as('carol', ['auditors'], '/api/v1/namespaces/prod/secrets')).status, 200);
    assert.equal((await as('carol', ['auditors'], '/api/v1/namespaces/dev/secrets')).status, 403);
    assert.equal((await as('dave', ['platform'], '/apis/rbac.authorization.k8s.io/v1/namespaces/prod/roles')).status, 200);
    assert.equal((await as('eve', [], '/api/v1/namespaces/default/pods')).status, 403);
  });
});
