// Scale-out, as kube-apiserver does it: several kubeactor processes over one
// etcd cluster. A write through any of them reaches the watches on all of them,
// in etcd's order and without gaps; and an etcd cluster of three goes on taking
// writes when the member a server talks to stops.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { credentialsOf, ServerClient, settle, type OpenWatch } from '../../harness/start-server.js';
import { startProcess, type Started } from '../support/process.js';
import { startEtcd, type EtcdCluster } from '../support/etcd.js';
import { tempDir } from '../support/temp.js';

const CM = '/api/v1/namespaces/default/configmaps';

interface Server {
  process: Started;
  client: ServerClient;
  dataDir: string;
}

async function startServers(count: number, cluster: EtcdCluster, prefix: string): Promise<Server[]> {
  return Promise.all(Array.from({ length: count }, async () => {
    const dataDir = tempDir('scale-out');
    const process = await startProcess(dataDir, ['--controllers=', '--storage-backend=etcd3', `--etcd-servers=${cluster.endpoints.join(',')}`, `--etcd-prefix=${prefix}`]);
    return { process, client: new ServerClient(credentialsOf(process.kubeconfig)), dataDir };
  }));
}

async function stopServers(servers: Server[]): Promise<void> {
  await Promise.all(servers.map(async (s) => {
    s.process.child.kill('SIGTERM');
    await s.process.exited;
    rmSync(s.dataDir, { recursive: true, force: true });
  }));
}

/** The resourceVersions a watch has seen, in the order it saw them. */
const versions = (watch: OpenWatch): number[] => watch.events.map((e) => Number(e.object.metadata?.resourceVersion));

async function write(client: ServerClient, method: string, path: string, body?: unknown): Promise<number> {
  const reply = await client.request(method, path, body);
  assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${reply.body}`);
  return Number(JSON.parse(reply.body).metadata?.resourceVersion ?? JSON.parse(reply.body).details?.resourceVersion ?? NaN);
}

/** `count` kubeactor processes on an etcd cluster of `members`, for a whole describe block. */
function suiteServers(count: number, members: number): { cluster: EtcdCluster; servers: Server[] } {
  const suite = {} as { cluster: EtcdCluster; servers: Server[] };
  before(async () => {
    suite.cluster = await startEtcd(members);
    suite.servers = await startServers(count, suite.cluster, '/registry');
  });
  after(async () => {
    await stopServers(suite.servers ?? []);
    await suite.cluster?.dispose();
  });
  return suite;
}

describe('scale-out over one etcd', () => {
  const suite = suiteServers(3, 1);

  it('shows a write through one server to watches on the others, in order and without gaps', async () => {
    const [a, b, c] = suite.servers as [Server, Server, Server];
    const start = JSON.parse((await c.client.request('GET', CM)).body).metadata.resourceVersion as string;
    const watches = await Promise.all([b, c].map((s) => s.client.watch(`${CM}?watch=true&resourceVersion=${start}`)));

    // Writes through two servers at once: creates, updates and deletes of the same objects.
    const acknowledged: number[] = [];
    await Promise.all([a, b].map(async (server, w) => {
      for (let i = 0; i < 15; i++) {
        const name = `s${w}-${i}`;
        acknowledged.push(await write(server.client, 'POST', CM, { metadata: { name }, data: { step: '0' } }));
        acknowledged.push(await write(server.client, 'PUT', `${CM}/${name}`, { metadata: { name }, data: { step: '1' } }));
        if (i % 3 === 0) await server.client.request('DELETE', `${CM}/${name}`);
      }
    }));
    const deletes = 2 * 5;
    for (const watch of watches) {
      await settle(() => watch.events.length >= acknowledged.length + deletes, 'every change at every watch', 20_000);
      const seen = versions(watch);
      assert.deepEqual([...seen].sort((x, y) => x - y), seen, 'in etcd order');
      for (const rv of acknowledged) assert.ok(seen.includes(rv), `change at ${rv} missing`);
      assert.equal(seen.length, acknowledged.length + deletes, 'nothing more, nothing twice');
    }
    // Every server answers a consistent read with every acknowledged write.
    for (const server of suite.servers) {
      const list = JSON.parse((await server.client.request('GET', CM)).body) as { items: { metadata: { name: string } }[] };
      assert.equal(list.items.length, 30 - deletes);
    }
    for (const watch of watches) watch.close();
  });

  it('lets the same object be updated through two servers at once without losing either update', async () => {
    const [a, b] = suite.servers as [Server, Server, Server];
    await write(a.client, 'POST', CM, { metadata: { name: 'counter' }, data: {} });
    // Merge patches without a resourceVersion: each server retries on etcd's compare-and-swap until its patch applies.
    await Promise.all([a, b].flatMap((server, w) => Array.from({ length: 10 }, async (_, i) => {
      const reply = await server.client.request('PATCH', `${CM}/counter`, { data: { [`k${w}-${i}`]: 'x' } }, 'application/merge-patch+json');
      assert.equal(reply.status, 200, reply.body);
    })));
    const counter = JSON.parse((await b.client.request('GET', `${CM}/counter`)).body) as { data: Record<string, string> };
    assert.equal(Object.keys(counter.data).length, 20);
  });

  it('never hands out one cluster IP or node port twice when Services are created through two servers at once', async () => {
    const [a, b] = suite.servers as [Server, Server, Server];
    const SVC = '/api/v1/namespaces/default/services';
    const service = (name: string, spec: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { type: 'NodePort', ports: [{ port: 80 }], ...spec } });
    // 30 through each server at once, from the default /24 (254 addresses) and 2768 node ports.
    const replies = await Promise.all([a, b].flatMap((server, s) => Array.from({ length: 30 }, (_, i) => server.client.request('POST', SVC, service(`svc-${s}-${i}`)))));
    for (const reply of replies) assert.equal(reply.status, 201, reply.body);
    type Svc = { metadata: { name: string }; spec: { clusterIP: string; ports: { nodePort?: number }[] } };
    const listed = (JSON.parse((await b.client.request('GET', SVC)).body) as { items: Svc[] }).items;
    const ips = listed.map((svc) => svc.spec.clusterIP);
    const ports = listed.flatMap((svc) => svc.spec.ports.map((p) => p.nodePort)).filter((p) => p !== undefined);
    assert.equal(listed.length, 61);
    assert.equal(new Set(ips).size, ips.length, `cluster IPs handed out twice: ${ips.sort().join(' ')}`);
    assert.equal(ports.length, 60);
    assert.equal(new Set(ports).size, ports.length, `node ports handed out twice: ${ports.sort().join(' ')}`);

    // One free address asked for through both servers at once: one gets it, the other kube's 422.
    const free = Array.from({ length: 250 }, (_, i) => `10.0.0.${i + 2}`).find((ip) => !ips.includes(ip))!;
    const [first, second] = await Promise.all([a, b].map((server, s) => server.client.request('POST', SVC, service(`asked-${s}`, { type: 'ClusterIP', clusterIP: free }))));
    assert.deepEqual([first!.status, second!.status].sort(), [201, 422], `${first!.body} ${second!.body}`);
    const refused = [first!, second!].find((r) => r.status === 422)!;
    assert.equal(JSON.parse(refused.body).details.causes[0].message, `Invalid value: []string{"${free}"}: failed to allocate IP ${free}: provided IP is already allocated`);

    // A deleted Service's address is free again for the other server.
    const winner = [first!, second!].findIndex((r) => r.status === 201);
    const deleted = await [a, b][winner]!.client.request('DELETE', `${SVC}/asked-${winner}`);
    assert.equal(deleted.status, 200, deleted.body);
    const again = await [a, b][1 - winner]!.client.request('POST', SVC, service('asked-again', { type: 'ClusterIP', clusterIP: free }));
    assert.equal(again.status, 201, again.body);
  });
});

/** The client ports of etcd members that a process holds connections to. */
function connectedPorts(pid: number): Set<number> {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established'], { encoding: 'utf8' });
  const ports = new Set<number>();
  for (const line of out.split('\n')) {
    if (!line.includes(`pid=${pid},`)) continue;
    const peer = line.trim().split(/\s+/)[3];
    if (peer) ports.add(Number(peer.slice(peer.lastIndexOf(':') + 1)));
  }
  return ports;
}

describe('scale-out over a three-member etcd cluster', () => {
  const suite = suiteServers(2, 3);

  it('goes on taking writes, and delivering them to watches, when the member a server talks to stops', async () => {
    const [a, b] = suite.servers as [Server, Server];
    const start = JSON.parse((await b.client.request('GET', CM)).body).metadata.resourceVersion as string;
    const watch = await b.client.watch(`${CM}?watch=true&resourceVersion=${start}`);
    const before = await write(a.client, 'POST', CM, { metadata: { name: 'before' } });

    const ports = connectedPorts(a.process.child.pid!);
    const member = suite.cluster.endpoints.findIndex((e) => ports.has(Number(new URL(e).port)));
    assert.ok(member >= 0, `server A holds no connection to any member (${[...ports].join(', ')})`);
    await suite.cluster.stopMember(member);

    const after: number[] = [];
    for (let i = 0; i < 10; i++) after.push(await write(a.client, 'POST', CM, { metadata: { name: `after-${i}` } }));
    await settle(() => watch.events.length >= 11, 'every write at the watch on the other server', 20_000);
    assert.deepEqual(versions(watch), [before, ...after]);
    watch.close();
  });
});
