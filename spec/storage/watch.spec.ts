// The watch contract informers depend on: where a watch starts, bookmarks,
// client-go's watch-list (sendInitialEvents), timeouts, selected watches,
// and a slow watcher ended rather than waited for. Driven on a simulated clock.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { settle, type OpenWatch, type RunningServer } from '../../harness/start-server.js';
import { BOOKMARK_INTERVAL_MS } from '../../actors/store/watch.js';
import { describeEachSubject } from '../support/subjects.js';



async function write(server: RunningServer, method: string, path: string, body?: unknown): Promise<string> {
  const reply = await server.client.request(method, path, body);
  assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${reply.body}`);
  return JSON.parse(reply.body).metadata?.resourceVersion as string;
}

const seen = (watch: OpenWatch): string[][] => watch.events.map((e) => [e.type, e.object.metadata?.name ?? '']);

describeEachSubject('watch', (backend, subject) => {
  const CM = subject.path;
  it('starts with the current state as ADDED when resourceVersion is unset or "0", and strictly after N otherwise', () => subject.withSimulated(backend.with(), async ({ server }) => {
    const first = await write(server, 'POST', CM, { metadata: { name: 'one' } });
    await write(server, 'POST', CM, { metadata: { name: 'two' } });
    for (const from of ['', '&resourceVersion=0']) {
      const watch = await server.client.watch(`${CM}?watch=true${from}`);
      await settle(() => watch.events.length === 2, 'the current state');
      assert.deepEqual(seen(watch), [['ADDED', 'one'], ['ADDED', 'two']]);
      watch.close();
    }
    const after = await server.client.watch(`${CM}?watch=true&resourceVersion=${first}`);
    await write(server, 'PUT', `${CM}/one`, { metadata: { name: 'one' }, data: { changed: 'yes' } });
    await settle(() => after.events.length === 2, 'the replay and the change');
    assert.deepEqual(seen(after), [['ADDED', 'two'], ['MODIFIED', 'one']]);
    after.close();
  }));

  it('sends a BOOKMARK with the current resourceVersion every minute to watches that allow them', () => subject.withSimulated(backend.with(), async ({ server, clock }) => {
    const rv = await write(server, 'POST', CM, { metadata: { name: 'one' } });
    const watch = await server.client.watch(`${CM}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`);
    const plain = await server.client.watch(`${CM}?watch=true&resourceVersion=${rv}`);
    clock.advance(BOOKMARK_INTERVAL_MS);
    await settle(() => watch.events.length === 1, 'a bookmark');
    assert.equal(watch.events[0]!.type, 'BOOKMARK');
    assert.deepEqual(watch.events[0]!.object, { kind: subject.kind, apiVersion: subject.apiVersion, metadata: { resourceVersion: rv } });
    assert.equal(plain.events.length, 0);
    watch.close();
    plain.close();
  }));

  it('serves client-go\'s watch-list: the current state, then a bookmark annotated k8s.io/initial-events-end', () => subject.withSimulated(backend.with(), async ({ server }) => {
    await write(server, 'POST', CM, { metadata: { name: 'one' } });
    const rv = await write(server, 'POST', CM, { metadata: { name: 'two' } });
    const watch = await server.client.watch(`${CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    await settle(() => watch.events.length === 3, 'the initial events and their bookmark');
    assert.deepEqual(seen(watch).slice(0, 2), [['ADDED', 'one'], ['ADDED', 'two']]);
    const bookmark = watch.events[2]!;
    assert.equal(bookmark.type, 'BOOKMARK');
    assert.deepEqual((bookmark.object.metadata as { annotations?: unknown }).annotations, { 'k8s.io/initial-events-end': 'true' });
    // Where the watch goes on from: past everything sent (on etcd, perhaps past a fence as well).
    assert.ok(Number(bookmark.object.metadata?.resourceVersion) >= Number(rv), `bookmark at ${bookmark.object.metadata?.resourceVersion}, last write at ${rv}`);
    watch.close();
  }));

  it('ends a watch after its timeoutSeconds, and on its own after a randomized timeout of 30 to 60 minutes', () => subject.withSimulated(backend.with(), async ({ server, clock }) => {
    const short = await server.client.watch(`${CM}?watch=true&timeoutSeconds=5`);
    const long = await server.client.watch(`${CM}?watch=true`);
    let longEnded = false;
    void long.ended.then(() => (longEnded = true));
    clock.advance(5_000);
    await short.ended;
    clock.advance(30 * 60_000 - 5_000 - 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(longEnded, false, 'not before 30 minutes');
    clock.advance(30 * 60_000);
    await long.ended;
  }));

  it('turns an object leaving a selected watch into DELETED, and one entering it into ADDED', () => subject.withSimulated(backend.with(), async ({ server }) => {
    await write(server, 'POST', CM, { metadata: { name: 'x', labels: { tier: 'web' } } });
    const watch = await server.client.watch(`${CM}?watch=true&labelSelector=tier%3Dweb`);
    await settle(() => watch.events.length === 1, 'the initial ADDED');
    await write(server, 'PUT', `${CM}/x`, { metadata: { name: 'x', labels: { tier: 'db' } } });
    await write(server, 'PUT', `${CM}/x`, { metadata: { name: 'x', labels: { tier: 'db' } }, data: { unseen: 'change' } });
    await write(server, 'PUT', `${CM}/x`, { metadata: { name: 'x', labels: { tier: 'web' } } });
    await write(server, 'DELETE', `${CM}/x`);
    await settle(() => watch.events.length === 4, 'leave, enter and delete');
    assert.deepEqual(seen(watch), [['ADDED', 'x'], ['DELETED', 'x'], ['ADDED', 'x'], ['DELETED', 'x']]);
    watch.close();
  }));

  // The listener's backpressure, the same for every resource: run on the built-in kind only.
  if (subject.name === 'ConfigMap') it('ends a watcher that stops reading instead of waiting for it, and keeps delivering to the others', () => subject.withSimulated(backend.with(), async ({ server }) => {
    const url = new URL(server.client.baseUrl);
    // A client that sends its watch and never reads: the bytes pile up in the server's send buffer.
    const stuck = connect({ host: url.hostname, port: Number(url.port), ca: server.client.ca, servername: url.hostname });
    stuck.write(`GET ${CM}?watch=true HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${server.client.token}\r\n\r\n`);
    stuck.pause();
    let closed = false;
    stuck.on('close', () => (closed = true));
    stuck.on('error', () => (closed = true));
    const reader = await server.client.watch(`${CM}?watch=true`);
    await write(server, 'POST', CM, { metadata: { name: 'big' }, data: { v: '' } });
    const payload = 'x'.repeat(900_000);
    // 30 changes of 900 KB: 27 MB for each watcher, past the 16 MiB a watcher may fall behind.
    for (let i = 0; i < 30; i++) await write(server, 'PUT', `${CM}/big`, { metadata: { name: 'big' }, data: { v: `${payload}${i}` } });
    await settle(() => reader.events.length === 31, 'every event at the watcher that reads', 60_000);
    stuck.resume();
    stuck.on('data', () => undefined);
    await settle(() => closed, 'the slow watcher to be ended', 60_000);
    reader.close();
  }));
});
