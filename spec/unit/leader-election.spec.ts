// kube's leader election on a simulated clock: two candidates over one Lease
// (held by an in-memory store with compare-and-swap on resourceVersion, as
// etcd gives it). One leads; it keeps the Lease by renewing; a leader that
// stops renewing loses within the renew deadline and the other takes over
// once the record has sat unchanged for the lease duration; a released Lease
// is taken at once; racing candidates never both lead.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, type AnyActorRef } from 'xstate';
import type { HttpResponse } from '../../protocol/messages/http.js';
import { SimulatedClock } from '../../harness/simulated-clock.js';
import { leaderElectionMachine, type LeaderElected, type LeaderLost } from '../../actors/leader-election/leader-election-machine.js';
import { electionConfigErrors, type ElectionConfig, type LeaseClient, type LeaseRecord } from '../../actors/leader-election/lease.js';
import { silentLog } from '../../lib/log.js';

const reply = (status: number, body: unknown): HttpResponse => ({ type: 'http.response', id: 0, status, headers: {}, body: JSON.stringify(body) });

/** One Lease, with etcd's compare-and-swap: an update naming a stale resourceVersion gets 409. */
class LeaseStore {
  lease: { metadata: Record<string, unknown>; spec: LeaseRecord } | undefined;
  private rv = 0;
  writes = 0;

  client(reachable: () => boolean = () => true): LeaseClient {
    return {
      request: async (verb, _where, options) => {
        if (!reachable()) return new Promise<HttpResponse>(() => {}); // a partition: no answer, ever
        const body = options?.body as { metadata: { resourceVersion?: string }; spec: LeaseRecord } | undefined;
        if (verb === 'get') return this.lease ? reply(200, this.lease) : reply(404, { kind: 'Status' });
        if (verb === 'create') {
          if (this.lease) return reply(409, { kind: 'Status', reason: 'AlreadyExists' });
          return this.write(body!, 201);
        }
        if (!this.lease) return reply(404, { kind: 'Status' });
        if (body!.metadata.resourceVersion !== this.lease.metadata.resourceVersion) return reply(409, { kind: 'Status', reason: 'Conflict' });
        return this.write(body!, 200);
      },
    };
  }

  private write(body: { metadata: Record<string, unknown>; spec: LeaseRecord }, status: number): HttpResponse {
    this.writes++;
    this.lease = { metadata: { ...body.metadata, resourceVersion: String(++this.rv) }, spec: structuredClone(body.spec) };
    return reply(status, this.lease);
  }
}

const CONFIG = { namespace: 'kube-system', name: 'kube-controller-manager', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

interface Candidate {
  actor: AnyActorRef;
  events: string[];
  leading(): boolean;
}

function candidate(identity: string, store: LeaseStore, clock: SimulatedClock, reachable?: () => boolean): Candidate {
  const events: string[] = [];
  const config: ElectionConfig = { ...CONFIG, identity };
  const actor = createActor(leaderElectionMachine, {
    clock: clock as never,
    input: {
      config, client: store.client(reachable), clock, logger: silentLog(), random: () => 0.5,
      parent: { send: (m: LeaderElected | LeaderLost) => events.push(m.type) },
    },
  });
  actor.start();
  return { actor, events, leading: () => events.at(-1) === 'leader.elected' };
}

/** Moves the clock in small steps, letting the candidates' requests answer between them. */
async function run(clock: SimulatedClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
}

describe('leader election', () => {
  it('the first candidate creates the Lease and leads; the second waits, and renewals keep it waiting', async () => {
    const clock = new SimulatedClock(Date.parse('2026-01-01T00:00:00Z'));
    const store = new LeaseStore();
    const a = candidate('a', store, clock);
    await run(clock, 100);
    const b = candidate('b', store, clock);
    await run(clock, 60_000);
    assert.deepEqual(a.events, ['leader.elected']);
    assert.deepEqual(b.events, []);
    assert.equal(store.lease?.spec.holderIdentity, 'a');
    assert.equal(store.lease?.spec.leaseTransitions, 0);
    assert.equal(store.lease?.spec.leaseDurationSeconds, 15);
    assert.equal(store.lease?.spec.acquireTime, '2026-01-01T00:00:00.100000Z');
    // renewed every retry period
    assert.ok(store.writes >= 29, `writes ${store.writes}`);
  });

  it('a leader cut off loses within the renew deadline; the other takes over once the lease has lapsed', async () => {
    const clock = new SimulatedClock(Date.parse('2026-01-01T00:00:00Z'));
    const store = new LeaseStore();
    let aReachable = true;
    const a = candidate('a', store, clock, () => aReachable);
    await run(clock, 100);
    const b = candidate('b', store, clock);
    await run(clock, 5_000);
    aReachable = false;
    const cutAt = clock.now();
    const lastRenew = Date.parse(store.lease!.spec.renewTime!);
    // the renew deadline counts from the last renewal
    await run(clock, lastRenew + 9_500 - clock.now());
    assert.deepEqual(a.events, ['leader.elected'], 'still within the renew deadline');
    await run(clock, 1_000);
    assert.deepEqual(a.events, ['leader.elected', 'leader.lost']);
    let tookOverAt = 0;
    for (let waited = 0; waited < 30_000 && !b.leading(); waited += 100) {
      await run(clock, 100);
      tookOverAt = clock.now();
    }
    assert.deepEqual(b.events, ['leader.elected']);
    // not before the lease duration after b last saw a renewal, and within a jittered retry period of it
    assert.ok(tookOverAt - lastRenew >= 15_000, `took over ${tookOverAt - lastRenew} ms after the last renewal`);
    assert.ok(tookOverAt - cutAt <= 15_000 + 2 * CONFIG.retryPeriodMs * 2.2, `took over ${tookOverAt - cutAt} ms after the cut`);
    assert.equal(store.lease?.spec.holderIdentity, 'b');
    assert.equal(store.lease?.spec.leaseTransitions, 1);
  });

  it('a leader that stops releases the Lease, and the other takes it at its next try', async () => {
    const clock = new SimulatedClock(Date.parse('2026-01-01T00:00:00Z'));
    const store = new LeaseStore();
    const a = candidate('a', store, clock);
    await run(clock, 100);
    const b = candidate('b', store, clock);
    await run(clock, 4_000);
    a.actor.send({ type: 'actor.stop' });
    await run(clock, 100);
    assert.equal(a.actor.getSnapshot().status, 'done');
    assert.equal(store.lease?.spec.holderIdentity, '');
    assert.equal(store.lease?.spec.leaseDurationSeconds, 1);
    await run(clock, 2 * CONFIG.retryPeriodMs * 2.2);
    assert.deepEqual(b.events, ['leader.elected']);
    assert.equal(store.lease?.spec.holderIdentity, 'b');
  });

  it('candidates racing for a lapsed Lease never both lead', async () => {
    for (let round = 0; round < 20; round++) {
      const clock = new SimulatedClock(Date.parse('2026-01-01T00:00:00Z'));
      const store = new LeaseStore();
      const all = ['a', 'b', 'c'].map((id) => candidate(id, store, clock));
      for (let t = 0; t < 40; t++) {
        await run(clock, 1_000, 1_000);
        assert.ok(all.filter((c) => c.leading()).length <= 1, `round ${round}: two leaders at ${t} s`);
      }
      assert.equal(all.filter((c) => c.leading()).length, 1);
      for (const c of all) c.actor.stop();
    }
  });

  it('refuses a configuration client-go would, in its words', () => {
    assert.deepEqual(electionConfigErrors(10_000, 10_000, 2_000), ['leaseDuration must be greater than renewDeadline']);
    assert.deepEqual(electionConfigErrors(15_000, 2_000, 2_000), ['renewDeadline must be greater than retryPeriod*JitterFactor']);
    assert.deepEqual(electionConfigErrors(15_000, 10_000, 2_000), []);
  });
});
