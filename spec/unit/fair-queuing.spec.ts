// One priority level's seats and queues (actors/apf/fair-queuing.ts): kube's
// shuffle-sharding dealer, fair queuing in virtual time (each busy queue an
// equal share of seat-seconds), requests that take several seats, the three
// rejections; and kube's borrowing between levels (actors/apf/borrowing.ts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deal, flowHash, PriorityLevel, type Queuing, type Ticket } from '../../actors/apf/fair-queuing.js';
import { adjustLimits, allocate, Integrator, limitsOf, noDemand, updateDemand, type Limits } from '../../actors/apf/borrowing.js';
import type { WorkEstimate } from '../../actors/apf/work-estimate.js';

const ONE: WorkEstimate = { initialSeats: 1, finalSeats: 0, additionalLatencyMs: 0 };
const seats = (n: number): WorkEstimate => ({ initialSeats: n, finalSeats: 0, additionalLatencyMs: 0 });
const fixed = (limit: number): Limits => ({ nominal: limit, min: limit, max: limit, maxSeats: 0, initial: limit });
const levelOf = (limit: number, queuing: Queuing | undefined): PriorityLevel<string> => new PriorityLevel<string>('l', 'uid', fixed(limit), queuing, 0);
const items = (tickets: Ticket<string>[]): string[] => tickets.map((t) => t.item);

describe('shuffle sharding', () => {
  it('deals a hand of distinct queues, the same hand for the same flow', () => {
    for (let i = 0; i < 500; i++) {
      const hand = deal(flowHash(`flow-${i}`), 128, 6);
      assert.equal(new Set(hand).size, 6);
      assert.ok(hand.every((q) => q >= 0 && q < 128));
      assert.deepEqual(deal(flowHash(`flow-${i}`), 128, 6), hand);
    }
  });
  it('spreads flows over the deck', () => {
    const used = new Set<number>();
    for (let i = 0; i < 200; i++) used.add(deal(flowHash(`user-${i}`), 64, 1)[0]!);
    assert.ok(used.size > 40, `only ${used.size} of 64 queues used`);
  });
});

/** Offers a request and serves the queues, as the apf actor does: what the offer said, and who was dispatched. */
function arrive(level: PriorityLevel<string>, item: string, flow: string, estimate: WorkEstimate, now: number): { offer: string; ticket: Ticket<string>; dispatched: string[] } {
  const { offer, ticket } = level.offer(item, flow, estimate, now);
  return { offer, ticket, dispatched: offer === 'queued' ? items(level.dispatchWaiting(now)) : [] };
}

/** Two flows whose hand of one queue differs, in a level of `queues` queues. */
function twoFlows(queues: number): [string, string] {
  let other = 'b';
  for (let i = 0; deal(flowHash(other), queues, 1)[0] === deal(flowHash('a'), queues, 1)[0]; i++) other = `b-${i}`;
  return ['a', other];
}

/**
 * Serves a backlog of each flow for `ms` milliseconds, each request taking `serviceMs(flow)` of real
 * time; returns the seat-milliseconds each flow was served, and the order of dispatch.
 */
function serveBacklogs(level: PriorityLevel<string>, backlogs: { flow: string; estimate: WorkEstimate; serviceMs: number }[], ms: number): { served: Map<string, number>; order: string[] } {
  const running: { ticket: Ticket<string>; endsAt: number }[] = [];
  const served = new Map<string, number>();
  const order: string[] = [];
  const started = (tickets: Ticket<string>[], now: number): void => {
    for (const ticket of tickets) {
      const backlog = backlogs.find((b) => b.flow === ticket.flow)!;
      running.push({ ticket, endsAt: now + backlog.serviceMs });
      served.set(ticket.flow, (served.get(ticket.flow) ?? 0) + ticket.seats * backlog.serviceMs);
      order.push(ticket.flow);
    }
  };
  for (const { flow, estimate } of backlogs) for (let i = 0; i < 1000; i++) level.offer(`${flow}${i}`, flow, estimate, 0);
  started(level.dispatchWaiting(0), 0);
  for (let now = 1; now <= ms; now++) {
    for (const done of running.filter((r) => r.endsAt <= now)) {
      running.splice(running.indexOf(done), 1);
      started(level.release(done.ticket, now), now);
    }
  }
  return { served, order };
}

describe('a priority level', () => {
  it('dispatches while seats are free, then queues, then rejects a full queue', () => {
    const level = levelOf(2, { queues: 1, handSize: 1, queueLengthLimit: 1 });
    const a = arrive(level, 'a', 'f', ONE, 0);
    assert.deepEqual([a.offer, a.dispatched], ['queued', ['a']], 'every request of a queuing level passes through its queue');
    assert.deepEqual(arrive(level, 'b', 'f', ONE, 0).dispatched, ['b']);
    assert.deepEqual(arrive(level, 'c', 'f', ONE, 0).dispatched, []);
    assert.equal(arrive(level, 'd', 'f', ONE, 0).offer, 'queue-full');
    assert.deepEqual(items(level.release(a.ticket, 1)), ['c']);
    assert.equal(level.seatsInUse, 2);
    assert.deepEqual(level.totals, { dispatched: 3, rejected: 1, timedOut: 0, cancelled: 0 });
  });
  it('rejects at once when its limit response is Reject', () => {
    const level = levelOf(1, undefined);
    assert.equal(level.offer('a', 'f', ONE, 0).offer, 'dispatched');
    assert.equal(level.offer('b', 'f', ONE, 0).offer, 'concurrency-limit');
  });
  it('puts a request in the queue of its hand with the least work waiting', () => {
    const level = levelOf(1, { queues: 64, handSize: 2, queueLengthLimit: 100 });
    const hand = deal(flowHash('f'), 64, 2);
    arrive(level, 'running', 'other', ONE, 0);
    const first = level.offer('first', 'f', seats(1), 0).ticket.queue;
    const second = level.offer('second', 'f', seats(1), 0).ticket.queue;
    assert.deepEqual(new Set([first, second]), new Set(hand), 'the second goes to the other, emptier queue of the hand');
  });
  it('gives each busy queue an equal share of seat-seconds: a queue of wide requests is served less often than one of narrow requests', () => {
    const level = levelOf(4, { queues: 8, handSize: 1, queueLengthLimit: 1000 });
    const [wide, narrow] = twoFlows(8);
    const { served, order } = serveBacklogs(level, [{ flow: wide, estimate: seats(4), serviceMs: 3 }, { flow: narrow, estimate: ONE, serviceMs: 3 }], 300);
    const share = served.get(wide)! / (served.get(wide)! + served.get(narrow)!);
    assert.ok(share > 0.4 && share < 0.6, `the wide flow had ${Math.round(share * 100)}% of the seat-seconds (taking turns gives it 80%)`);
    const first20 = order.slice(0, 20);
    assert.ok(first20.filter((f) => f === narrow).length >= 3 * first20.filter((f) => f === wide).length, `narrow requests are dispatched about four times as often: ${first20.join(',')}`);
  });
  it('charges a queue for the service time its requests really took', () => {
    const level = levelOf(1, { queues: 8, handSize: 1, queueLengthLimit: 1000 });
    const [slow, quick] = twoFlows(8);
    const { served } = serveBacklogs(level, [{ flow: slow, estimate: ONE, serviceMs: 30 }, { flow: quick, estimate: ONE, serviceMs: 3 }], 600);
    const share = served.get(slow)! / (served.get(slow)! + served.get(quick)!);
    assert.ok(share > 0.35 && share < 0.65, `the slow flow had ${Math.round(share * 100)}% of the seat-seconds (taking turns gives it 91%)`);
  });
  it('starts a queue that was idle at the current virtual time: it gets no credit for the time it was idle', () => {
    const level = levelOf(1, { queues: 8, handSize: 1, queueLengthLimit: 1000 });
    const [busyFlow, late] = twoFlows(8);
    let running = arrive(level, 'b0', busyFlow, ONE, 0).ticket;
    for (let i = 1; i < 200; i++) level.offer(`b${i}`, busyFlow, ONE, 0);
    for (let now = 3; now <= 300; now += 3) running = level.release(running, now)[0]!;
    assert.ok(level.currentR > 0.25, `R has advanced with the busy queue: ${level.currentR}`);
    for (let i = 0; i < 10; i++) level.offer(`l${i}`, late, ONE, 300);
    const order: string[] = [];
    for (let now = 303; order.length < 10; now += 3) {
      running = level.release(running, now)[0]!;
      order.push(running.flow === late ? 'late' : 'busy');
    }
    assert.deepEqual(order, ['late', 'busy', 'late', 'busy', 'late', 'busy', 'late', 'busy', 'late', 'busy'], 'the late flow alternates with the busy one rather than catching up');
  });
  it('takes out requests that waited past the limit', () => {
    const level = levelOf(1, { queues: 4, handSize: 2, queueLengthLimit: 10 });
    arrive(level, 'a', 'f', ONE, 0);
    arrive(level, 'b', 'f', ONE, 100);
    arrive(level, 'c', 'g', ONE, 900);
    assert.deepEqual(items(level.expire(500, 1000)), ['b']);
    assert.equal(level.waiting, 1);
    assert.equal(level.totals.timedOut, 1);
  });
  it('holds a wide request until its seats are free, and lets nothing jump it', () => {
    const level = levelOf(4, { queues: 1, handSize: 1, queueLengthLimit: 10 });
    const small = ['s1', 's2', 's3'].map((name) => arrive(level, name, 'schema\0f', ONE, 0).ticket);
    assert.deepEqual(arrive(level, 'wide', 'schema\0f', seats(3), 0).dispatched, []);
    assert.deepEqual(arrive(level, 's4', 'schema\0f', ONE, 0).dispatched, []);
    assert.deepEqual(items(level.release(small[0]!, 1)), [], 'two seats are free, but the wide request is first');
    assert.deepEqual(items(level.release(small[1]!, 1)), ['wide']);
    assert.equal(level.seatsInUse, 4);
    assert.equal(level.seatsWaiting, 1);
    assert.ok(level.noAccommodation.get('schema')! >= 2, 'each time the wide head could not be served is counted, by its flow schema');
  });
  it('runs a request wider than its whole limit alone', () => {
    const level = levelOf(2, undefined);
    const wide = level.offer('wide', 'f', seats(5), 0);
    assert.equal(wide.offer, 'dispatched');
    assert.equal(level.offer('next', 'f', ONE, 0).offer, 'concurrency-limit');
    level.release(wide.ticket, 1);
    assert.equal(level.offer('next', 'f', ONE, 0).offer, 'dispatched');
  });
  it('occupies the most of initial and final seats', () => {
    const level = levelOf(10, undefined);
    level.offer('write', 'f', { initialSeats: 1, finalSeats: 4, additionalLatencyMs: 12.5 }, 0);
    assert.equal(level.seatsInUse, 4);
  });
});

describe('borrowing between priority levels', () => {
  it("derives kube's nominal, lower and upper limits and max seats from shares and percents", () => {
    // kube's defaults: 600 seats, 245 shares; global-default has 20 shares, lends 50%, may borrow without limit.
    assert.deepEqual(limitsOf({ shares: 20, lendablePercent: 50, borrowingLimitPercent: undefined, handSize: 6 }, 600, 245), { nominal: 49, min: 24, max: 649, maxSeats: 8, initial: 37 });
    assert.deepEqual(limitsOf({ shares: 100, lendablePercent: 90, borrowingLimitPercent: 10, handSize: 6 }, 600, 245), { nominal: 245, min: 24, max: 270, maxSeats: 37, initial: 135 });
    assert.deepEqual(limitsOf({ shares: 0, lendablePercent: 0, borrowingLimitPercent: undefined, handSize: undefined }, 600, 245), { nominal: 0, min: 0, max: 600, maxSeats: 0, initial: 0 });
  });
  it('integrates seat demand over time: average, deviation and high watermark', () => {
    const demand = new Integrator(0);
    demand.set(4, 0);
    demand.set(0, 5000);
    const period = demand.reset(10_000);
    assert.deepEqual(period, { seconds: 10, average: 2, deviation: 2, max: 4 });
    const stats = noDemand();
    updateDemand(stats, period);
    assert.deepEqual(stats, { highWatermark: 4, average: 2, stdDev: 2, smoothed: 4 });
    updateDemand(stats, demand.reset(20_000));
    assert.equal(stats.highWatermark, 0);
    assert.ok(Math.abs(stats.smoothed - 0.977 * 4) < 1e-9, 'demand decays slowly once it stops');
  });
  it('allocates in proportion to the targets within each bound, summing to what is required', () => {
    assert.deepEqual(allocate(10, [{ target: 1, lower: 0, upper: 100 }, { target: 4, lower: 0, upper: 100 }])?.allocs, [2, 8]);
    // The second is held at its upper bound; the others share the rest in proportion, 1.5 seats a target.
    const bounded = allocate(10, [{ target: 1, lower: 0, upper: 100 }, { target: 4, lower: 0, upper: 4 }, { target: 3, lower: 3, upper: 100 }])!;
    assert.deepEqual(bounded.allocs.map((a) => Math.round(a * 1000) / 1000), [1.5, 4, 4.5]);
    assert.equal(Math.round(bounded.fairProp * 1000) / 1000, 1.5);
    assert.equal(allocate(10, [{ target: 1, lower: 0, upper: 2 }]), undefined, 'upper bounds below the sum: impossible');
  });
  it('lends an idle level\'s lendable seats to a busy one, never below the idle level\'s lower limit', () => {
    const busy = { exempt: false, limits: { nominal: 10, min: 5, max: 30, maxSeats: 0, initial: 10 }, demand: { ...noDemand(), highWatermark: 25, smoothed: 25 }, currentLimit: 10, target: 0 };
    const idle = { exempt: false, limits: { nominal: 10, min: 2, max: 30, maxSeats: 0, initial: 6 }, demand: noDemand(), currentLimit: 6, target: 0 };
    const exempt = { exempt: true, limits: { nominal: 0, min: 0, max: 20, maxSeats: 0, initial: 0 }, demand: noDemand(), currentLimit: 0, target: 0 };
    adjustLimits([busy, idle, exempt], 20);
    assert.deepEqual([busy.currentLimit, idle.currentLimit, exempt.currentLimit], [18, 2, 0]);
    // Exempt traffic comes first: when it leaves less than the levels' demand, they share what is left above their lower limits.
    exempt.demand.highWatermark = 10;
    adjustLimits([busy, idle, exempt], 20);
    assert.deepEqual([busy.currentLimit, idle.currentLimit, exempt.currentLimit], [8, 2, 10]);
  });
});
