// Bad data under the prefix: a value that is not a Kubernetes object (a
// foreign writer, a torn file, a protobuf value this backend does not read) is
// reported and skipped by loads, lists, watch replays and etcd's change feed;
// it never stops the server or its store.

import { it } from 'node:test';
import { createRequire } from 'node:module';
import type { Etcd3 } from 'etcd3';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { credentialsOf, ServerClient, settle } from '../../harness/start-server.js';
import { startProcess } from '../support/process.js';
import { tempDir } from '../support/temp.js';
import { describeEachBackend, type Backend } from '../support/backends.js';

const CM = '/api/v1/namespaces/default/configmaps';

const TORN = Buffer.from('{"kind":"ConfigMap","metad');
// What kube-apiserver writes: its protobuf envelope, which kubeactor does not read.
const FOREIGN = Buffer.from('k8s\u0000\n\u000f\n\u0002v1\u0012\tConfigMap', 'binary');

/** Writes values behind the server's back, straight into its storage. */
async function plant(backend: Backend, dataDir: string, prefix: string, values: [string, Buffer][]): Promise<void> {
  const cluster = backend.etcd();
  if (cluster) {
    const { Etcd3: Client } = createRequire(import.meta.url)('etcd3') as { Etcd3: typeof Etcd3 };
    const etcd = new Client({ hosts: cluster.endpoints });
    for (const [name, value] of values) await etcd.put(`${prefix}/configmaps/default/${name}`).value(value);
    etcd.close();
    return;
  }
  const db = new Database(join(dataDir, 'kubeactor.db'));
  let next = (db.prepare('SELECT MAX(id) AS id FROM kine').get() as { id: number }).id + 1;
  const insert = db.prepare('INSERT INTO kine (id, name, created, deleted, value) VALUES (?, ?, 1, 0, ?)');
  for (const [name, value] of values) insert.run(next++, `${prefix}/configmaps/default/${name}`, value);
  db.close();
}

describeEachBackend('corrupt and foreign values', (backend) => {
  it('are reported and skipped on load, in lists and in watches, and the store keeps serving', async () => {
    const dataDir = tempDir('corrupt');
    const { args, prefix } = backend.flags();
    const first = await startProcess(dataDir, args);
    const before = await new ServerClient(credentialsOf(first.kubeconfig)).request('POST', CM, { metadata: { name: 'good' } });
    assert.equal(before.status, 201);
    const rv = JSON.parse(before.body).metadata.resourceVersion as string;
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);

    await plant(backend, dataDir, prefix, [['torn', TORN], ['foreign', FOREIGN]]);

    const second = await startProcess(dataDir, args);
    try {
      await second.logged(new RegExp(`skipping undecodable value at ${prefix}/configmaps/default/torn`));
      await second.logged(new RegExp(`skipping undecodable value at ${prefix}/configmaps/default/foreign`));
      const client = new ServerClient(credentialsOf(second.kubeconfig));
      const list = JSON.parse((await client.request('GET', CM)).body) as { items: { metadata: { name: string } }[] };
      assert.deepEqual(list.items.map((i) => i.metadata.name), ['good']);

      // SQLite: a watch from before them replays from the log, past both. etcd: a bad value written while
      // the server runs comes through the change feed, and is skipped there.
      const from = backend.etcd() ? JSON.parse((await client.request('GET', CM)).body).metadata.resourceVersion as string : rv;
      const watch = await client.watch(`${CM}?watch=true&resourceVersion=${from}`);
      if (backend.etcd()) {
        await plant(backend, dataDir, prefix, [['live', FOREIGN]]);
        await second.logged(new RegExp(`skipping undecodable value at ${prefix}/configmaps/default/live`));
      }
      assert.equal((await client.request('POST', CM, { metadata: { name: 'after' } })).status, 201);
      await settle(() => watch.events.length > 0, 'the watch to see the new object');
      assert.deepEqual(watch.events.map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 'after']]);
      watch.close();
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
