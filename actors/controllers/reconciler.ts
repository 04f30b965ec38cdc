// The shape most controllers share, as kube writes them: informers (here,
// store subscriptions) feed a workqueue of keys; workers reconcile one key at a
// time each; a failure comes back after a backoff. A controller supplies what
// it watches, which keys a change touches, and how to reconcile a key.
//
// Owns: its informers' view (only the objects its `keep` filters let in) and
//   its workqueue.
// Receives: `reconciler.subscribe` (its own, one turn after it starts);
//   `reconciler.rewatch` (from the supervisor when the served kinds changed: a
//   controller whose watches follow the scheme subscribes to the new ones);
//   `informer.event` (a store's snapshot or changes, tagged with the watch it
//   answers); `reconciler.done` and `reconciler.retry` (its own workers and
//   backoff timers); `actor.stop`.
// Sends: `store.subscribe` to each watched store; requests through its
//   ClusterClient from its reconcile function.
//
// States: Syncing (until every watched store has sent its snapshot's last
// slice; keys queue up but nothing runs) → Running → Stopped.
//
// A watch tells its store which objects its snapshot should hold (`filter`,
// plain data the store tests before parsing), and takes the snapshot in
// slices, one per turn of the store's loop: at a million objects the server
// keeps answering requests and renewing its lease while controllers sync.

import { setup, type AnyActorRef } from 'xstate';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StoreChange, StoreChanged, StoreSnapshot, Subscriber, SubscribeFilter } from '../../protocol/messages/store.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import { WorkQueue } from './workqueue.js';
import type { ControllerInput, StoreRef } from './controller.js';

export interface Watch {
  plural: string;
  group: string;
  /** Which objects the view keeps (all when absent): a filter keeps memory to what the controller reads. */
  keep?(object: KubeObject): boolean;
  /**
   * What the store need send in the snapshot: every object `keep` keeps must pass it (it is tested on
   * stored bytes, so it may let more through; `keep` decides). Absent: every object.
   */
  filter?: SubscribeFilter;
  /** Deletions of objects the filter left out still reach keysOf (the garbage collector: a deleted owner). */
  unkeptDeletes?: boolean;
  /** Changes of objects `keep` leaves out that still reach keysOf, the view holding none of them (resource quota: a namespace's count). */
  notify?(object: KubeObject): boolean;
}

/** Objects per snapshot slice (the store also ends a slice when its share of the turn is spent). */
export const SNAPSHOT_SLICE = 2_000;

/** The controller's informer caches, by `<plural>.<group>` (core: `<plural>`). */
export class View {
  private readonly byResource = new Map<string, Map<string, KubeObject>>();

  static keyOf(object: KubeObject): string {
    return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
  }

  of(resource: string): Map<string, KubeObject> {
    let objects = this.byResource.get(resource);
    if (!objects) this.byResource.set(resource, (objects = new Map()));
    return objects;
  }

  get(resource: string, namespace: string, name: string): KubeObject | undefined {
    return this.of(resource).get(`${namespace}/${name}`);
  }

  list(resource: string): KubeObject[] {
    return [...this.of(resource).values()];
  }
}

export const resourceKey = (plural: string, group: string): string => (group ? `${plural}.${group}` : plural);

export interface ReconcilerLogic<S = undefined> {
  id: string;
  /** What it subscribes to: fixed, or worked out from the scheme (the garbage collector watches every kind). */
  watches: readonly Watch[] | ((input: ControllerInput) => Watch[]);
  /** Per-incarnation state besides the view (an index the controller keeps); a restart starts afresh. */
  createState?(input: ControllerInput): S;
  /** How many keys may be reconciled at once (kube's --concurrent-*-syncs). */
  workers: number;
  /** The keys a changed (or, in a snapshot, listed) object touches. */
  keysOf(resource: string, object: KubeObject, deleted: boolean, view: View, state: S): string[];
  /**
   * Brings the cluster in line for one key; throwing (or rejecting) retries it after a backoff.
   * A number is kube's AddAfter: not finished, look again after that many milliseconds.
   */
  reconcile(key: string, view: View, input: ControllerInput, state: S): Promise<void | number>;
}

interface InformerEvent {
  type: 'informer.event';
  resource: string;
  event: StoreSnapshot | StoreChanged;
}

interface Done {
  type: 'reconciler.done';
  key: string;
  error?: unknown;
  after?: number;
}

interface Retry {
  type: 'reconciler.retry';
  key: string;
}

/** Its own, one turn after it starts: a store's snapshot (every object parsed) is not the starting server's work. */
interface Subscribe {
  type: 'reconciler.subscribe';
}

/** Sent by the supervisor when a CRD's resource is served or gone. */
export interface Rewatch {
  type: 'reconciler.rewatch';
}

interface ReconcilerContext {
  input: ControllerInput;
  /** What this incarnation subscribed, to unsubscribe when it stops or crashes. */
  subscriptions: { store: StoreRef; subscriber: Subscriber }[];
  watches: readonly Watch[];
  resources: readonly string[];
  state: unknown;
  view: View;
  queue: WorkQueue;
  synced: Set<string>;
  /** Per resource whose snapshot is arriving in slices: what the view held before it that no slice has shown yet. */
  relisting: Map<string, Map<string, KubeObject>>;
  counters: ActorCounters;
}

/** Subscribes to each watched store; one this server does not serve (yet) counts as synced. */
function subscribeTo(context: ReconcilerContext, self: AnyActorRef, watches: readonly Watch[]): void {
  for (const watch of watches) {
    const resource = resourceKey(watch.plural, watch.group);
    const store = context.input.store(watch.plural, watch.group);
    if (!store) {
      // Not served by this server (yet): nothing to learn, nothing to wait for.
      context.synced.add(resource);
      continue;
    }
    const subscriber = deferred(watch, context.view.of(resource), (event) => self.send({ type: 'informer.event', resource, event }));
    context.subscriptions.push({ store, subscriber });
    store.send({ type: 'store.subscribe', subscriber, slice: SNAPSHOT_SLICE, ...(watch.filter ? { filter: watch.filter } : {}) });
  }
}

function startWork(logic: ReconcilerLogic<unknown>, context: ReconcilerContext, self: AnyActorRef): void {
  for (let key = context.queue.take(logic.workers); key !== undefined; key = context.queue.take(logic.workers)) {
    const taken = key;
    context.counters.handled++;
    logic.reconcile(taken, context.view, context.input, context.state).then(
      (after) => self.send({ type: 'reconciler.done', key: taken, ...(typeof after === 'number' ? { after } : {}) }),
      (error: unknown) => self.send({ type: 'reconciler.done', key: taken, error }),
    );
  }
}

/**
 * A subscriber that hands on what a store sends after the store's turn is over: the store tells
 * its subscribers before it answers the write's client, and that client should not wait while a
 * controller looks at the change. Order is kept; a burst arrives as one batch. Changes the
 * controller would ignore (its filter leaves them out and it holds no earlier version) are
 * dropped here, so a ConfigMap create costs the garbage collector nothing.
 */
function deferred(watch: Watch, objects: Map<string, KubeObject>, deliver: (event: StoreSnapshot | StoreChanged) => void): Subscriber {
  let batch: (StoreSnapshot | StoreChanged)[] = [];
  /** Keys of kept objects in the batch not yet delivered: their later changes matter too. */
  const pending = new Set<string>();
  const relevant = (change: StoreChange): boolean => {
    const key = View.keyOf(change.object);
    if (!watch.keep || watch.keep(change.object)) {
      pending.add(key);
      return true;
    }
    return objects.has(key) || pending.has(key) || (change.type === 'DELETED' && !!watch.unkeptDeletes) || !!watch.notify?.(change.object);
  };
  const flush = (): void => {
    const events = batch;
    batch = [];
    pending.clear();
    for (const event of events) deliver(event);
  };
  return {
    send(event) {
      if (event.type === 'store.changed') {
        const changes = event.changes.filter(relevant);
        if (changes.length === 0) return;
        if (changes.length !== event.changes.length) event = { ...event, changes };
      } else {
        for (const object of event.objects) if (!watch.keep || watch.keep(object)) pending.add(View.keyOf(object));
      }
      if (batch.length === 0) setImmediate(flush);
      batch.push(event);
    },
  };
}

/** A controller actor for `logic`: its own machine, built with setup() like every actor's. */
export function reconcilerMachine<S>(typed: ReconcilerLogic<S>) {
  const logic = typed as ReconcilerLogic<unknown>;
  return setup({
    types: {
      context: {} as ReconcilerContext,
      events: {} as InformerEvent | Done | Retry | Subscribe | Rewatch | ActorStop,
      input: {} as ControllerInput,
    },
    actions: {
      subscribeSoon: ({ self }) => void setImmediate(() => self.send({ type: 'reconciler.subscribe' })),
      subscribe: ({ context, self }) => subscribeTo(context, self, context.watches),
      rewatch: ({ context, self }) => {
        if (typeof logic.watches !== 'function') return;
        const added = logic.watches(context.input).filter((w) => !context.resources.includes(resourceKey(w.plural, w.group)));
        if (added.length === 0) return;
        context.watches = [...context.watches, ...added];
        context.resources = context.watches.map((w) => resourceKey(w.plural, w.group));
        subscribeTo(context, self, added);
      },
      learn: ({ context, event }) => {
        const { resource, event: message } = event as InformerEvent;
        const watch = context.watches[context.resources.indexOf(resource)];
        if (!watch) return;
        const objects = context.view.of(resource);
        const touched: { object: KubeObject; deleted: boolean }[] = [];
        if (message.type === 'store.snapshot') {
          // A (re-)list may come in slices: the view keeps what it held until the last slice shows what is gone,
          // so that workers running meanwhile never find an object missing that is still there.
          let unseen = context.relisting.get(resource);
          if (!unseen) context.relisting.set(resource, (unseen = new Map(objects)));
          for (const object of message.objects) {
            if (watch.keep && !watch.keep(object)) continue;
            objects.set(View.keyOf(object), object);
            unseen.delete(View.keyOf(object));
            touched.push({ object, deleted: false });
          }
          if (!message.more) {
            // Gone while this controller was not listening (a store restart's re-list), or no longer kept.
            for (const [key, object] of unseen) {
              objects.delete(key);
              touched.push({ object, deleted: true });
            }
            context.relisting.delete(resource);
            context.synced.add(resource);
          }
        } else {
          for (const change of message.changes) {
            const key = View.keyOf(change.object);
            const kept = !watch.keep || watch.keep(change.object);
            // Objects the filter leaves out are none of this controller's business.
            if (!kept && !objects.has(key)) {
              if (change.type === 'DELETED' && watch.unkeptDeletes) touched.push({ object: change.object, deleted: true });
              else if (watch.notify?.(change.object)) touched.push({ object: change.object, deleted: change.type === 'DELETED' });
              continue;
            }
            if (change.type === 'DELETED' || !kept) {
              objects.delete(key);
              touched.push({ object: change.object, deleted: true });
              continue;
            }
            objects.set(key, change.object);
            touched.push({ object: change.object, deleted: false });
          }
        }
        for (const { object, deleted } of touched) for (const key of logic.keysOf(resource, object, deleted, context.view, context.state)) context.queue.add(key);
      },
      work: ({ context, self }) => startWork(logic, context, self),
      finish: ({ context, event, self }) => {
        const { key, error, after } = event as Done;
        if (error !== undefined) {
          context.counters.errors++;
          context.input.logger.warn(`${logic.id}: syncing ${key} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        context.queue.done(key, { failed: error !== undefined, after }, (again) => self.send({ type: 'reconciler.retry', key: again }));
      },
      retry: ({ context, event }) => context.queue.add((event as Retry).key),
      clear: ({ context }) => release(context),
    },
    guards: {
      synced: ({ context }) => context.resources.every((r) => context.synced.has(r)),
    },
  }).createMachine({
    id: logic.id,
    context: ({ input }) => {
      const watches = typeof logic.watches === 'function' ? logic.watches(input) : logic.watches;
      return {
        input, subscriptions: [], watches, resources: watches.map((w) => resourceKey(w.plural, w.group)), state: logic.createState?.(input),
        view: new View(), queue: new WorkQueue(input.clock), synced: new Set<string>(), relisting: new Map(), counters: { handled: 0, errors: 0 },
      };
    },
    entry: 'subscribeSoon',
    initial: 'Syncing',
    states: {
      Syncing: {
        always: { guard: 'synced', target: 'Running' },
        on: {
          'reconciler.subscribe': { actions: 'subscribe' },
          'reconciler.rewatch': { actions: 'rewatch' },
          'informer.event': { actions: 'learn' },
          'reconciler.retry': { actions: 'retry' },
          'actor.stop': { target: 'Stopped', actions: 'clear' },
        },
      },
      Running: {
        entry: 'work',
        on: {
          'reconciler.rewatch': { actions: 'rewatch' },
          'informer.event': { actions: ['learn', 'work'] },
          'reconciler.done': { actions: ['finish', 'work'] },
          'reconciler.retry': { actions: ['retry', 'work'] },
          'actor.stop': { target: 'Stopped', actions: 'clear' },
        },
      },
      Stopped: { type: 'final' },
    },
  });
}

/** What an incarnation lets go of when it stops or crashes: its pending retries and its subscriptions. */
function release(context: Pick<ReconcilerContext, 'queue' | 'subscriptions'>): void {
  context.queue.clear();
  for (const { store, subscriber } of context.subscriptions.splice(0)) store.send({ type: 'store.unsubscribe', subscriber });
}

/** On a crash (OTP's terminate). */
export function terminateReconciler(context: Pick<ReconcilerContext, 'queue' | 'subscriptions'>): void {
  release(context);
}
