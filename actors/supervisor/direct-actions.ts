// The request path's messages, delivered without xstate's statechart step.
//
// Most messages an actor of the request path gets (the listener's
// `http.response`, authn's `authenticate`, authz's `authorize`, a store's
// `request`) only run actions in the state the actor is in: a transition with
// no target, no guard and plain actions. For those xstate's macrostep (exit
// and entry sets, eventless transitions, a new snapshot) changes nothing but
// costs about 3 µs a hop, most of a GET's time. `directActions` finds such a
// transition once per (state, message type) and the supervised wrapper runs
// its actions itself, with the arguments xstate would pass, and keeps the
// snapshot. The message still goes through the actor's mailbox in order, the
// actor's state is unchanged, and observers (/debug/actors) are still told.
// Anything else (a target, a guard, a built-in action such as assign, a
// wildcard, parallel states, eventless transitions) takes xstate's own path.

import type { AnyStateMachine } from 'xstate';

/** What an action gets from xstate: `{ context, event, self, system }`, and its params. */
type ActionFn = (args: { context: unknown; event: unknown; self: unknown; system: unknown }, params: unknown) => void;

/** The actions to run for a message type in a state; null: take xstate's path. */
export type Direct = readonly { fn: ActionFn; params: unknown }[] | null;

interface StateNodeLike {
  type: string;
  parent?: StateNodeLike;
  always?: readonly unknown[];
  transitions: Map<string, readonly TransitionLike[]>;
}

interface TransitionLike {
  guard?: unknown;
  target?: readonly unknown[];
  reenter?: boolean;
  actions: readonly unknown[];
}

interface SnapshotLike {
  status: string;
  _nodes: readonly StateNodeLike[];
}

const cache = new WeakMap<StateNodeLike, Map<string, Direct>>();

/** A plain function action (not one of xstate's built-ins, which carry `resolve`). */
const plain = (f: unknown): f is ActionFn => typeof f === 'function' && !('resolve' in f);

function resolveActions(machine: AnyStateMachine, actions: readonly unknown[]): Direct {
  const implementations = (machine.implementations.actions ?? {}) as Record<string, unknown>;
  const out: { fn: ActionFn; params: unknown }[] = [];
  for (const action of actions) {
    if (plain(action)) {
      out.push({ fn: action, params: undefined });
      continue;
    }
    const named = typeof action === 'string' ? { type: action, params: undefined } : (action as { type?: unknown; params?: unknown } | null);
    if (!named || typeof named.type !== 'string' || typeof named.params === 'function') return null;
    const fn = implementations[named.type];
    if (!plain(fn)) return null;
    out.push({ fn, params: named.params });
  }
  return out;
}

function find(machine: AnyStateMachine, atomic: StateNodeLike, type: string): Direct {
  for (let node: StateNodeLike | undefined = atomic; node; node = node.parent) {
    for (const descriptor of node.transitions.keys()) {
      // A wildcard could match first: xstate decides.
      if (descriptor === '*' || descriptor.endsWith('.*')) return null;
    }
    const candidates = node.transitions.get(type);
    if (!candidates || candidates.length === 0) continue;
    const first = candidates[0]!;
    if (first.guard !== undefined || first.reenter || (first.target && first.target.length > 0)) return null;
    return resolveActions(machine, first.actions);
  }
  return null;
}

/** The plain actions `type` runs in `snapshot`'s state, when that is all it does; null otherwise. */
export function directActions(machine: AnyStateMachine, snapshot: unknown, type: string): Direct {
  if (type.startsWith('xstate.')) return null;
  const s = snapshot as SnapshotLike;
  if (s.status !== 'active') return null;
  let atomic: StateNodeLike | undefined;
  for (const node of s._nodes) {
    if (node.always && node.always.length > 0) return null;
    if (node.type === 'atomic') {
      if (atomic) return null; // parallel regions
      atomic = node;
    }
  }
  if (!atomic) return null;
  let byType = cache.get(atomic);
  if (!byType) cache.set(atomic, (byType = new Map()));
  let direct = byType.get(type);
  if (direct === undefined) byType.set(type, (direct = find(machine, atomic, type)));
  return direct;
}
