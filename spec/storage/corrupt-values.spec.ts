// Bad data under the prefix: a value that is not a Kubernetes object (a
// foreign writer, a torn file, a protobuf value this backend does not read) is
// reported and skipped by loads, lists and watch replays; it never stops the
// server or its store.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { credentialsOf, ServerClient, settle } from '../../harness/start-server.js';
import { startProcess } from '../support/process.js';
import { tempDir } from '../support/temp.js';

const CM = '/api/v1/namespaces/default/configmaps';

describe('corrupt and foreign values', () => {
  it('are reported and skipped on load, in lists and in watch replays, and the store keeps serving', async () => {
    const dataDir = tempDir('corrupt');
    const first = await startProcess(dataDir);
    const before = await new ServerClient(credentialsOf(first.kubeconfig)).request('POST', CM, { metadata: { name: 'good' } });
    assert.equal(before.status, 201);
    const rv = JSON.parse(before.body).metadata.resourceVersion as string;
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);

    const db = new Database(join(dataDir, 'kubeactor.db'));
    const next = (db.prepare('SELECT MAX(id) AS id FROM kine').get() as { id: number }).id + 1;
    const insert = db.prepare('INSERT INTO kine (id, name, created, deleted, value) VALUES (?, ?, 1, 0, ?)');
    insert.run(next, '/registry/configmaps/default/torn', Buffer.from('{"kind":"ConfigMap","metad'));
    insert.run(next + 1, '/registry/configmaps/default/foreign', Buffer.from('k8s\u0000\n\u000f\n\u0002v1\u0012\tConfigMap', 'binary'));
    db.close();

    const second = await startProcess(dataDir);
    try {
      await second.logged(/skipping undecodable value at \/registry\/configmaps\/default\/torn/);
      await second.logged(/skipping undecodable value at \/registry\/configmaps\/default\/foreign/);
      const client = new ServerClient(credentialsOf(second.kubeconfig));
      const list = JSON.parse((await client.request('GET', CM)).body) as { items: { metadata: { name: string } }[] };
      assert.deepEqual(list.items.map((i) => i.metadata.name), ['good']);

      // A watch from before them replays from the log, past both, and then sees what comes next.
      const watch = await client.watch(`${CM}?watch=true&resourceVersion=${rv}`);
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
