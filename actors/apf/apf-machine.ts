// The apf actor: kube's API Priority and Fairness filter
// (WithPriorityAndFairness), between authentication (and audit) and
// authorization in the handler chain, and its configuration controller.
//
// Owns: the FlowSchemas and PriorityLevelConfigurations in force (from their
//   stores; kube's bootstrap set until the stores have answered), each
//   limited level's seats and queues (fair-queuing.ts), and the counts
//   /metrics reports as apiserver_flowcontrol_*.
// Receives: `authorize` from authn (or audit), with the user set; `apf.finished`
//   from the reply address it gives each request it dispatches (the first
//   answer, or a watch's stream.open: its initialization has been served);
//   `apf.sweep` from its own timer; `store.snapshot` and `store.changed` from
//   the flowschemas and prioritylevelconfigurations stores.
// Sends: `authorize` to authz for each request dispatched (at once when its
//   level is exempt or has a free seat, else when its turn comes in a queue);
//   429 with Retry-After to a request its level rejects or that waited too
//   long. Every answer carries X-Kubernetes-PF-FlowSchema-UID and
//   X-Kubernetes-PF-PriorityLevel-UID. Keeps the mandatory objects in place
//   (recreated when deleted, reset when changed) and each FlowSchema's
//   Dangling condition current.
//
// States: Serving → Stopped.

import { setup } from 'xstate';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest, AuthorizeRequest, ReplyTo, RequestHandler } from '../../protocol/messages/request.js';
import type { HttpReply } from '../../protocol/messages/http.js';
import { textResponse } from '../../protocol/messages/http.js';
import type { StoreChanged, StoreSnapshot, Subscriber } from '../../protocol/messages/store.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { loopback } from '../../lib/loopback.js';
import { serveSafely } from '../../lib/serve-safely.js';
import { classify, schemasInOrder, type Schema } from './classify.js';
import { PriorityLevel, type Queuing } from './fair-queuing.js';
import { MANDATORY_FLOW_SCHEMAS, MANDATORY_PRIORITY_LEVELS, SUGGESTED_FLOW_SCHEMAS, SUGGESTED_PRIORITY_LEVELS } from './bootstrap.js';
import { danglingCondition } from './status.js';
import type { ApfConfiguration, ApfSubscribe } from '../../protocol/messages/flowcontrol.js';

function configurationOf(context: ApfContext): ApfConfiguration {
  return { type: 'apf.configuration', schemas: context.schemas, exempt: Object.fromEntries([...context.exempt].map(([name, { uid }]) => [name, uid])) };
}

export const FLOWCONTROL_GROUP = 'flowcontrol.apiserver.k8s.io';
type ConfigResource = 'flowschemas' | 'prioritylevelconfigurations';
type Subscribable = { send(message: { type: 'store.subscribe'; subscriber: Subscriber }): void };

export interface ApfInput {
  /** --max-requests-inflight + --max-mutating-requests-inflight: the seats the limited levels share. */
  serverConcurrencyLimit: number;
  /** How long a request may wait in a queue before it is rejected. */
  queueWaitLimitMs: number;
  next: { send(message: AuthorizeRequest): void };
  stores: Record<ConfigResource, (Subscribable & RequestHandler) | undefined>;
  clock: Clock;
  logger: Log;
}

/** A request that holds or waits for a seat. */
interface Pending {
  request: ApiRequest;
  schema: Schema;
}

interface FinishedEvent {
  type: 'apf.finished';
  level: string;
  schema: string;
}
interface SweepEvent {
  type: 'apf.sweep';
}

export type ApfEvent = AuthorizeRequest | FinishedEvent | SweepEvent | StoreSnapshot | StoreChanged | ApfSubscribe | ActorStop;

/** What /metrics reports, keyed `<flow schema>\0<priority level>[\0<reason>]`: counts since start, and requests now. */
export interface ApfCounts {
  dispatched: Map<string, number>;
  rejected: Map<string, number>;
  executing: Map<string, number>;
  waiting: Map<string, number>;
}

export interface ApfContext extends Omit<ApfInput, 'logger'> {
  logger: Log;
  counters: ActorCounters;
  objects: Record<ConfigResource, Map<string, KubeObject>>;
  synced: Set<ConfigResource>;
  schemas: Schema[];
  /** Limited levels by name; exempt ones are in `exempt`, with the requests they serve now. */
  levels: Map<string, PriorityLevel<Pending>>;
  exempt: Map<string, { uid: string }>;
  counts: ApfCounts;
  sweep: unknown;
  /** Told the configuration at every change (authn, which then sends exempt requests past this actor). */
  subscribers: ApfSubscribe['subscriber'][];
}

/** kube's rejection: plain text, as http.Error writes it, with Retry-After. */
const REJECTED = 'Too many requests, please try again later.\n';
const RETRY_AFTER_SECONDS = '1';
const SWEEP_MS = 250;

export const countKey = (schema: string, level: string, reason?: string): string => (reason === undefined ? `${schema}\0${level}` : `${schema}\0${level}\0${reason}`);
const key = countKey;
const bump = (map: Map<string, number>, k: string, by = 1): void => void map.set(k, (map.get(k) ?? 0) + by);

export function pfHeaders(schema: Schema, levelUid: string): Record<string, string> {
  return { 'x-kubernetes-pf-flowschema-uid': schema.uid, 'x-kubernetes-pf-prioritylevel-uid': levelUid };
}

/**
 * The reply address a dispatched request gets: frees the seat at the first answer. (kube's
 * headers travel on the request, `responseHeaders`, which the listener writes.)
 */
export function replyThrough(original: ReplyTo, finished: () => void): ReplyTo {
  let done = false;
  return {
    via: original.via ?? original,
    send(reply) {
      if (!done && (reply.type === 'http.response' || reply.type === 'stream.open')) {
        done = true;
        finished();
      }
      original.send(reply);
    },
  };
}

interface LevelSpec {
  name: string;
  uid: string;
  type: 'Exempt' | 'Limited';
  shares: number;
  queuing: Queuing | undefined;
}

const MAX_QUEUES = 4096;
const MAX_HAND_SIZE = 32;
const MAX_QUEUE_LENGTH = 100_000;
const MAX_SHARES = 1_000_000;

/** An integer within [min, max], or `fallback` for anything that is not a number. */
function whole(value: unknown, fallback: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return Math.min(Math.max(fallback, min), max);
  return Math.min(Math.max(Math.trunc(value), min), max);
}

function levelSpecOf(o: KubeObject): LevelSpec {
  const spec = (o as unknown as { spec?: { type?: string; limited?: { nominalConcurrencyShares?: number; limitResponse?: { type?: string; queuing?: Partial<Queuing> } } } }).spec ?? {};
  const limited = spec.limited ?? {};
  const q = limited.limitResponse?.type === 'Queue' ? limited.limitResponse.queuing ?? {} : undefined;
  // Values kube's validation would refuse are taken as its defaults (or the nearest sound value), never trusted.
  const queues = whole(q?.queues, 64, 1, MAX_QUEUES);
  return {
    name: o.metadata.name ?? '',
    uid: o.metadata.uid ?? '',
    type: spec.type === 'Exempt' ? 'Exempt' : 'Limited',
    shares: whole(limited.nominalConcurrencyShares, 30, 0, MAX_SHARES),
    queuing: q ? { queues, handSize: whole(q.handSize, 8, 1, Math.min(queues, MAX_HAND_SIZE)), queueLengthLimit: whole(q.queueLengthLimit, 50, 1, MAX_QUEUE_LENGTH) } : undefined,
  };
}

/** Rebuilds the classification and the levels from the objects; a level that stays keeps its seats and queues. */
function reconfigure(context: ApfContext): Pending[] {
  const specs = [...context.objects.prioritylevelconfigurations.values()].map(levelSpecOf);
  const limited = specs.filter((s) => s.type === 'Limited');
  const totalShares = limited.reduce((sum, s) => sum + s.shares, 0) || 1;
  const orphans: Pending[] = [];
  const levels = new Map<string, PriorityLevel<Pending>>();
  for (const spec of limited) {
    const limit = Math.max(1, Math.ceil((context.serverConcurrencyLimit * spec.shares) / totalShares));
    const old = context.levels.get(spec.name);
    if (old && old.uid === spec.uid && JSON.stringify(old.queuing) === JSON.stringify(spec.queuing)) {
      old.limit = limit;
      levels.set(spec.name, old);
      continue;
    }
    const level = new PriorityLevel<Pending>(spec.name, spec.uid, limit, spec.queuing);
    if (old) {
      level.seatsInUse = old.seatsInUse;
      orphans.push(...old.drain());
    }
    levels.set(spec.name, level);
  }
  for (const [name, old] of context.levels) if (!levels.has(name)) orphans.push(...old.drain());
  context.levels = levels;
  context.exempt = new Map(specs.filter((s) => s.type === 'Exempt').map((s) => [s.name, { uid: s.uid }]));
  const exempt = context.exempt;
  // A FlowSchema whose priority level does not exist (Dangling) classifies nothing.
  context.schemas = schemasInOrder(context.objects.flowschemas.values()).filter((s) => levels.has(s.spec.priorityLevelConfiguration.name) || exempt.has(s.spec.priorityLevelConfiguration.name));
  return orphans;
}

function reject(context: ApfContext, pending: Pending, levelName: string, levelUid: string, reason: string, fromQueue = false): void {
  bump(context.counts.rejected, key(pending.schema.name, levelName, reason));
  if (fromQueue) bump(context.counts.waiting, key(pending.schema.name, levelName), -1);
  const { request } = pending;
  request.replyTo.send(textResponse(request.id, 429, REJECTED, { 'retry-after': RETRY_AFTER_SECONDS, ...pfHeaders(pending.schema, levelUid) }));
}

function dispatch(context: ApfContext, self: { send(event: FinishedEvent): void }, pending: Pending, levelName: string, levelUid: string, limited: boolean, fromQueue = false): void {
  const k = key(pending.schema.name, levelName);
  bump(context.counts.dispatched, k);
  if (fromQueue) bump(context.counts.waiting, k, -1);
  const { request } = pending;
  // An exempt request holds no seat: nothing to free when it is answered.
  if (limited) bump(context.counts.executing, k);
  request.responseHeaders = pfHeaders(pending.schema, levelUid);
  if (limited) request.replyTo = replyThrough(request.replyTo, () => self.send({ type: 'apf.finished', level: levelName, schema: pending.schema.name }));
  context.next.send({ type: 'authorize', request });
}

function admit(context: ApfContext, self: { send(event: FinishedEvent | SweepEvent): void }, request: ApiRequest): void {
  const classified = classify(context.schemas, request.user!, request.info);
  // The mandatory catch-all matches every authenticated or anonymous user; with it deleted, nothing does until it is restored.
  if (!classified) {
    context.next.send({ type: 'authorize', request });
    return;
  }
  const levelName = classified.schema.spec.priorityLevelConfiguration.name;
  const pending = { request, schema: classified.schema };
  const exempt = context.exempt.get(levelName);
  if (exempt) return dispatch(context, self, pending, levelName, exempt.uid, false);
  const level = context.levels.get(levelName)!;
  const offer = level.offer(pending, classified.flow, context.clock.now());
  if (offer === 'dispatched') return dispatch(context, self, pending, levelName, level.uid, true);
  if (offer === 'queued') {
    bump(context.counts.waiting, key(classified.schema.name, levelName));
    return scheduleSweep(context, self);
  }
  reject(context, pending, levelName, level.uid, offer);
}

function scheduleSweep(context: ApfContext, self: { send(event: SweepEvent): void }): void {
  if (context.sweep !== undefined) return;
  context.sweep = context.clock.setTimeout(() => self.send({ type: 'apf.sweep' }), SWEEP_MS);
}

const CONFIG_RESOURCES: readonly ConfigResource[] = ['flowschemas', 'prioritylevelconfigurations'];
const MANDATORY: Record<ConfigResource, readonly KubeObject[]> = { flowschemas: MANDATORY_FLOW_SCHEMAS, prioritylevelconfigurations: MANDATORY_PRIORITY_LEVELS };

/**
 * kube's config producer, after start (the post-start hook priority-and-fairness-config-producer
 * creates the whole bootstrap set): a mandatory object deleted is created again; one changed gets its spec back.
 */
function keepMandatory(context: ApfContext, resource: ConfigResource): void {
  const store = context.stores[resource];
  if (!store) return;
  for (const wanted of MANDATORY[resource]) {
    const name = wanted.metadata.name!;
    const current = context.objects[resource].get(name);
    const where = { apiGroup: FLOWCONTROL_GROUP, namespace: '', resource, name };
    if (!current) {
      void loopback(store, 'create', { ...where, name: '' }, wanted);
    } else if (JSON.stringify((current as { spec?: unknown }).spec) !== JSON.stringify((wanted as { spec?: unknown }).spec)) {
      void loopback(store, 'update', where, { ...current, spec: (wanted as { spec?: unknown }).spec });
    }
  }
}

/** kube's config consumer writes each FlowSchema's Dangling condition when it changes. */
function reportDangling(context: ApfContext): void {
  const store = context.stores.flowschemas;
  if (!store) return;
  for (const schema of context.objects.flowschemas.values()) {
    const level = (schema as unknown as { spec?: { priorityLevelConfiguration?: { name?: string } } }).spec?.priorityLevelConfiguration?.name ?? '';
    const updated = danglingCondition(schema, level, context.objects.prioritylevelconfigurations.has(level), context.clock.now());
    if (!updated) continue;
    void loopback(store, 'update', { apiGroup: FLOWCONTROL_GROUP, namespace: '', resource: 'flowschemas', name: schema.metadata.name!, subresource: 'status' }, updated);
  }
}

export const apfMachine = setup({
  types: {
    context: {} as ApfContext,
    events: {} as ApfEvent,
    input: {} as ApfInput,
  },
  actions: {
    subscribe: ({ context, self }) => {
      for (const resource of CONFIG_RESOURCES) context.stores[resource]?.send({ type: 'store.subscribe', subscriber: self });
    },
    admit: ({ context, event, self }) => {
      const { request } = event as AuthorizeRequest;
      serveSafely(request, context.counters, context.logger, () => admit(context, self, request));
    },
    finished: ({ context, event, self }) => {
      const { level: name, schema } = event as FinishedEvent;
      bump(context.counts.executing, key(schema, name), -1);
      const level = context.levels.get(name);
      if (!level) return;
      for (const next of level.release()) dispatch(context, self, next, level.name, level.uid, true, true);
    },
    sweep: ({ context, self }) => {
      context.sweep = undefined;
      const cutoff = context.clock.now() - context.queueWaitLimitMs;
      let waiting = false;
      for (const level of context.levels.values()) {
        for (const expired of level.expire(cutoff)) reject(context, expired, level.name, level.uid, 'time-out', true);
        waiting ||= level.waiting > 0;
      }
      if (waiting) scheduleSweep(context, self);
    },
    learn: ({ context, event, self }) => {
      const message = event as StoreSnapshot | StoreChanged;
      const resource = message.resource as ConfigResource;
      const objects = context.objects[resource];
      if (!objects) return;
      if (message.type === 'store.snapshot') {
        // Until both stores have answered, kube's bootstrap set is in force.
        if (!context.synced.has(resource)) objects.clear();
        for (const o of message.objects) objects.set(o.metadata.name ?? '', o);
        context.synced.add(resource);
      } else {
        for (const change of message.changes) {
          if (change.type === 'DELETED') objects.delete(change.object.metadata.name ?? '');
          else objects.set(change.object.metadata.name ?? '', change.object);
        }
      }
      for (const orphan of reconfigure(context)) {
        bump(context.counts.waiting, key(orphan.schema.name, orphan.schema.spec.priorityLevelConfiguration.name), -1);
        admit(context, self, orphan.request);
      }
      for (const level of context.levels.values()) for (const next of level.dispatchWaiting()) dispatch(context, self, next, level.name, level.uid, true, true);
      const configuration = configurationOf(context);
      for (const subscriber of context.subscribers) subscriber.send(configuration);
      if (context.synced.size === CONFIG_RESOURCES.length) {
        keepMandatory(context, resource);
        reportDangling(context);
      }
    },
    addSubscriber: ({ context, event }) => {
      const { subscriber } = event as ApfSubscribe;
      context.subscribers.push(subscriber);
      subscriber.send(configurationOf(context));
    },
    stop: ({ context }) => {
      if (context.sweep !== undefined) context.clock.clearTimeout(context.sweep);
    },
  },
}).createMachine({
  id: 'apf',
  context: ({ input }) => {
    const byName = (objects: readonly KubeObject[]): Map<string, KubeObject> => new Map(objects.map((o) => [o.metadata.name!, o]));
    const context: ApfContext = {
      ...input,
      counters: { handled: 0, errors: 0 },
      objects: {
        flowschemas: byName([...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS]),
        prioritylevelconfigurations: byName([...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS]),
      },
      synced: new Set(),
      schemas: [],
      levels: new Map(),
      exempt: new Map(),
      counts: { dispatched: new Map(), rejected: new Map(), executing: new Map(), waiting: new Map() },
      sweep: undefined,
      subscribers: [],
    };
    reconfigure(context);
    return context;
  },
  entry: 'subscribe',
  initial: 'Serving',
  states: {
    Serving: {
      on: {
        authorize: { actions: 'admit' },
        'apf.finished': { actions: 'finished' },
        'apf.sweep': { actions: 'sweep' },
        'store.snapshot': { actions: 'learn' },
        'store.changed': { actions: 'learn' },
        'apf.subscribe': { actions: 'addSubscriber' },
        'actor.stop': { target: 'Stopped', actions: 'stop' },
      },
    },
    Stopped: { type: 'final' },
  },
});

/** On a crash: no timer outlives the actor. */
export function terminateApf(context: ApfContext): void {
  if (context.sweep !== undefined) context.clock.clearTimeout(context.sweep);
}
