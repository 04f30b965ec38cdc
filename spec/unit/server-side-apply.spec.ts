// Server-side apply's merge and field ownership (scheme/merge/), driven by the
// generated 1.33 schema facts, drawn from the cases kube documents: owned
// fields removed, shared ownership, atomic lists replaced, set lists merged,
// map lists merged by key, conflicts on lists and maps, forced apply; and
// managedFields in kube's exact FieldsV1 encoding.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { definitions } from '../../scheme/definitions.js';
import { mergeSchema } from '../../scheme/merge/atoms.js';
import { FieldSet, pathString, serializePathElement } from '../../scheme/merge/field-set.js';
import { toFieldSet } from '../../scheme/merge/typed.js';
import { conflictReport, Conflicts, managerFromUserAgent, recordApply, recordUpdate, type FieldManagerScope } from '../../scheme/merge/managed-fields.js';
import type { KubeObject } from '../../protocol/kube/meta.js';

const schema = mergeSchema(definitions);
const STATUS = FieldSet.of([{ f: 'status' }]);
const scopeOf = (definition: string, apiVersion: string): FieldManagerScope => ({
  schema, node: { $ref: `#/definitions/${definition}` }, apiVersion, subresource: '', ignored: STATUS,
});
const configMaps = scopeOf('io.k8s.api.core.v1.ConfigMap', 'v1');
const deployments = scopeOf('io.k8s.api.apps.v1.Deployment', 'apps/v1');
const services = scopeOf('io.k8s.api.core.v1.Service', 'v1');
const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-01T00:00:05Z';

function cm(data: Record<string, string>, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', ...extra }, data };
}

function applyAs(scope: FieldManagerScope, live: KubeObject, config: KubeObject, manager: string, force = false, now = T1): KubeObject {
  const result = recordApply(scope, live, config, manager, force, now);
  if (!result.ok) throw result.conflicts;
  return result.object;
}

function conflictsOf(scope: FieldManagerScope, live: KubeObject, config: KubeObject, manager: string): string {
  const result = recordApply(scope, live, config, manager, false, T2);
  assert.equal(result.ok, false, 'expected conflicts');
  return conflictReport((result as { conflicts: Conflicts }).conflicts).message;
}

const empty = (scope: FieldManagerScope, kind: string, name = 'c'): KubeObject =>
  ({ apiVersion: scope.apiVersion, kind, metadata: { name, namespace: 'default' } });

const owners = (object: KubeObject): Record<string, unknown> =>
  Object.fromEntries((object.metadata.managedFields ?? []).map((e) => [`${e.manager}/${e.operation}`, e.fieldsV1]));

function deployment(containers: unknown[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers, ...extra } } },
  };
}

describe('field sets in kube\'s FieldsV1 encoding', () => {
  it('sorts field names, then keys, then values; "." marks a node that is also a member', () => {
    const set = FieldSet.of(
      [{ f: 'spec' }, { f: 'ports' }, { k: [['port', 80], ['protocol', 'TCP']] }],
      [{ f: 'spec' }, { f: 'ports' }, { k: [['port', 80], ['protocol', 'TCP']] }, { f: 'targetPort' }],
      [{ f: 'spec' }, { f: 'ports' }, { k: [['port', 443], ['protocol', 'TCP']] }],
      [{ f: 'metadata' }, { f: 'finalizers' }, { v: 'b' }],
      [{ f: 'metadata' }, { f: 'finalizers' }, { v: 'a' }],
      [{ f: 'data' }, { f: 'z' }],
      [{ f: 'data' }, { f: 'B' }],
    );
    assert.equal(JSON.stringify(set.toFieldsV1()),
      '{"f:data":{"f:B":{},"f:z":{}},"f:metadata":{"f:finalizers":{"v:\\"a\\"":{},"v:\\"b\\"":{}}},'
      + '"f:spec":{"f:ports":{"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:targetPort":{}},"k:{\\"port\\":443,\\"protocol\\":\\"TCP\\"}":{}}}}');
    assert.ok(FieldSet.fromFieldsV1(set.toFieldsV1()).equals(set));
  });

  it('writes key fields sorted by name, as Go\'s JSON writes them', () => {
    assert.equal(serializePathElement({ k: [['containerPort', 8080], ['protocol', 'UDP']] }), 'k:{"containerPort":8080,"protocol":"UDP"}');
    assert.equal(serializePathElement({ v: '<a&b>' }), 'v:"\\u003ca\\u0026b\\u003e"');
    assert.equal(pathString([{ f: 'spec' }, { f: 'ports' }, { k: [['port', 80], ['protocol', 'TCP']] }, { f: 'name' }]), '.spec.ports[port=80,protocol="TCP"].name');
    assert.equal(pathString([{ f: 'metadata' }, { f: 'finalizers' }, { v: 'x' }]), '.metadata.finalizers[="x"]');
  });

  it('owns what an applied Deployment sets: containers by name, ports by containerPort and protocol (TCP when left out)', () => {
    const config = deployment([{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }], args: ['a', 'b'] }]);
    const fields = toFieldSet(schema, deployments.node, config).toFieldsV1();
    assert.deepEqual(fields, {
      'f:apiVersion': {}, 'f:kind': {},
      'f:metadata': { 'f:name': {}, 'f:namespace': {} },
      'f:spec': {
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"app"}': {
                '.': {}, 'f:args': {}, 'f:image': {}, 'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });
});

describe('managedFields on updates', () => {
  it('a create records the manager\'s Update entry; maps it adds are members ("." )', () => {
    const created = cm({ a: '1' }, { labels: { app: 'x' }, uid: 'u', creationTimestamp: T1 });
    recordUpdate(configMaps, undefined, created, 'kubectl-create', T1);
    assert.deepEqual(created.metadata.managedFields, [{
      manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: T1, fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
    }]);
  });

  it('an update takes the fields it changes from their owner; entries of one manager merge; an emptied entry goes', () => {
    const live = cm({ a: '1', b: '2' });
    recordUpdate(configMaps, undefined, live, 'creator', T1);
    const next = structuredClone(live);
    next.data = { a: '1', b: '3' };
    recordUpdate(configMaps, live, next, 'editor', T2);
    assert.deepEqual(owners(next), {
      'creator/Update': { 'f:data': { '.': {}, 'f:a': {} } },
      'editor/Update': { 'f:data': { 'f:b': {} } },
    });
    const again = structuredClone(next);
    again.data = { a: '9', b: '3' };
    recordUpdate(configMaps, next, again, 'editor', T2);
    // The creator still owns the map itself: a member with nothing below it.
    assert.deepEqual(owners(again), { 'creator/Update': { 'f:data': {} }, 'editor/Update': { 'f:data': { 'f:a': {}, 'f:b': {} } } });

    const owned = cm({ a: '1' }, { managedFields: [{ manager: 'creator', operation: 'Update', apiVersion: 'v1', time: T1, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }] });
    const taken = structuredClone(owned);
    taken.data = { a: '2' };
    recordUpdate(configMaps, owned, taken, 'editor', T2);
    assert.deepEqual(owners(taken), { 'editor/Update': { 'f:data': { 'f:a': {} } } });
  });

  it('managedFields: [{}] resets them, and an object nobody tracks stays untracked by updates', () => {
    const live = cm({ a: '1' });
    recordUpdate(configMaps, undefined, live, 'creator', T1);
    const next = structuredClone(live);
    next.metadata.managedFields = [{}];
    next.data = { a: '2' };
    recordUpdate(configMaps, live, next, 'editor', T2);
    assert.equal(next.metadata.managedFields, undefined);
  });

  it('keeps at most 10 Update entries: the oldest merge into "ancient-changes"', () => {
    let live = cm({});
    recordUpdate(configMaps, undefined, live, 'creator', '2026-01-01T00:00:00Z');
    for (let i = 1; i <= 11; i++) {
      const next = structuredClone(live);
      next.data = { ...(live.data as Record<string, string>), [`k${i}`]: 'v' };
      recordUpdate(configMaps, live, next, `editor-${i}`, `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`);
      live = next;
    }
    const entries = live.metadata.managedFields!;
    assert.equal(entries.length, 10);
    assert.equal(entries[0]!.manager, 'ancient-changes');
    assert.equal(entries[0]!.time, '2026-01-01T00:00:02Z');
    assert.deepEqual(entries[0]!.fieldsV1, { 'f:data': { '.': {}, 'f:k1': {}, 'f:k2': {} } }); // creator's, editor-1's and editor-2's
    assert.deepEqual(entries.slice(1).map((e) => e.manager), ['editor-3', 'editor-4', 'editor-5', 'editor-6', 'editor-7', 'editor-8', 'editor-9', 'editor-10', 'editor-11']);
  });

  it('records a create by its short path exactly as the general one does', () => {
    const objects: [FieldManagerScope, KubeObject][] = [
      [configMaps, cm({ a: '1', 'b.txt': '2' }, { labels: { app: 'x' }, annotations: {}, finalizers: ['example.com/f'], ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: 's', uid: 'u1' }], uid: 'u', creationTimestamp: T1, generation: 1 })],
      [configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: {}, immutable: true, binaryData: { x: 'AA==' } }],
      [services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }, { port: 53, protocol: 'UDP' }], type: 'ClusterIP', sessionAffinity: 'None' }, status: { loadBalancer: {} } }],
      [deployments, deployment([{ name: 'app', image: 'a', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'X', value: '1' }], resources: {}, args: [] }, { name: 'side', image: 'b' }], { nodeSelector: { zone: 'a' }, volumes: [{ name: 'v', emptyDir: {} }], securityContext: {} })],
      [scopeOf('io.k8s.api.rbac.v1.ClusterRole', 'rbac.authorization.k8s.io/v1'), { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }],
    ];
    for (const [scope, object] of objects) {
      const short = structuredClone(object);
      recordUpdate(scope, undefined, short, 'creator', T1);
      const general = structuredClone(object);
      general.metadata.managedFields = []; // no entries sent: the general path
      recordUpdate(scope, undefined, general, 'creator', T1);
      assert.deepEqual(short.metadata.managedFields, general.metadata.managedFields, object.kind);
      assert.equal(JSON.stringify(short.metadata.managedFields), JSON.stringify(general.metadata.managedFields), `${object.kind}: key order`);
    }
  });

  it('derives the manager from the User-Agent as kube does', () => {
    assert.equal(managerFromUserAgent('kubectl/v1.33.0 (linux/amd64) kubernetes/abc'), 'kubectl');
    assert.equal(managerFromUserAgent('my-operator'), 'my-operator');
    assert.equal(managerFromUserAgent(undefined), '');
  });
});

describe('apply', () => {
  it('creates from nothing and owns exactly what it applied', () => {
    const object = applyAs(configMaps, empty(configMaps, 'ConfigMap'), cm({ a: '1' }, { labels: { l: 'v' } }), 'alice');
    assert.deepEqual(object.data, { a: '1' });
    assert.deepEqual(object.metadata.managedFields, [{
      manager: 'alice', operation: 'Apply', apiVersion: 'v1', time: T1, fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:l': {} } } },
    }]);
  });

  it('removes the fields its applier stops sending', () => {
    const first = applyAs(configMaps, empty(configMaps, 'ConfigMap'), cm({ a: '1', b: '2' }), 'alice');
    const second = applyAs(configMaps, first, cm({ a: '1' }), 'alice');
    assert.deepEqual(second.data, { a: '1' });
    assert.deepEqual(owners(second), { 'alice/Apply': { 'f:data': { 'f:a': {} } } });
  });

  it('keeps a field another manager also owns (shared ownership), until the last owner lets go', () => {
    let object = applyAs(configMaps, empty(configMaps, 'ConfigMap'), cm({ a: '1', b: '2' }), 'alice');
    object = applyAs(configMaps, object, cm({ b: '2' }), 'bob'); // same value: no conflict, both own .data.b
    assert.deepEqual(owners(object), { 'alice/Apply': { 'f:data': { 'f:a': {}, 'f:b': {} } }, 'bob/Apply': { 'f:data': { 'f:b': {} } } });
    object = applyAs(configMaps, object, cm({ a: '1' }), 'alice');
    assert.deepEqual(object.data, { a: '1', b: '2' });
    object = applyAs(configMaps, object, cm({}), 'bob');
    assert.deepEqual(object.data, { a: '1' });
  });

  it('keeps a field an updater changed after the apply', () => {
    const applied = applyAs(configMaps, empty(configMaps, 'ConfigMap'), cm({ a: '1', b: '2' }), 'alice');
    const edited = structuredClone(applied);
    edited.data = { a: '1', b: 'edited' };
    recordUpdate(configMaps, applied, edited, 'kubectl-edit', T2);
    const reapplied = applyAs(configMaps, edited, cm({ a: '1' }), 'alice');
    assert.deepEqual(reapplied.data, { a: '1', b: 'edited' });
  });

  it('conflicts with the manager of a field it would change: kube\'s message, causes and path', () => {
    const live = cm({ a: '1' });
    recordUpdate(configMaps, undefined, live, 'kubectl-client-side-apply', T1);
    const result = recordApply(configMaps, live, cm({ a: '2' }), 'kubectl', false, T2);
    assert.equal(result.ok, false);
    const report = conflictReport((result as { conflicts: Conflicts }).conflicts);
    assert.equal(report.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a');
    assert.deepEqual(report.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.data.a' }]);
  });

  it('lists every conflict, by manager', () => {
    let object = applyAs(configMaps, empty(configMaps, 'ConfigMap'), cm({ a: '1', b: '1' }), 'alice');
    object = applyAs(configMaps, object, cm({ c: '1' }), 'bob');
    const edited = structuredClone(object);
    edited.data = { ...(edited.data as Record<string, string>), d: '1' };
    recordUpdate(configMaps, object, edited, 'editor', T1);
    assert.equal(conflictsOf(configMaps, edited, cm({ a: '2', b: '2', c: '2', d: '2' }), 'carol'),
      'Apply failed with 4 conflicts: conflicts with "alice":\n- .data.a\n- .data.b\nconflicts with "bob":\n- .data.c\n'
      + 'conflicts with "editor" using v1:\n- .data.d');
  });

  it('force takes the fields over: the other manager no longer owns them', () => {
    const object = applyAs(configMaps, empty(configMaps, 'ConfigMap'), cm({ a: '1', b: '1' }), 'alice');
    const forced = applyAs(configMaps, object, cm({ a: '2' }), 'bob', true);
    assert.deepEqual(forced.data, { a: '2', b: '1' });
    assert.deepEqual(owners(forced), { 'alice/Apply': { 'f:data': { 'f:b': {} } }, 'bob/Apply': { 'f:data': { 'f:a': {} } } });
  });

  it('replaces an atomic list whole, and conflicts on it as one field', () => {
    const object = applyAs(deployments, empty(deployments, 'Deployment', 'web'), deployment([{ name: 'app', image: 'i', args: ['a', 'b'] }]), 'alice');
    const other = applyAs(deployments, object, deployment([{ name: 'app', args: ['c'] }]), 'bob', true);
    assert.deepEqual((other.spec as any).template.spec.containers[0].args, ['c']);
    assert.equal(conflictsOf(deployments, other, deployment([{ name: 'app', args: ['d'] }]), 'alice'),
      'Apply failed with 1 conflict: conflict with "bob": .spec.template.spec.containers[name="app"].args');
  });

  it('merges set lists: each applier owns its own values', () => {
    const withFinalizers = (f: string[]): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', finalizers: f } });
    let object = applyAs(configMaps, empty(configMaps, 'ConfigMap'), withFinalizers(['example.com/a']), 'alice');
    object = applyAs(configMaps, object, withFinalizers(['example.com/b']), 'bob');
    assert.deepEqual(object.metadata.finalizers, ['example.com/a', 'example.com/b']);
    assert.deepEqual(owners(object)['bob/Apply'], { 'f:metadata': { 'f:finalizers': { 'v:"example.com/b"': {} } } });
    object = applyAs(configMaps, object, withFinalizers([]), 'alice');
    assert.deepEqual(object.metadata.finalizers, ['example.com/b']);
  });

  it('merges map lists by key: containers by name, each manager keeps its own', () => {
    let object = applyAs(deployments, empty(deployments, 'Deployment', 'web'), deployment([{ name: 'app', image: 'app:1' }]), 'alice');
    object = applyAs(deployments, object, deployment([{ name: 'sidecar', image: 'proxy:1' }]), 'bob');
    const names = (o: KubeObject): string[] => (o.spec as any).template.spec.containers.map((c: { name: string }) => c.name);
    assert.deepEqual(names(object), ['app', 'sidecar']);
    object = applyAs(deployments, object, deployment([{ name: 'app', image: 'app:2' }]), 'alice');
    assert.deepEqual((object.spec as any).template.spec.containers, [{ name: 'app', image: 'app:2' }, { name: 'sidecar', image: 'proxy:1' }]);
    assert.equal(conflictsOf(deployments, object, deployment([{ name: 'sidecar', image: 'proxy:2' }]), 'alice'),
      'Apply failed with 1 conflict: conflict with "bob": .spec.template.spec.containers[name="sidecar"].image');
  });

  it('merges Service ports by port and protocol', () => {
    const svc = (ports: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { ports } });
    let object = applyAs(services, empty(services, 'Service', 's'), svc([{ port: 80, protocol: 'TCP', targetPort: 8080 }]), 'alice');
    object = applyAs(services, object, svc([{ port: 53, protocol: 'UDP' }]), 'bob');
    assert.deepEqual((object.spec as any).ports, [{ port: 80, protocol: 'TCP', targetPort: 8080 }, { port: 53, protocol: 'UDP' }]);
    assert.equal(conflictsOf(services, object, svc([{ port: 80, targetPort: 9090 }]), 'bob'),
      'Apply failed with 1 conflict: conflict with "alice": .spec.ports[port=80,protocol="TCP"].targetPort');
  });

  it('treats an atomic map as one field: nodeSelector is replaced whole and conflicts whole', () => {
    let object = applyAs(deployments, empty(deployments, 'Deployment', 'web'), deployment([{ name: 'app' }], { nodeSelector: { disk: 'ssd', zone: 'a' } }), 'alice');
    assert.equal(conflictsOf(deployments, object, deployment([{ name: 'app' }], { nodeSelector: { zone: 'b' } }), 'bob'),
      'Apply failed with 1 conflict: conflict with "alice": .spec.template.spec.nodeSelector');
    object = applyAs(deployments, object, deployment([{ name: 'app' }], { nodeSelector: { zone: 'b' } }), 'alice');
    assert.deepEqual((object.spec as any).template.spec.nodeSelector, { zone: 'b' });
  });

  it('changes nothing when the configuration is already there, time included', () => {
    const object = applyAs(configMaps, empty(configMaps, 'ConfigMap'), cm({ a: '1' }), 'alice', false, T1);
    const again = applyAs(configMaps, object, cm({ a: '1' }), 'alice', false, T2);
    assert.deepEqual(again, object);
  });

  it('lets "kubectl" take over what client-side apply last applied, and keeps that annotation in step', () => {
    const lastApplied = '{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"c","namespace":"default"}}';
    const live = cm({ a: '1' }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } });
    recordUpdate(configMaps, undefined, live, 'kubectl-client-side-apply', T1);
    assert.equal(conflictsOf(configMaps, live, cm({ a: '2' }), 'ci'),
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a');
    const upgraded = applyAs(configMaps, live, cm({ a: '2' }), 'kubectl', false, T2);
    assert.deepEqual(upgraded.data, { a: '2' });
    assert.deepEqual(owners(upgraded)['kubectl/Apply'], { 'f:data': { 'f:a': {} } });
    assert.deepEqual(JSON.parse(upgraded.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']!),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: '2' } });
  });

  it('follows a custom resource\'s own schema: list-type map, atomic map, preserved unknown fields merged key by key', () => {
    const crdSchema = mergeSchema({
      Widget: {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
          spec: {
            type: 'object',
            properties: {
              parts: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'], items: { type: 'object', properties: { id: { type: 'string' }, size: { type: 'integer' } } } },
              selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
              extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']!,
    });
    const widgets: FieldManagerScope = { schema: crdSchema, node: { $ref: '#/definitions/Widget' }, apiVersion: 'example.com/v1', subresource: '' };
    const widget = (spec: unknown): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec });
    let object = applyAs(widgets, empty(widgets, 'Widget', 'w'), widget({ parts: [{ id: 'a', size: 1 }], selector: { x: '1' }, extra: { one: { deep: 1 } } }), 'alice');
    object = applyAs(widgets, object, widget({ parts: [{ id: 'b', size: 2 }], extra: { two: 2 } }), 'bob');
    assert.deepEqual(object.spec, { parts: [{ id: 'a', size: 1 }, { id: 'b', size: 2 }], selector: { x: '1' }, extra: { one: { deep: 1 }, two: 2 } });
    assert.deepEqual(owners(object)['bob/Apply'], { 'f:spec': { 'f:extra': { 'f:two': {} }, 'f:parts': { 'k:{"id":"b"}': { '.': {}, 'f:id': {}, 'f:size': {} } } } });
    assert.equal(conflictsOf(widgets, object, widget({ selector: { y: '2' } }), 'bob'), 'Apply failed with 1 conflict: conflict with "alice": .spec.selector');
  });

  it('hands what an untracked object holds to "before-first-apply" at its first apply', () => {
    const untracked = cm({ a: '1', b: '2' });
    assert.equal(conflictsOf(configMaps, untracked, cm({ a: '2' }), 'alice'),
      'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a');
    const applied = applyAs(configMaps, untracked, cm({ a: '1' }), 'alice');
    assert.deepEqual(owners(applied), {
      'alice/Apply': { 'f:data': { 'f:a': {} } },
      'before-first-apply/Update': { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } },
    });
  });
});
