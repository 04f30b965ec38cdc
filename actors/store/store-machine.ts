// The store actor: owns one resource's objects.
//
// Receives: `request` (get, list, watch, create, update, patch, delete,
//   deletecollection), `log.durable` (its own appends became durable),
//   `stream.cancelled` (a watcher's client went away), `store.subscribe`,
//   `actor.stop`.
// Sends: replies to each request's replyTo; `stream.*` to watchers' replyTo;
//   `store.snapshot` / `store.changed` to subscribers.
//
// States: Serving → Stopping (waits for writes already appended to become
// durable, answers new requests 503) → Stopped.

import { setup } from 'xstate';
import type { HandleRequest, ResourceRequestInfo } from '../../protocol/messages/request.js';
import type { StreamCancelled } from '../../protocol/messages/http.js';
import type { StoreSubscribe } from '../../protocol/messages/store.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import { statusResponse } from '../../protocol/messages/http.js';
import { methodNotAllowed, serviceUnavailable } from '../../protocol/kube/status.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import type { Definitions } from '../../scheme/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import type { RevisionLog } from './revision-log.js';
import { loadCache, parseObject, type StoreState } from './store-state.js';
import { handleGet, handleList } from './read.js';
import { handleCreate, handleDelete, handleDeleteCollection, handlePatch, handleUpdate } from './write.js';
import { endWatch, forgetWatch, handleWatch } from './watch.js';
import { applyDurable } from './commit.js';

export interface StoreInput {
  kind: KindDescription;
  definitions: Definitions;
  log: RevisionLog;
  clock: Clock;
  logger: Log;
}

interface LogDurableEvent {
  type: 'log.durable';
  revision: number;
  error?: Error;
}

export type StoreEvent = HandleRequest | LogDurableEvent | StreamCancelled | StoreSubscribe | ActorStop;

interface StoreContext {
  store: StoreState;
  counters: ActorCounters;
  logger: Log;
}

const verbs = {
  get: handleGet,
  list: handleList,
  watch: handleWatch,
  create: handleCreate,
  update: handleUpdate,
  patch: handlePatch,
  delete: handleDelete,
  deletecollection: handleDeleteCollection,
} as const;

function serve(context: StoreContext, event: HandleRequest): void {
  const { request } = event;
  // kube's request info names a namespace object as namespaced by itself; a cluster-scoped store keys by name alone.
  const info = context.store.kind.namespaced ? (request.info as ResourceRequestInfo) : { ...(request.info as ResourceRequestInfo), namespace: '' };
  serveSafely(request, context.counters, context.logger, () => {
    const handler = info.verb in verbs && context.store.kind.verbs.includes(info.verb) ? verbs[info.verb as keyof typeof verbs] : undefined;
    if (!handler || info.subresource) {
      request.replyTo.send(statusResponse(request.id, methodNotAllowed()));
      return;
    }
    handler(context.store, request, info);
  });
}

export const storeMachine = setup({
  types: {
    context: {} as StoreContext,
    events: {} as StoreEvent,
    input: {} as StoreInput,
  },
  actions: {
    serve: ({ context, event }) => serve(context, event as HandleRequest),
    applyDurable: ({ context, event }) => {
      const { revision, error } = event as LogDurableEvent;
      if (error) context.counters.errors++;
      applyDurable(context.store, revision, error);
    },
    forgetWatch: ({ context, event }) => forgetWatch(context.store, (event as StreamCancelled).id),
    subscribe: ({ context, event }) => {
      const { subscriber } = event as StoreSubscribe;
      const store = context.store;
      store.subscribers.push(subscriber);
      subscriber.send({ type: 'store.snapshot', resource: store.kind.plural, objects: [...store.cache.range('')].map(parseObject) });
    },
    refuse: ({ event }) => {
      const { request } = event as HandleRequest;
      request.replyTo.send(statusResponse(request.id, serviceUnavailable('the storage is shutting down')));
    },
    endWatches: ({ context }) => {
      for (const id of [...context.store.watchers.keys()]) endWatch(context.store, id);
      context.store.clock.clearTimeout(context.store.bookmarkTimer);
    },
  },
  guards: {
    noWritesAwaiting: ({ context }) => context.store.awaiting.size === 0,
  },
}).createMachine({
  id: 'store',
  context: ({ input, self }) => {
    const prefix = `/registry/${input.kind.group ? `${input.kind.group}/` : ''}${input.kind.plural}/`;
    const logger = input.logger;
    const store: StoreState = {
      kind: input.kind,
      resource: { group: input.kind.group, resource: input.kind.plural },
      definitions: input.definitions,
      log: input.log,
      prefix,
      cache: loadCache(input.log, prefix, (key, why) => logger.warn(`skipping undecodable value at ${key}: ${why}`)),
      pendingByKey: new Map(),
      awaiting: new Map(),
      watchers: new Map(),
      subscribers: [],
      clock: input.clock,
      onDurable: (revision, error) => self.send({ type: 'log.durable', revision, ...(error ? { error } : {}) }),
      streamOwner: self,
      bookmarkTimer: undefined,
    };
    return { store, counters: { handled: 0, errors: 0 }, logger };
  },
  initial: 'Serving',
  states: {
    Serving: {
      on: {
        request: { actions: 'serve' },
        'log.durable': { actions: 'applyDurable' },
        'stream.cancelled': { actions: 'forgetWatch' },
        'store.subscribe': { actions: 'subscribe' },
        'actor.stop': { target: 'Stopping', actions: 'endWatches' },
      },
    },
    Stopping: {
      always: { guard: 'noWritesAwaiting', target: 'Stopped' },
      on: {
        request: { actions: 'refuse' },
        'log.durable': { actions: 'applyDurable' },
        'stream.cancelled': { actions: 'forgetWatch' },
      },
    },
    Stopped: { type: 'final' },
  },
});

/** On a crash: stop the timers this incarnation set (the supervisor ends its streams). */
export function terminateStore(context: StoreContext): void {
  const { store } = context;
  store.clock.clearTimeout(store.bookmarkTimer);
  for (const watcher of store.watchers.values()) store.clock.clearTimeout(watcher.timer);
}
