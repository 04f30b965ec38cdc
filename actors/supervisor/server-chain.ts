// CreateServerChain: three servers joined by delegation. They are built in
// the order apiextensions → kube → aggregator (each delegating to the one
// before), so a request is offered to the aggregator first, then to the kube
// server, then to apiextensions, and finally gets 404.
// The kube server's scheme is built once; custom resources are looked up only
// once it has delegated, so a built-in request never pays for them.

import type { ApiRequest, RequestHandler, ResourceRequestInfo, Route, Router } from '../../protocol/messages/request.js';
import { statusResponse } from '../../protocol/messages/http.js';
import { failure } from '../../protocol/kube/status.js';
import type { Scheme } from '../../scheme/scheme.js';
import type { CustomResourceRegistry } from '../../scheme/custom/registry.js';
import { convertingHandler, noneConverter, webhookConverter } from '../apiextensions/conversion.js';
import type { ServiceResolver, WebhookClient } from '../../lib/webhook-client.js';
import { resolveServiceEndpoint, type EndpointsView } from '../../lib/service-endpoints.js';
import { DISCOVERY_PATHS } from '../authn/authn-machine.js';
import { DUMP_PATHS } from '../apf/dump.js';
import { servedVersion, type VersionConversion } from '../store/served-version.js';
import { documentToV1, hpaV1ToV2 } from '../../scheme/kinds/hpa-conversion.js';

/** Versions served by converting to the version their store keeps (kube's storage version), keyed `<group>/<plural>/<served>`. */
const CONVERSIONS: Readonly<Record<string, VersionConversion>> = {
  'autoscaling/horizontalpodautoscalers/v1': {
    served: 'v1', stored: 'v2', kind: 'HorizontalPodAutoscaler', definition: 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler', toStored: hpaV1ToV2, toServed: documentToV1,
  },
};
import type { RemoteRoutes } from '../aggregator/routes.js';

/** A server in the chain: the route it serves a request by, or undefined to delegate. */
export type DelegatingServer = (request: ApiRequest) => Route | undefined;

const MUTATING = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** The kube server: the built-in kinds' stores, reviews, health and debug endpoints. */
export function kubeServer(scheme: Scheme, handlers: {
  store(plural: string, group: string): RequestHandler | undefined;
  authn: RequestHandler;
  authz: RequestHandler;
  supervisor: RequestHandler;
  /** pods/eviction: a delete that asks the PodDisruptionBudgets first. */
  eviction?: RequestHandler;
  /** /debug/api_priority_and_fairness/dump_*: the apf actor, when priority and fairness is on. */
  apf?: RequestHandler;
}): DelegatingServer {
  const converters = new WeakMap<RequestHandler, RequestHandler>();
  return (request) => {
    const info = request.info;
    if (!info.isResourceRequest) {
      // The service account issuer's OIDC discovery documents belong to authn, which owns the issuer.
      if (DISCOVERY_PATHS.test(info.path)) return { target: handlers.authn, admit: false };
      if (/^\/(healthz|livez|readyz)(\/|$)/.test(info.path) || /^\/(debug\/actors(\/ui)?|debug\/pprof\/(profile|heap)|metrics(\/slis)?)$/.test(info.path)) return { target: handlers.supervisor, admit: false };
      if (handlers.apf && DUMP_PATHS.test(info.path)) return { target: handlers.apf, admit: false };
      return undefined;
    }
    const kind = scheme.byResource(info.apiGroup, info.apiVersion, info.resource);
    if (!kind) return undefined;
    if (kind.servedBy === 'authn') return { target: handlers.authn, admit: false };
    if (kind.servedBy === 'authz') return { target: handlers.authz, admit: false };
    if (kind.servedBy === 'supervisor') return { target: handlers.supervisor, admit: false };
    if (info.subresource === 'eviction' && kind.plural === 'pods' && kind.group === '' && handlers.eviction) return { target: handlers.eviction, admit: true };
    // A service account's token is issued by authn, which owns the tokens this server accepts.
    if (info.subresource === 'token' && kind.plural === 'serviceaccounts' && kind.group === '') return { target: handlers.authn, admit: false };
    const store = kind.answeredByStoreOf ? handlers.store(kind.answeredByStoreOf.plural, kind.answeredByStoreOf.group) : handlers.store(kind.plural, kind.group);
    if (!store) return undefined;
    const conversion = CONVERSIONS[`${kind.group}/${kind.plural}/${kind.version}`];
    // The store keeps the other version only while that version is served (--runtime-config may turn it off).
    if (conversion && info.subresource !== 'scale' && scheme.byResource(kind.group, conversion.stored, kind.plural)) {
      let converting = converters.get(store);
      if (!converting) converters.set(store, (converting = servedVersion(store, conversion)));
      return { target: converting, admit: MUTATING.has(info.verb) };
    }
    return { target: store, admit: MUTATING.has(info.verb) };
  };
}

/**
 * The aggregator server: a group version a remote APIService owns goes to the proxy (admission is the
 * extension server's); discovery, OpenAPI and /version to the aggregator.
 */
export function aggregatorServer(aggregator: RequestHandler, proxy: RequestHandler, serves: (path: string) => boolean, routes: RemoteRoutes): DelegatingServer {
  return (request) => {
    const info = request.info;
    const remote = info.isResourceRequest ? routes.lookup(info.apiGroup, info.apiVersion) : routes.forPath(info.path);
    if (remote) return { target: proxy, admit: false };
    return !info.isResourceRequest && serves(info.path) ? { target: aggregator, admit: false } : undefined;
  };
}

/** One server of the chain as /debug/actors shows it: the actors serving it, and the server it delegates to. */
export interface ChainedServer {
  name: 'Aggregator' | 'KubeAPIServer' | 'APIExtensions';
  delegatesTo: 'KubeAPIServer' | 'APIExtensions' | 'NotFound';
  actors: string[];
}

/** The chain as kube's CreateServerChain builds it, outermost first, with the actors (by id) that serve each server. */
export function describeServerChain(actorIds: readonly string[]): ChainedServer[] {
  const aggregator = new Set(['aggregator', 'proxy', 'autoregister', 'controller/apiservice-status-remote-available-controller']);
  const apiExtensions = (id: string): boolean => id === 'crd-controller' || id.includes('customresourcedefinitions');
  return [
    { name: 'Aggregator', delegatesTo: 'KubeAPIServer', actors: actorIds.filter((id) => aggregator.has(id)) },
    { name: 'KubeAPIServer', delegatesTo: 'APIExtensions', actors: actorIds.filter((id) => !aggregator.has(id) && !apiExtensions(id) && id !== 'supervisor' && id !== 'listener') },
    { name: 'APIExtensions', delegatesTo: 'NotFound', actors: actorIds.filter(apiExtensions) },
  ];
}

/**
 * The apiextensions server: custom resources, served while their CRD is (scheme/custom/registry.ts).
 * Every version goes to the one store of the resource; a version other than the storage version
 * through conversion (actors/apiextensions/conversion.ts).
 */
/** kube's crdHandler while a CRD is Terminating: 405 MethodNotAllowed for a create, before admission. */
const refuseWhileTerminating: RequestHandler = {
  send({ request }) {
    const info = request.info as ResourceRequestInfo;
    const status = failure('MethodNotAllowed', `${info.verb} not allowed while custom resource definition is terminating`, { group: info.apiGroup, kind: info.resource });
    request.replyTo.send(statusResponse(request.id, status));
  },
};

export function apiExtensionsServer(registry: CustomResourceRegistry, store: (plural: string, group: string) => RequestHandler | undefined, webhooks: WebhookClient, endpoints: EndpointsView): DelegatingServer {
  const resolveService: ServiceResolver = (namespace, name, port) => resolveServiceEndpoint(endpoints, namespace, name, port);
  return (request) => {
    const info = request.info;
    if (!info.isResourceRequest) return undefined;
    const found = registry.lookup(info.apiGroup, info.apiVersion, info.resource);
    if (!found) return undefined;
    // Each version has its own subresources: one the requested version does not declare is not served.
    if (info.subresource && !(found.kind.subresources ?? []).some((s) => s.name === info.subresource)) return undefined;
    const target = store(found.resource.plural, found.resource.group);
    if (!target) return undefined;
    if (found.resource.terminating && info.verb === 'create') return { target: refuseWhileTerminating, admit: false };
    const storage = found.resource.storage.version;
    if (info.apiVersion === storage) return { target, admit: MUTATING.has(info.verb) };
    const webhook = found.resource.conversionWebhook;
    const convert = webhook ? webhookConverter(webhooks, found.resource.name, found.kind.kind, webhook, resolveService) : noneConverter;
    const handler = convertingHandler(target, `${info.apiGroup}/${info.apiVersion}`, `${info.apiGroup}/${storage}`, storage, convert, found.kind);
    return { target: handler, admit: MUTATING.has(info.verb) };
  };
}

export function chainRouter(servers: readonly DelegatingServer[]): Router {
  return (request) => {
    for (const server of servers) {
      const route = server(request);
      if (route) return route;
    }
    return undefined;
  };
}
