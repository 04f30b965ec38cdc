// Post-start hooks: the objects every cluster starts with, written through the
// stores like any other write (kube's loopback client does the same).

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { RequestHandler } from '../../protocol/messages/request.js';
import { loopback } from '../../lib/loopback.js';
import { bootstrapPolicy } from '../authz/bootstrap-policy.js';
import { controllerPolicy } from '../controllers/policy.js';
import { SYSTEM_PRIORITY_CLASSES } from '../admission/priority.js';
import { MANDATORY_FLOW_SCHEMAS, MANDATORY_PRIORITY_LEVELS, SUGGESTED_FLOW_SCHEMAS, SUGGESTED_PRIORITY_LEVELS } from '../apf/bootstrap.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface PostStartHook {
  name: string;
  run(): Promise<void>;
}

/**
 * Creates `object` unless it exists already; any other failure fails the hook. A restart finds them
 * all: a read from the store's cache answers that at once, where a create would decode, validate and
 * encode the object only to be refused with 409.
 */
async function ensure(store: RequestHandler | undefined, group: string, resource: string, object: KubeObject, attempts = 1): Promise<void> {
  if (!store) throw new Error(`no store for ${resource}`);
  const where = { apiGroup: group, namespace: object.metadata.namespace ?? '', resource };
  if ((await loopback(store, 'get', { ...where, name: object.metadata.name })).status === 200) return;
  for (let attempt = 1; ; attempt++) {
    const reply = await loopback(store, 'create', where, object);
    if (reply.status === 201 || reply.status === 409) return;
    if (reply.status !== 422 || attempt >= attempts) throw new Error(`creating ${resource}/${object.metadata.name}: ${Buffer.from(reply.body).toString("utf8")}`);
  }
}

/**
 * Servers starting together on one etcd: another may have claimed the `kubernetes` Service's address
 * in the shared allocation record and not yet stored its Service (a 422 here); each attempt waits for
 * this server's cache to catch up, so the next one finds the Service (409).
 */
const KUBERNETES_SERVICE_ATTEMPTS = 10;

/** How often the reconciler tries again when another server on the same etcd changed the Endpoints first. */
const RECONCILE_ATTEMPTS = 10;

/**
 * This server's address in the `kubernetes` Endpoints, as kube's endpoint reconciler keeps it. Servers
 * sharing an etcd cluster reconcile it together: a 409 means another one got there first, so read again.
 */
async function reconcileEndpoints(store: RequestHandler | undefined, server: { port: number; endpointIp: string }, change: 'add' | 'remove'): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const status = await reconcileEndpointsOnce(store, server, change);
    if (status !== 409) return;
    if (attempt >= RECONCILE_ATTEMPTS) throw new Error(`reconciling endpoints/kubernetes: still conflicting after ${attempt} attempts`);
  }
}

async function reconcileEndpointsOnce(store: RequestHandler | undefined, server: { port: number; endpointIp: string }, change: 'add' | 'remove'): Promise<number> {
  if (!store) throw new Error('no store for endpoints');
  const where = { apiGroup: '', namespace: 'default', resource: 'endpoints', name: 'kubernetes' };
  const current = await loopback(store, 'get', where);
  const existing = current.status === 200 ? (JSON.parse(Buffer.from(current.body).toString('utf8')) as KubeObject & { subsets?: { addresses?: { ip: string }[] }[] }) : undefined;
  const others = (existing?.subsets?.[0]?.addresses ?? []).map((a) => a.ip).filter((ip) => ip !== server.endpointIp);
  const ips = change === 'add' ? [...others, server.endpointIp] : others;
  const before = existing?.subsets?.[0] as { addresses?: { ip: string }[]; ports?: { port: number }[] } | undefined;
  const unchanged = change === 'add'
    ? before?.addresses?.some((a) => a.ip === server.endpointIp) && before.ports?.[0]?.port === server.port
    : !before?.addresses?.some((a) => a.ip === server.endpointIp);
  if (existing && unchanged) return 200;
  const subsets = ips.length === 0 ? [] : [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'https', port: server.port, protocol: 'TCP' }] }];
  const object: KubeObject = {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { ...(existing?.metadata ?? {}), name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets,
  } as KubeObject;
  const reply = existing ? await loopback(store, 'update', where, object) : await loopback(store, 'create', { ...where, name: '' }, object);
  if (reply.status === 409) return 409;
  if (reply.status >= 300) throw new Error(`reconciling endpoints/kubernetes: ${Buffer.from(reply.body).toString('utf8')}`);
  return reply.status;
}

export type PreShutdownHook = PostStartHook;

/**
 * Pre-shutdown hooks run from ShutdownInitiated, alongside --shutdown-delay-duration.
 * kube's bootstrap-controller takes this server out of the `kubernetes` Endpoints,
 * so in-cluster clients stop choosing a server that is going away.
 */
export function preShutdownHooks(stores: (plural: string, group: string) => RequestHandler | undefined, server: { port: number; endpointIp: string }): PreShutdownHook[] {
  return [{ name: 'bootstrap-controller', run: () => reconcileEndpoints(stores('endpoints', ''), server, 'remove') }];
}

export function postStartHooks(stores: (plural: string, group: string) => RequestHandler | undefined, kubernetesService: { clusterIp: string; port: number; endpointIp: string }, priorityAndFairness = false): PostStartHook[] {
  const flowcontrol = 'flowcontrol.apiserver.k8s.io';
  const apfHooks: PostStartHook[] = !priorityAndFairness ? [] : [{
    // kube's APF configuration producer: the mandatory and suggested objects, created where missing.
    name: 'priority-and-fairness-config-producer',
    async run() {
      const levels = stores('prioritylevelconfigurations', flowcontrol);
      const schemas = stores('flowschemas', flowcontrol);
      if (!levels || !schemas) return;
      for (const object of [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS]) await ensure(levels, flowcontrol, 'prioritylevelconfigurations', object);
      for (const object of [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS]) await ensure(schemas, flowcontrol, 'flowschemas', object);
    },
  }];
  return [
    ...apfHooks,
    {
      name: 'start-system-namespaces-controller',
      async run() {
        for (const name of SYSTEM_NAMESPACES) await ensure(stores('namespaces', ''), '', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      },
    },
    {
      name: 'bootstrap-controller',
      async run() {
        const labels = { component: 'apiserver', provider: 'kubernetes' };
        await ensure(stores('services', ''), '', 'services', {
          apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default', labels },
          spec: { type: 'ClusterIP', clusterIP: kubernetesService.clusterIp, clusterIPs: [kubernetesService.clusterIp], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: kubernetesService.port }], sessionAffinity: 'None' },
        }, KUBERNETES_SERVICE_ATTEMPTS);
        await reconcileEndpoints(stores('endpoints', ''), kubernetesService, 'add');
      },
    },
    {
      name: 'scheduling/bootstrap-system-priority-classes',
      async run() {
        const store = stores('priorityclasses', 'scheduling.k8s.io');
        // --runtime-config may leave scheduling.k8s.io unserved: then there is nothing to create.
        if (store) for (const pc of SYSTEM_PRIORITY_CLASSES) await ensure(store, 'scheduling.k8s.io', 'priorityclasses', pc);
      },
    },
    {
      name: 'rbac/bootstrap-roles',
      async run() {
        for (const object of [...bootstrapPolicy(), ...controllerPolicy()]) {
          const plural = `${(object.kind ?? '').toLowerCase()}s`;
          await ensure(stores(plural, 'rbac.authorization.k8s.io'), 'rbac.authorization.k8s.io', plural, object);
        }
      },
    },
  ];
}
