// The store actor: owns one resource's objects.
//
// Receives: `request` (get, list, watch, create, update, patch, delete,
//   deletecollection; and its subresources: status, scale, finalize, approval,
//   and the pods' own, see subresources.ts and pod-subresources.ts), `log.answered` (the revision log's later answer to
//   something this store asked: a load, a snapshot, an append's outcome),
//   `log.changed` (etcd's change feed: changes by any process), `stream.cancelled`
//   (a watcher's client went away), `store.subscribe`, `actor.stop`.
// Sends: replies to each request's replyTo; `stream.*` to watchers' replyTo;
//   `store.snapshot` (filtered, perhaps in slices: subscription.ts) / `store.changed` to subscribers. `store.describe` (a custom resource's
//   CRD changed) replaces the kind it serves, and decodes the cached objects again with it.
//
// States: Loading (until the log has handed over every object; requests wait;
// SQLite loads at once) → Serving → Stopping (waits for writes already appended
// to settle, answers new requests 503) → Stopped.

import { setup } from 'xstate';
import type { HandleRequest, ResourceRequestInfo } from '../../protocol/messages/request.js';
import type { StreamCancelled } from '../../protocol/messages/http.js';
import type { StoreDescribe, StoreSubscribe, StoreUnsubscribe } from '../../protocol/messages/store.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import { statusResponse } from '../../protocol/messages/http.js';
import { methodNotAllowed, serviceUnavailable } from '../../protocol/kube/status.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import type { Definitions } from '../../scheme/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import type { Feed, LatestRow, RevisionLog } from './revision-log.js';
import { fillCache, HISTORY_LIMIT, redecodeCache, whenLogAnswers, type StoreState } from './store-state.js';
import { subscribe, unsubscribe } from './subscription.js';
import { ResourceCache } from './resource-cache.js';
import { handleGet, handleList } from './read.js';
import { handleCreate, handleDelete, handleDeleteCollection, handlePatch, handleUpdate } from './write.js';
import { endWatch, forgetWatch, handleWatch } from './watch.js';
import { applyFeed } from './commit.js';
import { handleSubresource } from './subresources.js';
import { storageKeyPrefix } from '../../scheme/kind-description.js';

export interface StoreInput {
  kind: KindDescription;
  definitions: Definitions;
  log: RevisionLog;
  /** --etcd-prefix: every key of this process's objects starts with it. */
  etcdPrefix?: string;
  clock: Clock;
  logger: Log;
  /** --service-cluster-ip-range (10.0.0.0/24 when absent) and --service-node-port-range (30000-32767). */
  serviceClusterIpRange?: string;
  serviceNodePortRange?: string;
}

/** The log's later answer, run in this actor (see whenLogAnswers). */
interface LogAnswered {
  type: 'log.answered';
  run(): void;
}

interface LogChanged {
  type: 'log.changed';
  feed: Feed;
}

export type StoreEvent = HandleRequest | LogAnswered | LogChanged | StreamCancelled | StoreSubscribe | StoreUnsubscribe | StoreDescribe | ActorStop;

interface StoreContext {
  store: StoreState;
  counters: ActorCounters;
  logger: Log;
  /** Requests and subscriptions that arrived while Loading, handled once Serving. */
  waiting: (HandleRequest | StoreSubscribe)[];
  /** Set by the load's answer: one shared object, since xstate copies the context object itself. */
  following: { loaded: boolean; unfollow(): void };
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
    if (info.subresource || info.resource !== context.store.kind.plural) return handleSubresource(context.store, request, info);
    const handler = info.verb in verbs && context.store.kind.verbs.includes(info.verb) ? verbs[info.verb as keyof typeof verbs] : undefined;
    if (!handler) {
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
    runAnswer: ({ event }) => (event as LogAnswered).run(),
    applyFeed: ({ context, event }) => applyFeed(context.store, (event as LogChanged).feed, reportCorrupt(context.logger)),
    wait: ({ context, event }) => {
      context.waiting.push(event as HandleRequest | StoreSubscribe);
    },
    serveWaiting: ({ context, self }) => {
      const waiting = context.waiting.splice(0);
      for (const event of waiting) self.send(event);
    },
    forgetWatch: ({ context, event }) => forgetWatch(context.store, (event as StreamCancelled).id),
    subscribe: ({ context, event }) => subscribe(context.store, event as StoreSubscribe),
    unsubscribe: ({ context, event }) => {
      const { subscriber } = event as StoreUnsubscribe;
      unsubscribe(context.store, subscriber);
      for (let i = context.waiting.length - 1; i >= 0; i--) {
        const waiting = context.waiting[i]!;
        if (waiting.type === 'store.subscribe' && waiting.subscriber === subscriber) context.waiting.splice(i, 1);
      }
    },
    describe: ({ context, event }) => {
      const { kind, definitions } = event as StoreDescribe;
      context.store.kind = kind;
      context.store.definitions = definitions;
      redecodeCache(context.store);
    },
    refuse: ({ event }) => {
      const { request } = event as HandleRequest;
      request.replyTo.send(statusResponse(request.id, serviceUnavailable('the storage is shutting down')));
    },
    // Writes still settling wait for the feed to acknowledge them: stop following only once Stopped.
    unfollow: ({ context }) => context.following.unfollow(),
    endWatches: ({ context }) => {
      for (const id of [...context.store.watchers.keys()]) endWatch(context.store, id);
      context.store.clock.clearTimeout(context.store.bookmarkTimer);
    },
  },
  guards: {
    // On etcd a write is acknowledged only once the feed has reported it: wait for those too.
    noWritesAwaiting: ({ context }) => context.store.inFlight === 0 && context.store.afterFeed.length === 0,
    loaded: ({ context }) => context.following.loaded,
  },
}).createMachine({
  id: 'store',
  context: ({ input, self }) => {
    const prefix = storageKeyPrefix(input.kind, input.etcdPrefix ?? '/registry');
    const logger = input.logger;
    const store: StoreState = {
      kind: input.kind,
      resource: { group: input.kind.group, resource: input.kind.plural },
      definitions: input.definitions,
      log: input.log,
      prefix,
      cache: new ResourceCache(0, HISTORY_LIMIT),
      pendingByKey: new Map(),
      awaiting: new Map(),
      inFlight: 0,
      feedRevision: 0,
      afterFeed: [],
      writing: new Map(),
      watchers: new Map(),
      watchEventsSent: 0,
      subscribers: [],
      clock: input.clock,
      ranges: { serviceClusterIpRange: input.serviceClusterIpRange ?? '10.0.0.0/24', serviceNodePortRange: input.serviceNodePortRange ?? '30000-32767' },
      deliver: (run) => self.send({ type: 'log.answered', run }),
      retry: (request) => self.send({ type: 'request', request }),
      warn: (message) => logger.warn(message),
      streamOwner: self,
      bookmarkTimer: undefined,
    };
    const following = { loaded: false, unfollow: (): void => undefined };
    const context: StoreContext = { store, counters: { handled: 0, errors: 0 }, logger, waiting: [], following };
    whenLogAnswers(store, (done: (result: { rows: Iterable<LatestRow>; revision: number } | Error) => void) => input.log.load(prefix, done), (result) => {
      // Without its objects the store cannot serve: crash, and be restarted to load again.
      if (result instanceof Error) throw new Error(`loading ${prefix}: ${result.message}`);
      fillCache(store.cache, result.rows, prefix, reportCorrupt(logger), store.kind);
      store.cache.historyFrom = result.revision;
      store.feedRevision = result.revision;
      following.unfollow = input.log.follow(prefix, result.revision, (feed) => self.send({ type: 'log.changed', feed }));
      following.loaded = true;
    });
    return context;
  },
  initial: 'Loading',
  // In every state: the log's answers, the feed, and clients going away.
  on: {
    'log.answered': { actions: 'runAnswer' },
    'log.changed': { actions: 'applyFeed' },
    'stream.cancelled': { actions: 'forgetWatch' },
    'store.unsubscribe': { actions: 'unsubscribe' },
    'store.describe': { actions: 'describe' },
  },
  states: {
    Loading: {
      always: { guard: 'loaded', target: 'Serving' },
      on: {
        request: { actions: 'wait' },
        'store.subscribe': { actions: 'wait' },
        'actor.stop': { target: 'Stopped' },
      },
    },
    Serving: {
      entry: 'serveWaiting',
      on: {
        request: { actions: 'serve' },
        'store.subscribe': { actions: 'subscribe' },
        'actor.stop': { target: 'Stopping', actions: 'endWatches' },
      },
    },
    Stopping: {
      always: { guard: 'noWritesAwaiting', target: 'Stopped' },
      on: {
        request: { actions: 'refuse' },
      },
    },
    Stopped: { type: 'final', entry: 'unfollow' },
  },
});

const reportCorrupt = (logger: Log) => (key: string, why: string): void => {
  logger.warn(`skipping undecodable value at ${key}: ${why}`);
};

/** On a crash: stop following the log and the timers this incarnation set (the supervisor ends its streams). */
export function terminateStore(context: StoreContext): void {
  const { store } = context;
  context.following.unfollow();
  store.clock.clearTimeout(store.bookmarkTimer);
  for (const watcher of store.watchers.values()) store.clock.clearTimeout(watcher.timer);
}
