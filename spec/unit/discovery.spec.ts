// Discovery documents derive from the kind descriptions alone.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildScheme } from '../../scheme/scheme.js';
import { builtinKinds } from '../../scheme/kinds/index.js';
import { aggregatedDiscovery, aggregatedMediaOf, aggregatedVersionOf, apiGroupList, resourceList } from '../../actors/aggregator/discovery.js';

const scheme = buildScheme(builtinKinds);

describe('discovery', () => {
  it('lists core resources with short names, scope and verbs', () => {
    const list = resourceList(scheme, '', 'v1')!;
    const cm = list.resources.find((r) => r.name === 'configmaps')!;
    assert.deepEqual(cm.shortNames, ['cm']);
    assert.equal(cm.namespaced, true);
    assert.equal(cm.kind, 'ConfigMap');
    assert.deepEqual(cm.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual(list.resources.find((r) => r.name === 'services')!.categories, ['all']);
  });
  it('lists every non-core group with its preferred version', () => {
    const groups = apiGroupList(scheme).groups.map((g) => g.name);
    assert.ok(groups.includes('rbac.authorization.k8s.io'));
    assert.ok(groups.includes('authorization.k8s.io'));
    assert.ok(!groups.includes(''));
  });
  it('serves aggregated discovery for the version the client asks for first', () => {
    assert.equal(aggregatedVersionOf('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2');
    assert.equal(aggregatedVersionOf('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2beta1');
    assert.equal(aggregatedVersionOf('application/json, */*'), undefined);
    // and in the encoding it asks for first: protobuf when that comes before JSON.
    const pb = 'application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
    assert.deepEqual(aggregatedMediaOf(`${pb},application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`), { version: 'v2', protobuf: true });
    assert.deepEqual(aggregatedMediaOf(`application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,${pb}`), { version: 'v2beta1', protobuf: false });
    assert.equal(aggregatedMediaOf(`application/json,${pb}`), undefined);
    const core = aggregatedDiscovery(scheme, true, 'v2');
    assert.equal(core.items.length, 1);
    const cm = core.items[0]!.versions[0]!.resources.find((r) => r.resource === 'configmaps')!;
    assert.deepEqual(cm.responseKind, { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.equal(cm.scope, 'Namespaced');
  });
});
