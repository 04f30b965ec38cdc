// Durability: a write is acknowledged only once it is on disk, so killing the
// process outright (SIGKILL, no shutdown at all) in the middle of a write load
// loses none of the writes a client was told succeeded.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { credentialsOf, ServerClient, settle } from '../../harness/start-server.js';
import { startProcess } from '../support/process.js';
import { tempDir } from '../support/temp.js';
import { describeEachBackend } from '../support/backends.js';

const CM = '/api/v1/namespaces/default/configmaps';

describeEachBackend('durability', (backend) => {
  it('keeps every acknowledged create and update after SIGKILL in the middle of a write load', async () => {
    const dataDir = tempDir('sigkill');
    const { args } = backend.flags();
    const first = await startProcess(dataDir, args);
    const client = new ServerClient(credentialsOf(first.kubeconfig));
    const created: string[] = [];
    const updated = new Map<string, string>();
    let stopping = false;
    let next = 0;
    const writer = async (): Promise<void> => {
      while (!stopping) {
        const name = `w-${next++}`;
        try {
          const reply = await client.request('POST', CM, { metadata: { name }, data: { step: 'created' } });
          if (reply.status !== 201) continue;
          created.push(name);
          const again = await client.request('PUT', `${CM}/${name}`, { metadata: { name }, data: { step: 'updated' } });
          if (again.status === 200) updated.set(name, JSON.parse(again.body).metadata.resourceVersion);
        } catch {
          // Cut off by the kill: never acknowledged, so it may or may not have landed.
        }
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    await settle(() => updated.size >= 200, '200 acknowledged updates', 60_000);
    first.child.kill('SIGKILL');
    stopping = true;
    await Promise.all(writers);
    await first.exited;

    const second = await startProcess(dataDir, args);
    try {
      const list = JSON.parse((await new ServerClient(credentialsOf(second.kubeconfig)).request('GET', CM)).body) as {
        items: { metadata: { name: string; resourceVersion: string }; data: { step: string } }[];
      };
      const found = new Map(list.items.map((i) => [i.metadata.name, i]));
      const lost = created.filter((name) => !found.has(name));
      assert.deepEqual(lost, [], `${lost.length} of ${created.length} acknowledged creates lost`);
      for (const [name, rv] of updated) {
        const item = found.get(name)!;
        assert.equal(item.data.step, 'updated', `${name}: its acknowledged update was lost`);
        assert.ok(Number(item.metadata.resourceVersion) >= Number(rv));
      }
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
