// The apf actor: kube's API Priority and Fairness filter
// (WithPriorityAndFairness), between authentication (and audit) and
// authorization in the handler chain, and its configuration controller.
//
// Owns: the FlowSchemas and PriorityLevelConfigurations in force (from their
//   stores; kube's bootstrap set until the stores have answered), each
//   level's limits (nominal, lower, upper and current: borrowing.ts), seats
//   and queues (fair-queuing.ts), and the counts /metrics reports as
//   apiserver_flowcontrol_*.
// Receives: `authorize` from authn (or audit), with the user set; `apf.finished`
//   from the reply address it gives each request it dispatches (the first
//   answer, or a watch's stream.open: its initialization has been served);
//   `apf.released` from its own timer when a write's final seats (its watch
//   fan-out) have been held long enough; `apf.sweep`, `apf.sample` (every
//   100 ms: the exempt requests authn sent past it, read from the listener,
//   as their level's seat demand) and `apf.borrow` (every 10 s: new current
//   limits from each level's seat demand) from its own timers; `store.snapshot` and `store.changed` from the flowschemas and
//   prioritylevelconfigurations stores; `request` for
//   /debug/api_priority_and_fairness/dump_* (after authorization, as kube's mux).
// Sends: `authorize` to authz for each request dispatched (at once when its
//   level is exempt or has its estimated seats free, else when its turn comes
//   in a queue); 429 with Retry-After to a request its level rejects or that
//   waited too long. Every answer carries X-Kubernetes-PF-FlowSchema-UID and
//   X-Kubernetes-PF-PriorityLevel-UID. Keeps the mandatory objects in place
//   (recreated when deleted, reset when changed) and each FlowSchema's
//   Dangling condition current.
//
// States: Serving → Stopped.

import { setup } from 'xstate';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest, AuthorizeRequest, HandleRequest, ReplyTo, RequestHandler } from '../../protocol/messages/request.js';
import { textResponse } from '../../protocol/messages/http.js';
import type { StoreChanged, StoreSnapshot, Subscriber } from '../../protocol/messages/store.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { loopback } from '../../lib/loopback.js';
import { serveSafely } from '../../lib/serve-safely.js';
import { classify, schemasInOrder, type Schema } from './classify.js';
import { PriorityLevel, type Queuing, type Ticket } from './fair-queuing.js';
import { adjustLimits, BORROWING_ADJUSTMENT_MS, limitsOf, updateDemand } from './borrowing.js';
import { estimateWork, ONE_SEAT, type Workload, type WorkEstimate } from './work-estimate.js';
import { serveDump } from './dump.js';
import { BucketCounts } from '../../lib/metrics.js';
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
  /**
   * The requests authn sent past apf at an exempt level, by level, not yet answered (the listener
   * holds them): sampled every 100 ms into that level's seat demand, as kube counts exempt requests.
   */
  exemptInFlight?: (() => ReadonlyMap<string, number> | undefined) | undefined;
  /** What the work estimator reads of the stores: objects stored, watchers; without it every request costs one seat. */
  workload?: Workload | undefined;
  clock: Clock;
  logger: Log;
}

/** A request that holds or waits for seats. */
export interface Pending {
  request: ApiRequest;
  schema: Schema;
  /** The flow's distinguisher (dump_requests' FlowDistingsher). */
  distinguisher: string;
}

/** The first answer of a request (its main phase is over); its final seats may linger. */
interface FinishedEvent {
  type: 'apf.finished';
  level: string;
  ticket: Ticket<Pending>;
}
/** A write's final seats are free (its watch fan-out is accounted for). */
interface ReleasedEvent {
  type: 'apf.released';
  level: string;
  ticket: Ticket<Pending>;
}
interface SweepEvent {
  type: 'apf.sweep';
}
interface BorrowEvent {
  type: 'apf.borrow';
}
interface SampleEvent {
  type: 'apf.sample';
}
type SelfEvent = FinishedEvent | ReleasedEvent | SweepEvent | BorrowEvent | SampleEvent;
type Self = { send(event: SelfEvent): void };

export type ApfEvent = AuthorizeRequest | HandleRequest | SelfEvent | StoreSnapshot | StoreChanged | ApfSubscribe | ActorStop;

/** What /metrics reports, keyed `<flow schema>\0<priority level>[\0<reason>]`: counts since start, and requests and seats now. */
export interface ApfCounts {
  dispatched: Map<string, number>;
  rejected: Map<string, number>;
  executing: Map<string, number>;
  waiting: Map<string, number>;
  executingSeats: Map<string, number>;
  waitingSeats: Map<string, number>;
  /** apiserver_flowcontrol_work_estimated_seats, by `<flow schema>\0<priority level>`. */
  estimatedSeats: BucketCounts;
  /** apiserver_flowcontrol_request_wait_duration_seconds, by `<flow schema>\0<priority level>\0<executed>`. */
  waitSeconds: BucketCounts;
  /** apiserver_flowcontrol_watch_count_samples, by `<flow schema>\0<priority level>`. */
  watchCounts: BucketCounts;
  /** apiserver_flowcontrol_request_queue_length_after_enqueue, by `<flow schema>\0<priority level>`. */
  queueLengths: BucketCounts;
  /** apiserver_flowcontrol_request_execution_seconds, by `<flow schema>\0<priority level>\0<type>` (type regular, or watch). */
  executionSeconds: BucketCounts;
}

/** kube's buckets for those three histograms. */
export const WORK_ESTIMATED_SEATS_BUCKETS = [1, 2, 4, 10];
export const WAIT_SECONDS_BUCKETS = [0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30];
export const WATCH_COUNT_BUCKETS = [0, 1, 10, 100, 1000, 10000];
export const QUEUE_LENGTH_BUCKETS = [0, 10, 25, 50, 100, 250, 500, 1000];

export interface ApfContext extends Omit<ApfInput, 'logger'> {
  logger: Log;
  counters: ActorCounters;
  objects: Record<ConfigResource, Map<string, KubeObject>>;
  synced: Set<ConfigResource>;
  schemas: Schema[];
  /** Every level by name, exempt ones too (they hold no seats but have limits that borrowing counts). */
  levels: Map<string, PriorityLevel<Pending>>;
  /** The exempt levels' uids, as authn is told them. */
  exempt: Map<string, { uid: string }>;
  /** Σ nominalCL: what borrowing shares out (a little over the server's limit, from rounding up). */
  nominalSum: number;
  /** The fair fraction of the last adjustment (apiserver_flowcontrol_seat_fair_frac). */
  fairFrac: number;
  counts: ApfCounts;
  sweep: unknown;
  borrow: unknown;
  sample: unknown;
  /** Timers of writes whose final seats linger. */
  lingering: Set<unknown>;
  /** Told the configuration at every change (authn, which then sends exempt requests past this actor). */
  subscribers: ApfSubscribe['subscriber'][];
}

/** kube's rejection: plain text, as http.Error writes it, with Retry-After. */
const REJECTED = 'Too many requests, please try again later.\n';
const RETRY_AFTER_SECONDS = '1';
const SWEEP_MS = 250;
/** How often the exempt requests sent past apf are counted into their level's seat demand. */
const EXEMPT_SAMPLE_MS = 100;

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
  lendablePercent: number | undefined;
  borrowingLimitPercent: number | undefined;
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

const percent = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? whole(value, 0, 0, 100) : undefined);

interface LevelObjectSpec {
  type?: string;
  limited?: { nominalConcurrencyShares?: number; lendablePercent?: number; borrowingLimitPercent?: number; limitResponse?: { type?: string; queuing?: Partial<Queuing> } };
  exempt?: { nominalConcurrencyShares?: number; lendablePercent?: number };
}

function levelSpecOf(o: KubeObject): LevelSpec {
  const spec = (o as unknown as { spec?: LevelObjectSpec }).spec ?? {};
  const exempt = spec.type === 'Exempt';
  const limited = spec.limited ?? {};
  const q = !exempt && limited.limitResponse?.type === 'Queue' ? limited.limitResponse.queuing ?? {} : undefined;
  // Values kube's validation would refuse are taken as its defaults (or the nearest sound value), never trusted.
  const queues = whole(q?.queues, 64, 1, MAX_QUEUES);
  return {
    name: o.metadata.name ?? '',
    uid: o.metadata.uid ?? '',
    type: exempt ? 'Exempt' : 'Limited',
    shares: exempt ? whole(spec.exempt?.nominalConcurrencyShares, 0, 0, MAX_SHARES) : whole(limited.nominalConcurrencyShares, 30, 0, MAX_SHARES),
    lendablePercent: percent(exempt ? spec.exempt?.lendablePercent : limited.lendablePercent),
    borrowingLimitPercent: exempt ? undefined : typeof limited.borrowingLimitPercent === 'number' && Number.isFinite(limited.borrowingLimitPercent) ? Math.max(0, Math.trunc(limited.borrowingLimitPercent)) : undefined,
    queuing: q ? { queues, handSize: whole(q.handSize, 8, 1, Math.min(queues, MAX_HAND_SIZE)), queueLengthLimit: whole(q.queueLengthLimit, 50, 1, MAX_QUEUE_LENGTH) } : undefined,
  };
}

/** Rebuilds the classification and the levels from the objects; a level that stays keeps its seats and queues. */
function reconfigure(context: ApfContext): Ticket<Pending>[] {
  const now = context.clock.now();
  const specs = [...context.objects.prioritylevelconfigurations.values()].map(levelSpecOf);
  // kube divides the server's seats by the shares of every level, exempt ones included.
  const shareSum = specs.reduce((sum, s) => sum + s.shares, 0);
  const orphans: Ticket<Pending>[] = [];
  const levels = new Map<string, PriorityLevel<Pending>>();
  for (const spec of specs) {
    const exempt = spec.type === 'Exempt';
    const limits = limitsOf({ ...spec, handSize: spec.queuing?.handSize }, context.serverConcurrencyLimit, shareSum);
    const old = context.levels.get(spec.name);
    if (old && old.uid === spec.uid && old.exempt === exempt && JSON.stringify(old.queuing) === JSON.stringify(spec.queuing)) {
      old.limits = limits;
      levels.set(spec.name, old);
      continue;
    }
    const level = new PriorityLevel<Pending>(spec.name, spec.uid, limits, spec.queuing, now, exempt);
    if (old) {
      level.adopt(old, now);
      orphans.push(...old.drain());
    }
    levels.set(spec.name, level);
  }
  for (const [name, old] of context.levels) if (!levels.has(name)) orphans.push(...old.drain());
  context.levels = levels;
  context.nominalSum = [...levels.values()].reduce((sum, l) => sum + l.limits.nominal, 0);
  context.exempt = new Map(specs.filter((s) => s.type === 'Exempt').map((s) => [s.name, { uid: s.uid }]));
  // A FlowSchema whose priority level does not exist (Dangling) classifies nothing.
  context.schemas = schemasInOrder(context.objects.flowschemas.values()).filter((s) => levels.has(s.spec.priorityLevelConfiguration.name));
  adjustBorrowing(context);
  return orphans;
}

/** The exempt requests sent past apf, counted into their level's seat demand (one seat each). */
function sampleExempt(context: ApfContext): void {
  const inFlight = context.exemptInFlight?.();
  if (!inFlight) return;
  const now = context.clock.now();
  for (const level of context.levels.values()) if (level.exempt) level.notePassedBy(inFlight.get(level.name) ?? 0, now);
}

function scheduleSample(context: ApfContext, self: Self): void {
  if (context.exemptInFlight) context.sample = context.clock.setTimeout(() => self.send({ type: 'apf.sample' }), EXEMPT_SAMPLE_MS);
}

/** kube's updateBorrowing: each level's demand over the period just ended gives the current limits. */
function adjustBorrowing(context: ApfContext): void {
  sampleExempt(context);
  const now = context.clock.now();
  for (const level of context.levels.values()) updateDemand(level.demand, level.takeDemand(now));
  context.fairFrac = adjustLimits([...context.levels.values()], context.nominalSum);
}

function reject(context: ApfContext, ticket: Ticket<Pending>, levelName: string, levelUid: string, reason: string, fromQueue = false): void {
  const pending = ticket.item;
  const k = key(pending.schema.name, levelName);
  bump(context.counts.rejected, key(pending.schema.name, levelName, reason));
  if (fromQueue) {
    bump(context.counts.waiting, k, -1);
    bump(context.counts.waitingSeats, k, -ticket.seats);
    context.counts.waitSeconds.observe(`${k}\0false`, (context.clock.now() - ticket.arrivedAt) / 1000);
  }
  const { request } = pending;
  request.replyTo.send(textResponse(request.id, 429, REJECTED, { 'retry-after': RETRY_AFTER_SECONDS, ...pfHeaders(pending.schema, levelUid) }));
}

function dispatch(context: ApfContext, self: Self, ticket: Ticket<Pending>, level: PriorityLevel<Pending>, fromQueue = false): void {
  const pending = ticket.item;
  const k = key(pending.schema.name, level.name);
  bump(context.counts.dispatched, k);
  if (fromQueue) {
    bump(context.counts.waiting, k, -1);
    bump(context.counts.waitingSeats, k, -ticket.seats);
  }
  context.counts.waitSeconds.observe(`${k}\0true`, (ticket.startedAt - ticket.arrivedAt) / 1000);
  bump(context.counts.executing, k);
  bump(context.counts.executingSeats, k, ticket.seats);
  const { request } = pending;
  request.responseHeaders = pfHeaders(pending.schema, level.uid);
  request.replyTo = replyThrough(request.replyTo, () => self.send({ type: 'apf.finished', level: level.name, ticket }));
  context.next.send({ type: 'authorize', request });
}

function admit(context: ApfContext, self: Self, request: ApiRequest): void {
  const classified = classify(context.schemas, request.user!, request.info);
  // The mandatory catch-all matches every authenticated or anonymous user; with it deleted, nothing does until it is restored.
  if (!classified) {
    context.next.send({ type: 'authorize', request });
    return;
  }
  const levelName = classified.schema.spec.priorityLevelConfiguration.name;
  const level = context.levels.get(levelName)!;
  const distinguisher = classified.flow.slice(classified.schema.name.length + 1);
  const pending: Pending = { request, schema: classified.schema, distinguisher };
  const now = context.clock.now();
  const estimate = level.exempt ? ONE_SEAT : estimateFor(context, request, level, classified.schema.name);
  const { offer, ticket } = level.offer(pending, classified.flow, estimate, now);
  if (offer === 'dispatched') return dispatch(context, self, ticket, level);
  if (offer === 'queued') {
    const k = key(classified.schema.name, levelName);
    bump(context.counts.waiting, k);
    bump(context.counts.waitingSeats, k, ticket.seats);
    context.counts.queueLengths.observe(k, level.queues[ticket.queue]!.waiting.length);
    for (const next of level.dispatchWaiting(now)) dispatch(context, self, next, level, true);
    return scheduleSweep(context, self);
  }
  reject(context, ticket, levelName, level.uid, offer);
}

/** The work estimate, observed for /metrics as kube does (seats, and for a write the watchers it will be sent to). */
function estimateFor(context: ApfContext, request: ApiRequest, level: PriorityLevel<Pending>, schema: string): WorkEstimate {
  const k = key(schema, level.name);
  const estimate = estimateWork(request.info, request.query, level.limits.maxSeats, context.workload, (watchers) => context.counts.watchCounts.observe(k, watchers));
  context.counts.estimatedSeats.observe(k, Math.max(estimate.initialSeats, estimate.finalSeats));
  return estimate;
}

/** A request's main phase is over: its final seats, if any, stay taken for its additional latency. */
function finished(context: ApfContext, self: Self, event: FinishedEvent): void {
  const { ticket } = event;
  const k = key(ticket.item.schema.name, event.level);
  bump(context.counts.executing, k, -1);
  const now = context.clock.now();
  context.counts.executionSeconds.observe(`${k}\0${ticket.item.request.info.verb === 'watch' ? 'watch' : 'regular'}`, (now - ticket.startedAt) / 1000);
  context.levels.get(event.level)?.finish(ticket, now);
  const linger = ticket.estimate.additionalLatencyMs;
  if (linger <= 0) return released(context, self, event.level, ticket);
  const timer = context.clock.setTimeout(() => {
    context.lingering.delete(timer);
    self.send({ type: 'apf.released', level: event.level, ticket });
  }, linger);
  context.lingering.add(timer);
}

function released(context: ApfContext, self: Self, levelName: string, ticket: Ticket<Pending>): void {
  bump(context.counts.executingSeats, key(ticket.item.schema.name, levelName), -ticket.seats);
  const level = context.levels.get(levelName);
  if (!level) return;
  for (const next of level.release(ticket, context.clock.now())) dispatch(context, self, next, level, true);
}

function scheduleSweep(context: ApfContext, self: Self): void {
  if (context.sweep !== undefined) return;
  context.sweep = context.clock.setTimeout(() => self.send({ type: 'apf.sweep' }), SWEEP_MS);
}

function scheduleBorrow(context: ApfContext, self: Self): void {
  context.borrow = context.clock.setTimeout(() => self.send({ type: 'apf.borrow' }), BORROWING_ADJUSTMENT_MS);
}

/** After the limits moved: every level dispatches what its new limit lets it. */
function dispatchAll(context: ApfContext, self: Self): void {
  const now = context.clock.now();
  for (const level of context.levels.values()) for (const next of level.dispatchWaiting(now)) dispatch(context, self, next, level, true);
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
      scheduleBorrow(context, self);
      scheduleSample(context, self);
    },
    admit: ({ context, event, self }) => {
      const { request } = event as AuthorizeRequest;
      serveSafely(request, context.counters, context.logger, () => admit(context, self, request));
    },
    finished: ({ context, event, self }) => finished(context, self, event as FinishedEvent),
    released: ({ context, event, self }) => {
      const { level, ticket } = event as ReleasedEvent;
      released(context, self, level, ticket);
    },
    sweep: ({ context, self }) => {
      context.sweep = undefined;
      const now = context.clock.now();
      const cutoff = now - context.queueWaitLimitMs;
      let waiting = false;
      for (const level of context.levels.values()) {
        for (const expired of level.expire(cutoff, now)) reject(context, expired, level.name, level.uid, 'time-out', true);
        waiting ||= level.waiting > 0;
      }
      if (waiting) scheduleSweep(context, self);
    },
    sample: ({ context, self }) => {
      sampleExempt(context);
      scheduleSample(context, self);
    },
    borrow: ({ context, self }) => {
      adjustBorrowing(context);
      dispatchAll(context, self);
      scheduleBorrow(context, self);
    },
    dump: ({ context, event }) => {
      const { request } = event as HandleRequest;
      serveSafely(request, context.counters, context.logger, () => serveDump(request, context.levels.values()));
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
        const k = key(orphan.item.schema.name, orphan.item.schema.spec.priorityLevelConfiguration.name);
        bump(context.counts.waiting, k, -1);
        bump(context.counts.waitingSeats, k, -orphan.seats);
        admit(context, self, orphan.item.request);
      }
      dispatchAll(context, self);
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
    stop: ({ context }) => terminateApf(context),
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
      nominalSum: 0,
      fairFrac: 0,
      counts: {
        dispatched: new Map(), rejected: new Map(), executing: new Map(), waiting: new Map(), executingSeats: new Map(), waitingSeats: new Map(),
        estimatedSeats: new BucketCounts(WORK_ESTIMATED_SEATS_BUCKETS), waitSeconds: new BucketCounts(WAIT_SECONDS_BUCKETS), watchCounts: new BucketCounts(WATCH_COUNT_BUCKETS),
        queueLengths: new BucketCounts(QUEUE_LENGTH_BUCKETS), executionSeconds: new BucketCounts(WAIT_SECONDS_BUCKETS),
      },
      sweep: undefined,
      borrow: undefined,
      sample: undefined,
      lingering: new Set(),
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
        'apf.released': { actions: 'released' },
        'apf.sweep': { actions: 'sweep' },
        'apf.borrow': { actions: 'borrow' },
        'apf.sample': { actions: 'sample' },
        request: { actions: 'dump' },
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
  if (context.borrow !== undefined) context.clock.clearTimeout(context.borrow);
  if (context.sample !== undefined) context.clock.clearTimeout(context.sample);
  for (const timer of context.lingering) context.clock.clearTimeout(timer);
  context.sweep = context.borrow = context.sample = undefined;
  context.lingering.clear();
}
