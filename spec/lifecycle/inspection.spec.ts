// /debug/actors: the actor tree with each actor's recent transitions, and a
// stream of transitions as they happen. Driven on a simulated clock, so the
// timestamps are the clock's, exactly.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { settle, type OpenWatch } from '../../harness/start-server.js';
import type { ActorRecord, ActorTransition, ActorWatchEvent } from '../../protocol/messages/lifecycle.js';
import { JOURNAL_DEPTH } from '../../actors/supervisor/inspect.js';
import { finishDrain, simulated } from '../support/simulated.js';

interface ActorTree {
  kind: string;
  actors: ActorRecord[];
}

const transitionsOf = (watch: OpenWatch, actor: string): ActorTransition[] =>
  (watch.events as unknown as ActorWatchEvent[]).flatMap((e) => (e.type === 'TRANSITION' && e.object.actor === actor ? [e.object] : []));

describe('actor inspection', () => {
  it('lists every actor with its state, counters, restarts and last transitions, each with the clock\'s timestamp', async () => {
    const { server, clock, dataDir } = await simulated();
    const reply = await server.client.request('GET', '/debug/actors');
    assert.equal(reply.status, 200);
    const tree = JSON.parse(reply.body) as ActorTree;
    assert.equal(tree.kind, 'ActorTree');

    const supervisor = tree.actors.find((a) => a.id === 'supervisor')!;
    assert.equal(supervisor.parent, null);
    assert.equal(supervisor.state, 'Ready');
    assert.deepEqual(supervisor.transitions.map((t) => t.to), [
      'RegisteringResources', 'CompletingOptions', 'BuildingServerChain', 'InstallingHealthChecks', 'Listening', 'RunningPostStartHooks', 'Ready',
    ]);
    assert.deepEqual(supervisor.transitions.map((t) => t.from).slice(1), supervisor.transitions.map((t) => t.to).slice(0, -1));
    for (const t of supervisor.transitions) assert.equal(t.at, new Date(clock.now()).toISOString(), 'the simulated clock never moved');

    const store = tree.actors.find((a) => a.id === 'store/configmaps')!;
    assert.equal(store.parent, 'supervisor');
    assert.ok(supervisor.children.includes('store/configmaps'));
    assert.deepEqual(store.transitions.map((t) => [t.from, t.to, t.cause]), [[null, 'Serving', 'started']]);
    const listener = tree.actors.find((a) => a.id === 'listener')!;
    assert.ok(listener.counters.handled >= 1, 'the listener counted this request');

    server.signal('SIGTERM');
    clock.advance(0);
    await finishDrain(server, clock);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('streams each transition of a shutdown as it happens, in the supervisor\'s order, without holding up the drain', async () => {
    const { server, clock, dataDir } = await simulated({ shutdownDelayDuration: '5s', shutdownWatchTerminationGracePeriod: '10s' });
    const watch = await server.client.watch('/debug/actors?watch=true');
    // One ADDED per actor; with a store per resource they can arrive over several writes.
    const added = (): string[] => (watch.events as unknown as ActorWatchEvent[]).filter((e) => e.type === 'ADDED').map((e) => (e.object as ActorRecord).id);
    await settle(() => ['supervisor', 'listener', 'store/configmaps'].every((id) => added().includes(id)), 'the initial ADDED events');
    assert.equal(server.inFlight(), 0, 'a transition stream is long-running: the drain does not wait for it');

    server.signal('SIGTERM');
    await settle(() => transitionsOf(watch, 'supervisor').length === 1, 'ShutdownInitiated to be streamed');
    const initiated = transitionsOf(watch, 'supervisor')[0]!;
    assert.deepEqual([initiated.from, initiated.to], ['Ready', 'ShutdownInitiated']);
    const at = clock.now();
    clock.advance(5_000);
    await server.reached('InFlightRequestsDrained');
    await settle(() => transitionsOf(watch, 'supervisor').length === 4 && transitionsOf(watch, 'listener').length === 1, 'the drain to be streamed');
    assert.deepEqual(transitionsOf(watch, 'supervisor').map((t) => t.to), ['ShutdownInitiated', 'AfterShutdownDelayDuration', 'NotAcceptingNewRequest', 'InFlightRequestsDrained']);
    assert.equal(transitionsOf(watch, 'supervisor')[1]!.at, new Date(at + 5_000).toISOString(), 'stamped when the delay ended');
    assert.deepEqual(transitionsOf(watch, 'listener').map((t) => [t.from, t.to]), [['Listening', 'NotAcceptingNewRequest']]);

    clock.advance(10_000);
    assert.equal((await server.done).state, 'Stopped');
    await watch.ended;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('journals a crash and the restart that follows, and counts the restart', async () => {
    const { server, clock, dataDir } = await simulated();
    const watch = await server.client.watch('/debug/actors?watch=true');
    server.kill('store/secrets');
    clock.advance(100);
    await settle(() => transitionsOf(watch, 'store/secrets').length === 2, 'the crash and the restart');
    const [crash, restart] = transitionsOf(watch, 'store/secrets');
    assert.equal(crash!.status, 'error');
    assert.match(crash!.cause, /^crash: killed/);
    assert.deepEqual([restart!.from, restart!.to, restart!.cause], [null, 'Serving', 'started']);

    const tree = JSON.parse((await server.client.request('GET', '/debug/actors')).body) as ActorTree;
    const secrets = tree.actors.find((a) => a.id === 'store/secrets')!;
    assert.equal(secrets.restarts, 1);
    assert.deepEqual(secrets.transitions.map((t) => t.status), ['active', 'error', 'active']);

    watch.close();
    server.signal('SIGTERM');
    clock.advance(0);
    await finishDrain(server, clock);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`keeps only the last ${JOURNAL_DEPTH} transitions of each actor`, async () => {
    const { server, clock, dataDir } = await simulated();
    const cycles = JOURNAL_DEPTH / 2 + 1;
    for (let i = 0; i < cycles; i++) {
      server.kill('store/events');
      clock.advance(100);
      await settle(() => server.actor.getSnapshot().context.runtime.children.find((c) => c.id === 'store/events')!.restarts === i + 1, 'a restart');
      clock.advance(61_000); // outside the restart period, so the loop never escalates
    }
    const tree = JSON.parse((await server.client.request('GET', '/debug/actors')).body) as ActorTree;
    const journal = tree.actors.find((a) => a.id === 'store/events')!.transitions;
    assert.equal(journal.length, JOURNAL_DEPTH, `of ${1 + 2 * cycles}`);
    assert.deepEqual(journal.at(-1)!.cause, 'started', 'the newest is the last restart');
    server.signal('SIGTERM');
    clock.advance(0);
    await finishDrain(server, clock);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the live view as one self-contained page', async () => {
    const { server, clock, dataDir } = await simulated();
    const page = await server.client.request('GET', '/debug/actors/ui');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.doesNotMatch(page.body, /<script[^>]+src=|<link[^>]+href=|https?:\/\//, 'nothing is loaded from elsewhere');
    assert.match(page.body, /\?watch=true/);
    server.signal('SIGTERM');
    clock.advance(0);
    await finishDrain(server, clock);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
