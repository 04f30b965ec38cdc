// apiservice-status-remote-available-controller: kube-aggregator's
// AvailableConditionController for remote APIServices. For each APIService
// with a service it checks, in kube's order, that the Service exists, that it
// listens on the APIService's port, that its EndpointSlices (or Endpoints)
// have an address for that port, and that the extension server answers its
// discovery (GET /apis/<group>/<version>, as system:kube-aggregator in
// system:masters, with the proxy's client certificate); and keeps the
// Available condition with kube's reasons and messages: ServiceNotFound,
// ServicePortError, EndpointsNotFound, MissingEndpoints,
// FailedDiscoveryCheck, or Passed ("all checks passed"). Local APIServices
// are autoregister's.
//
// Watches: apiservices, services, endpoints, endpointslices. Key: an APIService's name.
// Reconcile: writes the status only when the condition changes (its
//   lastTransitionTime moves only when its status does), then looks again
//   after RECHECK_MS: kube re-checks on its informers' resync, and an
//   extension server that stops answering changes no object.
// Acts as: system:apiserver (kube's loopback client), through the chain.

import type { KubeObject } from '../../protocol/kube/meta.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic, type View } from '../controllers/reconciler.js';
import type { ControllerDescriptor, ControllerInput } from '../controllers/controller.js';
import { expectStatus } from '../controllers/http-errors.js';
import { APIREGISTRATION, resolveService, viewOf, type ApiServiceCondition, type ApiServiceView, type ServiceLookup } from '../aggregator/apiservices.js';
import { urlOf, type Upstreams } from '../proxy/upstream.js';

export const AVAILABILITY_CONTROLLER = 'apiservice-status-remote-available-controller';
/** How often a remote APIService is checked again while nothing about it changes. */
export const RECHECK_MS = 5_000;
/** kube's discovery check: a short GET, 5 s at most. */
const CHECK_TIMEOUT_MS = 5_000;

const LOOPBACK_USER = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

const hasService = (object: KubeObject): boolean => !!(object.spec as { service?: unknown } | undefined)?.service;

function lookupOf(view: View): ServiceLookup {
  return {
    service: (namespace, name) => view.get('services', namespace, name),
    endpoints: (namespace, name) => view.get('endpoints', namespace, name),
    slices: (namespace, name) => view.list('endpointslices.discovery.k8s.io').filter((s) => s.metadata.namespace === namespace && s.metadata.labels?.['kubernetes.io/service-name'] === name),
  };
}

/** The APIServices whose service is `namespace/name`. */
function apiServicesFor(view: View, namespace: string, name: string): string[] {
  return view.list('apiservices.apiregistration.k8s.io')
    .filter((a) => { const s = viewOf(a).service; return s?.namespace === namespace && s.name === name; })
    .map((a) => a.metadata.name ?? '');
}

async function check(apiService: ApiServiceView, view: View, upstreams: Upstreams, input: ControllerInput): Promise<Omit<ApiServiceCondition, 'type' | 'lastTransitionTime'>> {
  const ref = apiService.service!;
  const resolution = resolveService(ref, lookupOf(view));
  if ('reason' in resolution) return { status: 'False', reason: resolution.reason, message: resolution.message };
  const backend = resolution.backends[Math.floor(Math.random() * resolution.backends.length)]!;
  const path = apiService.name === 'v1.' ? `/api/${apiService.version}` : `/apis/${apiService.group}/${apiService.version}`;
  const url = urlOf(backend, path);
  // kube's check trusts any certificate: someone who owns the network can only lie about availability.
  const target = { name: `${apiService.name}#check`, service: ref, caBundle: undefined, insecureSkipTLSVerify: true };
  try {
    const answer = await upstreams.get(target, backend, path, 'application/json', CHECK_TIMEOUT_MS, input.clock);
    if (answer.status < 200 || answer.status >= 300) return { status: 'False', reason: 'FailedDiscoveryCheck', message: `failing or missing response from ${url}: bad status from ${url}: ${answer.status}` };
  } catch (e) {
    return { status: 'False', reason: 'FailedDiscoveryCheck', message: `failing or missing response from ${url}: ${(e as Error).message}` };
  }
  return { status: 'True', reason: 'Passed', message: 'all checks passed' };
}

function logicFor(upstreams: Upstreams): ReconcilerLogic {
  return {
    id: AVAILABILITY_CONTROLLER,
    watches: [
      { plural: 'apiservices', group: APIREGISTRATION, keep: hasService },
      { plural: 'services', group: '' },
      { plural: 'endpoints', group: '' },
      { plural: 'endpointslices', group: 'discovery.k8s.io' },
    ],
    workers: 5,
    keysOf(resource, object, deleted, view) {
      if (resource === 'apiservices.apiregistration.k8s.io') return deleted ? [] : [object.metadata.name ?? ''];
      const service = resource === 'endpointslices.discovery.k8s.io' ? object.metadata.labels?.['kubernetes.io/service-name'] : object.metadata.name;
      return service ? apiServicesFor(view, object.metadata.namespace ?? '', service) : [];
    },
    async reconcile(name, view, input) {
      const object = view.get('apiservices.apiregistration.k8s.io', '', name);
      if (!object) return;
      const apiService = viewOf(object);
      if (!apiService.service) return;
      const found = await check(apiService, view, upstreams, input);
      const before = apiService.available;
      if (before && before.status === found.status && before.reason === found.reason && before.message === found.message) return RECHECK_MS;
      if (before?.status !== found.status) input.logger.info(`changing APIService availability name=${name} oldStatus=${before?.status ?? 'Unknown'} newStatus=${found.status} reason=${found.reason} message=${JSON.stringify(found.message)}`);
      const lastTransitionTime = before && before.status === found.status && before.lastTransitionTime ? before.lastTransitionTime : new Date(input.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
      const others = ((object.status as { conditions?: ApiServiceCondition[] } | undefined)?.conditions ?? []).filter((c) => c.type !== 'Available');
      const updated = { ...object, status: { ...(object.status as object | undefined), conditions: [...others, { type: 'Available', ...found, lastTransitionTime }] } };
      const where = { apiGroup: APIREGISTRATION, namespace: '', resource: 'apiservices', name, subresource: 'status' };
      // A 409 means this view was behind: the newer object comes with its own change, and is checked then.
      expectStatus(`updating apiservice ${name} status`, await input.client.request('update', where, { body: updated }), 200, 409, 404);
      return RECHECK_MS;
    },
  };
}

/** The controller, given the proxy's HTTPS client (its agents carry the proxy's client certificate). */
export function availabilityController(upstreams: Upstreams): ControllerDescriptor {
  return {
    name: AVAILABILITY_CONTROLLER,
    aliases: [],
    user: LOOPBACK_USER,
    machine: reconcilerMachine(logicFor(upstreams)),
    terminate: terminateReconciler as (context: never) => void,
  };
}
