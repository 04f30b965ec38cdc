// Several kubeactor processes on one etcd each run the built-in controllers
// (leader election waits for Leases): they must agree, not fight. Every
// controller write names a resourceVersion or a uid precondition, so a 409 or a
// 404 only says another server got there first.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suiteEtcd } from '../support/etcd.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { settle } from '../../harness/client.js';

describe('built-in controllers on two servers sharing one etcd', () => {
  const etcd = suiteEtcd();
  const servers: TestServer[] = [];

  before(async () => {
    for (let i = 0; i < 2; i++) servers.push(await startTestServer({ storageBackend: 'etcd3', etcdServers: etcd.cluster.endpoints, etcdPrefix: '/controllers-scale-out' }));
  });
  after(async () => {
    for (const server of servers) await server.dispose();
  });

  it('gives a namespace made through one server its default ServiceAccount and kube-root-ca.crt once, seen through both', async () => {
    const [one, two] = servers as [TestServer, TestServer];
    assert.equal((await one.client.request('POST', '/api/v1/namespaces', { metadata: { name: 'shared' } })).status, 201);
    for (const server of [one, two]) {
      await settle(async () => (await server.client.request('GET', '/api/v1/namespaces/shared/serviceaccounts/default')).status === 200, 'the default ServiceAccount', 10_000);
      await settle(async () => (await server.client.request('GET', '/api/v1/namespaces/shared/configmaps/kube-root-ca.crt')).status === 200, 'kube-root-ca.crt', 10_000);
    }
    // Each server has its own CA (its own data directory): the first publication stands, and nobody rewrites it back and forth.
    const rv = async (): Promise<string> => (JSON.parse((await one.client.request('GET', '/api/v1/namespaces/shared/configmaps/kube-root-ca.crt')).body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const first = await rv();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await rv(), first);
    const accounts = JSON.parse((await two.client.request('GET', '/api/v1/namespaces/shared/serviceaccounts')).body) as { items: unknown[] };
    assert.equal(accounts.items.length, 1);
  });

  it('cascades a delete made through one server, with both collectors at work', async () => {
    const [one, two] = servers as [TestServer, TestServer];
    const owner = JSON.parse((await one.client.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'owner' } })).body) as { metadata: { uid: string } };
    for (let i = 0; i < 20; i++) {
      const reply = await one.client.request('POST', '/api/v1/namespaces/default/secrets', { metadata: { name: `dependent-${i}`, labels: { set: 'scale-out' }, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }] } });
      assert.equal(reply.status, 201, reply.body);
    }
    assert.equal((await two.client.request('DELETE', '/api/v1/namespaces/default/configmaps/owner', { propagationPolicy: 'Foreground' })).status, 200);
    await settle(async () => (await one.client.request('GET', '/api/v1/namespaces/default/configmaps/owner')).status === 404, 'the owner gone', 15_000);
    const left = JSON.parse((await two.client.request('GET', '/api/v1/namespaces/default/secrets?labelSelector=set%3Dscale-out')).body) as { items: unknown[] };
    assert.equal(left.items.length, 0);
  });
});
