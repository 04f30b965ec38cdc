// The OpenAPI v3 documents kubectl reads: explain, create/apply's decision to
// leave field validation to the server, and apply's choice of patch type.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KindDescription } from '../../scheme/kind-description.js';
import { buildOpenApiV3, groupVersionPath, openApiV3Hash, openApiV3Root, toV3Schema, type OpenApiV3Document } from '../../scheme/openapi.js';
import { definitions } from '../../scheme/definitions.js';
import { ALL_VERBS } from '../../scheme/verbs.js';

type Json = Record<string, any>;

function kind(fields: Partial<KindDescription> & Pick<KindDescription, 'group' | 'version' | 'kind' | 'plural' | 'definition'>): KindDescription {
  return { singular: fields.kind.toLowerCase(), shortNames: [], categories: [], namespaced: true, verbs: ALL_VERBS, servedBy: 'store', tracksGeneration: false, ...fields };
}

const configMap = kind({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', definition: 'io.k8s.api.core.v1.ConfigMap' });
const service = kind({ group: '', version: 'v1', kind: 'Service', plural: 'services', definition: 'io.k8s.api.core.v1.Service' });
const namespace = kind({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, definition: 'io.k8s.api.core.v1.Namespace' });
const role = kind({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', definition: 'io.k8s.api.rbac.v1.Role' });
const review = kind({
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  namespaced: false,
  verbs: ['create'],
  servedBy: 'authz',
  definition: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
});

const documents = buildOpenApiV3([configMap, service, namespace, role, review], definitions);
const core = documents.get('api/v1')! as Json;
const GVK = { group: '', version: 'v1', kind: 'ConfigMap' };
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every operation in a document, with its path and method. */
function operations(doc: Json): { path: string; method: string; op: Json }[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Json)[m]).map((method) => ({ path, method, op: (item as Json)[method] as Json })),
  );
}

/** What kubectl's QueryParamVerifierV3 does: the first PATCH operation for the GVK decides. */
function supportsFieldValidation(doc: Json, gvk: Json): boolean {
  const patch = operations(doc).find(({ method, op }) => method === 'patch' && JSON.stringify(op['x-kubernetes-group-version-kind']) === JSON.stringify(gvk));
  return !!patch && (patch.op.parameters as Json[]).some((p) => p.name === 'fieldValidation' && p.in === 'query');
}

/** What kubectl explain's template does: GVK from the resource's paths, then the schema carrying it, then the field path. */
function explain(doc: Json, group: string, version: string, resource: string, fieldPath: string[]): Json | undefined {
  const prefix = group ? `/apis/${group}` : '/api';
  const searchPaths = [`${prefix}/${version}/${resource}`, `${prefix}/${version}/${resource}/{name}`, `${prefix}/${version}/namespaces/{namespace}/${resource}`, `${prefix}/${version}/namespaces/{namespace}/${resource}/{name}`];
  let gvk: Json | undefined;
  for (const p of searchPaths) for (const m of ['get', 'post', 'put', 'patch', 'delete']) gvk ??= doc.paths[p]?.[m]?.['x-kubernetes-group-version-kind'];
  if (!gvk) return undefined;
  const schemas = doc.components.schemas as Json;
  const resolve = (s: Json): Json => {
    if (s.allOf) return resolve(s.allOf[0]);
    if (s.$ref) return resolve(schemas[(s.$ref as string).replace('#/components/schemas/', '')]);
    return s;
  };
  let schema: Json | undefined = Object.values(schemas).find((s) => (s['x-kubernetes-group-version-kind'] as Json[] | undefined)?.some((g) => g.group === gvk!.group && g.version === gvk!.version && g.kind === gvk!.kind));
  for (const field of fieldPath) schema = schema && resolve(schema).properties?.[field];
  return schema && resolve(schema);
}

describe('OpenAPI v3', () => {
  it('serves one document per group-version, keyed as /openapi/v3 lists them', () => {
    assert.deepEqual([...documents.keys()].sort(), ['api/v1', 'apis/authorization.k8s.io/v1', 'apis/rbac.authorization.k8s.io/v1']);
    assert.equal(groupVersionPath(role), 'apis/rbac.authorization.k8s.io/v1');
    assert.equal(core.openapi, '3.0.0');
    assert.deepEqual(core.info, { title: 'Kubernetes', version: 'v1.33.1' });
  });

  it('points /openapi/v3 at each document by its SHA-512 hash, upper-case as kube writes it', () => {
    const body = JSON.stringify(core);
    const hash = openApiV3Hash(body);
    assert.match(hash, /^[0-9A-F]{128}$/);
    assert.notEqual(hash, openApiV3Hash(`${body} `));
    assert.deepEqual(openApiV3Root(new Map([['api/v1', { hash }]])), { paths: { 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${hash}` } } });
  });

  it('builds the same bytes from the same kinds, so the hash only changes when the API does', () => {
    const again = buildOpenApiV3([configMap, service, namespace, role, review], definitions).get('api/v1');
    assert.equal(JSON.stringify(again), JSON.stringify(core));
  });

  it('has collection, item and all-namespaces paths for a namespaced kind, each operation tagged with its action and GVK', () => {
    const collection = core.paths['/api/v1/namespaces/{namespace}/configmaps'];
    const item = core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'];
    const everywhere = core.paths['/api/v1/configmaps'];
    assert.deepEqual(
      [collection.get, collection.post, collection.delete, item.get, item.put, item.patch, item.delete, everywhere.get].map((op: Json) => op['x-kubernetes-action']),
      ['list', 'post', 'deletecollection', 'get', 'put', 'patch', 'delete', 'list'],
    );
    for (const op of [collection.get, collection.post, item.get, item.patch, everywhere.get]) assert.deepEqual(op['x-kubernetes-group-version-kind'], GVK);
    assert.equal(item.get.operationId, 'readCoreV1NamespacedConfigMap');
    assert.equal(everywhere.get.operationId, 'listCoreV1ConfigMapForAllNamespaces');
    assert.equal(collection.delete.operationId, 'deleteCoreV1CollectionNamespacedConfigMap');
    assert.deepEqual(item.parameters.map((p: Json) => [p.name, p.in]), [['name', 'path'], ['namespace', 'path'], ['pretty', 'query']]);
  });

  it('has no namespace segment or all-namespaces path for a cluster-scoped kind', () => {
    assert.ok(core.paths['/api/v1/namespaces/{name}'].get);
    assert.ok(core.paths['/api/v1/namespaces'].post);
    assert.equal(core.paths['/api/v1/namespaces/{name}'].get.operationId, 'readCoreV1Namespace');
    assert.ok(!core.paths['/api/v1/namespaces/{namespace}/namespaces']);
  });

  it('offers only the verbs a kind serves: a review is a POST on its collection and nothing else', () => {
    const doc = documents.get('apis/authorization.k8s.io/v1')! as Json;
    const paths = Object.keys(doc.paths).filter((p) => p.includes('selfsubjectaccessreviews'));
    assert.deepEqual(paths, ['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews']);
    const item = doc.paths[paths[0]!];
    assert.deepEqual(Object.keys(item).filter((k) => METHODS.includes(k)), ['post']);
    assert.equal(item.post.operationId, 'createAuthorizationV1SelfSubjectAccessReview');
  });

  it('spells operation ids and tags the way kube does for dotted groups', () => {
    const rbac = documents.get('apis/rbac.authorization.k8s.io/v1')! as Json;
    const patch = rbac.paths['/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles/{name}'].patch;
    assert.equal(patch.operationId, 'patchRbacAuthorizationV1NamespacedRole');
    assert.deepEqual(patch.tags, ['rbacAuthorization_v1']);
    assert.equal(rbac.paths['/apis/rbac.authorization.k8s.io/v1/'].get.operationId, 'getRbacAuthorizationV1APIResources');
  });

  it('lists fieldValidation on every PATCH, so kubectl create and apply leave field validation to the server', () => {
    const patches = [...documents.values()].flatMap((doc) => operations(doc).filter(({ method }) => method === 'patch'));
    assert.ok(patches.length >= 4);
    for (const { path, op } of patches) {
      const names = (op.parameters as Json[]).filter((p) => p.in === 'query').map((p) => p.name);
      for (const wanted of ['dryRun', 'fieldManager', 'fieldValidation', 'force']) assert.ok(names.includes(wanted), `${path} PATCH lacks ${wanted}`);
    }
    assert.ok(supportsFieldValidation(core, GVK));
    assert.ok(supportsFieldValidation(core, { group: '', version: 'v1', kind: 'Namespace' }));
  });

  it('lists dryRun, fieldManager and fieldValidation on POST and PUT', () => {
    for (const { op } of operations(core).filter(({ method }) => method === 'post' || method === 'put')) {
      const names = (op.parameters as Json[]).map((p) => p.name);
      assert.deepEqual(['dryRun', 'fieldManager', 'fieldValidation'].filter((n) => names.includes(n)), ['dryRun', 'fieldManager', 'fieldValidation']);
    }
  });

  it('accepts all four patch types, strategic merge included, so kubectl apply sends strategic merge patches to built-in kinds', () => {
    const patch = core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].patch;
    assert.deepEqual(Object.keys(patch.requestBody.content).sort(), [
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
    assert.equal(patch.requestBody.content['application/strategic-merge-patch+json'].schema.$ref, '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
  });

  it('answers with the kind schema, and takes it as the body of POST and PUT', () => {
    const item = core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'];
    assert.equal(item.get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.core.v1.ConfigMap');
    assert.equal(item.put.requestBody.content['*/*'].schema.$ref, '#/components/schemas/io.k8s.api.core.v1.ConfigMap');
    assert.equal(core.paths['/api/v1/configmaps'].get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.core.v1.ConfigMapList');
    assert.equal(item.delete.requestBody.content['*/*'].schema.$ref, '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
  });

  it('resolves every $ref in a document to one of its own component schemas', () => {
    for (const [gv, doc] of documents) {
      const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
      assert.ok(refs.length > 0);
      for (const ref of refs) {
        const target = ref.slice('"$ref":"'.length, -1);
        assert.ok(target.startsWith('#/components/schemas/'), `${gv}: ${target}`);
        assert.ok((doc as OpenApiV3Document).components.schemas[target.slice('#/components/schemas/'.length)], `${gv}: ${target} dangles`);
      }
    }
  });

  it('carries only what the paths reach: core holds ObjectMeta and Status, not RBAC or apps types', () => {
    const names = Object.keys(core.components.schemas);
    for (const wanted of ['io.k8s.api.core.v1.ConfigMap', 'io.k8s.api.core.v1.ConfigMapList', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status', 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch']) {
      assert.ok(names.includes(wanted), wanted);
    }
    assert.ok(!names.some((n) => n.startsWith('io.k8s.api.rbac.') || n.startsWith('io.k8s.api.apps.')));
    assert.deepEqual(names, [...names].sort());
  });

  it('lets kubectl explain find configmap and configmap.data', () => {
    const cm = explain(core, '', 'v1', 'configmaps', [])!;
    assert.deepEqual(cm['x-kubernetes-group-version-kind'], [GVK]);
    assert.ok(cm.properties.data && cm.properties.metadata);
    const data = explain(core, '', 'v1', 'configmaps', ['data'])!;
    assert.equal(data.type, 'object');
    assert.deepEqual(data.additionalProperties, { type: 'string' });
    assert.equal(explain(core, '', 'v1', 'configmaps', ['metadata', 'labels'])!.type, 'object');
    assert.equal(explain(core, '', 'v1', 'configmaps', ['nosuchfield']), undefined);
  });

  it('keeps patch strategies, merge keys and list types where kubectl apply looks for them', () => {
    const spec = core.components.schemas['io.k8s.api.core.v1.ServiceSpec'];
    assert.equal(spec.properties.ports['x-kubernetes-patch-merge-key'], 'port');
    assert.equal(spec.properties.ports['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(spec.properties.ports['x-kubernetes-list-type'], 'map');
    assert.deepEqual(spec.properties.ports['x-kubernetes-list-map-keys'], ['port', 'protocol']);
    assert.equal(spec.properties.ports.items.$ref, '#/components/schemas/io.k8s.api.core.v1.ServicePort');
  });

  it('wraps a $ref that has sibling keys in allOf, as kube does, and leaves a bare $ref alone', () => {
    const status = core.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Status'];
    assert.deepEqual(status.properties.details, {
      'x-kubernetes-list-type': 'atomic',
      allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.StatusDetails' }],
    });
    assert.deepEqual(status.properties.metadata, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta' });
  });

  it('writes IntOrString as kube v3 does: oneOf integer or string, no type', () => {
    assert.deepEqual(core.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'], {
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
    });
  });

  it('treats property names as names, not keywords, when rewriting refs', () => {
    const v3 = toV3Schema({ type: 'object', properties: { $ref: { type: 'string' }, items: { $ref: '#/definitions/x.Y' } } });
    assert.deepEqual(v3, { type: 'object', properties: { $ref: { type: 'string' }, items: { $ref: '#/components/schemas/x.Y' } } });
  });

  it('carries no upstream prose', () => {
    for (const doc of documents.values()) {
      const schemas = JSON.stringify(doc.components.schemas);
      assert.ok(!/"description":"/.test(schemas));
    }
  });

  it('still gives a kind without generated facts a schema with its GVK', () => {
    const widget = kind({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', definition: 'com.example.v1.Widget' });
    const doc = buildOpenApiV3([widget], definitions).get('apis/example.com/v1')! as Json;
    assert.deepEqual(doc.components.schemas['com.example.v1.Widget']['x-kubernetes-group-version-kind'], [{ group: 'example.com', kind: 'Widget', version: 'v1' }]);
    assert.equal(doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].get.operationId, 'readExampleComV1NamespacedWidget');
  });
});
