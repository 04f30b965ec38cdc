// RBAC decisions, rule listings and 403 wording, as kube's RBAC authorizer
// makes them, and the bootstrap policy every cluster starts with.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';
import {
  authorize,
  buildRbacIndex,
  forbiddenMessage,
  forbiddenStatus,
  rulesFor,
  subjectAccessReviewStatus,
  type Attributes,
  type PolicyRule,
  type RbacObjects,
  type ResourceAttributes,
} from '../../actors/authz/rbac.js';
import { bootstrapPolicy } from '../../actors/authz/bootstrap-policy.js';
import { alwaysAllow, alwaysDeny, NO_OPINION, rulesOfChain } from '../../actors/authz/decide.js';
import { NodeAuthorizer } from '../../actors/authz/node.js';

const RBAC = 'rbac.authorization.k8s.io';

const clusterRole = (name: string, rules: PolicyRule[], extra: Partial<KubeObject> = {}, labels?: Record<string, string>): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRole',
  metadata: labels ? { name, labels } : { name },
  rules,
  ...extra,
});
const role = (namespace: string, name: string, rules: PolicyRule[]): KubeObject => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { namespace, name }, rules });
const subject = (kind: string, name: string, namespace?: string): Record<string, string> => (namespace ? { kind, name, namespace } : { kind, name });
const clusterBinding = (name: string, roleName: string, subjects: Record<string, string>[]): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName },
  subjects,
});
const binding = (namespace: string, name: string, roleRef: { kind: string; name: string }, subjects: Record<string, string>[]): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: { namespace, name },
  roleRef: { apiGroup: RBAC, ...roleRef },
  subjects,
});

const index = (objects: Partial<RbacObjects>) =>
  buildRbacIndex({ roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [], ...objects });

const user = (username: string, ...groups: string[]): UserInfo => ({ username, groups: [...groups, 'system:authenticated'] });
const alice = user('alice');

const resource = (verb: string, resourceName: string, namespace = '', extra: Partial<ResourceAttributes> = {}): ResourceAttributes => ({
  verb,
  apiGroup: '',
  resource: resourceName,
  subresource: '',
  namespace,
  name: '',
  ...extra,
});
const path = (verb: string, p: string): Attributes => ({ verb, path: p });

const allowed = (i: ReturnType<typeof index>, u: UserInfo, a: Attributes): boolean => authorize(i, u, a).allowed;

describe('RBAC: which bindings apply', () => {
  const podReader = clusterRole('pod-reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);

  it('a ClusterRoleBinding grants in every namespace and at the cluster scope', () => {
    const i = index({ clusterRoles: [podReader], clusterRoleBindings: [clusterBinding('read', 'pod-reader', [subject('User', 'alice')])] });
    assert.ok(allowed(i, alice, resource('list', 'pods', 'a')));
    assert.ok(allowed(i, alice, resource('list', 'pods', 'b')));
    assert.ok(allowed(i, alice, resource('list', 'pods')));
    assert.ok(!allowed(i, user('bob'), resource('list', 'pods', 'a')));
  });

  it('a RoleBinding grants only in its own namespace, even when it names a ClusterRole', () => {
    const i = index({ clusterRoles: [podReader], roleBindings: [binding('team', 'read', { kind: 'ClusterRole', name: 'pod-reader' }, [subject('User', 'alice')])] });
    assert.ok(allowed(i, alice, resource('get', 'pods', 'team', { name: 'p' })));
    assert.ok(!allowed(i, alice, resource('get', 'pods', 'other', { name: 'p' })));
    assert.ok(!allowed(i, alice, resource('list', 'pods')), 'nor at the cluster scope');
  });

  it('a RoleBinding to a Role uses the Role of its own namespace', () => {
    const i = index({
      roles: [role('team', 'reader', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }]), role('other', 'reader', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }])],
      roleBindings: [binding('team', 'read', { kind: 'Role', name: 'reader' }, [subject('User', 'alice')])],
    });
    assert.ok(allowed(i, alice, resource('get', 'configmaps', 'team')));
    assert.ok(!allowed(i, alice, resource('delete', 'configmaps', 'team')));
  });

  it('binds groups by membership', () => {
    const i = index({ clusterRoles: [podReader], clusterRoleBindings: [clusterBinding('read', 'pod-reader', [subject('Group', 'readers')])] });
    assert.ok(allowed(i, user('carol', 'readers'), resource('get', 'pods', 'x')));
    assert.ok(!allowed(i, user('readers'), resource('get', 'pods', 'x')), 'a user named like the group is not in it');
  });

  it('binds service accounts by their user name; a RoleBinding may leave out their namespace, a ClusterRoleBinding may not', () => {
    const sa = user('system:serviceaccount:team:builder', 'system:serviceaccounts', 'system:serviceaccounts:team');
    const inNamespace = index({ clusterRoles: [podReader], roleBindings: [binding('team', 'read', { kind: 'ClusterRole', name: 'pod-reader' }, [subject('ServiceAccount', 'builder')])] });
    assert.ok(allowed(inNamespace, sa, resource('get', 'pods', 'team')));
    const explicit = index({ clusterRoles: [podReader], clusterRoleBindings: [clusterBinding('read', 'pod-reader', [subject('ServiceAccount', 'builder', 'team')])] });
    assert.ok(allowed(explicit, sa, resource('get', 'pods', 'elsewhere')));
    assert.ok(!allowed(explicit, user('system:serviceaccount:other:builder'), resource('get', 'pods', 'elsewhere')));
    const unqualified = index({ clusterRoles: [podReader], clusterRoleBindings: [clusterBinding('read', 'pod-reader', [subject('ServiceAccount', 'builder')])] });
    assert.ok(!allowed(unqualified, sa, resource('get', 'pods', 'team')));
  });

  it('ignores subjects of unknown kinds', () => {
    const i = index({ clusterRoles: [podReader], clusterRoleBindings: [clusterBinding('read', 'pod-reader', [subject('Robot', 'alice')])] });
    assert.ok(!allowed(i, alice, resource('get', 'pods', 'x')));
  });
});

describe('RBAC: rule matching', () => {
  const grant = (rule: PolicyRule) => index({ clusterRoles: [clusterRole('r', [rule])], clusterRoleBindings: [clusterBinding('b', 'r', [subject('User', 'alice')])] });

  it('matches `*` for verbs, groups and resources', () => {
    const i = grant({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    assert.ok(allowed(i, alice, resource('deletecollection', 'deployments', 'x', { apiGroup: 'apps' })));
    assert.ok(allowed(i, alice, resource('get', 'pods', 'x', { subresource: 'log', name: 'p' })), '`*` covers subresources too');
    assert.ok(!allowed(i, alice, path('get', '/healthz')), 'resource rules never cover non-resource URLs');
  });

  it('needs the API group to match', () => {
    const i = grant({ verbs: ['get'], apiGroups: [''], resources: ['deployments'] });
    assert.ok(!allowed(i, alice, resource('get', 'deployments', 'x', { apiGroup: 'apps' })));
  });

  it('matches a subresource only as `resource/subresource` or `*/subresource`', () => {
    const pods = grant({ verbs: ['get'], apiGroups: [''], resources: ['pods'] });
    assert.ok(!allowed(pods, alice, resource('get', 'pods', 'x', { subresource: 'log', name: 'p' })));
    const logs = grant({ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] });
    assert.ok(allowed(logs, alice, resource('get', 'pods', 'x', { subresource: 'log', name: 'p' })));
    assert.ok(!allowed(logs, alice, resource('get', 'pods', 'x', { name: 'p' })));
    const scale = grant({ verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] });
    assert.ok(allowed(scale, alice, resource('update', 'deployments', 'x', { apiGroup: 'apps', subresource: 'scale', name: 'd' })));
    assert.ok(!allowed(scale, alice, resource('update', 'deployments', 'x', { apiGroup: 'apps', subresource: 'status', name: 'd' })));
    assert.ok(!allowed(scale, alice, resource('update', 'deployments', 'x', { apiGroup: 'apps', name: 'd' })));
  });

  it('with resourceNames, covers only requests naming one of them, so never create or list', () => {
    const i = grant({ verbs: ['get', 'list', 'create', 'update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] });
    assert.ok(allowed(i, alice, resource('get', 'configmaps', 'x', { name: 'settings' })));
    assert.ok(allowed(i, alice, resource('update', 'configmaps', 'x', { name: 'settings' })));
    assert.ok(!allowed(i, alice, resource('get', 'configmaps', 'x', { name: 'other' })));
    assert.ok(!allowed(i, alice, resource('list', 'configmaps', 'x')));
    assert.ok(!allowed(i, alice, resource('create', 'configmaps', 'x')));
  });

  it('matches non-resource URLs exactly, or by prefix when the rule ends in `*`', () => {
    const i = grant({ verbs: ['get'], nonResourceURLs: ['/version', '/healthz/*'] });
    assert.ok(allowed(i, alice, path('get', '/version')));
    assert.ok(!allowed(i, alice, path('get', '/version/')));
    assert.ok(allowed(i, alice, path('get', '/healthz/etcd')));
    assert.ok(!allowed(i, alice, path('get', '/healthz')), '`/healthz/*` needs the slash');
    assert.ok(!allowed(i, alice, path('post', '/version')), 'the verb is the lower-case method');
    assert.ok(!allowed(i, alice, resource('get', 'version')), 'URL rules never cover resources');
  });
});

describe('RBAC: reasons', () => {
  it('names the binding, role and subject that allowed a request', () => {
    const i = index({
      clusterRoles: [clusterRole('reader', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])],
      clusterRoleBindings: [clusterBinding('readers', 'reader', [subject('User', 'zed'), subject('Group', 'team')])],
      roleBindings: [binding('ns', 'local', { kind: 'ClusterRole', name: 'reader' }, [subject('ServiceAccount', 'bot')])],
    });
    assert.deepEqual(authorize(i, user('carol', 'team'), resource('get', 'pods', 'ns')), {
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "reader" to Group "team"',
    });
    assert.deepEqual(authorize(i, user('system:serviceaccount:ns:bot'), resource('get', 'pods', 'ns')), {
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "local/ns" of ClusterRole "reader" to ServiceAccount "bot/ns"',
    });
  });

  it('denies without a reason when nothing applies, and reports roles it could not find', () => {
    const i = index({
      clusterRoleBindings: [clusterBinding('dangling', 'missing', [subject('User', 'alice')])],
      roleBindings: [binding('ns', 'gone', { kind: 'Role', name: 'absent' }, [subject('User', 'alice')])],
    });
    assert.deepEqual(authorize(i, user('bob'), resource('get', 'pods', 'ns')), { allowed: false, reason: '' });
    assert.deepEqual(authorize(i, alice, resource('get', 'pods')), {
      allowed: false,
      reason: `RBAC: clusterrole.${RBAC} "missing" not found`,
    });
    assert.deepEqual(authorize(i, alice, resource('get', 'pods', 'ns')), {
      allowed: false,
      reason: `RBAC: [clusterrole.${RBAC} "missing" not found, role.${RBAC} "absent" not found]`,
    });
  });

  it('turns a decision into a SubjectAccessReview status', () => {
    assert.deepEqual(subjectAccessReviewStatus({ allowed: false, reason: '' }), { allowed: false });
    assert.deepEqual(subjectAccessReviewStatus({ allowed: true, reason: 'RBAC: allowed by x' }), { allowed: true, reason: 'RBAC: allowed by x' });
  });
});

describe('RBAC: forbidden messages', () => {
  it('words resource denials as kube does, in a namespace and at the cluster scope', () => {
    assert.equal(forbiddenMessage(alice, resource('list', 'pods', 'default')), 'User "alice" cannot list resource "pods" in API group "" in the namespace "default"');
    assert.equal(
      forbiddenMessage(alice, resource('create', 'clusterroles', '', { apiGroup: RBAC })),
      `User "alice" cannot create resource "clusterroles" in API group "${RBAC}" at the cluster scope`,
    );
    assert.equal(
      forbiddenMessage(alice, resource('get', 'pods', 'default', { subresource: 'log', name: 'web' })),
      'User "alice" cannot get resource "pods/log" in API group "" in the namespace "default"',
    );
    assert.equal(forbiddenMessage(alice, path('get', '/metrics')), 'User "alice" cannot get path "/metrics"');
  });

  it('builds the 403 Status with the resource prefix, details and any reason', () => {
    const named = forbiddenStatus(alice, resource('get', 'deployments', 'default', { apiGroup: 'apps', name: 'web' }));
    assert.equal(named.code, 403);
    assert.equal(named.reason, 'Forbidden');
    assert.equal(named.message, 'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in the namespace "default"');
    assert.deepEqual(named.details, { name: 'web', group: 'apps', kind: 'deployments' });

    const unnamed = forbiddenStatus(alice, resource('list', 'pods', 'default'), 'RBAC: role.x "y" not found');
    assert.equal(unnamed.message, 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default": RBAC: role.x "y" not found');
    assert.deepEqual(unnamed.details, { kind: 'pods' });

    const url = forbiddenStatus(user('system:anonymous'), path('get', '/api'));
    assert.equal(url.message, 'forbidden: User "system:anonymous" cannot get path "/api"');
  });

  it('escapes HTML-looking characters', () => {
    assert.equal(forbiddenStatus(user('<b>'), path('get', '/a&b')).message, 'forbidden: User "&lt;b&gt;" cannot get path "/a&amp;b"');
  });
});

describe('RBAC: rules for a user (SelfSubjectRulesReview)', () => {
  const i = index({
    clusterRoles: [
      clusterRole('urls', [{ verbs: ['get'], nonResourceURLs: ['/version'] }]),
      clusterRole('named', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['token'] }]),
    ],
    roles: [role('team', 'edit', [{ verbs: ['create'], apiGroups: ['apps'], resources: ['deployments'] }])],
    clusterRoleBindings: [clusterBinding('urls', 'urls', [subject('User', 'alice')])],
    roleBindings: [
      binding('team', 'edit', { kind: 'Role', name: 'edit' }, [subject('User', 'alice')]),
      binding('team', 'named', { kind: 'ClusterRole', name: 'named' }, [subject('User', 'alice')]),
      binding('other', 'edit', { kind: 'Role', name: 'missing' }, [subject('User', 'alice')]),
    ],
  });

  it("lists cluster-wide rules and the namespace's own, in kube's shapes", () => {
    assert.deepEqual(rulesFor(i, alice, 'team'), {
      resourceRules: [
        { verbs: ['create'], apiGroups: ['apps'], resources: ['deployments'] },
        { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['token'] },
      ],
      nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/version'] }],
      incomplete: false,
    });
  });

  it('leaves out other namespaces and reports missing roles as an evaluation error', () => {
    assert.deepEqual(rulesFor(i, alice, 'default').resourceRules, []);
    const other = rulesFor(i, alice, 'other');
    assert.equal(other.evaluationError, `role.${RBAC} "missing" not found`);
    assert.equal(other.incomplete, false);
  });
});

describe('RBAC: aggregated ClusterRoles', () => {
  it('take the rules of the roles their selectors pick, as the aggregation controller would write them', () => {
    const i = index({
      clusterRoles: [
        clusterRole('viewer', [{ verbs: ['get'], apiGroups: [''], resources: ['stale'] }], {
          aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/view': 'true' } }] },
        }),
        clusterRole('widgets-view', [{ verbs: ['get', 'list'], apiGroups: ['example.com'], resources: ['widgets'] }], {}, { 'example.com/view': 'true' }),
        clusterRole('gadgets-view', [{ verbs: ['get'], apiGroups: ['example.com'], resources: ['gadgets'] }], {}, { 'example.com/view': 'false' }),
      ],
      clusterRoleBindings: [clusterBinding('b', 'viewer', [subject('User', 'alice')])],
    });
    assert.ok(allowed(i, alice, resource('list', 'widgets', 'x', { apiGroup: 'example.com' })));
    assert.ok(!allowed(i, alice, resource('get', 'gadgets', 'x', { apiGroup: 'example.com' })));
    assert.ok(!allowed(i, alice, resource('get', 'stale', 'x')), 'its own stored rules are replaced');
  });

  it('support matchExpressions', () => {
    const i = index({
      clusterRoles: [
        clusterRole('agg', [], { aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }] } }),
        clusterRole('in', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], {}, { tier: 'b' }),
        clusterRole('out', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], {}, { tier: 'c' }),
      ],
      clusterRoleBindings: [clusterBinding('b', 'agg', [subject('User', 'alice')])],
    });
    assert.ok(allowed(i, alice, resource('get', 'pods', 'x')));
    assert.ok(!allowed(i, alice, resource('get', 'secrets', 'x')));
  });
});

describe('bootstrap policy', () => {
  const objects = bootstrapPolicy();
  const byKindName = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const i = buildRbacIndex({
    roles: [],
    roleBindings: [],
    clusterRoles: objects.filter((o) => o.kind === 'ClusterRole'),
    clusterRoleBindings: objects.filter((o) => o.kind === 'ClusterRoleBinding'),
  });
  const bindIn = (namespace: string, roleName: string, who: string) =>
    buildRbacIndex({
      roles: [],
      roleBindings: [binding(namespace, `${roleName}-binding`, { kind: 'ClusterRole', name: roleName }, [subject('User', who)])],
      clusterRoles: objects.filter((o) => o.kind === 'ClusterRole'),
      clusterRoleBindings: objects.filter((o) => o.kind === 'ClusterRoleBinding'),
    });

  it('holds the roles and bindings kube bootstraps, labelled and annotated as kube does', () => {
    for (const name of ['cluster-admin', 'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'admin', 'edit', 'view', 'system:aggregate-to-admin', 'system:aggregate-to-edit', 'system:aggregate-to-view']) {
      assert.ok(byKindName('ClusterRole', name), `ClusterRole ${name}`);
    }
    for (const name of ['cluster-admin', 'system:discovery', 'system:basic-user', 'system:public-info-viewer']) {
      assert.ok(byKindName('ClusterRoleBinding', name), `ClusterRoleBinding ${name}`);
    }
    for (const o of objects) {
      assert.equal(o.apiVersion, `${RBAC}/v1`);
      assert.equal(o.metadata.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults', o.metadata.name);
      assert.equal(o.metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true', o.metadata.name);
    }
    assert.deepEqual(byKindName('ClusterRole', 'edit')?.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { [`${RBAC}/aggregate-to-edit`]: 'true' } }] });
    assert.equal(byKindName('ClusterRole', 'view')?.metadata.labels?.[`${RBAC}/aggregate-to-edit`], 'true');
  });

  it('gives fresh copies on each call', () => {
    const first = bootstrapPolicy();
    (first[0]!.rules as PolicyRule[])[0]!.verbs.push('mutated');
    assert.ok(!JSON.stringify(bootstrapPolicy()).includes('mutated'));
  });

  it('lets system:masters do anything, resources and URLs alike', () => {
    const admin = user('root', 'system:masters');
    assert.ok(allowed(i, admin, resource('delete', 'nodes', '', { name: 'n' })));
    assert.ok(allowed(i, admin, path('post', '/anything/at/all')));
  });

  it('lets any authenticated user discover the API and review itself, and no more', () => {
    assert.ok(allowed(i, alice, path('get', '/apis/apps/v1')));
    assert.ok(allowed(i, alice, path('get', '/openapi/v3')));
    assert.ok(allowed(i, alice, resource('create', 'selfsubjectaccessreviews', '', { apiGroup: 'authorization.k8s.io' })));
    assert.ok(allowed(i, alice, resource('create', 'selfsubjectreviews', '', { apiGroup: 'authentication.k8s.io' })));
    assert.ok(!allowed(i, alice, resource('list', 'pods', 'default')));
    assert.ok(!allowed(i, alice, path('get', '/metrics')));
  });

  it('lets anonymous callers read health and version only', () => {
    const anonymous: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
    assert.ok(allowed(i, anonymous, path('get', '/healthz')));
    assert.ok(allowed(i, anonymous, path('get', '/version')));
    assert.ok(!allowed(i, anonymous, path('get', '/api')));
    assert.ok(!allowed(i, anonymous, resource('create', 'selfsubjectaccessreviews', '', { apiGroup: 'authorization.k8s.io' })));
  });

  it('makes view read-only and secret-free, edit able to write workloads and read secrets, admin able to grant', () => {
    const viewer = bindIn('team', 'view', 'vic');
    assert.ok(allowed(viewer, user('vic'), resource('list', 'deployments', 'team', { apiGroup: 'apps' })));
    assert.ok(allowed(viewer, user('vic'), resource('get', 'pods', 'team', { subresource: 'log', name: 'p' })));
    assert.ok(!allowed(viewer, user('vic'), resource('get', 'secrets', 'team', { name: 's' })));
    assert.ok(!allowed(viewer, user('vic'), resource('create', 'pods', 'team')));

    const editor = bindIn('team', 'edit', 'eve');
    assert.ok(allowed(editor, user('eve'), resource('create', 'deployments', 'team', { apiGroup: 'apps' })));
    assert.ok(allowed(editor, user('eve'), resource('get', 'secrets', 'team', { name: 's' })));
    assert.ok(allowed(editor, user('eve'), resource('list', 'configmaps', 'team')), 'edit includes view');
    assert.ok(!allowed(editor, user('eve'), resource('create', 'rolebindings', 'team', { apiGroup: RBAC })));
    assert.ok(!allowed(editor, user('eve'), resource('create', 'deployments', 'elsewhere', { apiGroup: 'apps' })));

    const admin = bindIn('team', 'admin', 'ada');
    assert.ok(allowed(admin, user('ada'), resource('create', 'rolebindings', 'team', { apiGroup: RBAC })));
    assert.ok(allowed(admin, user('ada'), resource('delete', 'jobs', 'team', { apiGroup: 'batch', name: 'j' })));
    assert.ok(allowed(admin, user('ada'), resource('watch', 'pods', 'team')), 'admin includes edit and view');
    assert.ok(!allowed(admin, user('ada'), resource('delete', 'namespaces', '', { name: 'team' })));
  });
});

describe('SelfSubjectRulesReview across the chain (kube\'s union rule resolver)', () => {
  it('joins each authorizer\'s rules in order: AlwaysAllow lists everything, AlwaysDeny nothing, and neither is incomplete', () => {
    const status = rulesOfChain([alwaysDeny, alwaysAllow], { username: 'ann', groups: [] }, 'team');
    assert.deepEqual(status, {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    });
  });

  it('is incomplete, with the reasons aggregated, when the Node authorizer answers for a node, and complete for anyone else', () => {
    const node = new NodeAuthorizer();
    const cannot = { rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: true, error: 'webhook authorizer does not support user rule resolution' }), authorize: () => NO_OPINION };
    const forNode = rulesOfChain([node, cannot], { username: 'system:node:n1', groups: ['system:nodes'] }, '');
    assert.equal(forNode.incomplete, true);
    assert.equal(forNode.evaluationError, '[node authorizer does not support user rule resolution, webhook authorizer does not support user rule resolution]');
    assert.deepEqual(rulesOfChain([node], { username: 'ann', groups: [] }, ''), { resourceRules: [], nonResourceRules: [], incomplete: false });
  });
});
