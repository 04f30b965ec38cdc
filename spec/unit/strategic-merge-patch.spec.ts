// Strategic merge patch as kube-apiserver applies it (PATCH with
// application/strategic-merge-patch+json, and what `kubectl apply` sends),
// plus RFC 7386 JSON merge patch. Ordering expectations follow apimachinery's
// strategicpatch test fixtures.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonMergePatch, applyStrategicMergePatch, PatchError, MAX_PATCH_DEPTH } from '../../actors/store/strategic-merge-patch.js';
import type { Definitions, SchemaNode } from '../../scheme/schema.js';

const ref = (name: string): SchemaNode => ({ $ref: `#/definitions/${name}` });
const str: SchemaNode = { type: 'string' };
const stringMap: SchemaNode = { type: 'object', additionalProperties: str };
const keyed = (item: string, key: string, strategy = 'merge'): SchemaNode => ({
  type: 'array',
  items: ref(item),
  'x-kubernetes-patch-strategy': strategy,
  'x-kubernetes-patch-merge-key': key,
});

// Shaped like scheme/generated/definitions.json, cut down to what the cases touch.
const definitions: Definitions = {
  ObjectMeta: {
    type: 'object',
    properties: {
      name: str,
      namespace: str,
      labels: stringMap,
      annotations: stringMap,
      finalizers: { type: 'array', items: str, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' },
      ownerReferences: keyed('OwnerReference', 'uid'),
    },
  },
  OwnerReference: { type: 'object', properties: { uid: str, name: str, kind: str } },
  ConfigMap: { type: 'object', properties: { apiVersion: str, kind: str, metadata: ref('ObjectMeta'), data: stringMap } },
  Pod: { type: 'object', properties: { apiVersion: str, kind: str, metadata: ref('ObjectMeta'), spec: ref('PodSpec') } },
  PodSpec: {
    type: 'object',
    properties: {
      containers: keyed('Container', 'name'),
      volumes: keyed('Volume', 'name', 'merge,retainKeys'),
      tolerations: { type: 'array', items: ref('Toleration'), 'x-kubernetes-list-type': 'atomic' },
      nodeSelector: stringMap,
    },
  },
  Container: {
    type: 'object',
    properties: {
      name: str,
      image: str,
      args: { type: 'array', items: str, 'x-kubernetes-list-type': 'atomic' },
      ports: keyed('ContainerPort', 'containerPort'),
      env: keyed('EnvVar', 'name'),
    },
  },
  ContainerPort: { type: 'object', properties: { containerPort: { type: 'integer' }, protocol: str, name: str } },
  EnvVar: { type: 'object', properties: { name: str, value: str } },
  Toleration: { type: 'object', properties: { key: str, operator: str } },
  Volume: { type: 'object', properties: { name: str, emptyDir: { type: 'object' }, configMap: { type: 'object', properties: { name: str } } } },
  Deployment: { type: 'object', properties: { metadata: ref('ObjectMeta'), spec: ref('DeploymentSpec') } },
  DeploymentSpec: {
    type: 'object',
    properties: {
      replicas: { type: 'integer' },
      selector: { ...ref('LabelSelector'), 'x-kubernetes-patch-strategy': 'replace' },
      strategy: { ...ref('DeploymentStrategy'), 'x-kubernetes-patch-strategy': 'retainKeys' },
    },
  },
  LabelSelector: { type: 'object', properties: { matchLabels: stringMap } },
  DeploymentStrategy: { type: 'object', properties: { type: str, rollingUpdate: { type: 'object' } } },
  // apimachinery's test type: every strategy in one place.
  MergeItem: {
    type: 'object',
    properties: {
      name: str,
      value: str,
      other: str,
      mergingList: keyed('MergeItem', 'name'),
      nonMergingList: { type: 'array', items: ref('MergeItem') },
      mergingIntList: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-patch-strategy': 'merge' },
      nonMergingIntList: { type: 'array', items: { type: 'integer' } },
      simpleMap: stringMap,
      retainKeysMap: { ...ref('MergeItem'), 'x-kubernetes-patch-strategy': 'retainKeys' },
      retainKeysMergingList: keyed('MergeItem', 'name', 'merge,retainKeys'),
    },
  },
};

const patchAs = (kind: string) => (original: unknown, patch: unknown) => applyStrategicMergePatch(original, patch, ref(kind), definitions);
const item = patchAs('MergeItem');
const pod = patchAs('Pod');
const configMap = patchAs('ConfigMap');
const deployment = patchAs('Deployment');

function rejects(run: () => unknown, code: number, message: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof PatchError, `expected a PatchError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

describe('strategic merge patch: maps', () => {
  it('merges maps recursively, keeping what the patch does not mention', () => {
    const original = { metadata: { name: 'p', labels: { app: 'web', tier: 'front' } }, spec: { nodeSelector: { zone: 'a' } } };
    assert.deepEqual(pod(original, { metadata: { labels: { tier: 'back', team: 'x' } } }), {
      metadata: { name: 'p', labels: { app: 'web', tier: 'back', team: 'x' } },
      spec: { nodeSelector: { zone: 'a' } },
    });
  });

  it('deletes a key patched to null, and ignores nulls for keys that are not there', () => {
    const original = { metadata: { name: 'c', labels: { a: '1', b: '2' } } };
    assert.deepEqual(configMap(original, { metadata: { labels: { a: null, missing: null } }, data: { gone: null } }), {
      metadata: { name: 'c', labels: { b: '2' } },
      data: {},
    });
  });

  it('applies what kubectl apply sends for a ConfigMap: changed data and a new last-applied annotation', () => {
    const lastApplied = '{"apiVersion":"v1","data":{"a":"1","b":"3"},"kind":"ConfigMap","metadata":{"name":"settings","namespace":"default"}}\n';
    const live = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'settings',
        namespace: 'default',
        resourceVersion: '7',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"a":"1","b":"2","c":"x"}}\n', owner: 'ops' },
      },
      data: { a: '1', b: '2', c: 'x' },
    };
    const patch = { data: { b: '3', c: null }, metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } } };
    assert.deepEqual(configMap(live, patch), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'settings',
        namespace: 'default',
        resourceVersion: '7',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied, owner: 'ops' },
      },
      data: { a: '1', b: '3' },
    });
  });

  it('neither changes its inputs nor shares objects with them', () => {
    const original = { metadata: { name: 'c', labels: { a: '1' } }, data: { k: 'v' } };
    const patch = { metadata: { annotations: { note: 'n' } } };
    const before = structuredClone({ original, patch });
    const result = configMap(original, patch) as { data: Record<string, string>; metadata: { annotations: Record<string, string> } };
    result.data.k = 'changed';
    result.metadata.annotations.note = 'changed';
    assert.deepEqual({ original, patch }, before);
  });

  it('replaces a map carrying $patch: replace, and empties one carrying $patch: delete', () => {
    const original = { metadata: { labels: { a: '1', b: '2' }, annotations: { x: 'y' } } };
    assert.deepEqual(pod(original, { metadata: { labels: { $patch: 'replace', c: '3' }, annotations: { $patch: 'delete' } } }), {
      metadata: { labels: { c: '3' }, annotations: {} },
    });
  });

  it('accepts $patch: merge on a map as the default behaviour', () => {
    assert.deepEqual(pod({ metadata: { labels: { a: '1' } } }, { metadata: { labels: { $patch: 'merge', b: '2' } } }), { metadata: { labels: { a: '1', b: '2' } } });
  });

  it('rejects an unknown $patch directive', () => {
    rejects(() => pod({ metadata: { labels: { a: '1' } } }, { metadata: { labels: { $patch: 'bogus' } } }), 500, /^unknown patch type: bogus in map: map\[\$patch:bogus\]$/);
  });

  it('replaces a field whose patch strategy is replace instead of merging it', () => {
    const original = { spec: { selector: { matchLabels: { app: 'a', tier: 't' } }, replicas: 1 } };
    assert.deepEqual(deployment(original, { spec: { selector: { matchLabels: { app: 'b' } } } }), {
      spec: { selector: { matchLabels: { app: 'b' } }, replicas: 1 },
    });
  });

  it('lets a value of another type replace the original one', () => {
    assert.deepEqual(item({ simpleMap: { a: 'b' }, value: 'x' }, { simpleMap: 'now a string', value: { now: 'a map' } }), {
      simpleMap: 'now a string',
      value: { now: 'a map' },
    });
  });

  it('treats a null patch as empty and refuses one that is not an object', () => {
    assert.deepEqual(item({ name: 'a' }, null), { name: 'a' });
    rejects(() => item({ name: 'a' }, [{ name: 'b' }]), 400, /cannot unmarshal array into Go value of type map/);
    rejects(() => item({ name: 'a' }, 'x'), 400, /cannot unmarshal string/);
  });

  it('stores a new subtree without directives or nulls', () => {
    const patch = {
      spec: {
        $retainKeys: ['containers'],
        containers: [{ name: 'web', image: 'nginx', env: [{ name: 'A', value: null }], $setElementOrder: null }],
        'nodeSelector': { zone: null, disk: 'ssd' },
        volumes: [{ name: 'gone', $patch: 'delete' }, { name: 'kept' }],
      },
    };
    assert.deepEqual(pod({ metadata: { name: 'p' } }, patch), {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'web', image: 'nginx', env: [{ name: 'A' }] }], nodeSelector: { disk: 'ssd' }, volumes: [{ name: 'kept' }] },
    });
  });
});

describe('strategic merge patch: lists', () => {
  it('replaces a list that has no merge strategy', () => {
    const original = { spec: { tolerations: [{ key: 'a' }, { key: 'b' }], containers: [{ name: 'c', args: ['x', 'y'] }] } };
    assert.deepEqual(pod(original, { spec: { tolerations: [{ key: 'c' }], containers: [{ name: 'c', args: ['z'] }] } }), {
      spec: { tolerations: [{ key: 'c' }], containers: [{ name: 'c', args: ['z'] }] },
    });
  });

  it('unions a primitive list with the merge strategy, dropping duplicates and putting new items first', () => {
    const original = { metadata: { finalizers: ['a/x', 'b/y'] } };
    assert.deepEqual(pod(original, { metadata: { finalizers: ['c/z', 'a/x'] } }), { metadata: { finalizers: ['c/z', 'a/x', 'b/y'] } });
    assert.deepEqual(item({ mergingIntList: [1, 2] }, { mergingIntList: [2, 3] }), { mergingIntList: [1, 2, 3] });
  });

  it('removes every copy listed in $deleteFromPrimitiveList, and never creates the list', () => {
    assert.deepEqual(pod({ metadata: { finalizers: ['a', 'b', 'a', 'c'] } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'zzz'] } }), {
      metadata: { finalizers: ['b', 'c'] },
    });
    assert.deepEqual(pod({ metadata: { name: 'p' } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }), { metadata: { name: 'p' } });
    // Even a list without the merge strategy honours the deletion list (upstream fixture).
    assert.deepEqual(item({ nonMergingIntList: [1, 2, 3] }, { '$deleteFromPrimitiveList/nonMergingIntList': [2] }), { nonMergingIntList: [1, 3] });
  });

  it('merges a keyed list element by element, recursing into nested keyed lists', () => {
    const original = {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
          { name: 'sidecar', image: 'envoy' },
        ],
      },
    };
    const patch = { spec: { containers: [{ name: 'web', image: 'nginx:2', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'B', value: '3' }] }] } };
    assert.deepEqual(pod(original, patch), {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:2', ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }] },
          { name: 'sidecar', image: 'envoy' },
        ],
      },
    });
  });

  it('puts a new keyed element before the live ones when the patch gives no order', () => {
    const original = { spec: { containers: [{ name: 'web' }, { name: 'sidecar' }] } };
    assert.deepEqual(pod(original, { spec: { containers: [{ name: 'debug', image: 'busybox' }] } }), {
      spec: { containers: [{ name: 'debug', image: 'busybox' }, { name: 'web' }, { name: 'sidecar' }] },
    });
  });

  it('deletes keyed elements with $patch: delete, including duplicates, and ignores missing ones', () => {
    const original = { mergingList: [{ name: '1' }, { name: '2', value: 'a' }, { name: '2', value: 'b' }, { name: '3' }] };
    assert.deepEqual(item(original, { mergingList: [{ name: '2', $patch: 'delete' }, { name: '9', $patch: 'delete' }] }), {
      mergingList: [{ name: '1' }, { name: '3' }],
    });
  });

  it('replaces a keyed list holding a $patch: replace element with the other elements', () => {
    const original = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b' }] } };
    assert.deepEqual(pod(original, { spec: { containers: [{ name: 'c', env: [{ name: 'E', value: null }] }, { $patch: 'replace' }] } }), {
      spec: { containers: [{ name: 'c', env: [{ name: 'E' }] }] },
    });
  });

  it('refuses keyed elements without their merge key, $patch: merge elements and lists of lists', () => {
    rejects(() => item({ mergingList: [{ name: '1', value: 'a' }] }, { mergingList: [{ value: 'b' }] }), 500, /^map: map\[value:b\] does not contain declared merge key: name$/);
    rejects(() => item({ mergingList: [{ name: '1' }] }, { mergingList: [{ name: '1', $patch: 'merge' }] }), 500, /merging lists cannot yet be specified in the patch/);
    rejects(() => item({ mergingIntList: [[1]] }, { mergingIntList: [[2]] }), 422, /lists of lists are not supported/);
    rejects(() => item({ mergingIntList: [1] }, { mergingIntList: ['1'] }), 500, /list element types are not identical/);
  });

  it('falls back to JSON merge patch below fields the schema does not describe', () => {
    const original = { metadata: { name: 'x' }, spec: { custom: { list: [{ name: 'a', v: 1 }], keep: true } } };
    assert.deepEqual(pod(original, { spec: { custom: { list: [{ name: 'b' }], keep: null, added: { $patch: 'replace', deep: 1 } } } }), {
      metadata: { name: 'x' },
      spec: { custom: { list: [{ name: 'b' }], added: { deep: 1 } } },
    });
  });
});

describe('strategic merge patch: $setElementOrder', () => {
  it('orders a keyed list as kubectl apply asks, merging the patched element', () => {
    // upstream "add an item in a list and preserve order", three-way case
    const current = { mergingList: [{ name: '1', other: 'a' }, { name: '2', value: '2', other: 'b' }] };
    const patch = { '$setElementOrder/mergingList': [{ name: '3' }, { name: '1' }, { name: '2' }], mergingList: [{ name: '3', value: '3' }] };
    assert.deepEqual(item(current, patch), {
      mergingList: [{ name: '3', value: '3' }, { name: '1', other: 'a' }, { name: '2', value: '2', other: 'b' }],
    });
  });

  it('deletes and reorders in one go', () => {
    // upstream "delete an item in a list and preserve order"
    const current = { mergingList: [{ name: '1', other: 'a' }, { name: '2', value: '2', other: 'b' }, { name: '3', value: '3' }] };
    const patch = { '$setElementOrder/mergingList': [{ name: '2' }, { name: '1' }], mergingList: [{ name: '3', $patch: 'delete' }] };
    assert.deepEqual(item(current, patch), { mergingList: [{ name: '2', value: '2', other: 'b' }, { name: '1', other: 'a' }] });
  });

  it('keeps server-only elements next to the live elements they followed', () => {
    // upstream "set elements order in a list with server-only items 3"
    const current = { mergingList: [{ name: '1', other: 'a' }, { name: '2', value: '2' }, { name: '7' }, { name: '9' }, { name: '8' }, { name: '3', value: '3' }, { name: '4', value: '4' }] };
    const patch = { '$setElementOrder/mergingList': [{ name: '2' }, { name: '1' }, { name: '4' }, { name: '3' }] };
    assert.deepEqual(item(current, patch), {
      mergingList: [{ name: '2', value: '2' }, { name: '1', other: 'a' }, { name: '7' }, { name: '9' }, { name: '8' }, { name: '4', value: '4' }, { name: '3', value: '3' }],
    });
  });

  it('orders primitive lists too, with server-only items kept in place', () => {
    // upstream "add an item in a list of primitives and preserve order"
    assert.deepEqual(item({ mergingIntList: [1, 4, 2] }, { '$setElementOrder/mergingIntList': [3, 1, 2], mergingIntList: [3] }), { mergingIntList: [3, 1, 4, 2] });
    // upstream "delete items in lists of scalars"
    assert.deepEqual(
      item({ mergingIntList: [1, 2, 3, 4] }, { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] }),
      { mergingIntList: [1, 2, 4] },
    );
  });

  it('never adds elements that are only named in the order', () => {
    const patch = { '$setElementOrder/mergingList': [{ name: '3' }, { name: '2' }, { name: '1' }], mergingList: [{ name: '3', value: '3' }, { name: '1', value: '1' }] };
    assert.deepEqual(item({ mergingList: [{ name: '1' }, { name: '3' }] }, patch), { mergingList: [{ name: '3', value: '3' }, { name: '1', value: '1' }] });
  });

  it('keeps duplicates of a merge key together, in their live order', () => {
    // upstream "behavior of set element order for a merging list with duplicate"
    const current = { mergingList: [{ name: '1' }, { name: '2', value: 'dup1' }, { name: '3' }, { name: '2', value: 'dup2' }, { name: '4' }] };
    const patch = { '$setElementOrder/mergingList': [{ name: '2' }, { name: '1' }, { name: '4' }, { name: '3' }, { name: '2' }] };
    assert.deepEqual(item(current, patch), {
      mergingList: [{ name: '2', value: 'dup1' }, { name: '2', value: 'dup2' }, { name: '1' }, { name: '4' }, { name: '3' }],
    });
  });

  it('refuses a patch list whose order contradicts the directive', () => {
    const patch = { '$setElementOrder/mergingList': [{ name: '1' }, { name: '2' }, { name: '3' }], mergingList: [{ name: '3', value: '3' }, { name: '1', value: '1' }] };
    rejects(() => item({ mergingList: [{ name: '1' }, { name: '3' }, { name: '2' }] }, patch), 500, /doesn't match \$setElementOrder list/);
  });

  it('refuses malformed directive keys and values with 400 where kube does', () => {
    rejects(() => item({}, { '$setElementOrderX': [] }), 400, /^invalid patch format of setElementOrder list$/);
    rejects(() => item({}, { '$deleteFromPrimitiveListX': [] }), 400, /^invalid patch format of primitive list$/);
    rejects(() => item({ mergingList: [] }, { '$setElementOrder/mergingList': 'x' }), 500, /^expected a \[\]interface \{\}, but received a string$/);
  });

  it('applies a kubectl apply patch to a Pod: order, a changed container, a deleted container', () => {
    const live = {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'app', image: 'app:1', env: [{ name: 'MODE', value: 'prod' }] },
          { name: 'metrics', image: 'prom:1' },
          { name: 'proxy', image: 'envoy:1' },
        ],
      },
    };
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        '$setElementOrder/containers': [{ name: 'proxy' }, { name: 'app' }],
        containers: [
          { name: 'app', image: 'app:2', '$setElementOrder/env': [{ name: 'MODE' }, { name: 'DEBUG' }], env: [{ name: 'DEBUG', value: '1' }] },
          { name: 'metrics', $patch: 'delete' },
        ],
      },
    };
    assert.deepEqual(pod(live, patch), {
      metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        containers: [
          { name: 'proxy', image: 'envoy:1' },
          { name: 'app', image: 'app:2', env: [{ name: 'MODE', value: 'prod' }, { name: 'DEBUG', value: '1' }] },
        ],
      },
    });
  });
});

describe('strategic merge patch: $retainKeys', () => {
  it('clears keys the directive does not list', () => {
    // upstream "retainKeys map should clear defaulted field with conflict (discriminated union)"
    const current = { retainKeysMap: { name: 'type1', value: 'foo' } };
    assert.deepEqual(item(current, { retainKeysMap: { $retainKeys: ['name', 'other'], name: 'type2', other: 'bar' } }), { retainKeysMap: { name: 'type2', other: 'bar' } });
  });

  it('switches a volume source inside a keyed list with the retainKeys strategy', () => {
    const live = { spec: { volumes: [{ name: 'data', emptyDir: {} }, { name: 'cache', emptyDir: {} }] } };
    const patch = {
      spec: {
        '$setElementOrder/volumes': [{ name: 'data' }, { name: 'cache' }],
        volumes: [{ $retainKeys: ['configMap', 'name'], name: 'data', configMap: { name: 'settings' } }],
      },
    };
    assert.deepEqual(pod(live, patch), { spec: { volumes: [{ name: 'data', configMap: { name: 'settings' } }, { name: 'cache', emptyDir: {} }] } });
  });

  it('switches a Deployment from RollingUpdate to Recreate', () => {
    const live = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } } };
    assert.deepEqual(deployment(live, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } }), { spec: { strategy: { type: 'Recreate' } } });
  });

  it('refuses a patch that sets keys the directive does not list, or a directive that is not a list', () => {
    rejects(() => item({ retainKeysMap: { name: 'a' } }, { retainKeysMap: { $retainKeys: ['name'], value: 'v' } }), 400, /^invalid patch format of retainKeys$/);
    rejects(() => item({ retainKeysMap: { name: 'a' } }, { retainKeysMap: { $retainKeys: 'name' } }), 400, /^invalid patch format of retainKeys$/);
  });
});

describe('strategic merge patch: untrusted input', () => {
  it('bounds nesting depth instead of recursing without limit', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    rejects(() => pod({}, { spec: { custom: deep } }), 422, /maximum depth of 100/);
    rejects(() => pod({ spec: { custom: deep } }, { spec: { custom: deep } }), 422, /maximum depth/);
    assert.equal(MAX_PATCH_DEPTH, 100);
  });

  it('stores __proto__ as a plain key without touching prototypes', () => {
    const patch = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}},"__proto__":{"polluted":"yes"}}') as unknown;
    const result = pod({ metadata: { labels: {} } }, patch) as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(result, '__proto__'));
  });
});

describe('JSON merge patch (RFC 7386)', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [original, patch, expected] of cases) {
    it(`${JSON.stringify(original)} + ${JSON.stringify(patch)} = ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(applyJsonMergePatch(original, patch), expected);
    });
  }

  it('replaces lists wholesale even where a strategic patch would merge them', () => {
    const live = { metadata: { finalizers: ['a'] }, spec: { containers: [{ name: 'web' }] } };
    assert.deepEqual(applyJsonMergePatch(live, { metadata: { finalizers: ['b'] }, spec: { containers: [{ name: 'debug' }] } }), {
      metadata: { finalizers: ['b'] },
      spec: { containers: [{ name: 'debug' }] },
    });
  });

  it('leaves its inputs alone', () => {
    const original = { a: { b: 1 } };
    const patch = { a: { c: [1] } };
    const result = applyJsonMergePatch(original, patch) as { a: { b: number; c: number[] } };
    result.a.b = 2;
    result.a.c.push(2);
    assert.deepEqual(original, { a: { b: 1 } });
    assert.deepEqual(patch, { a: { c: [1] } });
  });
});
