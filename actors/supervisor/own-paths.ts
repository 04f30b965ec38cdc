// What the supervisor answers itself: /healthz, /livez and /readyz with their checks,
// componentstatuses, /debug/actors (and its UI), /metrics and /metrics/slis, /debug/pprof.

import type { AnyActorRef } from 'xstate';
import type { HandleRequest } from '../../protocol/messages/request.js';
import type { ActorRecord } from '../../protocol/messages/lifecycle.js';
import { jsonResponse, statusResponse, textResponse } from '../../protocol/messages/http.js';
import { internalError, resourceNotFound } from '../../protocol/kube/status.js';
import { serveSafely } from '../../lib/serve-safely.js';
import { watchRequested } from '../listener/request-info.js';
import { serveComponentStatuses, type Components } from './component-status.js';
import { renderHealth, type HealthCheck } from './health.js';
import { recordOf } from './inspect.js';
import { ACTORS_UI } from './inspect-ui.js';
import { renderSlis } from './metrics.js';
import { cpuProfile, heapSnapshot, PPROF_PATHS, profileSeconds } from './profiling.js';
import type { Runtime, SupervisorContext } from './runtime.js';
import { describeServerChain } from './server-chain.js';

/** kube's informer-sync, for stores: those not serving from a loaded cache (down, or still Loading after a (re)start). */
function unsyncedStores(runtime: Runtime): string | undefined {
  const unsynced = [...runtime.stores.values()].filter((slot) => !slot.ref || (slot.ref.getSnapshot() as { value: unknown }).value === 'Loading').map((slot) => slot.id);
  return unsynced.length > 0 ? `not synced: ${unsynced.join(', ')}` : undefined;
}

export function healthChecks(context: SupervisorContext, shuttingDown: () => boolean): Record<'livez' | 'readyz', HealthCheck[]> {
  const { runtime } = context;
  const hooks = runtime.hookNames.map((name) => ({
    name: `poststarthook/${name}`,
    check: () => (runtime.hooksDone.has(name) ? undefined : 'not finished'),
  }));
  const base: HealthCheck[] = [
    { name: 'ping', check: () => undefined },
    { name: 'log', check: () => undefined },
    { name: 'etcd', check: () => runtime.log?.check() },
  ];
  return {
    livez: [...base, ...hooks],
    readyz: [...base, { name: 'etcd-readiness', check: () => runtime.log?.check() }, { name: 'informer-sync', check: () => unsyncedStores(runtime) }, ...hooks, { name: 'shutdown', check: () => (shuttingDown() ? 'process is shutting down' : undefined) }],
  };
}

/** What componentstatuses reports on: the storage servers and whether the controllers run here. */
function componentsOf(context: SupervisorContext): Components {
  const { raw, controllers } = context.options!;
  const check = (): string | undefined => context.runtime.log?.check();
  const servers = raw.storageBackend === 'etcd3' ? raw.etcdServers.length : 1;
  return { storage: Array.from({ length: servers }, () => check), controllersRunning: controllers.length > 0 };
}

export function actorTree(context: SupervisorContext, self: AnyActorRef): ActorRecord[] {
  const { journal, children: slots } = context.runtime;
  const children = slots.filter((slot) => slot.ref).map((slot) => recordOf(slot.id, 'supervisor', slot.ref!, journal.of(slot.id), [], slot.restarts));
  return [recordOf('supervisor', null, self, journal.of('supervisor'), children.map((c) => c.id)), ...children];
}

export function serveOwnPaths(context: SupervisorContext, self: AnyActorRef, event: HandleRequest): void {
  const { request } = event;
  serveSafely(request, context.counters, context.logger, () => {
    if (request.info.isResourceRequest) return serveComponentStatuses(request, context.scheme!.byResource('', 'v1', 'componentstatuses')!, componentsOf(context));
    const path = request.info.path;
    if (path === '/debug/actors') {
      if (watchRequested(request.query)) return context.runtime.journal.watch(request, self, actorTree(context, self));
      const actors = actorTree(context, self);
      request.replyTo.send(jsonResponse(request.id, 200, { kind: 'ActorTree', apiVersion: 'kubeactor.dev/v1alpha1', actors, serverChain: describeServerChain(actors.map((a) => a.id)) }));
      return;
    }
    const metrics = context.runtime.metrics;
    if (path === '/metrics' && metrics) {
      void metrics.render().then(
        (text) => request.replyTo.send(textResponse(request.id, 200, text, { 'content-type': metrics.contentType })),
        (e: unknown) => request.replyTo.send(statusResponse(request.id, internalError(e instanceof Error ? e.message : String(e)))),
      );
      return;
    }
    const snapshot = self.getSnapshot() as { hasTag(tag: string): boolean };
    const checks = (): Record<'livez' | 'readyz', HealthCheck[]> => healthChecks(context, () => snapshot.hasTag('shutting-down'));
    if (path === '/metrics/slis' && metrics) {
      request.replyTo.send(textResponse(request.id, 200, renderSlis(metrics, checks()), { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }));
      return;
    }
    if (path === '/metrics' || path === '/metrics/slis') return request.replyTo.send(statusResponse(request.id, resourceNotFound()));
    if (PPROF_PATHS.test(path)) return serveProfile(context, request);
    if (path === '/debug/actors/ui') {
      request.replyTo.send(textResponse(request.id, 200, ACTORS_UI, { 'content-type': 'text/html; charset=utf-8' }));
      return;
    }
    const endpoint = (path.split('/')[1] ?? '') as 'healthz' | 'livez' | 'readyz';
    const excludes = new URLSearchParams(Object.entries(request.query)).getAll('exclude');
    const rawExcludes = request.query.exclude !== undefined ? (excludes.length ? excludes : [request.query.exclude]) : [];
    const all = checks();
    const result = renderHealth(endpoint, path, request.query, rawExcludes, endpoint === 'readyz' ? all.readyz : all.livez);
    if (!result) return request.replyTo.send(statusResponse(request.id, resourceNotFound()));
    request.replyTo.send(textResponse(request.id, result.status, result.body));
  });
}

/** /debug/pprof/profile and /heap, unless --profiling=false. */
function serveProfile(context: SupervisorContext, request: HandleRequest['request']): void {
  if (!context.raw.profiling) return request.replyTo.send(statusResponse(request.id, resourceNotFound()));
  const file = (body: string, name: string): void =>
    request.replyTo.send(textResponse(request.id, 200, body, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${name}"` }));
  const failed = (e: unknown): void => request.replyTo.send(statusResponse(request.id, internalError(e instanceof Error ? e.message : String(e))));
  if (request.info.path.endsWith('/heap')) {
    void heapSnapshot().then((snapshot) => file(snapshot, 'heap.heapsnapshot'), failed);
    return;
  }
  const asked = profileSeconds(request.query, context.options!.requestTimeoutMs);
  if ('error' in asked) return request.replyTo.send(textResponse(request.id, 400, `${asked.error}\n`));
  void cpuProfile(asked.seconds, context.clock).then((profile) => file(profile, 'profile.cpuprofile'), failed);
}
