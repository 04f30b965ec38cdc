// Several kubeactor processes on one etcd: with --leader-elect (the default)
// one of them, holding the kube-system/kube-controller-manager Lease, runs the
// built-in controllers, and another takes over within the lease duration when
// it is killed. Without it every one runs them, and they must agree, not
// fight: every controller write names a resourceVersion or a uid
// precondition, so a 409 or a 404 only says another server got there first.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suiteEtcd } from '../support/etcd.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { startProcess, type Started } from '../support/process.js';
import { call, credentialsOf } from '../support/http.js';
import { settle } from '../../harness/client.js';

describe('built-in controllers on two servers sharing one etcd', () => {
  const etcd = suiteEtcd();
  const servers: TestServer[] = [];

  before(async () => {
    // Each runs its controllers: the agreement below is what holds when leader election is off.
    for (let i = 0; i < 2; i++) servers.push(await startTestServer({ storageBackend: 'etcd3', etcdServers: etcd.cluster.endpoints, etcdPrefix: '/controllers-scale-out', leaderElect: false }));
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

describe('leader election among kubeactor processes sharing one etcd', () => {
  const etcd = suiteEtcd();
  const processes: Started[] = [];
  const FAST = ['--leader-elect-lease-duration=3s', '--leader-elect-renew-deadline=2s', '--leader-elect-retry-period=500ms'];

  before(async () => {
    const args = ['--storage-backend=etcd3', `--etcd-servers=${etcd.cluster.endpoints.join(',')}`, '--etcd-prefix=/leader-election', ...FAST];
    for (let i = 0; i < 2; i++) processes.push(await startProcess(tempDir(`leader-${i}`), args, 'info'));
  });
  after(async () => {
    for (const p of processes) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      await p.exited;
    }
  });

  const actorsOf = async (p: Started): Promise<string> => (await call(credentialsOf(p.kubeconfig), 'GET', '/debug/actors')).body;

  it('runs the controllers in the process that holds the Lease only, and another takes over when it is killed', async () => {
    const elected = (p: Started) => p.logged(/successfully acquired lease kube-system\/kube-controller-manager/).then(() => p);
    const leader = await Promise.race(processes.map(elected));
    const follower = processes.find((p) => p !== leader)!;
    const creds = credentialsOf(follower.kubeconfig);
    const lease = (await call(creds, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager')).json();
    assert.match(lease.spec.holderIdentity, /^[^_]+_[0-9a-f-]{36}$/);
    assert.equal(lease.spec.leaseDurationSeconds, 3);
    await settle(async () => /controller\/serviceaccount-controller/.test(await actorsOf(leader)), 'the leader\'s controllers', 10_000);
    assert.doesNotMatch(await actorsOf(follower), /controller\/serviceaccount-controller/);

    leader.child.kill('SIGKILL');
    await leader.exited;
    const killedAt = Date.now();
    await follower.logged(/successfully acquired lease kube-system\/kube-controller-manager/);
    const tookOver = Date.now() - killedAt;
    // within the lease duration and a jittered retry period of the last renewal
    assert.ok(tookOver < 3_000 + 2 * 500 * 2.2 + 1_000, `took over after ${tookOver} ms`);
    assert.equal((await call(creds, 'POST', '/api/v1/namespaces', { body: JSON.stringify({ metadata: { name: 'after-the-leader' } }) })).status, 201);
    await settle(async () => (await call(creds, 'GET', '/api/v1/namespaces/after-the-leader/serviceaccounts/default')).status === 200, 'the new leader\'s serviceaccount controller', 10_000);
    const after = (await call(creds, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager')).json();
    assert.notEqual(after.spec.holderIdentity, lease.spec.holderIdentity);
    assert.equal(after.spec.leaseTransitions, lease.spec.leaseTransitions + 1);
  });

  it('a leader stopped with SIGTERM releases the Lease', async () => {
    const leader = processes.find((p) => p.child.exitCode === null && p.child.signalCode === null)!;
    const creds = credentialsOf(leader.kubeconfig);
    const holder = (await call(creds, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager')).json().spec.holderIdentity;
    assert.ok(holder);
    leader.child.kill('SIGTERM');
    assert.equal(await leader.exited, 0);
    // read through a server of its own that runs no controllers
    const reader = await startTestServer({ storageBackend: 'etcd3', etcdServers: etcd.cluster.endpoints, etcdPrefix: '/leader-election', leaderElect: false, controllers: [] });
    try {
      const lease = JSON.parse((await reader.client.request('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager')).body);
      assert.equal(lease.spec.holderIdentity ?? '', '');
      assert.equal(lease.spec.leaseDurationSeconds, 1);
    } finally {
      await reader.dispose();
    }
  });
});
