// A store that crashes is restarted by its supervisor and loads its objects
// again: on SQLite from the file, on etcd from the cluster, after which it
// follows the change feed from where its load left off.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { settle } from '../../harness/start-server.js';
import { describeEachSubject } from '../support/subjects.js';


describeEachSubject('a restarted store', (backend, subject) => {
  const CM = subject.path;
  it('loads every object again, then serves and watches new changes', () => subject.withSimulated(backend.with(), async ({ server, clock }) => {
    assert.equal((await server.client.request('POST', CM, { metadata: { name: 'before' } })).status, 201);
    server.kill(subject.storeId);
    // Down until its restart, then Loading until its objects are in: not ready meanwhile.
    const notReady = await server.client.request('GET', '/readyz?verbose');
    assert.equal(notReady.status, 500);
    assert.match(notReady.body, /\[-\]informer-sync failed/);
    const during = server.client.request('POST', CM, { metadata: { name: 'during' } });
    await settle(() => server.inFlight() === 1, 'the create to wait for the next incarnation');
    clock.advance(100);
    assert.equal((await during).status, 201);
    assert.equal((await server.client.request('GET', '/readyz')).status, 200);

    const list = JSON.parse((await server.client.request('GET', CM)).body) as { metadata: { resourceVersion: string }; items: { metadata: { name: string } }[] };
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['before', 'during']);
    const watch = await server.client.watch(`${CM}?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
    assert.equal((await server.client.request('POST', CM, { metadata: { name: 'after' } })).status, 201);
    await settle(() => watch.events.length === 1, 'the new object at the watch');
    assert.deepEqual(watch.events.map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 'after']]);
    watch.close();
  }));
});
