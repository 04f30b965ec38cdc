// autoregister: kube-aggregator's autoRegistrationController. It keeps a
// Local APIService (no service: served by this process) for every group
// version this server serves: the built-in ones from start, and any a
// message adds later (each CRD's group version, from the CRD server).
// A kept APIService that is deleted comes back; one whose group version is
// removed goes. Its status is kube's local availability: Available True,
// reason Local.
//
// Owns: the set of group versions it keeps, and its view of APIServices.
// Receives: store.snapshot / store.changed from the apiservices store;
//   apiservice.local.add / apiservice.local.remove;
//   autoregister.await-synced (answered with autoregister.synced once every
//   kept APIService exists and is Available); its own autoregister.written;
//   actor.stop.
// Sends: store.subscribe / store.unsubscribe and its writes (as the server's
//   loopback user, straight to the apiservices store, as kube's loopback
//   client does) to the apiservices store.
// States: Syncing (until the store's snapshot) → Running → Stopped.

import { setup, type AnyActorRef } from 'xstate';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { RequestHandler } from '../../protocol/messages/request.js';
import type { StoreChanged, StoreSnapshot } from '../../protocol/messages/store.js';
import type { AutoregisterAwaitSynced, AutoregisterSynced, LocalApiServiceAdd, LocalApiServiceRemove } from '../../protocol/messages/aggregator.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { jsonOf, loopback } from '../../lib/loopback.js';
import { APIREGISTRATION, AUTOMANAGED_LABEL, LOCAL_AVAILABLE, apiServiceName, builtinPriorities, localApiService, type ApiServiceCondition } from '../aggregator/apiservices.js';
import type { Subscribable } from '../aggregator/aggregator-machine.js';

export interface AutoregisterInput {
  store: RequestHandler & Subscribable;
  /** The built-in group versions this server serves, kept from start. */
  groupVersions: readonly { group: string; version: string }[];
  clock: Clock;
  logger: Log;
}

interface Kept {
  object: KubeObject;
  /** 'onstart' for the built-in group versions, 'true' for those added by message (kube's two kinds). */
  managed: 'onstart' | 'true';
}

interface Written {
  type: 'autoregister.written';
  name: string;
  error?: string;
}

/** Its own: look at a name again after a write that failed or left it as it was. */
interface Retry {
  type: 'autoregister.retry';
  name: string;
}

/** How long before a name whose write failed (or changed nothing) is tried again. */
const RETRY_MS = 1000;

interface AutoregisterContext extends AutoregisterInput {
  kept: Map<string, Kept>;
  existing: Map<string, KubeObject>;
  /** Names with a write in flight; each is looked at again when its write ends. */
  writing: Set<string>;
  waiters: AutoregisterAwaitSynced['replyTo'][];
  retries: Set<unknown>;
  subscriber: { send(message: StoreSnapshot | StoreChanged): void } | undefined;
  counters: ActorCounters;
}

type Event = StoreSnapshot | StoreChanged | LocalApiServiceAdd | LocalApiServiceRemove | AutoregisterAwaitSynced | Written | Retry | ActorStop;

const where = (name = '', subresource = '') => ({ apiGroup: APIREGISTRATION, namespace: '', resource: 'apiservices', name, ...(subresource ? { subresource } : {}) });

const availableOf = (object: KubeObject): ApiServiceCondition | undefined =>
  ((object.status as { conditions?: ApiServiceCondition[] } | undefined)?.conditions ?? []).find((c) => c.type === 'Available');

const isLocal = (object: KubeObject): boolean => !(object.spec as { service?: unknown } | undefined)?.service;

function upToDate(context: AutoregisterContext, name: string): boolean {
  const kept = context.kept.get(name);
  const existing = context.existing.get(name);
  if (!kept) return !existing || !isLocal(existing) || existing.metadata.labels?.[AUTOMANAGED_LABEL] === undefined;
  // An operator may point a kept group version at a service; kube's autoregister leaves that alone too.
  return !!existing && (!isLocal(existing) || availableOf(existing)?.reason === 'Local');
}

/** Creates a kept APIService; undefined when another write created it first. */
async function create(context: AutoregisterContext, name: string, object: KubeObject): Promise<KubeObject | undefined> {
  const reply = await loopback(context.store, 'create', where(), object);
  if (reply.status === 409) return undefined;
  if (reply.status !== 201) throw new Error(`creating apiservice ${name}: ${reply.status}`);
  return jsonOf(reply);
}

/** One write that brings `name` closer to what is kept: create, then mark Local available; or delete. */
async function write(context: AutoregisterContext, name: string): Promise<void> {
  const { store, clock } = context;
  const kept = context.kept.get(name);
  const existing = context.existing.get(name);
  if (!kept) {
    const reply = await loopback(store, 'delete', where(name));
    if (reply.status >= 300 && reply.status !== 404) throw new Error(`deleting apiservice ${name}: ${reply.status}`);
    return;
  }
  const current = existing ?? (await create(context, name, kept.object));
  if (!current) return;
  const condition = { ...LOCAL_AVAILABLE, lastTransitionTime: new Date(clock.now()).toISOString().replace(/\.\d+Z$/, 'Z') };
  const reply = await loopback(store, 'update', where(name, 'status'), { ...current, metadata: current.metadata, status: { conditions: [condition] } });
  if (reply.status !== 200 && reply.status !== 409 && reply.status !== 404) throw new Error(`updating apiservice ${name} status: ${reply.status}`);
}

function reconcile(context: AutoregisterContext, self: AnyActorRef, names: Iterable<string>): void {
  for (const name of names) {
    if (upToDate(context, name)) continue;
    if (context.writing.has(name)) continue;
    context.writing.add(name);
    context.counters.handled++;
    write(context, name).then(
      () => self.send({ type: 'autoregister.written', name }),
      (e: unknown) => self.send({ type: 'autoregister.written', name, error: e instanceof Error ? e.message : String(e) }),
    );
  }
  notifyIfSynced(context);
}

function notifyIfSynced(context: AutoregisterContext): void {
  if (context.waiters.length === 0 || context.writing.size > 0) return;
  if (![...context.kept.keys()].every((name) => upToDate(context, name))) return;
  for (const waiter of context.waiters.splice(0)) waiter.send({ type: 'autoregister.synced' } satisfies AutoregisterSynced);
}

/** Keeps, or stops keeping, the Local APIService a message names; returns its name. */
function keep(context: AutoregisterContext, message: LocalApiServiceAdd | LocalApiServiceRemove): string {
  const name = apiServiceName(message.group, message.version);
  if (message.type === 'apiservice.local.remove') {
    context.kept.delete(name);
    return name;
  }
  const object = localApiService(message.group, message.version, { groupPriorityMinimum: message.groupPriorityMinimum ?? 1000, versionPriority: message.versionPriority ?? 100 });
  object.metadata.labels = { [AUTOMANAGED_LABEL]: 'true' };
  context.kept.set(name, { object, managed: 'true' });
  return name;
}

function learn(context: AutoregisterContext, message: StoreSnapshot | StoreChanged): string[] {
  if (message.type === 'store.snapshot') {
    const before = [...context.existing.keys()];
    context.existing = new Map(message.objects.map((o) => [o.metadata.name ?? '', o]));
    return [...new Set([...before, ...context.existing.keys(), ...context.kept.keys()])];
  }
  for (const change of message.changes) {
    const name = change.object.metadata.name ?? '';
    if (change.type === 'DELETED') context.existing.delete(name);
    else context.existing.set(name, change.object);
  }
  return message.changes.map((c) => c.object.metadata.name ?? '');
}

export const autoregisterMachine = setup({
  types: { context: {} as AutoregisterContext, events: {} as Event, input: {} as AutoregisterInput },
  actions: {
    subscribe: ({ context, self }) => {
      const subscriber = { send: (message: StoreSnapshot | StoreChanged) => self.send(message) };
      context.subscriber = subscriber;
      context.store.send({ type: 'store.subscribe', subscriber });
    },
    learn: ({ context, event }) => void learn(context, event as StoreSnapshot | StoreChanged),
    learnAndReconcile: ({ context, self, event }) => reconcile(context, self, learn(context, event as StoreSnapshot | StoreChanged)),
    keep: ({ context, event }) => void keep(context, event as LocalApiServiceAdd | LocalApiServiceRemove),
    keepAndReconcile: ({ context, self, event }) => reconcile(context, self, [keep(context, event as LocalApiServiceAdd | LocalApiServiceRemove)]),
    awaitSynced: ({ context, event }) => {
      context.waiters.push((event as AutoregisterAwaitSynced).replyTo);
    },
    checkSynced: ({ context }) => notifyIfSynced(context),
    written: ({ context, self, event }) => {
      const { name, error } = event as Written;
      context.writing.delete(name);
      if (error) {
        context.counters.errors++;
        context.logger.warn(`autoregister: ${error}`);
      }
      // Its changes have come back from the store already; one that failed, or left the name as it was
      // (deleted again meanwhile), is tried again after a pause, never in a tight loop.
      if (error || !upToDate(context, name)) {
        const handle = context.clock.setTimeout(() => {
          context.retries.delete(handle);
          self.send({ type: 'autoregister.retry', name });
        }, RETRY_MS);
        context.retries.add(handle);
      }
      notifyIfSynced(context);
    },
    retry: ({ context, self, event }) => reconcile(context, self, [(event as Retry).name]),
    stop: ({ context }) => terminateAutoregister(context),
  },
}).createMachine({
  id: 'autoregister',
  context: ({ input }) => ({
    ...input,
    kept: new Map(input.groupVersions.map(({ group, version }) => [apiServiceName(group, version), { object: localApiService(group, version, builtinPriorities(group, version)), managed: 'onstart' as const }])),
    existing: new Map(), writing: new Set(), waiters: [], retries: new Set(), subscriber: undefined, counters: { handled: 0, errors: 0 },
  }),
  entry: 'subscribe',
  initial: 'Syncing',
  states: {
    Syncing: {
      on: {
        'store.snapshot': { target: 'Running', actions: 'learnAndReconcile' },
        'store.changed': { actions: 'learn' },
        'apiservice.local.add': { actions: 'keep' },
        'apiservice.local.remove': { actions: 'keep' },
        'autoregister.await-synced': { actions: 'awaitSynced' },
        'autoregister.written': { actions: 'written' },
        'autoregister.retry': { actions: 'retry' },
        'actor.stop': { target: 'Stopped', actions: 'stop' },
      },
    },
    Running: {
      on: {
        'store.snapshot': { actions: 'learnAndReconcile' },
        'store.changed': { actions: 'learnAndReconcile' },
        'apiservice.local.add': { actions: 'keepAndReconcile' },
        'apiservice.local.remove': { actions: 'keepAndReconcile' },
        'autoregister.await-synced': { actions: ['awaitSynced', 'checkSynced'] },
        'autoregister.written': { actions: 'written' },
        'autoregister.retry': { actions: 'retry' },
        'actor.stop': { target: 'Stopped', actions: 'stop' },
      },
    },
    Stopped: { type: 'final' },
  },
});

/** On a stop or crash: no more retries or store changes for this incarnation. */
export function terminateAutoregister(context: Pick<AutoregisterContext, 'store' | 'subscriber' | 'retries' | 'clock'>): void {
  for (const handle of context.retries) context.clock.clearTimeout(handle);
  context.retries.clear();
  const subscriber = context.subscriber;
  if (!subscriber) return;
  context.subscriber = undefined;
  context.store.send({ type: 'store.unsubscribe', subscriber });
}
