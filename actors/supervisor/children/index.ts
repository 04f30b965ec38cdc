// The supervisor's children, phase by phase, in start order; they stop in reverse.
//
//   BuildingServerChain  a store per kind, compactor, pod terminator, admission, eviction,
//                        aggregator, proxy, autoregister, authz (and the server chain it routes
//                        to), apf, audit, authn, crd-controller
//   Listening            listener
//   Ready                apiservice-availability; leader-election or kube-controller-manager's
//                        controllers (the controllers start again on each leader.elected)
// Custom resources' stores start and stop between, as the CRD controller asks (stores.ts).

import { webhookClientFor } from '../../admission/webhook/shared.js';
import { RemoteRoutes } from '../../aggregator/routes.js';
import { Upstreams } from '../../proxy/upstream.js';
import { definitions } from '../../../scheme/definitions.js';
import type { ChildSpec, Shared } from '../child-spec.js';
import { apiExtensions } from '../custom-resources.js';
import { apiServiceAvailability, crdController, leaderElectionOrControllers } from '../controllers.js';
import type { SupervisorContext } from '../runtime.js';
import { admission } from './admission.js';
import { aggregator, autoregister, proxy } from './aggregator.js';
import { apf } from './apf.js';
import { audit } from './audit.js';
import { authn } from './authn.js';
import { authz } from './authz.js';
import { listener } from './listener.js';
import { eviction, podTerminator } from './pods.js';
import { compactor, stores } from './stores.js';

export const SERVER_CHAIN: readonly ChildSpec[] = [stores, compactor, podTerminator, admission, eviction, aggregator, proxy, autoregister, authz, apf, audit, authn, crdController];
export const LISTENING: readonly ChildSpec[] = [listener];
export const READY: readonly ChildSpec[] = [apiServiceAvailability, leaderElectionOrControllers];

/** What the server chain's children share, made before the first of them starts. */
export function sharedPieces(context: SupervisorContext): Shared {
  const { scheme, options, files, runtime, clock } = context;
  const aggregatorSlot = (): { send(message: unknown): void } => runtime.children.find((c) => c.id === 'aggregator')!;
  return {
    api: apiExtensions(scheme!, definitions, `${options!.raw.bindAddress}:${options!.raw.securePort}`, aggregatorSlot),
    routes: new RemoteRoutes(),
    upstreams: new Upstreams(files!.frontProxy),
    webhookClient: webhookClientFor(clock),
  };
}
