// One-for-one supervision: crashes reach the supervisor as messages, children
// restart from durable state with backoff, and a crash loop or the listener's
// crash ends the server cleanly. Driven on a simulated clock.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { settle, type RunningServer } from '../../harness/start-server.js';
import type { SimulatedClock } from '../../harness/simulated-clock.js';
import { finishDrain, simulated } from '../support/simulated.js';

function child(server: RunningServer, id: string): { restarts: number; ref: unknown } {
  return server.actor.getSnapshot().context.runtime.children.find((c) => c.id === id)!;
}

/** Kills a child and lets its backoff pass; resolves once the next incarnation runs. */
async function crashAndRestart(server: RunningServer, clock: SimulatedClock, id: string, backoffMs: number): Promise<void> {
  const before = child(server, id).restarts;
  server.kill(id);
  assert.equal(child(server, id).ref, undefined, 'down until its backoff passes');
  clock.advance(backoffMs - 1);
  assert.equal(child(server, id).ref, undefined);
  clock.advance(1);
  await settle(() => child(server, id).restarts === before + 1, `${id} to restart`);
}

const configMaps = '/api/v1/namespaces/default/configmaps';

/** SIGTERM with no delay and no grace: on a simulated clock, each zero-length wait still needs a tick. */
async function stop(server: RunningServer, clock: SimulatedClock): Promise<void> {
  server.signal('SIGTERM');
  clock.advance(0);
  assert.equal((await finishDrain(server, clock)).state, 'Stopped');
}

describe('supervision', () => {
  it('restarts a crashed store from durable state, with no acknowledged write lost', async () => {
    const { server, clock, dataDir } = await simulated();
    const created = await server.client.request('POST', configMaps, { metadata: { name: 'kept' }, data: { a: '1' } });
    assert.equal(created.status, 201);
    const watch = await server.client.watch(`${configMaps}?watch=true`);

    await crashAndRestart(server, clock, 'store/configmaps', 100);
    await watch.ended; // the dead incarnation's watches are ended; clients re-watch

    const read = await server.client.request('GET', `${configMaps}/kept`);
    assert.equal(read.status, 200);
    assert.equal(JSON.parse(read.body).metadata.resourceVersion, JSON.parse(created.body).metadata.resourceVersion);

    const tree = JSON.parse((await server.client.request('GET', '/debug/actors')).body) as { actors: { id: string; restarts: number }[] };
    assert.equal(tree.actors.find((a) => a.id === 'store/configmaps')?.restarts, 1);
    await stop(server, clock);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds requests sent to a child while it is down and delivers them to the next incarnation', async () => {
    const { server, clock, dataDir } = await simulated();
    server.kill('store/configmaps');
    const pending = server.client.request('POST', configMaps, { metadata: { name: 'while-down' } });
    await settle(() => server.inFlight() === 1, 'the create to reach the server');
    clock.advance(100);
    assert.equal((await pending).status, 201);
    await stop(server, clock);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('backs off longer with each crash in the period', async () => {
    const { server, clock, dataDir } = await simulated();
    await crashAndRestart(server, clock, 'store/secrets', 100);
    await crashAndRestart(server, clock, 'store/secrets', 200);
    await crashAndRestart(server, clock, 'store/secrets', 400);
    assert.equal(child(server, 'store/secrets').restarts, 3);
    await stop(server, clock);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('escalates a crash loop past the restart limit to a clean shutdown through the termination states', async () => {
    const { server, clock, dataDir } = await simulated();
    await crashAndRestart(server, clock, 'store/configmaps', 100);
    await crashAndRestart(server, clock, 'store/configmaps', 200);
    await crashAndRestart(server, clock, 'store/configmaps', 400);
    server.kill('store/configmaps');
    await server.reached('ShutdownInitiated');
    clock.advance(0);
    const outcome = await finishDrain(server, clock);
    assert.equal(outcome.state, 'Failed');
    assert.equal(outcome.error, 'store/configmaps crashed 4 times within 60s (restart limit 3)');
    const phases = server.phases();
    assert.deepEqual(phases.slice(phases.indexOf('Ready')), ['Ready', 'ShutdownInitiated', 'AfterShutdownDelayDuration', 'NotAcceptingNewRequest', 'InFlightRequestsDrained', 'HTTPServerStoppedListening', 'Failed']);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('forgets crashes older than the period', async () => {
    const { server, clock, dataDir } = await simulated();
    await crashAndRestart(server, clock, 'aggregator', 100);
    await crashAndRestart(server, clock, 'aggregator', 200);
    await crashAndRestart(server, clock, 'aggregator', 400);
    clock.advance(60_000);
    await crashAndRestart(server, clock, 'aggregator', 100);
    assert.equal(server.phases().at(-1), 'Ready');
    await stop(server, clock);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends the server cleanly when the listener crashes', async () => {
    const { server, dataDir } = await simulated();
    server.kill('listener');
    const outcome = await server.done;
    assert.equal(outcome.state, 'Failed');
    assert.equal(outcome.error, 'listener crashed; it is not restarted');
    assert.deepEqual(server.phases().slice(-3), ['Ready', 'HTTPServerStoppedListening', 'Failed']);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restarts a store that crashes during the drain, and the held request still succeeds', async () => {
    const { server, clock, dataDir } = await simulated();
    const held = await server.holdRequest('POST', configMaps, { metadata: { name: 'drained' } });
    server.signal('SIGTERM');
    clock.advance(0);
    await server.reached('NotAcceptingNewRequest');
    server.kill('store/configmaps');
    clock.advance(100);
    await settle(() => child(server, 'store/configmaps').restarts === 1, 'the store to restart');
    assert.equal((await held.release()).status, 201);
    assert.equal((await finishDrain(server, clock)).state, 'Stopped');
    rmSync(dataDir, { recursive: true, force: true });
  });
});
