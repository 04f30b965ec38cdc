// The aggregator actor: kube's AggregatorServer, the outermost server of the
// chain. It serves discovery (legacy and aggregated), OpenAPI v3 and
// /version, from documents encoded once per scheme, merged with the group
// versions of remote APIServices; and it keeps the table of remote
// APIServices (routes.ts) that the router and the proxy actor read.
//
// Owns: the encoded documents; the APIServices, Services and endpoints it
//   has heard of; each remote group version's last discovery.
// Receives: `request` for the paths the server chain routes to it;
//   store.snapshot / store.changed from the apiservices, services,
//   endpoints and endpointslices stores; its own `aggregator.discovered`
//   (what an extension server's discovery answered) and `aggregator.refresh`
//   (its timer); `aggregator.documents`
//   from the supervisor when the served custom resources change (new
//   documents, so new ETags); `actor.stop`.
// Sends: replies to the client; store.subscribe / store.unsubscribe.
// States: Serving → Stopped.
//
// An extension server's discovery is fetched when its APIService becomes
// Available (again) or changes, and again every discoveryRefreshMs (kube's
// discovery manager re-reads every APIService each minute: an extension
// server may serve new resources without any object changing): aggregated
// discovery from its /apis (v2, else its legacy /apis/<g>/<v>), its
// /openapi/v3 root and its /openapi/v2 definitions. While the APIService is
// not Available its last answer stays, marked Stale. A document is
// re-encoded (new ETag) only when an answer differs from the last.

import { assign, setup, type AnyActorRef } from 'xstate';
import type { HandleRequest } from '../../protocol/messages/request.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { StoreChanged, StoreSnapshot, StoreSubscribe, StoreUnsubscribe } from '../../protocol/messages/store.js';
import type { RemoteDiscovered } from '../../protocol/messages/aggregator.js';
import type { APIGroupDiscoveryList, APIResourceList } from '../../protocol/kube/discovery.js';
import { statusResponse } from '../../protocol/messages/http.js';
import { resourceNotFound } from '../../protocol/kube/status.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import type { Scheme } from '../../scheme/scheme.js';
import { encodeDocument, OPENAPI_V2_PROTOBUF, setAggregated, type Documents, type Document } from './documents.js';
import { openApiV2DefinitionsProtobuf } from '../../scheme/openapi-v2.js';
import { aggregatedDiscovery, aggregatedMediaOf, aggregatedVersionOf, apiGroupList } from './discovery.js';
import { isAvailable, resolveService, ServiceIndex, viewOf, type ApiServiceView } from './apiservices.js';
import {
  mergedAggregated, mergedGroupList, mergedOpenApiRoot, remoteApiGroup, remoteOpenApiV2Definitions, versionFromResourceList, type RemoteDiscovery,
} from './merged.js';
import type { RemoteRoute, RemoteRoutes } from './routes.js';
import type { Upstreams } from '../proxy/upstream.js';

/** A store as the aggregator holds it: it can be subscribed to. */
export type Subscribable = { send(message: StoreSubscribe | StoreUnsubscribe): void };

/** Sent by the supervisor when the set of served kinds changed (a CRD served or gone). */
export interface AggregatorDocuments {
  type: 'aggregator.documents';
  documents: Documents;
}

export interface AggregatorInput {
  documents: Documents;
  scheme: Scheme;
  /** Written here, read by the router and the proxy. */
  routes: RemoteRoutes;
  upstreams: Upstreams;
  /** apiservices, services, endpoints and endpointslices, where served. */
  stores: Subscribable[];
  /** How often every Available remote APIService's discovery is read again (kube: one minute). */
  discoveryRefreshMs: number;
  clock: Clock;
  logger: Log;
}

/** The aggregator's timer: read every remote discovery again. */
interface AggregatorRefresh {
  type: 'aggregator.refresh';
}

interface AggregatorContext extends AggregatorInput {
  counters: ActorCounters;
  apiServices: Map<string, ApiServiceView>;
  index: ServiceIndex;
  remote: Map<string, RemoteDiscovery>;
  /** Per remote APIService: the generation and availability transition its discovery was last fetched for. */
  fetchedFor: Map<string, string>;
  /** /apis/<group> documents this actor added for remote groups, to drop when they go. */
  remoteGroupPaths: Set<string>;
  /** /openapi/v3 with the remote group versions; rebuilt on demand after a change. */
  openapiRoot: Document | undefined;
  /** /openapi/v2 with the remote definitions; rebuilt on demand after a change. */
  openapiV2: Document | undefined;
  refreshTimer: unknown;
  /** What this incarnation subscribed to the stores as. */
  subscriber: { send(message: StoreSnapshot | StoreChanged): void } | undefined;
}

/** How long a discovery fetch may take, as kube's discovery client allows. */
const DISCOVERY_TIMEOUT_MS = 5000;
const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

/** The paths this server answers; everything else falls through the chain. */
export function servesPath(documents: Documents, path: string): boolean {
  return documents.byPath.has(trimSlash(path)) || path.startsWith('/openapi/');
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function documentFor(context: AggregatorContext, path: string, accept: string | undefined): Document | undefined {
  const { documents } = context;
  if (path === '/api' || path === '/apis') {
    const media = aggregatedMediaOf(accept);
    if (media) return documents.aggregated.get(`${path}|${media.version}${media.protobuf ? '|protobuf' : ''}`);
  }
  if (path === '/openapi/v3' && context.remote.size > 0) {
    context.openapiRoot ??= encodeDocument(mergedOpenApiRoot(JSON.parse(documents.openapi().get(path)!.body.toString('utf8')) as { paths: Record<string, { serverRelativeURL: string }> }, [...context.remote.values()]));
    return context.openapiRoot;
  }
  if (path === '/openapi/v2' && context.remote.size > 0) return (context.openapiV2 ??= mergedOpenApiV2(context));
  return path.startsWith('/openapi/') ? documents.openapi().get(path) : documents.byPath.get(path);
}

/** The built-in /openapi/v2 with the remote definitions appended (a protobuf parser merges the two `definitions`). */
function mergedOpenApiV2(context: AggregatorContext): Document {
  const builtin = context.documents.openapi().get('/openapi/v2')!;
  const added = remoteOpenApiV2Definitions(context.documents.definitions, [...context.remote.values()]);
  if (Object.keys(added).length === 0) return builtin;
  return encodeDocument(Buffer.concat([builtin.body, openApiV2DefinitionsProtobuf(added)]), OPENAPI_V2_PROTOBUF);
}

const remoteViews = (context: AggregatorContext): ApiServiceView[] => [...context.apiServices.values()].filter((v) => v.service !== undefined);

/** routes.ts from the APIServices and endpoints known now. */
function recomputeRoutes(context: AggregatorContext): void {
  const routes: RemoteRoute[] = remoteViews(context).map((view) => ({
    name: view.name, group: view.group, version: view.version, service: view.service!, caBundle: view.caBundle,
    insecureSkipTLSVerify: view.insecureSkipTLSVerify, available: isAvailable(view), resolution: resolveService(view.service!, context.index),
  }));
  context.routes.replace(routes);
}

/** Re-encodes /apis (legacy and aggregated) and the remote groups' /apis/<group>: their ETags follow. */
function rebuildDocuments(context: AggregatorContext): void {
  const { documents, scheme } = context;
  const remotes = remoteViews(context);
  const builtinGroups = apiGroupList(scheme);
  documents.byPath.set('/apis', encodeDocument(mergedGroupList(builtinGroups, remotes)));
  for (const path of context.remoteGroupPaths) documents.byPath.delete(path);
  context.remoteGroupPaths.clear();
  for (const group of new Set(remotes.map((v) => v.group))) {
    if (scheme.groups.includes(group)) continue;
    const path = `/apis/${group}`;
    documents.byPath.set(path, encodeDocument(remoteApiGroup(builtinGroups, remotes, group)));
    context.remoteGroupPaths.add(path);
  }
  const discoveries = [...context.remote.values()];
  for (const version of ['v2', 'v2beta1'] as const) setAggregated(documents.aggregated, '/apis', mergedAggregated(aggregatedDiscovery(scheme, false, version), discoveries));
  context.openapiRoot = undefined;
  context.openapiV2 = undefined;
}

/** Asks each remote APIService's extension server for its discovery when it became Available or changed since the last ask. */
function fetchDiscoveries(context: AggregatorContext, self: AnyActorRef): void {
  for (const view of remoteViews(context)) {
    if (!isAvailable(view)) continue;
    const stamp = `${view.generation}|${view.available?.lastTransitionTime ?? ''}`;
    if (context.fetchedFor.get(view.name) === stamp) continue;
    const route = context.routes.lookup(view.group, view.version);
    if (!route || !('backends' in route.resolution) || route.resolution.backends.length === 0) continue;
    context.fetchedFor.set(view.name, stamp);
    void discover(context, route, view).then((found) => self.send({ type: 'aggregator.discovered', name: view.name, generation: view.generation, ...found } satisfies RemoteDiscovered));
  }
}

async function discover(context: AggregatorContext, route: RemoteRoute, view: ApiServiceView): Promise<Pick<RemoteDiscovered, 'version' | 'openapiUrl' | 'openapiV2Definitions'>> {
  const { upstreams, clock } = context;
  const backend = (route.resolution as { backends: { host: string; port: number }[] }).backends[0]!;
  const get = (path: string, accept: string) => upstreams.get(route, backend, path, accept, DISCOVERY_TIMEOUT_MS, clock);
  let version: RemoteDiscovered['version'];
  try {
    const apis = await get('/apis', AGGREGATED_ACCEPT);
    if (apis.status === 200 && apis.contentType.includes('as=APIGroupDiscoveryList')) {
      const list = JSON.parse(apis.body.toString('utf8')) as APIGroupDiscoveryList;
      const found = list.items.find((g) => g.metadata.name === view.group)?.versions.find((v) => v.version === view.version);
      if (found) version = { ...found, freshness: 'Current' };
    }
    if (!version) {
      const legacy = await get(`/apis/${view.group}/${view.version}`, 'application/json');
      if (legacy.status === 200) version = versionFromResourceList(JSON.parse(legacy.body.toString('utf8')) as APIResourceList, view.group, view.version);
    }
  } catch (e) {
    context.logger.warn(`discovery of ${view.name} failed: ${(e as Error).message}`);
  }
  let openapiUrl: string | undefined;
  try {
    const root = await get('/openapi/v3', 'application/json');
    if (root.status === 200) openapiUrl = (JSON.parse(root.body.toString('utf8')) as { paths?: Record<string, { serverRelativeURL?: string }> }).paths?.[`apis/${view.group}/${view.version}`]?.serverRelativeURL;
  } catch {
    // An extension server need not serve OpenAPI v3; kube then lists nothing for it.
  }
  let openapiV2Definitions: Record<string, unknown> | undefined;
  try {
    const v2 = await get('/openapi/v2', 'application/json');
    if (v2.status === 200) openapiV2Definitions = (JSON.parse(v2.body.toString('utf8')) as { definitions?: Record<string, unknown> }).definitions;
  } catch {
    // Nor OpenAPI v2: /openapi/v2 then has none of its definitions.
  }
  return { version, openapiUrl, openapiV2Definitions };
}

function learn(context: AggregatorContext, self: AnyActorRef, message: StoreSnapshot | StoreChanged): void {
  const changes = message.type === 'store.snapshot'
    ? message.objects.map((object) => ({ object, deleted: false }))
    : message.changes.map((c) => ({ object: c.object, deleted: c.type === 'DELETED' }));
  if (message.resource === 'apiservices') {
    if (message.type === 'store.snapshot') context.apiServices.clear();
    for (const { object, deleted } of changes) {
      const name = object.metadata.name ?? '';
      if (deleted) {
        context.apiServices.delete(name);
        context.remote.delete(name);
        context.fetchedFor.delete(name);
        continue;
      }
      const view = viewOf(object);
      context.apiServices.set(name, view);
      if (!view.service) {
        context.remote.delete(name);
        continue;
      }
      const known = context.remote.get(name);
      context.remote.set(name, { view, version: known?.view.generation === view.generation ? known.version : undefined, openapiUrl: known?.openapiUrl, openapiV2Definitions: known?.openapiV2Definitions });
    }
    recomputeRoutes(context);
    fetchDiscoveries(context, self);
    rebuildDocuments(context);
    return;
  }
  for (const { object, deleted } of changes) context.index.apply(message.resource, object, deleted);
  if (context.routes.all().next().done && remoteViews(context).length === 0) return;
  recomputeRoutes(context);
  fetchDiscoveries(context, self);
}

export const aggregatorMachine = setup({
  types: {
    context: {} as AggregatorContext,
    events: {} as HandleRequest | StoreSnapshot | StoreChanged | RemoteDiscovered | AggregatorRefresh | AggregatorDocuments | ActorStop,
    input: {} as AggregatorInput,
  },
  actions: {
    subscribe: ({ context, self }) => {
      const subscriber = { send: (message: StoreSnapshot | StoreChanged) => self.send(message) };
      context.subscriber = subscriber;
      for (const store of context.stores) store.send({ type: 'store.subscribe', subscriber });
    },
    learn: ({ context, self, event }) => learn(context, self, event as StoreSnapshot | StoreChanged),
    discovered: ({ context, event }) => {
      const found = event as RemoteDiscovered;
      const known = context.remote.get(found.name);
      if (!known || known.view.generation !== found.generation) return;
      // A failed fetch keeps what the extension server said last.
      const next: RemoteDiscovery = {
        view: known.view, version: found.version ?? known.version, openapiUrl: found.openapiUrl ?? known.openapiUrl,
        openapiV2Definitions: found.openapiV2Definitions ?? known.openapiV2Definitions,
      };
      context.remote.set(found.name, next);
      if (!found.version) context.fetchedFor.delete(found.name);
      if (!sameDiscovery(known, next)) rebuildDocuments(context);
    },
    scheduleRefresh: ({ context, self }) => {
      context.refreshTimer = context.clock.setTimeout(() => self.send({ type: 'aggregator.refresh' }), context.discoveryRefreshMs);
    },
    refresh: ({ context, self }) => {
      // Every Available remote APIService is asked again, whatever it was last asked for.
      context.fetchedFor.clear();
      fetchDiscoveries(context, self);
    },
    serve: ({ context, event }) => {
      const { request } = event as HandleRequest;
      serveSafely(request, context.counters, context.logger, () => {
        const path = trimSlash(request.info.path);
        const document = documentFor(context, path, request.headers.accept);
        if (!document) return request.replyTo.send(statusResponse(request.id, resourceNotFound()));
        const headers: Record<string, string> = { 'content-type': document.contentType, etag: document.etag };
        if (document.contentType !== 'application/json') headers.vary = 'Accept';
        if (request.headers['if-none-match'] === document.etag) {
          request.replyTo.send({ type: 'http.response', id: request.id, status: 304, headers, body: '' });
          return;
        }
        request.replyTo.send({ type: 'http.response', id: request.id, status: 200, headers, body: document.body });
      });
    },
    replaceDocuments: ({ context, event }) => {
      // The served kinds changed (a CRD): the new documents, with the remote groups merged in again.
      context.documents = (event as AggregatorDocuments).documents;
      if (remoteViews(context).length > 0) rebuildDocuments(context);
      context.openapiRoot = undefined;
      context.openapiV2 = undefined;
    },
    stop: ({ context }) => terminateAggregator(context),
  },
}).createMachine({
  id: 'aggregator',
  context: ({ input }) => ({
    ...input, counters: { handled: 0, errors: 0 }, apiServices: new Map(), index: new ServiceIndex(), remote: new Map(),
    fetchedFor: new Map(), remoteGroupPaths: new Set(), openapiRoot: undefined, openapiV2: undefined, refreshTimer: undefined, subscriber: undefined,
  }),
  entry: ['subscribe', 'scheduleRefresh'],
  initial: 'Serving',
  states: {
    Serving: {
      on: {
        request: { actions: 'serve' },
        'store.snapshot': { actions: 'learn' },
        'store.changed': { actions: 'learn' },
        'aggregator.discovered': { actions: 'discovered' },
        'aggregator.refresh': { actions: ['refresh', 'scheduleRefresh'] },
        'actor.stop': { target: 'Stopped', actions: 'stop' },
        'aggregator.documents': { actions: ['replaceDocuments'] },
      },
    },
    Stopped: { type: 'final' },
  },
});

/** Whether a fetch brought nothing new: then the documents and their ETags stay. */
function sameDiscovery(a: RemoteDiscovery, b: RemoteDiscovery): boolean {
  return a.openapiUrl === b.openapiUrl && JSON.stringify(a.version) === JSON.stringify(b.version)
    && (a.openapiV2Definitions === b.openapiV2Definitions || JSON.stringify(a.openapiV2Definitions) === JSON.stringify(b.openapiV2Definitions));
}

/** On a stop or crash (OTP's terminate): no more store changes or refreshes for this incarnation. */
export function terminateAggregator(context: Pick<AggregatorContext, 'stores' | 'subscriber' | 'clock' | 'refreshTimer'>): void {
  context.clock.clearTimeout(context.refreshTimer);
  const subscriber = context.subscriber;
  if (!subscriber) return;
  context.subscriber = undefined;
  for (const store of context.stores) store.send({ type: 'store.unsubscribe', subscriber });
}
