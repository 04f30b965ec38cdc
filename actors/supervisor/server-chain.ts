// CreateServerChain: three servers joined by delegation. They are built in
// the order apiextensions → kube → aggregator (each delegating to the one
// before), so a request is offered to the aggregator first, then to the kube
// server, then to apiextensions, and finally gets 404.

import type { ApiRequest, RequestHandler, Route, Router } from '../../protocol/messages/request.js';
import type { Scheme } from '../../scheme/scheme.js';
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
}): DelegatingServer {
  return (request) => {
    const info = request.info;
    if (!info.isResourceRequest) {
      if (/^\/(healthz|livez|readyz)(\/|$)/.test(info.path) || /^\/(debug\/actors(\/ui)?|debug\/pprof\/(profile|heap)|metrics(\/slis)?)$/.test(info.path)) return { target: handlers.supervisor, admit: false };
      return undefined;
    }
    const kind = scheme.byResource(info.apiGroup, info.apiVersion, info.resource);
    if (!kind) return undefined;
    if (kind.servedBy === 'authn') return { target: handlers.authn, admit: false };
    if (kind.servedBy === 'authz') return { target: handlers.authz, admit: false };
    if (info.subresource === 'eviction' && kind.plural === 'pods' && kind.group === '' && handlers.eviction) return { target: handlers.eviction, admit: true };
    // A service account's token is issued by authn, which owns the tokens this server accepts.
    if (info.subresource === 'token' && kind.plural === 'serviceaccounts' && kind.group === '') return { target: handlers.authn, admit: false };
    const store = kind.answeredByStoreOf ? handlers.store(kind.answeredByStoreOf.plural, kind.answeredByStoreOf.group) : handlers.store(kind.plural, kind.group);
    return store ? { target: store, admit: MUTATING.has(info.verb) } : undefined;
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
  return [
    { name: 'Aggregator', delegatesTo: 'KubeAPIServer', actors: actorIds.filter((id) => aggregator.has(id)) },
    { name: 'KubeAPIServer', delegatesTo: 'APIExtensions', actors: actorIds.filter((id) => !aggregator.has(id) && id !== 'supervisor' && id !== 'listener') },
    { name: 'APIExtensions', delegatesTo: 'NotFound', actors: [] },
  ];
}

/** The apiextensions server: custom resources. None are registered yet, so it always delegates. */
export function apiExtensionsServer(): DelegatingServer {
  return () => undefined;
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
