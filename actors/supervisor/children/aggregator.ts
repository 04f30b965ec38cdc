// kube-aggregator: the aggregator (APIServices, merged discovery and OpenAPI), the proxy to
// extension servers, and autoregister, which keeps a Local APIService per built-in group version.

import { aggregatorMachine, terminateAggregator, type Subscribable } from '../../aggregator/aggregator-machine.js';
import { APIREGISTRATION } from '../../aggregator/apiservices.js';
import { autoregisterMachine, terminateAutoregister } from '../../autoregister/autoregister-machine.js';
import { proxyMachine, terminateProxy } from '../../proxy/proxy-machine.js';
import type { ChildSpec } from '../child-spec.js';
import type { Terminate } from '../supervision.js';

/** What the aggregator watches: APIServices, and the Services and endpoints that back them. */
const WATCHED = [['apiservices', APIREGISTRATION], ['services', ''], ['endpoints', ''], ['endpointslices', 'discovery.k8s.io']] as const;

export const aggregator: ChildSpec = ({ options, shared, store, clock, logger }) => ({
  id: 'aggregator',
  machine: aggregatorMachine,
  input: {
    documents: shared.api.documents, scheme: shared.api.scheme, routes: shared.routes, upstreams: shared.upstreams,
    stores: WATCHED.map(([plural, group]) => store(plural, group)).filter((s) => s !== undefined) as Subscribable[],
    discoveryRefreshMs: options.raw.aggregatorDiscoveryRefreshMs, clock, logger: logger('aggregator'),
  },
  terminate: terminateAggregator as Terminate,
});

export const proxy: ChildSpec = ({ options, shared, clock, logger }) => ({
  id: 'proxy',
  machine: proxyMachine,
  input: { routes: shared.routes, upstreams: shared.upstreams, requestTimeoutMs: options.requestTimeoutMs, clock, logger: logger('proxy') },
  terminate: terminateProxy as Terminate,
});

export const autoregister: ChildSpec = ({ scheme, store, clock, logger }) => {
  const apiServices = store('apiservices', APIREGISTRATION);
  if (!apiServices) return undefined;
  const groupVersions = scheme.groups.flatMap((group) => scheme.versionsOf(group).map((version) => ({ group, version })));
  return { id: 'autoregister', machine: autoregisterMachine, input: { store: apiServices, groupVersions, clock, logger: logger('autoregister') }, terminate: terminateAutoregister as Terminate };
};
