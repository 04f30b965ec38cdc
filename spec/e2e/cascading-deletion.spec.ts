// Cascading deletion: the API server's half (Orphan and Foreground mark the
// object with a finalizer) and the garbage collector's (dependents deleted in
// the background or the foreground, or orphaned), driven by kubectl 1.33's
// --cascade and by @kubernetes/client-node's propagationPolicy.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { settle, type ServerClient } from '../../harness/client.js';

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid: string; finalizers?: string[]; deletionTimestamp?: string; ownerReferences?: { uid: string; name: string }[] };
}

const NS = 'gc';
const path = (resource: string, name = ''): string => `/api/v1/namespaces/${NS}/${resource}${name ? `/${name}` : ''}`;

async function create(client: ServerClient, resource: string, body: object): Promise<Obj> {
  const reply = await client.request('POST', path(resource), body);
  assert.equal(reply.status, 201, reply.body);
  return JSON.parse(reply.body) as Obj;
}

async function get(client: ServerClient, resource: string, name: string): Promise<Obj | undefined> {
  const reply = await client.request('GET', path(resource, name));
  return reply.status === 200 ? (JSON.parse(reply.body) as Obj) : undefined;
}

const ownedBy = (owner: Obj, kind: string, block = true) => [{ apiVersion: 'v1', kind, name: owner.metadata.name, uid: owner.metadata.uid, blockOwnerDeletion: block }];

/** ConfigMap `<p>-a` owns Secret `<p>-b`, which owns ServiceAccount `<p>-c`: a three-level chain. */
async function chain(client: ServerClient, prefix: string): Promise<{ a: Obj; b: Obj; c: Obj }> {
  const a = await create(client, 'configmaps', { metadata: { name: `${prefix}-a` } });
  const b = await create(client, 'secrets', { metadata: { name: `${prefix}-b`, ownerReferences: ownedBy(a, 'ConfigMap') } });
  const c = await create(client, 'serviceaccounts', { metadata: { name: `${prefix}-c`, ownerReferences: ownedBy(b, 'Secret') } });
  return { a, b, c };
}

async function gone(client: ServerClient, resource: string, name: string): Promise<void> {
  await settle(async () => (await get(client, resource, name)) === undefined, `${resource}/${name} to be deleted`, 10_000);
}

describe('cascading deletion', () => {
  let server: TestServer;
  let k: Kubectl;

  before(async () => {
    server = await startTestServer();
    k = kubectl('1.33', server.kubeconfigPath);
    await k.ok(['create', 'ns', NS]);
  });
  after(async () => {
    await server.dispose();
  });

  describe('with kubectl 1.33', () => {
    it('--cascade=background deletes the owner at once, then its dependents and theirs', async () => {
      const { b, c } = await chain(server.client, 'bg');
      await k.ok(['delete', 'cm', 'bg-a', '-n', NS, '--cascade=background']);
      await gone(server.client, 'secrets', b.metadata.name);
      await gone(server.client, 'serviceaccounts', c.metadata.name);
    });

    it('--cascade=foreground deletes the dependents first: when kubectl returns, the whole chain is gone', async () => {
      await chain(server.client, 'fg');
      await k.ok(['delete', 'cm', 'fg-a', '-n', NS, '--cascade=foreground']);
      assert.equal(await get(server.client, 'configmaps', 'fg-a'), undefined);
      assert.equal(await get(server.client, 'secrets', 'fg-b'), undefined);
      assert.equal(await get(server.client, 'serviceaccounts', 'fg-c'), undefined);
    });

    it('--cascade=orphan deletes only the owner, and its dependents lose their reference to it', async () => {
      const { b } = await chain(server.client, 'or');
      await k.ok(['delete', 'cm', 'or-a', '-n', NS, '--cascade=orphan']);
      assert.equal(await get(server.client, 'configmaps', 'or-a'), undefined);
      const secret = await get(server.client, 'secrets', 'or-b');
      assert.ok(secret);
      assert.equal(secret.metadata.ownerReferences, undefined);
      const account = await get(server.client, 'serviceaccounts', 'or-c');
      assert.deepEqual(account?.metadata.ownerReferences?.map((r) => r.uid), [b.metadata.uid]);
    });
  });

  describe('with @kubernetes/client-node', () => {
    let core: k8s.CoreV1Api;
    before(() => {
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(server.kubeconfigPath);
      core = kc.makeApiClient(k8s.CoreV1Api);
    });

    it('propagationPolicy Background', async () => {
      await chain(server.client, 'cn-bg');
      await core.deleteNamespacedConfigMap({ name: 'cn-bg-a', namespace: NS, propagationPolicy: 'Background' });
      await gone(server.client, 'secrets', 'cn-bg-b');
      await gone(server.client, 'serviceaccounts', 'cn-bg-c');
    });

    it('propagationPolicy Foreground: the owner goes after its dependents', async () => {
      await chain(server.client, 'cn-fg');
      await core.deleteNamespacedConfigMap({ name: 'cn-fg-a', namespace: NS, propagationPolicy: 'Foreground' });
      await gone(server.client, 'configmaps', 'cn-fg-a');
      assert.equal(await get(server.client, 'secrets', 'cn-fg-b'), undefined);
      assert.equal(await get(server.client, 'serviceaccounts', 'cn-fg-c'), undefined);
    });

    it('propagationPolicy Orphan', async () => {
      await chain(server.client, 'cn-or');
      await core.deleteNamespacedConfigMap({ name: 'cn-or-a', namespace: NS, propagationPolicy: 'Orphan' });
      await gone(server.client, 'configmaps', 'cn-or-a');
      assert.equal((await get(server.client, 'secrets', 'cn-or-b'))?.metadata.ownerReferences, undefined);
      assert.ok(await get(server.client, 'serviceaccounts', 'cn-or-c'));
    });
  });

  it('deletes a namespace in the foreground: the namespace controller and the collector both finish theirs', async () => {
    await k.ok(['create', 'ns', 'gc-fg-ns']);
    await k.ok(['create', 'cm', 'inside', '-n', 'gc-fg-ns']);
    await k.ok(['delete', 'ns', 'gc-fg-ns', '--cascade=foreground', '--timeout=20s']);
    assert.match((await k.run(['get', 'ns', 'gc-fg-ns'])).stderr, /namespaces "gc-fg-ns" not found/);
  });

  it('deletes a dependent whose owner never existed (a dangling reference)', async () => {
    await create(server.client, 'configmaps', { metadata: { name: 'dangling', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-0000-0000-000000000000' }] } });
    await gone(server.client, 'configmaps', 'dangling');
  });

  it('keeps a dependent that has another owner, removing only the reference to the one deleted', async () => {
    const one = await create(server.client, 'configmaps', { metadata: { name: 'owner-one' } });
    const two = await create(server.client, 'configmaps', { metadata: { name: 'owner-two' } });
    await create(server.client, 'secrets', { metadata: { name: 'shared', ownerReferences: [...ownedBy(one, 'ConfigMap'), ...ownedBy(two, 'ConfigMap')] } });
    await k.ok(['delete', 'cm', 'owner-one', '-n', NS]);
    await settle(async () => (await get(server.client, 'secrets', 'shared'))?.metadata.ownerReferences?.length === 1, 'the reference to owner-one removed', 10_000);
    assert.deepEqual((await get(server.client, 'secrets', 'shared'))?.metadata.ownerReferences?.map((r) => r.name), ['owner-two']);
  });

  it('treats a namespaced owner in another namespace as absent, deletes the dependent, and says so with an OwnerRefInvalidNamespace event', async () => {
    const owner = await create(server.client, 'configmaps', { metadata: { name: 'elsewhere' } });
    const reply = await server.client.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'cross-namespace', ownerReferences: ownedBy(owner, 'ConfigMap') } });
    assert.equal(reply.status, 201, reply.body);
    await settle(async () => (await server.client.request('GET', '/api/v1/namespaces/default/configmaps/cross-namespace')).status === 404, 'the dependent deleted', 10_000);
    assert.ok(await get(server.client, 'configmaps', 'elsewhere'), 'the owner is untouched');
    const events = await k.ok(['get', 'events', '-n', 'default', '-o', 'jsonpath={range .items[*]}{.involvedObject.name} {.reason} {.message}{"\\n"}{end}']);
    assert.match(events, new RegExp(`^cross-namespace OwnerRefInvalidNamespace ownerRef \\[v1/ConfigMap, namespace: default, name: elsewhere, uid: ${owner.metadata.uid}\\] does not exist in namespace "default"$`, 'm'));
  });

  it('collects a namespaced dependent of a cluster-scoped owner', async () => {
    const role = JSON.parse((await server.client.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { metadata: { name: 'gc-owner' }, rules: [] })).body) as Obj;
    await create(server.client, 'configmaps', { metadata: { name: 'of-a-clusterrole', ownerReferences: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'gc-owner', uid: role.metadata.uid }] } });
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(await get(server.client, 'configmaps', 'of-a-clusterrole'), 'kept while its owner lives');
    await k.ok(['delete', 'clusterrole', 'gc-owner']);
    await gone(server.client, 'configmaps', 'of-a-clusterrole');
  });

  it('never collects a cluster-scoped dependent naming a namespaced owner, and says so with an OwnerRefInvalidNamespace event', async () => {
    const owner = await create(server.client, 'configmaps', { metadata: { name: 'namespaced-owner' } });
    const reply = await server.client.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      metadata: { name: 'gc-invalid', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'namespaced-owner', uid: owner.metadata.uid }] }, rules: [],
    });
    assert.equal(reply.status, 201, reply.body);
    let events = '';
    // A cluster-scoped object's events are recorded in `default`.
    await settle(async () => (events = await k.ok(['get', 'events', '-n', 'default', '-o', 'jsonpath={range .items[*]}{.involvedObject.kind}/{.involvedObject.name} {.type} {.reason} {.message}{"\\n"}{end}'])).includes('gc-invalid'), 'the event', 10_000);
    assert.match(events, /^ClusterRole\/gc-invalid Warning OwnerRefInvalidNamespace ownerRef \[v1\/ConfigMap, namespace: , name: namespaced-owner, uid: [0-9a-f-]+\] does not exist in namespace ""$/m);
    assert.equal((await server.client.request('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/gc-invalid')).status, 200);
  });

  it('deletes 200 dependents of one owner in the background', async () => {
    const owner = await create(server.client, 'configmaps', { metadata: { name: 'many' } });
    await Promise.all(Array.from({ length: 200 }, (_, i) => create(server.client, 'secrets', { metadata: { name: `many-${i}`, labels: { batch: 'many' }, ownerReferences: ownedBy(owner, 'ConfigMap', false) } })));
    await k.ok(['delete', 'cm', 'many', '-n', NS]);
    await settle(async () => (await k.ok(['get', 'secrets', '-n', NS, '-l', 'batch=many', '-o', 'name'])) === '', 'every dependent deleted', 20_000);
  });
});

describe('the API server\'s half, with the garbage collector off', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ controllers: ['*', '-garbagecollector'] });
  });
  after(async () => {
    await server.dispose();
  });

  it('marks the object with the orphan or foregroundDeletion finalizer instead of deleting it, from the body or the query', async () => {
    const cm = '/api/v1/namespaces/default/configmaps';
    for (const [name, how, finalizer] of [['by-body', 'body', 'orphan'], ['by-query', 'query', 'foregroundDeletion']] as const) {
      assert.equal((await server.client.request('POST', cm, { metadata: { name, finalizers: ['example.com/keep'] } })).status, 201);
      const policy = finalizer === 'orphan' ? 'Orphan' : 'Foreground';
      const reply = how === 'body'
        ? await server.client.request('DELETE', `${cm}/${name}`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: policy })
        : await server.client.request('DELETE', `${cm}/${name}?propagationPolicy=${policy}`);
      assert.equal(reply.status, 200, reply.body);
      const marked = JSON.parse(reply.body) as Obj;
      assert.ok(marked.metadata.deletionTimestamp);
      assert.deepEqual(marked.metadata.finalizers, ['example.com/keep', finalizer]);
    }
    // Without another finalizer too: the object stays, waiting for the collector.
    assert.equal((await server.client.request('POST', cm, { metadata: { name: 'plain' } })).status, 201);
    assert.equal((await server.client.request('DELETE', `${cm}/plain`, { propagationPolicy: 'Orphan' })).status, 200);
    const left = JSON.parse((await server.client.request('GET', `${cm}/plain`)).body) as Obj;
    assert.deepEqual(left.metadata.finalizers, ['orphan']);
    // Background, as most kinds default to, deletes at once.
    assert.equal((await server.client.request('POST', cm, { metadata: { name: 'background' } })).status, 201);
    assert.equal((await server.client.request('DELETE', `${cm}/background`)).status, 200);
    assert.equal((await server.client.request('GET', `${cm}/background`)).status, 404);
  });
});
