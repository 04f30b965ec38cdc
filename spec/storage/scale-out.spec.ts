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
