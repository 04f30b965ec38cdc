// The namespace controller: what kube-controller-manager does for a deleted
// namespace, built in because users expect it (envtest's best-known gap).
//
// Owns: which namespaces it is emptying.
// Receives: `store.snapshot` / `store.changed` from the namespaces store;
//   `namespace.sweep` (its own timer) to look again at what is left.
// Sends: deletecollection, then list, to every namespaced store (as loopback
//   requests); once nothing is left, an update to the namespaces store that
//   removes the `kubernetes` finalizer, which completes the delete.
//
// States: Watching → Stopped.

import { setup } from 'xstate';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StoreChanged, StoreSnapshot, Subscriber } from '../../protocol/messages/store.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { RequestHandler } from '../../protocol/messages/request.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { loopback } from '../../lib/loopback.js';

export const NAMESPACE_FINALIZER = 'kubernetes';
const SWEEP_INTERVAL_MS = 1000;

export interface NamespaceControllerInput {
  namespaces: RequestHandler & { send(message: { type: 'store.subscribe'; subscriber: Subscriber }): void };
  /** Every namespaced store, with its group and plural, to empty. */
  contents: { group: string; plural: string; store: RequestHandler }[];
  clock: Clock;
  logger: Log;
}

interface Sweep {
  type: 'namespace.sweep';
  namespace: KubeObject;
}

interface ControllerContext extends NamespaceControllerInput {
  counters: ActorCounters;
  /** Namespaces being emptied: one sweep in flight each. */
  sweeping: Set<string>;
  timers: Set<unknown>;
}

function terminating(o: KubeObject): boolean {
  const spec = o.spec as { finalizers?: string[] } | undefined;
  return !!o.metadata.deletionTimestamp && (spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER);
}

/** Deletes what is left in `namespace` and reports how many objects remain. */
async function empty(context: ControllerContext, namespace: string): Promise<number> {
  let remaining = 0;
  for (const { group, plural, store } of context.contents) {
    const where = { apiGroup: group, namespace, resource: plural };
    await loopback(store, 'deletecollection', where);
    const list = await loopback(store, 'list', where);
    remaining += ((JSON.parse(String(Buffer.from(list.body as Uint8Array))) as { items?: unknown[] }).items ?? []).length;
  }
  return remaining;
}

async function sweep(context: ControllerContext, self: { send(m: Sweep): void }, namespace: KubeObject): Promise<void> {
  const name = namespace.metadata.name ?? '';
  const remaining = await empty(context, name);
  if (remaining > 0) {
    // Objects with finalizers go only when their owners remove them: look again later.
    const timer = context.clock.setTimeout(() => {
      context.timers.delete(timer);
      self.send({ type: 'namespace.sweep', namespace });
    }, SWEEP_INTERVAL_MS);
    context.timers.add(timer);
    context.sweeping.delete(name);
    return;
  }
  const spec = (namespace.spec ?? {}) as { finalizers?: string[] };
  // Unconditional (no resourceVersion): the controller only ever removes its own finalizer.
  const { resourceVersion: _, ...metadata } = namespace.metadata;
  const finalized: KubeObject = { ...namespace, metadata, spec: { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER) } };
  const reply = await loopback(context.namespaces, 'update', { apiGroup: '', namespace: '', resource: 'namespaces', name }, finalized);
  if (reply.status >= 300 && reply.status !== 404) context.logger.warn(`finalizing namespace ${name}: ${String(reply.body)}`);
  context.sweeping.delete(name);
}

export const namespaceControllerMachine = setup({
  types: {
    context: {} as ControllerContext,
    events: {} as StoreSnapshot | StoreChanged | Sweep | ActorStop,
    input: {} as NamespaceControllerInput,
  },
  actions: {
    subscribe: ({ context, self }) => context.namespaces.send({ type: 'store.subscribe', subscriber: self }),
    sweepTerminating: ({ context, self, event }) => {
      const objects = event.type === 'store.snapshot' ? event.objects : event.type === 'store.changed' ? event.changes.filter((c) => c.type !== 'DELETED').map((c) => c.object) : [(event as Sweep).namespace];
      for (const namespace of objects.filter(terminating)) {
        const name = namespace.metadata.name ?? '';
        if (context.sweeping.has(name)) continue;
        context.sweeping.add(name);
        context.counters.handled++;
        sweep(context, self, namespace).catch((e: unknown) => {
          context.counters.errors++;
          context.sweeping.delete(name);
          context.logger.error(`emptying namespace ${name} failed`, e);
        });
      }
    },
    clearTimers: ({ context }) => {
      for (const timer of context.timers) context.clock.clearTimeout(timer);
      context.timers.clear();
    },
  },
}).createMachine({
  id: 'namespace-controller',
  context: ({ input }) => ({ ...input, counters: { handled: 0, errors: 0 }, sweeping: new Set(), timers: new Set() }),
  entry: 'subscribe',
  initial: 'Watching',
  states: {
    Watching: {
      on: {
        'store.snapshot': { actions: 'sweepTerminating' },
        'store.changed': { actions: 'sweepTerminating' },
        'namespace.sweep': { actions: 'sweepTerminating' },
        'actor.stop': { target: 'Stopped', actions: 'clearTimers' },
      },
    },
    Stopped: { type: 'final' },
  },
});

/** On a crash: cancel the sweeps this incarnation scheduled. */
export function terminateNamespaceController(context: { clock: Clock; timers: Set<unknown> }): void {
  for (const timer of context.timers) context.clock.clearTimeout(timer);
  context.timers.clear();
}
