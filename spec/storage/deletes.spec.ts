// Deletes as kube-apiserver does them: preconditions, finalizers that hold an
// object until they are removed, deletecollection with selectors, and
// propagationPolicy accepted.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { settle, type RunningServer } from '../../harness/start-server.js';
import { describeEachSubject } from '../support/subjects.js';



interface Obj {
  metadata: { name: string; uid: string; resourceVersion: string; deletionTimestamp?: string; finalizers?: string[] };
}

async function create(server: RunningServer, path: string, body: unknown): Promise<Obj> {
  const reply = await server.client.request('POST', path, body);
  assert.equal(reply.status, 201, reply.body);
  return JSON.parse(reply.body) as Obj;
}

describeEachSubject('deletes', (backend, subject) => {
  const CM = subject.path;
  it('honours uid and resourceVersion preconditions with kube\'s 409', () => subject.withSimulated(backend.with(), async ({ server }) => {
    const made = await create(server, CM, { metadata: { name: 'guarded' } });
    const wrongUid = await server.client.request('DELETE', `${CM}/guarded`, { preconditions: { uid: 'not-the-uid' } });
    assert.equal(wrongUid.status, 409);
    assert.equal(JSON.parse(wrongUid.body).message, `Operation cannot be fulfilled on ${subject.resource} "guarded": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${made.metadata.uid}`);
    const wrongRv = await server.client.request('DELETE', `${CM}/guarded`, { preconditions: { resourceVersion: '1' } });
    assert.equal(wrongRv.status, 409);
    assert.equal(JSON.parse(wrongRv.body).reason, 'Conflict');
    const right = await server.client.request('DELETE', `${CM}/guarded`, { preconditions: { uid: made.metadata.uid, resourceVersion: made.metadata.resourceVersion } });
    assert.equal(right.status, 200);
    assert.deepEqual(JSON.parse(right.body).details, { name: 'guarded', ...(subject.group ? { group: subject.group } : {}), kind: 'configmaps', uid: made.metadata.uid });
  }));

  it('marks an object with finalizers for deletion and removes it only once its finalizers are gone', () => subject.withSimulated(backend.with(), async ({ server }) => {
    await create(server, CM, { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    const watch = await server.client.watch(`${CM}?watch=true&fieldSelector=metadata.name%3Dheld`);
    const deleted = await server.client.request('DELETE', `${CM}/held`);
    assert.equal(deleted.status, 200);
    const marked = JSON.parse(deleted.body) as Obj;
    assert.ok(marked.metadata.deletionTimestamp, 'the delete only sets deletionTimestamp');
    assert.equal((await server.client.request('GET', `${CM}/held`)).status, 200, 'still there');

    const released = await server.client.request('PUT', `${CM}/held`, { metadata: { ...marked.metadata, finalizers: [] } });
    assert.equal(released.status, 200, released.body);
    assert.equal((await server.client.request('GET', `${CM}/held`)).status, 404, 'gone with its last finalizer');
    await settle(() => watch.events.length === 3, 'ADDED, MODIFIED, DELETED');
    assert.deepEqual(watch.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    watch.close();
  }));

  it('deletes a collection by label selector, leaving what does not match', () => subject.withSimulated(backend.with(), async ({ server }) => {
    for (const [name, app] of [['a1', 'a'], ['a2', 'a'], ['b1', 'b']] as const) await create(server, CM, { metadata: { name, labels: { app } } });
    const reply = await server.client.request('DELETE', `${CM}?labelSelector=app%3Da`);
    assert.equal(reply.status, 200, reply.body);
    const left = JSON.parse((await server.client.request('GET', CM)).body) as { items: Obj[] };
    assert.deepEqual(left.items.map((i) => i.metadata.name), ['b1']);
  }));

  it('accepts every propagationPolicy kube accepts, and rejects others with 422', () => subject.withSimulated(backend.with(), async ({ server }) => {
    for (const policy of ['Orphan', 'Background', 'Foreground']) {
      await create(server, CM, { metadata: { name: `p-${policy.toLowerCase()}` } });
      const reply = await server.client.request('DELETE', `${CM}/p-${policy.toLowerCase()}`, { propagationPolicy: policy });
      assert.equal(reply.status, 200, `${policy}: ${reply.body}`);
    }
    await create(server, CM, { metadata: { name: 'p-bad' } });
    const bad = await server.client.request('DELETE', `${CM}/p-bad`, { propagationPolicy: 'Sideways' });
    assert.equal(bad.status, 422, bad.body);
  }));

  it('generates distinct names from generateName with kube\'s alphabet and a five-character suffix', () => subject.withSimulated(backend.with(), async ({ server }) => {
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) names.add((await create(server, CM, { metadata: { generateName: 'gen-' } })).metadata.name);
    assert.equal(names.size, 20);
    for (const name of names) assert.match(name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  }));
});
