// Post-start hooks: the objects every cluster starts with, written through the
// stores like any other write (kube's loopback client does the same).

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { RequestHandler } from '../../protocol/messages/request.js';
import { loopback } from '../../lib/loopback.js';
import { bootstrapPolicy } from '../authz/bootstrap-policy.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface PostStartHook {
  name: string;
  run(): Promise<void>;
}

/** Creates `object` unless it exists already; any other failure fails the hook. */
async function ensure(store: RequestHandler | undefined, group: string, resource: string, object: KubeObject): Promise<void> {
  if (!store) throw new Error(`no store for ${resource}`);
  const reply = await loopback(store, 'create', { apiGroup: group, namespace: object.metadata.namespace ?? '', resource }, object);
  if (reply.status !== 201 && reply.status !== 409) throw new Error(`creating ${resource}/${object.metadata.name}: ${String(reply.body)}`);
}

export function postStartHooks(stores: (plural: string, group: string) => RequestHandler | undefined, kubernetesService: { clusterIp: string; port: number; endpointIp: string }): PostStartHook[] {
  return [
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
        });
        await ensure(stores('endpoints', ''), '', 'endpoints', {
          apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
          subsets: [{ addresses: [{ ip: kubernetesService.endpointIp }], ports: [{ name: 'https', port: kubernetesService.port, protocol: 'TCP' }] }],
        });
      },
    },
    {
      name: 'rbac/bootstrap-roles',
      async run() {
        for (const object of bootstrapPolicy()) {
          const plural = `${(object.kind ?? '').toLowerCase()}s`;
          await ensure(stores(plural, 'rbac.authorization.k8s.io'), 'rbac.authorization.k8s.io', plural, object);
        }
      },
    },
  ];
}
