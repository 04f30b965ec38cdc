// The supervised wrapper's direct lane: a message that only runs plain actions
// in the actor's current state runs them without xstate's statechart step,
// with the same arguments and in mailbox order; everything else (a target, a
// guard, a built-in action, parallel regions, eventless transitions) takes
// xstate's path, and a crash in a direct action is a crash like any other.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assign, createActor, setup } from 'xstate';
import { supervised } from '../../actors/supervisor/supervision.js';
import { directActions } from '../../actors/supervisor/direct-actions.js';

type Event = { type: 'note'; value: string } | { type: 'guarded' } | { type: 'move' } | { type: 'count' } | { type: 'echo' } | { type: 'boom' };

const machine = setup({
  types: { context: {} as { seen: string[]; count: number; echoed: unknown[] }, events: {} as Event },
  actions: {
    note: ({ context, event }) => void context.seen.push((event as { value: string }).value),
    echo: ({ context, self }, params: unknown) => void context.echoed.push(self.id, params),
  },
  guards: { never: () => false },
}).createMachine({
  id: 'subject',
  context: () => ({ seen: [], count: 0, echoed: [] }),
  initial: 'Serving',
  states: {
    Serving: {
      on: {
        note: { actions: 'note' },
        echo: { actions: { type: 'echo', params: 7 } },
        guarded: { guard: 'never', actions: 'note' },
        count: { actions: assign({ count: ({ context }) => context.count + 1 }) },
        move: 'Stopped',
        boom: { actions: () => { throw new Error('boom'); } },
      },
    },
    Stopped: { on: { note: { actions: 'note' } } },
  },
});

describe('direct actions (the request path without the statechart step)', () => {
  it('runs a targetless, unguarded transition of plain actions itself: same snapshot, context changed, in order', () => {
    const actor = createActor(supervised(machine), { id: 'a' }).start();
    const before = actor.getSnapshot();
    actor.send({ type: 'note', value: 'one' });
    actor.send({ type: 'note', value: 'two' });
    assert.equal(actor.getSnapshot(), before, 'no new snapshot for a message that changes no state');
    assert.deepEqual(actor.getSnapshot().context.seen, ['one', 'two']);
  });

  it('passes what xstate passes: self, and a named action\'s params', () => {
    const actor = createActor(supervised(machine), { id: 'b' }).start();
    actor.send({ type: 'echo' });
    assert.deepEqual(actor.getSnapshot().context.echoed, ['b', 7]);
  });

  it('leaves targets, guards and built-in actions to xstate', () => {
    const snapshot = createActor(machine).getSnapshot();
    assert.ok(directActions(machine, snapshot, 'note'));
    assert.equal(directActions(machine, snapshot, 'guarded'), null);
    assert.equal(directActions(machine, snapshot, 'count'), null);
    assert.equal(directActions(machine, snapshot, 'move'), null);
    assert.equal(directActions(machine, snapshot, 'unknown'), null);

    const actor = createActor(supervised(machine)).start();
    actor.send({ type: 'count' });
    actor.send({ type: 'guarded' });
    assert.equal(actor.getSnapshot().context.count, 1);
    assert.deepEqual(actor.getSnapshot().context.seen, []);
    actor.send({ type: 'move' });
    assert.equal(actor.getSnapshot().value, 'Stopped');
    actor.send({ type: 'note', value: 'after' });
    assert.deepEqual(actor.getSnapshot().context.seen, ['after'], 'the new state\'s transition is found too');
  });

  it('leaves parallel regions and eventless transitions to xstate', () => {
    const parallel = setup({ types: { events: {} as { type: 'x' } } }).createMachine({
      type: 'parallel',
      states: { A: { on: { x: { actions: () => undefined } } }, B: {} },
    });
    assert.equal(directActions(parallel, createActor(parallel).getSnapshot(), 'x'), null);
    const eventless = setup({ types: { events: {} as { type: 'x' } } }).createMachine({
      initial: 'S',
      states: { S: { always: { guard: () => false, target: 'T' }, on: { x: { actions: () => undefined } } }, T: {} },
    });
    assert.equal(directActions(eventless, createActor(eventless).getSnapshot(), 'x'), null);
  });

  it('a throwing direct action crashes the actor and runs terminate with its context', () => {
    let terminated: unknown;
    const actor = createActor(supervised(machine, (context: never) => void (terminated = context)));
    let error: unknown;
    actor.subscribe({ error: (e) => void (error = e) });
    actor.start();
    actor.send({ type: 'boom' });
    assert.equal(actor.getSnapshot().status, 'error');
    assert.match(String(error), /boom/);
    assert.ok(terminated && typeof terminated === 'object' && 'seen' in terminated);
  });
});
