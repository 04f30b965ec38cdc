// Compaction (`--etcd-compaction-interval`): history older than one interval
// goes, current state never does, and the SQLite file and its WAL stay
// bounded under constant churn (kine's best-known failure). Time is
// simulated: an hour of churn takes seconds. On etcd, compaction is etcd's own.

import { describe, it } from 'node:test';
import { createRequire } from 'node:module';
import type { Etcd3 } from 'etcd3';
import { suiteEtcd } from '../support/etcd.js';
import { tempDir } from '../support/temp.js';
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { settle, startServer, type RunningServer } from '../../harness/start-server.js';
import type { SimulatedClock } from '../../harness/simulated-clock.js';
import { finishDrain, withSimulated } from '../support/simulated.js';

const CM = '/api/v1/namespaces/default/configmaps';
const MINUTE = 60_000;

function log(server: RunningServer): { size(): { rows: number; bytes: number } | undefined; compactedRevision(): number; currentRevision(): number } {
  return server.actor.getSnapshot().context.runtime.log!;
}

function compactor(server: RunningServer): { value: unknown; context: { last?: { revision: number } } } {
  const slot = server.actor.getSnapshot().context.runtime.children.find((c) => c.id === 'compactor')!;
  return slot.ref!.getSnapshot() as never;
}

/** One compaction interval passes; resolves once any compaction it started has finished. */
async function tick(server: RunningServer, clock: SimulatedClock): Promise<void> {
  clock.advance(MINUTE);
  await settle(() => compactor(server).value === 'Waiting', 'the compactor to finish');
}

async function update(server: RunningServer, name: string, value: string): Promise<string> {
  const reply = await server.client.request('PUT', `${CM}/${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { value } });
  assert.equal(reply.status, 200, reply.body);
  return JSON.parse(reply.body).metadata.resourceVersion as string;
}

async function stop(server: RunningServer, clock: SimulatedClock): Promise<void> {
  if (server.actor.getSnapshot().status !== 'active') return;
  server.signal('SIGTERM');
  clock.advance(0);
  await finishDrain(server, clock);
}


describe('compaction', () => {
  it('removes history older than one interval and keeps every current object', () => withSimulated({ controllers: [], etcdCompactionInterval: '1m' }, async ({ server, clock, dataDir }) => {
    assert.equal((await server.client.request('POST', CM, { metadata: { name: 'churned' }, data: { value: '0' } })).status, 201);
    assert.equal((await server.client.request('POST', CM, { metadata: { name: 'deleted' } })).status, 201);
    assert.equal((await server.client.request('DELETE', `${CM}/deleted`)).status, 200);
    const firstRv = await update(server, 'churned', '1');
    for (let i = 2; i <= 20; i++) await update(server, 'churned', String(i));
    const rowsBefore = log(server).size()!.rows;

    await tick(server, clock); // notes the revision: nothing is older than one interval yet
    assert.equal(log(server).compactedRevision(), 0);
    const noted = log(server).currentRevision();
    for (let i = 21; i <= 30; i++) await update(server, 'churned', String(i));
    await tick(server, clock); // compacts to what it noted a minute ago

    assert.equal(log(server).compactedRevision(), noted);
    assert.equal(compactor(server).context.last?.revision, noted);
    const rowsAfter = log(server).size()!.rows;
    // 10 updates since, and gone: 19 superseded values of `churned`, and `deleted`'s create and deletion.
    assert.ok(rowsAfter <= rowsBefore + 10 - 21, `${rowsBefore} rows before, ${rowsAfter} after`);
    const current = await server.client.request('GET', `${CM}/churned`);
    assert.equal(JSON.parse(current.body).data.value, '30');
    assert.equal((await server.client.request('GET', `${CM}/deleted`)).status, 404, 'a compacted deletion stays deleted');
    await stop(server, clock);

    // A new server has only the log: a watch from before the compaction is told it is too old.
    const restarted = await startServer({ securePort: 0, quiet: true, controllers: [], dataDir, clock, etcdCompactionInterval: '1m' });
    try {
      const watch = await restarted.client.watch(`${CM}?watch=true&resourceVersion=${firstRv}`);
      await watch.ended;
      assert.equal(watch.events.length, 1);
      assert.equal(watch.events[0]!.type, 'ERROR');
      const status = watch.events[0]!.object as { code?: number; reason?: string; message?: string };
      assert.equal(status.code, 410);
      assert.equal(status.reason, 'Expired');
      assert.match(status.message ?? '', /^too old resource version: \d+ \(\d+\)$/);
      const list = JSON.parse((await restarted.client.request('GET', CM)).body) as { items: { metadata: { name: string } }[] };
      assert.deepEqual(list.items.map((i) => i.metadata.name), ['churned']);
    } finally {
      await stop(restarted, clock);
    }
  }));

  it('keeps the SQLite file and its WAL bounded through an hour of constant churn', () => withSimulated({ controllers: [], etcdCompactionInterval: '5m' }, async ({ server, clock, dataDir }) => {
    const names = Array.from({ length: 20 }, (_, i) => `churn-${i}`);
    for (const name of names) assert.equal((await server.client.request('POST', CM, { metadata: { name }, data: { value: '' } })).status, 201);
    const filesBytes = (): number => ['kubeactor.db', 'kubeactor.db-wal'].reduce((n, f) => n + statSync(join(dataDir, f), { throwIfNoEntry: false })!.size, 0);
    const payload = 'x'.repeat(2_000);
    const samples: { minute: number; rows: number; bytes: number }[] = [];
    for (let minute = 1; minute <= 60; minute++) {
      // 40 updates a minute, 2 KB each: 4.8 MB of history an hour.
      for (let round = 0; round < 2; round++) for (const name of names) await update(server, name, `${payload}${minute}-${round}`);
      await tick(server, clock);
      if (minute % 15 === 0) samples.push({ minute, rows: log(server).size()!.rows, bytes: filesBytes() });
    }
    const [quarter, , , hour] = samples;
    // Between two compactions at most two intervals of history are kept: 10 minutes of 40 updates.
    assert.ok(hour!.rows < names.length + 10 * 40 + 50, `rows after an hour: ${hour!.rows}`);
    assert.ok(hour!.bytes <= quarter!.bytes * 1.25, `files grew from ${quarter!.bytes} to ${hour!.bytes} bytes: ${JSON.stringify(samples)}`);
    assert.ok((statSync(join(dataDir, 'kubeactor.db-wal'), { throwIfNoEntry: false })?.size ?? 0) <= 4 * 1024 * 1024, 'the WAL is cut back after each checkpoint');
  }));

  it('is off with --etcd-compaction-interval=0, as in kube', () => withSimulated({ controllers: [], etcdCompactionInterval: '0' }, async ({ server }) => {
    assert.equal(server.actor.getSnapshot().context.runtime.children.some((c) => c.id === 'compactor'), false);
  }));
});

describe('compaction on etcd', () => {
  const etcd = suiteEtcd();

  it('compacts etcd one interval behind, and a watch from before that is told it is too old', async () => {
    const options = { controllers: [], storageBackend: 'etcd3', etcdServers: etcd.cluster.endpoints, etcdPrefix: '/compaction', etcdCompactionInterval: '1m' };
    await withSimulated(options, async ({ server, clock }) => {
      assert.equal((await server.client.request('POST', CM, { metadata: { name: 'churned' }, data: { value: '0' } })).status, 201);
      const firstRv = await update(server, 'churned', '1');
      await update(server, 'churned', '1b');
      await tick(server, clock); // notes the revision, which is past firstRv
      assert.equal(log(server).compactedRevision(), 0);
      const noted = log(server).currentRevision();
      for (let i = 2; i <= 5; i++) await update(server, 'churned', String(i));
      await tick(server, clock); // compacts etcd to it
      assert.equal(log(server).compactedRevision(), noted);

      const { Etcd3: Client } = createRequire(import.meta.url)('etcd3') as { Etcd3: typeof Etcd3 };
      const client = new Client({ hosts: etcd.cluster.endpoints });
      try {
        await assert.rejects(client.kv.range({ key: Buffer.from('/compaction/configmaps/default/churned'), revision: Number(firstRv) }), /compacted/);
      } finally {
        client.close();
      }

      // A server that starts now has only etcd's history: a watch from before the compaction is too old for it.
      const dataDir = tempDir('compaction-etcd');
      const restarted = await startServer({ securePort: 0, quiet: true, dataDir, clock, ...options });
      try {
        const watch = await restarted.client.watch(`${CM}?watch=true&resourceVersion=${firstRv}`);
        await watch.ended;
        assert.deepEqual(watch.events.map((e) => [e.type, (e.object as { code?: number; reason?: string }).code, (e.object as { reason?: string }).reason]), [['ERROR', 410, 'Expired']]);
        assert.equal(JSON.parse((await restarted.client.request('GET', `${CM}/churned`)).body).data.value, '5');
      } finally {
        await stop(restarted, clock);
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});
