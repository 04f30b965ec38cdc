// How the listener reads a path and method, as kube's RequestInfoFactory does.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requestInfoOf } from '../../actors/listener/request-info.js';
import { negotiateResponse, responseShapeOf, bodyKindOf } from '../../actors/listener/negotiate.js';

describe('request info', () => {
  it('reads a namespaced core resource by name', () => {
    assert.deepEqual(requestInfoOf('GET', '/api/v1/namespaces/demo/configmaps/c1', {}), {
      isResourceRequest: true, path: '/api/v1/namespaces/demo/configmaps/c1', verb: 'get', apiPrefix: 'api', apiGroup: '', apiVersion: 'v1',
      namespace: 'demo', resource: 'configmaps', subresource: '', name: 'c1',
    });
  });
  it('reads a namespace object itself as resource namespaces, named and namespaced by itself', () => {
    const info = requestInfoOf('DELETE', '/api/v1/namespaces/demo', {});
    assert.ok(info.isResourceRequest);
    assert.equal(info.resource, 'namespaces');
    assert.equal(info.name, 'demo');
    assert.equal(info.verb, 'delete');
  });
  it('keeps status and finalize as namespace subresources', () => {
    const info = requestInfoOf('PUT', '/api/v1/namespaces/demo/finalize', {});
    assert.ok(info.isResourceRequest);
    assert.equal(info.subresource, 'finalize');
  });
  it('turns GET with watch=true, and the legacy /watch/ prefix, into watch', () => {
    assert.equal(requestInfoOf('GET', '/api/v1/namespaces/demo/configmaps', { watch: 'true' }).verb, 'watch');
    assert.equal(requestInfoOf('GET', '/api/v1/watch/namespaces/demo/configmaps', {}).verb, 'watch');
  });
  it('reads group resources, collections and deletecollection', () => {
    const info = requestInfoOf('DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {});
    assert.ok(info.isResourceRequest);
    assert.equal(info.apiGroup, 'rbac.authorization.k8s.io');
    assert.equal(info.verb, 'deletecollection');
  });
  it('treats discovery and health paths as non-resource requests', () => {
    for (const path of ['/api', '/api/v1', '/apis', '/apis/rbac.authorization.k8s.io', '/apis/rbac.authorization.k8s.io/v1', '/readyz', '/version']) {
      assert.equal(requestInfoOf('GET', path, {}).isResourceRequest, false, path);
    }
  });
});

describe('content negotiation', () => {
  it('serves a Table when kubectl get asks for one first', () => {
    assert.deepEqual(responseShapeOf('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', undefined), {
      as: 'Table', version: 'v1', includeObject: 'Metadata',
    });
  });
  it('answers protobuf when it comes first, with JSON to fall back to where Accept allows it', () => {
    assert.deepEqual(negotiateResponse('application/vnd.kubernetes.protobuf,application/json', undefined), { shape: { as: 'object' }, protobuf: { fallback: { as: 'object' } } });
    assert.deepEqual(negotiateResponse('application/vnd.kubernetes.protobuf', undefined), { shape: { as: 'object' }, protobuf: { fallback: undefined } });
  });
  it('orders media ranges by q-value, then by specificity, as kube (goautoneg) does', () => {
    assert.deepEqual(negotiateResponse('application/vnd.kubernetes.protobuf;q=0.5,application/json', undefined), { shape: { as: 'object' } });
    assert.deepEqual(negotiateResponse('*/*,application/vnd.kubernetes.protobuf', undefined), { shape: { as: 'object' }, protobuf: { fallback: { as: 'object' } } });
    assert.equal(negotiateResponse('application/json;q=0', undefined), undefined);
  });
  it('passes over a protobuf Table (kube has none) for the JSON one', () => {
    assert.deepEqual(negotiateResponse('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io', undefined), {
      shape: { as: 'Table', version: 'v1', includeObject: 'Metadata' },
    });
  });
  it('refuses an Accept it cannot serve', () => {
    assert.equal(responseShapeOf('text/html', undefined), undefined);
  });
  it('maps patch content types to patch types, and refuses unknown ones', () => {
    assert.deepEqual(bodyKindOf('application/strategic-merge-patch+json', 'PATCH'), { encoding: 'json', patchType: 'strategic' });
    assert.deepEqual(bodyKindOf('application/merge-patch+json', 'PATCH'), { encoding: 'json', patchType: 'merge' });
    assert.equal(bodyKindOf('text/plain', 'PATCH'), undefined);
    assert.deepEqual(bodyKindOf('application/vnd.kubernetes.protobuf', 'POST'), { encoding: 'protobuf' });
  });
});
