// The authz actor (actors/authz), and the router it hands authorized requests to: kube's server chain
// by delegation, aggregator → kube → apiextensions (server-chain.ts).

import type { RequestHandler, Router } from '../../../protocol/messages/request.js';
import { servesPath } from '../../aggregator/aggregator-machine.js';
import { serviceEndpointsView } from '../../apiextensions/service-endpoints.js';
import type { Subscribable } from '../../aggregator/aggregator-machine.js';
import { authzMachine } from '../../authz/authz-machine.js';
import { authorizersOf } from '../authorizers.js';
import type { ChildSpec, Wiring } from '../child-spec.js';
import { aggregatorServer, apiExtensionsServer, chainRouter, kubeServer } from '../server-chain.js';


const RBAC = 'rbac.authorization.k8s.io';

/** CreateServerChain's delegation: each server serves what it owns and hands the rest on. */
function serverChain({ options, scheme, shared, store, child, late, self }: Wiring): Router {
  const eviction = child('eviction');
  return chainRouter([
    aggregatorServer(child('aggregator')!, child('proxy')!, (path) => servesPath(shared.api.documents, path), shared.routes),
    kubeServer(scheme, {
      store,
      authn: late('authn') as RequestHandler,
      authz: late('authz') as RequestHandler,
      supervisor: self,
      ...(eviction ? { eviction } : {}),
      ...(options.raw.enablePriorityAndFairness ? { apf: late('apf') as RequestHandler } : {}),
    }),
    apiExtensionsServer(shared.api.registry, store, shared.webhookClient, serviceEndpointsView((plural, group) => store(plural, group) as Subscribable | undefined)),
  ]);
}

export const authz: ChildSpec = (wiring) => {
  const { options, files, store, clock, logger, shared } = wiring;
  return {
    id: 'authz',
    machine: authzMachine,
    input: {
      ...authorizersOf(options, files, store, clock, logger('authz'), shared.webhookClient),
      router: serverChain(wiring),
      admission: wiring.child('admission')!,
      rbacStores: {
        roles: store('roles', RBAC), clusterroles: store('clusterroles', RBAC),
        rolebindings: store('rolebindings', RBAC), clusterrolebindings: store('clusterrolebindings', RBAC),
      },
      logger: logger('authz'),
    },
  };
};
