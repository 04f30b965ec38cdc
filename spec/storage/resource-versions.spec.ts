// resourceVersion on reads, as kube-apiserver answers it: a version the
// server has not reached waits briefly, then gets 504; resourceVersionMatch=
// Exact and continue tokens read one consistent snapshot; compaction turns
// old ones into 410 with kube's messages. Driven on a simulated clock.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { settle, type Reply, type RunningServer } from '../../harness/start-server.js';
import type { SimulatedClock } from '../../harness/simulated-clock.js';
import { CONTINUE_TOO_OLD, LIST_TOO_OLD } from '../../protocol/kube/status.js';
import { TOO_LARGE_WAIT_MS } from '../../actors/store/read.js';
import { describeEachSubject } from '../support/subjects.js';


interface List {
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: { metadata: { name: string; resourceVersion: string }; data?: Record<string, string> }[];
}

interface StatusBody {
  code: number;
  reason: string;
  message: string;
  metadata: { continue?: string };
  details?: { causes?: { reason: string; message: string }[]; retryAfterSeconds?: number };
}


async function ok<T>(server: RunningServer, method: string, path: string, body?: unknown): Promise<T> {
  const reply = await server.client.request(method, path, body);
  assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${reply.body}`);
  return JSON.parse(reply.body) as T;
}

const create = (server: RunningServer, path: string, name: string, value = 'v1'): Promise<{ metadata: { resourceVersion: string } }> =>
  ok(server, 'POST', path, { metadata: { name }, data: { value } });

const names = (list: List): string[] => list.items.map((i) => i.metadata.name);

/**
 * Lets simulated time pass the store's wait until `answer` arrives. On etcd the store starts its wait
 * only after a round trip to etcd, so one step of the clock might come before the wait is set.
 */
async function whileTimePasses(clock: SimulatedClock, answer: Promise<Reply>): Promise<Reply> {
  let answered = false;
  void answer.finally(() => (answered = true));
  while (!answered) {
    clock.advance(TOO_LARGE_WAIT_MS);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return answer;
}

/** Sends a read that the store holds, lets the clock pass the wait, and returns the answer. */
async function heldRead(server: RunningServer, clock: SimulatedClock, path: string): Promise<Reply> {
  const answer = server.client.request('GET', path);
  await settle(() => server.inFlight() === 1, `${path} to be held`);
  return whileTimePasses(clock, answer);
}

describeEachSubject('resourceVersion on reads', (backend, subject) => {
  const CM = subject.path;
  it('answers a GET or LIST at a version the server has not reached with 504 Too large resource version, after waiting', () => subject.withSimulated(backend.with(), async ({ server, clock }) => {
    const current = Number((await ok<List>(server, 'GET', CM)).metadata.resourceVersion);
    const future = current + 1000;
    for (const path of [`${CM}/missing?resourceVersion=${future}`, `${CM}?resourceVersion=${future}&resourceVersionMatch=NotOlderThan`, `${CM}?resourceVersion=${future}&resourceVersionMatch=Exact`]) {
      const reply = await heldRead(server, clock, path);
      assert.equal(reply.status, 504, path);
      assert.equal(reply.headers['retry-after'], '1');
      const status = JSON.parse(reply.body) as StatusBody;
      assert.equal(status.reason, 'Timeout');
      // On etcd the store's revision may have moved on since (a consistent read writes a fence).
      const reached = Number(/^Timeout: Too large resource version: (\d+), current: (\d+)$/.exec(status.message)?.[2]);
      assert.ok(reached >= current && reached < future, status.message);
      assert.equal(status.message, `Timeout: Too large resource version: ${future}, current: ${reached}`);
      assert.deepEqual(status.details?.causes, [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }]);
      assert.equal(status.details?.retryAfterSeconds, 1);
    }
  }));

  it('serves a read at a future version once the server has reached it within the wait', () => subject.withSimulated(backend.with(), async ({ server, clock }) => {
    const current = Number((await ok<List>(server, 'GET', CM)).metadata.resourceVersion);
    const answer = server.client.request('GET', `${CM}?resourceVersion=${current + 1}`);
    const arrived = Number((await create(server, CM, 'arrives')).metadata.resourceVersion);
    const reply = await whileTimePasses(clock, answer);
    assert.equal(reply.status, 200);
    const list = JSON.parse(reply.body) as List;
    const served = Number(list.metadata.resourceVersion);
    assert.ok(served >= current + 1, `served at ${served}, asked for ${current + 1}`);
    // Whatever was written at or before the version served is in the list.
    assert.deepEqual(names(list), served >= arrived ? ['arrives'] : []);
  }));

  it('rejects a resourceVersion that is not one, and kube\'s forbidden combinations of resourceVersionMatch', () => subject.withSimulated(backend.with(), async ({ server }) => {
    const bad = await server.client.request('GET', `${CM}?resourceVersion=abc`);
    assert.equal(bad.status, 400);
    assert.equal((JSON.parse(bad.body) as StatusBody).message, 'invalid resource version: abc');
    const forbidden = await server.client.request('GET', `${CM}?resourceVersionMatch=Exact`);
    assert.equal(forbidden.status, 422);
    const status = JSON.parse(forbidden.body) as StatusBody;
    assert.equal(status.reason, 'Invalid');
    assert.deepEqual(status.details?.causes, [{ reason: 'FieldValueForbidden', field: 'resourceVersionMatch', message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided' }]);
  }));

  it('lists the resource exactly as it was at a revision with resourceVersionMatch=Exact', () => subject.withSimulated(backend.with(), async ({ server }) => {
    await create(server, CM, 'a');
    const then = (await create(server, CM, 'b')).metadata.resourceVersion;
    assert.equal((await server.client.request('DELETE', `${CM}/a`)).status, 200);
    await ok(server, 'PUT', `${CM}/b`, { metadata: { name: 'b' }, data: { value: 'v2' } });
    await create(server, CM, 'c');

    const exact = await ok<List>(server, 'GET', `${CM}?resourceVersion=${then}&resourceVersionMatch=Exact`);
    assert.equal(exact.metadata.resourceVersion, then);
    assert.deepEqual(names(exact), ['a', 'b']);
    assert.equal(exact.items[1]!.data?.value, 'v1');
    const now = await ok<List>(server, 'GET', CM);
    assert.deepEqual(names(now), ['b', 'c']);
    assert.equal(now.items[0]!.data?.value, 'v2');
  }));

  it('pages through one consistent snapshot with limit and continue, counting what remains', () => subject.withSimulated(backend.with(), async ({ server }) => {
    for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) await create(server, CM, name);
    const first = await ok<List>(server, 'GET', `${CM}?limit=2`);
    assert.deepEqual(names(first), ['p1', 'p2']);
    assert.equal(first.metadata.remainingItemCount, 3);

    // Changes after the first page do not show in the next ones.
    await create(server, CM, 'p3a');
    assert.equal((await server.client.request('DELETE', `${CM}/p4`)).status, 200);
    await ok(server, 'PUT', `${CM}/p5`, { metadata: { name: 'p5' }, data: { value: 'changed' } });

    const second = await ok<List>(server, 'GET', `${CM}?limit=2&continue=${first.metadata.continue}`);
    assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.deepEqual(names(second), ['p3', 'p4']);
    assert.equal(second.metadata.remainingItemCount, 1);
    const third = await ok<List>(server, 'GET', `${CM}?limit=2&continue=${second.metadata.continue}`);
    assert.deepEqual(names(third), ['p5']);
    assert.equal(third.items[0]!.data?.value, 'v1');
    assert.equal(third.metadata.continue, undefined);
  }));

  it('answers a continue token or an Exact list older than compaction with 410, and offers a token that continues at the latest revision', () => subject.withSimulated(backend.with({ etcdCompactionInterval: '1m' }), async ({ server, clock }) => {
    for (const name of ['q1', 'q2', 'q3']) await create(server, CM, name);
    const first = await ok<List>(server, 'GET', `${CM}?limit=1`);
    await ok(server, 'PUT', `${CM}/q2`, { metadata: { name: 'q2' }, data: { value: 'after' } });
    clock.advance(60_000); // the compactor notes the revision
    await ok(server, 'PUT', `${CM}/q3`, { metadata: { name: 'q3' }, data: { value: 'after' } });
    clock.advance(60_000); // and compacts to it
    await settle(() => (server.actor.getSnapshot().context.runtime.log?.compactedRevision() ?? 0) > Number(first.metadata.resourceVersion), 'compaction');

    const expired = await server.client.request('GET', `${CM}?limit=1&continue=${first.metadata.continue}`);
    assert.equal(expired.status, 410);
    const status = JSON.parse(expired.body) as StatusBody;
    assert.equal(status.reason, 'Expired');
    assert.equal(status.message, CONTINUE_TOO_OLD);
    assert.ok(status.metadata.continue, 'a token to continue at the latest revision');
    const rest = await ok<List>(server, 'GET', `${CM}?continue=${status.metadata.continue}`);
    assert.deepEqual(names(rest), ['q2', 'q3']);
    assert.equal(rest.items[0]!.data?.value, 'after');

    const tooOld = await server.client.request('GET', `${CM}?resourceVersion=${first.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    assert.equal(tooOld.status, 410);
    assert.equal((JSON.parse(tooOld.body) as StatusBody).message, LIST_TOO_OLD);
  }));
});
