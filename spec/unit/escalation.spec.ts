// kube's escalation arithmetic: which granted rules a writer's rules cover,
// and how the missing ones are printed.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compactString, escalationReason, uncoveredRules } from '../../actors/authz/escalation.js';

const user = { username: 'alice', groups: ['team', 'system:authenticated'] };

describe('escalation checks', () => {
  it('cover a rule verb by verb, group by group, resource by resource and name by name', () => {
    const owner = [{ apiGroups: [''], resources: ['pods', 'configmaps'], verbs: ['get', 'list'] }, { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'], verbs: ['*'] }];
    assert.deepEqual(uncoveredRules(owner, [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]), []);
    assert.deepEqual(uncoveredRules(owner, [{ apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'], verbs: ['delete'] }]), []);
    assert.deepEqual(uncoveredRules(owner, [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete'] }]), [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete'] }]);
    assert.deepEqual(uncoveredRules(owner, [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'list', 'watch'] }]), [
      { apiGroups: [''], resources: ['pods'], verbs: ['watch'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  it('let wildcards and subresource patterns cover, and non-resource URLs by prefix', () => {
    const owner = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['/healthz/*'], verbs: ['get'] }];
    assert.deepEqual(uncoveredRules(owner, [{ apiGroups: ['x'], resources: ['y/status'], verbs: ['patch'] }, { nonResourceURLs: ['/healthz/etcd'], verbs: ['get'] }]), []);
    assert.deepEqual(uncoveredRules(owner, [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]), [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
    assert.deepEqual(uncoveredRules([{ apiGroups: [''], resources: ['pods/*'], verbs: ['get'] }], [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }]), []);
  });

  it('print the missing rules as kube does: Go %q lists, sorted, one a line', () => {
    assert.equal(compactString({ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }), '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}');
    assert.equal(compactString({ nonResourceURLs: ['*'], verbs: ['*'] }), '{NonResourceURLs:["*"], Verbs:["*"]}');
    const reason = escalationReason(user, { rules: [], resolutionErrors: ['role.rbac.authorization.k8s.io "gone" not found'] }, [{ nonResourceURLs: ['*'], verbs: ['*'] }, { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    assert.equal(reason, 'user "alice" (groups=["team" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}; resolution errors: [role.rbac.authorization.k8s.io "gone" not found]');
    assert.equal(escalationReason(user, { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], resolutionErrors: [] }, [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }]), undefined);
  });
});
