// What /metrics reads from the actors when it is scraped, and /metrics/slis.
// Like /debug/actors, these read the children's snapshots: an inspection,
// never a change to their context, and nothing runs between scrapes.

import type { AnyActorRef } from 'xstate';
import type { ActorRecord } from '../../protocol/messages/lifecycle.js';
import type { ServerMetrics } from '../../lib/metrics.js';
import { requestLabels } from '../../lib/metrics.js';
import type { StoreState } from '../store/store-state.js';
import type { RevisionLog } from '../store/revision-log.js';
import type { HttpFrontend } from '../listener/http-frontend.js';
import type { HealthCheck } from './health.js';
import type { ApfContext, Pending } from '../apf/apf-machine.js';
import type { DispatchBounds, PriorityLevel } from '../apf/fair-queuing.js';

interface Slot {
  readonly ref: AnyActorRef | undefined;
}

export interface Sources {
  /** Store slots by `<plural>[.<group>]`, kube's resource label. */
  stores: ReadonlyMap<string, Slot>;
  listener: Slot;
  /** The priority and fairness actor, when on, and authn, which dispatches the exempt requests itself. */
  apf?: Slot | undefined;
  authn?: Slot | undefined;
  /** The audit actor, when a policy is set. */
  audit?: Slot | undefined;
  actors(): ActorRecord[];
  now(): number;
}

const storeOf = (slot: Slot): StoreState | undefined => (slot.ref?.getSnapshot() as { context?: { store?: StoreState } } | undefined)?.context?.store;
export const frontendOf = (slot: Slot): HttpFrontend<unknown> | undefined => (slot.ref?.getSnapshot() as { context?: { frontend?: HttpFrontend<unknown> } } | undefined)?.context?.frontend;

export function registerCollectors(metrics: ServerMetrics, sources: Sources): void {
  const eachStore = (visit: (resource: string, store: StoreState) => void): void => {
    for (const [resource, slot] of sources.stores) {
      const store = storeOf(slot);
      if (store) visit(resource, store);
    }
  };
  const gvk = (store: StoreState): Record<string, string> => ({ group: store.kind.group, version: store.kind.version, kind: store.kind.kind });

  metrics.gauge('apiserver_storage_objects', 'Number of stored objects at the time of last check split by kind.', ['resource'], (set) =>
    eachStore((resource, store) => set({ resource }, store.cache.size)));
  metrics.gauge('apiserver_registered_watchers', 'Number of currently registered watchers for a given resources', ['group', 'version', 'kind'], (set) =>
    eachStore((_, store) => set(gvk(store), store.watchers.size)));
  metrics.counter('apiserver_watch_events_total', 'Number of events sent in watch clients', ['group', 'version', 'kind'], (add) =>
    eachStore((_, store) => add(gvk(store), store.watchEventsSent)));

  metrics.gauge('apiserver_current_inflight_requests', 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.', ['request_kind'], (set) => {
    const frontend = frontendOf(sources.listener);
    set({ request_kind: 'readOnly' }, frontend?.inFlight.readOnly ?? 0);
    set({ request_kind: 'mutating' }, frontend?.inFlight.mutating ?? 0);
  });
  metrics.gauge('apiserver_longrunning_requests', 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
    ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'], (set) => {
      const counts = new Map<string, { labels: Record<string, string>; n: number }>();
      frontendOf(sources.listener)?.forEachLongRunning((method, info) => {
        const labels = requestLabels(method, info, false);
        const key = Object.values(labels).join('\0');
        const seen = counts.get(key);
        if (seen) seen.n++;
        else counts.set(key, { labels, n: 1 });
      });
      for (const { labels, n } of counts.values()) set(labels, n);
    });

  registerFlowControl(metrics, sources);

  const audited = (): { events: number; levels: Map<string, number> } | undefined => (sources.audit?.ref?.getSnapshot() as { context?: { audited?: { events: number; levels: Map<string, number> } } } | undefined)?.context?.audited;
  metrics.counter('apiserver_audit_event_total', '[ALPHA] Counter of audit events generated and sent to the audit backend.', [], (add) => add({}, audited()?.events ?? 0));
  metrics.counter('apiserver_audit_level_total', '[ALPHA] Counter of policy levels for audit events (1 per request).', ['level'], (add) => {
    for (const [level, n] of audited()?.levels ?? []) add({ level }, n);
  });

  // kubeactor's own: each actor's messages, failures, restarts, and how long it has been in its state.
  metrics.counter('kubeactor_actor_messages_total', 'Messages an actor has handled.', ['actor'], (add) => {
    for (const a of sources.actors()) add({ actor: a.id }, a.counters.handled);
  });
  metrics.counter('kubeactor_actor_message_errors_total', 'Messages an actor failed to handle.', ['actor'], (add) => {
    for (const a of sources.actors()) add({ actor: a.id }, a.counters.errors);
  });
  metrics.counter('kubeactor_actor_restarts_total', 'Times the supervisor restarted an actor.', ['actor'], (add) => {
    for (const a of sources.actors()) add({ actor: a.id }, a.restarts);
  });
  metrics.gauge('kubeactor_actor_state_seconds', 'Seconds an actor has been in its current state.', ['actor', 'state'], (set) => {
    const now = sources.now();
    for (const a of sources.actors()) {
      const since = a.transitions.at(-1)?.at;
      if (since) set({ actor: a.id, state: typeof a.state === 'string' ? a.state : JSON.stringify(a.state) }, Math.max(0, (now - Date.parse(since)) / 1000));
    }
  });
}

/** apiserver_flowcontrol_*: read from the apf actor's counts and levels. */
function registerFlowControl(metrics: ServerMetrics, sources: Sources): void {
  const apf = (): ApfContext | undefined => (sources.apf?.ref?.getSnapshot() as { context?: ApfContext } | undefined)?.context;
  const byFlow = (counts: (c: ApfContext) => Map<string, number>) => (emit: (labels: Record<string, string>, value: number) => void): void => {
    const context = apf();
    if (!context) return;
    for (const [k, n] of counts(context)) {
      const [flow_schema = '', priority_level = '', reason] = k.split('\0');
      emit(reason === undefined ? { flow_schema, priority_level } : { flow_schema, priority_level, reason }, n);
    }
  };
  const exemptByAuthn = (): Map<string, number> => (sources.authn?.ref?.getSnapshot() as { context?: { apf?: { exemptDispatched: Map<string, number> } } } | undefined)?.context?.apf?.exemptDispatched ?? new Map();
  metrics.counter('apiserver_flowcontrol_dispatched_requests_total', 'Number of requests executed by API Priority and Fairness subsystem', ['flow_schema', 'priority_level'], byFlow((c) => {
    const all = new Map(c.counts.dispatched);
    for (const [k, n] of exemptByAuthn()) all.set(k, (all.get(k) ?? 0) + n);
    return all;
  }));
  metrics.counter('apiserver_flowcontrol_rejected_requests_total', 'Number of requests rejected by API Priority and Fairness subsystem', ['flow_schema', 'priority_level', 'reason'], byFlow((c) => c.counts.rejected));
  metrics.gauge('apiserver_flowcontrol_current_executing_requests', 'Number of requests in initial (for a WATCH) or any (for a non-WATCH) execution stage in the API Priority and Fairness subsystem', ['flow_schema', 'priority_level'], byFlow((c) => c.counts.executing));
  metrics.gauge('apiserver_flowcontrol_current_inqueue_requests', 'Number of requests currently pending in queues of the API Priority and Fairness subsystem', ['flow_schema', 'priority_level'], byFlow((c) => c.counts.waiting));
  const perLevel = (value: (level: PriorityLevel<Pending>) => number) => (set: (labels: Record<string, string>, value: number) => void): void => {
    for (const level of apf()?.levels.values() ?? []) set({ priority_level: level.name }, value(level));
  };
  metrics.gauge('apiserver_flowcontrol_current_executing_seats', '[BETA] Concurrency (number of seats) occupied by the currently executing (initial stage for a WATCH, any stage otherwise) requests in the API Priority and Fairness subsystem', ['flow_schema', 'priority_level'], byFlow((c) => c.counts.executingSeats));
  metrics.gauge('apiserver_flowcontrol_current_inqueue_seats', '[ALPHA] Number of seats currently pending in queues of the API Priority and Fairness subsystem', ['flow_schema', 'priority_level'], byFlow((c) => c.counts.waitingSeats));
  metrics.gauge('apiserver_flowcontrol_nominal_limit_seats', '[BETA] Nominal number of execution seats configured for each priority level', ['priority_level'], perLevel((l) => l.limits.nominal));
  metrics.gauge('apiserver_flowcontrol_lower_limit_seats', '[ALPHA] Configured lower bound on number of execution seats available to each priority level', ['priority_level'], perLevel((l) => l.limits.min));
  metrics.gauge('apiserver_flowcontrol_upper_limit_seats', '[ALPHA] Configured upper bound on number of execution seats available to each priority level', ['priority_level'], perLevel((l) => l.limits.max));
  metrics.gauge('apiserver_flowcontrol_current_limit_seats', '[ALPHA] current derived number of execution seats available to each priority level', ['priority_level'], perLevel((l) => l.currentLimit));
  metrics.gauge('apiserver_flowcontrol_demand_seats_high_watermark', '[ALPHA] High watermark, over last adjustment period, of demand_seats', ['priority_level'], perLevel((l) => l.demand.highWatermark));
  metrics.gauge('apiserver_flowcontrol_demand_seats_average', '[ALPHA] Time-weighted average, over last adjustment period, of demand_seats', ['priority_level'], perLevel((l) => l.demand.average));
  metrics.gauge('apiserver_flowcontrol_demand_seats_stdev', '[ALPHA] Time-weighted standard deviation, over last adjustment period, of demand_seats', ['priority_level'], perLevel((l) => l.demand.stdDev));
  metrics.gauge('apiserver_flowcontrol_demand_seats_smoothed', '[ALPHA] Smoothed seat demands', ['priority_level'], perLevel((l) => l.demand.smoothed));
  metrics.gauge('apiserver_flowcontrol_target_seats', '[ALPHA] Seat allocation targets', ['priority_level'], perLevel((l) => l.target));
  metrics.gauge('apiserver_flowcontrol_seat_fair_frac', "[ALPHA] Fair fraction of server's concurrency to allocate to each priority level that can use it", [], (set) => {
    const context = apf();
    if (context) set({}, context.fairFrac);
  });
  metrics.histogram('apiserver_flowcontrol_work_estimated_seats', '[ALPHA] Number of estimated seats (maximum of initial and final seats) associated with requests in API Priority and Fairness', ['flow_schema', 'priority_level'], () => apf()?.counts.estimatedSeats);
  metrics.histogram('apiserver_flowcontrol_request_wait_duration_seconds', '[BETA] Length of time a request spent waiting in its queue', ['flow_schema', 'priority_level', 'execute'], () => apf()?.counts.waitSeconds);
  // The virtual clock of each level's fair queuing (seat-seconds), and what its last dispatch from a queue saw.
  metrics.gauge('apiserver_flowcontrol_current_r', '[ALPHA] R(time of last change)', ['priority_level'], perLevel((l) => l.currentR));
  const dispatched = (value: (d: DispatchBounds) => number) => (set: (labels: Record<string, string>, value: number) => void): void => {
    for (const level of apf()?.levels.values() ?? []) if (level.lastDispatch) set({ priority_level: level.name }, value(level.lastDispatch));
  };
  const bounds = (min: (d: DispatchBounds) => number, max: (d: DispatchBounds) => number) => (set: (labels: Record<string, string>, value: number) => void): void => {
    dispatched(min)((labels, value) => set({ ...labels, bound: 'min' }, value));
    dispatched(max)((labels, value) => set({ ...labels, bound: 'max' }, value));
  };
  metrics.gauge('apiserver_flowcontrol_dispatch_r', '[ALPHA] R(time of last dispatch)', ['priority_level'], dispatched((d) => d.r));
  metrics.gauge('apiserver_flowcontrol_latest_s', '[ALPHA] S(most recently dispatched request)', ['priority_level'], dispatched((d) => d.latestS));
  metrics.gauge('apiserver_flowcontrol_next_s_bounds', '[ALPHA] min and max, over queues, of S(oldest waiting request in queue)', ['priority_level', 'bound'], bounds((d) => d.minStart, (d) => d.maxStart));
  metrics.gauge('apiserver_flowcontrol_next_discounted_s_bounds', '[ALPHA] min and max, over queues, of S(oldest waiting request in queue) - estimated work in progress', ['priority_level', 'bound'], bounds((d) => d.minDiscountedStart, (d) => d.maxDiscountedStart));
  metrics.counter('apiserver_flowcontrol_request_dispatch_no_accommodation_total', '[ALPHA] Number of times a dispatch attempt resulted in a non accommodation due to lack of available seats', ['flow_schema', 'priority_level'], (add) => {
    for (const level of apf()?.levels.values() ?? []) for (const [flow_schema, n] of level.noAccommodation) add({ flow_schema, priority_level: level.name }, n);
  });
  metrics.histogram('apiserver_flowcontrol_request_queue_length_after_enqueue', '[ALPHA] Length of queue in the API Priority and Fairness subsystem, as seen by each request after it is enqueued', ['flow_schema', 'priority_level'], () => apf()?.counts.queueLengths);
  metrics.histogram('apiserver_flowcontrol_request_execution_seconds', '[ALPHA] Duration of initial stage (for a WATCH) or any (for a non-WATCH) stage of request execution in the API Priority and Fairness subsystem', ['flow_schema', 'priority_level', 'type'], () => apf()?.counts.executionSeconds);
  metrics.histogram('apiserver_flowcontrol_watch_count_samples', '[ALPHA] count of watchers for mutating requests in API Priority and Fairness', ['flow_schema', 'priority_level'], () => apf()?.counts.watchCounts);
}

/**
 * One store's view of the revision log, timed as kube's etcd3 store times its requests
 * (etcd_request_duration_seconds{operation,type}, for either backend): appends as create, update
 * or delete, loads and snapshot reads as list. Everything else is the log itself.
 */
export function withStorageMetrics(log: RevisionLog, metrics: ServerMetrics | undefined, type: string, now: () => number): RevisionLog {
  if (!metrics) return log;
  const record = (operation: string, started: number, failed: boolean): void => {
    const key = `${operation}\0${type}`;
    metrics.storageRequests.observe(key, (now() - started) / 1000);
    if (failed) metrics.storageErrors.set(key, (metrics.storageErrors.get(key) ?? 0) + 1);
  };
  const timed: Partial<RevisionLog> = {
    append(request, done) {
      const started = now();
      const operation = request.created ? 'create' : request.deleted ? 'delete' : 'update';
      return log.append(request, (outcome) => {
        record(operation, started, 'error' in outcome);
        done(outcome);
      });
    },
    load(prefix, done) {
      const started = now();
      log.load(prefix, (result) => {
        record('list', started, result instanceof Error);
        done(result);
      });
    },
    snapshot(prefix, revision, afterKey, done) {
      const started = now();
      log.snapshot(prefix, revision, afterKey, (rows) => {
        record('list', started, rows instanceof Error);
        done(rows);
      });
    },
  };
  // A plain object that forwards to the log (methods bound, fields read through), with the three timed: no Proxy on the store's path.
  const view: Record<PropertyKey, unknown> = {};
  for (let o: object | null = log; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Reflect.ownKeys(o)) {
      if (key === 'constructor' || key in view) continue;
      const value: unknown = Reflect.get(log, key);
      if (typeof value === 'function') view[key] = (value as (...args: unknown[]) => unknown).bind(log);
      else Object.defineProperty(view, key, { get: () => Reflect.get(log, key), enumerable: true });
    }
  }
  return Object.assign(view, timed) as unknown as RevisionLog;
}

/** kube's /metrics/slis: the result of each health check, and how often each has passed and failed. */
export function renderSlis(metrics: ServerMetrics, checks: Record<'livez' | 'readyz', HealthCheck[]>): string {
  const gauge: string[] = [];
  for (const [type, list] of Object.entries(checks)) {
    for (const check of list) {
      const ok = check.check() === undefined;
      gauge.push(`kubernetes_healthcheck{name="${check.name}",type="${type}"} ${ok ? 1 : 0}`);
      const key = `${check.name}\0${type}\0${ok ? 'success' : 'error'}`;
      metrics.healthcheckTotals.set(key, (metrics.healthcheckTotals.get(key) ?? 0) + 1);
    }
  }
  const totals = [...metrics.healthcheckTotals].map(([key, n]) => {
    const [name, type, status] = key.split('\0');
    return `kubernetes_healthchecks_total{name="${name}",status="${status}",type="${type}"} ${n}`;
  });
  return [
    '# HELP kubernetes_healthcheck [STABLE] This metric records the result of a single healthcheck.',
    '# TYPE kubernetes_healthcheck gauge',
    ...gauge,
    '# HELP kubernetes_healthchecks_total [STABLE] This metric records the results of all healthcheck.',
    '# TYPE kubernetes_healthchecks_total counter',
    ...totals,
    '',
  ].join('\n');
}
