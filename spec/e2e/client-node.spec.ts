// @kubernetes/client-node, unmodified, against kubeactor: typed list and
// create, a raw watch, and an informer that follows changes.

import { eventuallyTrue as eventually } from '../support/eventually.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startTestServer, type TestServer } from '../support/server.js';

describe('@kubernetes/client-node against kubeactor', () => {
  let server: TestServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  before(async () => {
    server = await startTestServer();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(async () => {
    await server.dispose();
  });

  it('lists the system namespaces', async () => {
    const list = await core.listNamespace();
    const names = list.items.map((n) => n.metadata?.name);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(ns), ns);
    assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/);
  });

  it('creates and reads a ConfigMap through the typed API', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'from-client-node' }, data: { a: 'b' } } });
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    const read = await core.readNamespacedConfigMap({ namespace: 'default', name: 'from-client-node' });
    assert.deepEqual(read.data, { a: 'b' });
  });

  it('reports a missing object as a 404 with kube\'s message', async () => {
    await assert.rejects(core.readNamespacedConfigMap({ namespace: 'default', name: 'missing' }), (error: { code?: number; body?: string }) => {
      assert.equal(error.code, 404);
      assert.match(String(error.body), /configmaps \\"missing\\" not found|configmaps "missing" not found/);
      return true;
    });
  });

  it('watches ADDED, MODIFIED and DELETED events from a resourceVersion', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const controller = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type, object: k8s.V1ConfigMap) => events.push(`${type} ${object.metadata?.name}`),
      () => undefined,
    );
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' } } });
      await core.patchNamespacedConfigMap({ namespace: 'default', name: 'watched', body: { data: { x: 'y' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'watched' });
      await eventually(() => events.length >= 3, 'three watch events');
      assert.deepEqual(events, ['ADDED watched', 'MODIFIED watched', 'DELETED watched']);
    } finally {
      controller.abort();
    }
  });

  it('keeps an informer\'s cache in step with the server', async () => {
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      assert.ok(informer.get('from-client-node', 'default'), 'the informer lists existing objects');
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'informed' } } });
      await eventually(() => informer.get('informed', 'default') !== undefined, 'the informer to see the new object');
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'informed' });
      await eventually(() => informer.get('informed', 'default') === undefined, 'the informer to forget the deleted object');
      assert.ok(seen.includes('add informed'));
      assert.ok(seen.includes('delete informed'));
    } finally {
      await informer.stop();
    }
  });
});
