// One priority level's seats and queues (actors/apf/fair-queuing.ts): kube's
// shuffle-sharding dealer, queues served in turn, and the three rejections.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deal, flowHash, PriorityLevel } from '../../actors/apf/fair-queuing.js';

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

describe('a priority level', () => {
  it('dispatches while seats are free, then queues, then rejects a full queue', () => {
    const level = new PriorityLevel<string>('l', 'uid', 2, { queues: 1, handSize: 1, queueLengthLimit: 1 });
    assert.equal(level.offer('a', 'f', 0), 'dispatched');
    assert.equal(level.offer('b', 'f', 0), 'dispatched');
    assert.equal(level.offer('c', 'f', 0), 'queued');
    assert.equal(level.offer('d', 'f', 0), 'queue-full');
    assert.deepEqual(level.release(), ['c']);
    assert.equal(level.seatsInUse, 2);
  });
  it('rejects at once when its limit response is Reject', () => {
    const level = new PriorityLevel<string>('l', 'uid', 1, undefined);
    assert.equal(level.offer('a', 'f', 0), 'dispatched');
    assert.equal(level.offer('b', 'f', 0), 'concurrency-limit');
  });
  it('serves queues in turn, so a heavy flow does not starve a light one', () => {
    const level = new PriorityLevel<string>('l', 'uid', 1, { queues: 8, handSize: 1, queueLengthLimit: 100 });
    level.offer('running', 'x', 0);
    const heavy = 'heavy';
    let light = 'light';
    for (let i = 0; deal(flowHash(light), 8, 1)[0] === deal(flowHash(heavy), 8, 1)[0]; i++) light = `light-${i}`;
    for (let i = 0; i < 5; i++) level.offer(`h${i}`, heavy, 0);
    level.offer('l0', light, 0);
    const order = [level.release()[0], level.release()[0]];
    assert.ok(order.includes('l0'), `the light flow waits behind at most one heavy request: ${order.join(',')}`);
  });
  it('takes out requests that waited past the limit', () => {
    const level = new PriorityLevel<string>('l', 'uid', 1, { queues: 4, handSize: 2, queueLengthLimit: 10 });
    level.offer('a', 'f', 0);
    level.offer('b', 'f', 100);
    level.offer('c', 'g', 900);
    assert.deepEqual(level.expire(500), ['b']);
    assert.equal(level.waiting, 1);
  });
});
