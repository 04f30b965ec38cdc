// resourcequota-controller (kube-controller-manager's `resourcequota`): each
// ResourceQuota's status holds its hard limits and what its namespace uses of
// them now (status.used), recounted whenever something it counts changes.
// The ResourceQuota admission plugin charges writes against that figure.
//
// Watches: resourcequotas; changes of the resources a quota can count
//   (COUNTED), in namespaces with a quota only (no snapshot, nothing kept).
//   Key: a quota's `<namespace>/<name>`; a change of a counted object touches
//   every quota of its namespace.
// Reconcile: lists the namespace's counted objects, sums the usage (./usage.ts)
//   of those the quota covers, and writes status.hard and status.used through
//   /status when they differ.
// Acts as: system:serviceaccount:kube-system:resourcequota-controller.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import { jsonOf, serviceAccountUser } from '../../../lib/loopback.js';
import { canonicalQuantity } from '../../../scheme/kinds/workloads/quantity.js';
import { reconcilerMachine, resourceKey, terminateReconciler, type ReconcilerLogic, type Watch } from '../reconciler.js';
import type { ControllerDescriptor, ControllerInput } from '../controller.js';
import { expectStatus } from '../http-errors.js';
import { listFromUsage, quotaCovers, sumInto, usageOf, type Usage } from './usage.js';

/** What quotas can count here: the core kinds kube's evaluators know, and the common workloads' count/<resource>. */
const COUNTED: readonly { plural: string; group: string }[] = [
  ...['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas', 'serviceaccounts'].map((plural) => ({ plural, group: '' })),
  ...['deployments', 'replicasets', 'statefulsets', 'daemonsets'].map((plural) => ({ plural, group: 'apps' })),
  ...['jobs', 'cronjobs'].map((plural) => ({ plural, group: 'batch' })),
];

const QUOTAS = resourceKey('resourcequotas', '');

interface QuotaStatus { hard?: Record<string, unknown>; used?: Record<string, unknown> }

/** status.hard and status.used as the controller would write them. */
export function quotaStatus(quota: KubeObject, objectsOf: (plural: string, group: string) => Iterable<KubeObject>, now: number): QuotaStatus {
  const hardSpec = ((quota.spec ?? {}) as { hard?: Record<string, unknown> }).hard ?? {};
  const namespace = quota.metadata.namespace ?? '';
  const total: Usage = new Map();
  for (const { plural, group } of COUNTED) {
    for (const object of objectsOf(plural, group)) {
      if (object.metadata.namespace === namespace && quotaCovers(quota, group, plural, object)) sumInto(total, usageOf(group, plural, object, now));
    }
  }
  const used: Usage = new Map();
  for (const key of Object.keys(hardSpec)) used.set(key, total.get(key) ?? { nanos: 0n, binary: false });
  const hard: Record<string, unknown> = {};
  for (const key of Object.keys(hardSpec).sort()) hard[key] = canonicalQuantity(hardSpec[key]);
  return { hard, used: listFromUsage(used) };
}

/**
 * What it watches. Counted objects matter only in namespaces that have (or had) a quota, and only as a
 * change that calls for a recount: reconcile lists them through the API. So the view holds none of them
 * and their stores send no snapshot of them (a million ConfigMaps are neither parsed nor kept for it);
 * a change in a quota's namespace still reaches keysOf.
 */
function watches(): Watch[] {
  const quotaNamespaces = new Set<string>();
  return [
    {
      plural: 'resourcequotas', group: '',
      keep: (quota) => {
        quotaNamespaces.add(quota.metadata.namespace ?? '');
        return true;
      },
    },
    ...COUNTED.filter((c) => c.plural !== 'resourcequotas').map((c) => ({
      ...c, keep: () => false, filter: { changesOnly: true }, notify: (o: KubeObject) => quotaNamespaces.has(o.metadata.namespace ?? ''),
    })),
  ];
}

/** A namespace's objects of one counted resource, listed through the chain: what was there before its first quota too. */
async function listed(input: ControllerInput, group: string, plural: string, namespace: string): Promise<KubeObject[]> {
  const reply = await input.client.request('list', { apiGroup: group, namespace, resource: plural });
  // A resource this server does not serve (--runtime-config) counts nothing.
  if (reply.status === 404) return [];
  expectStatus(`listing ${plural} in ${namespace}`, reply, 200);
  return jsonOf<{ items?: KubeObject[] }>(reply).items ?? [];
}

const logic: ReconcilerLogic = {
  id: 'resourcequota-controller',
  watches,
  workers: 1,
  keysOf: (resource, object, _deleted, view) => {
    if (resource === QUOTAS) return [`${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`];
    const namespace = object.metadata.namespace ?? '';
    return view.list(QUOTAS).filter((q) => q.metadata.namespace === namespace).map((q) => `${namespace}/${q.metadata.name ?? ''}`);
  },
  async reconcile(key, view, input) {
    const [namespace = '', name = ''] = key.split('/');
    const quota = view.get(QUOTAS, namespace, name);
    if (!quota) return;
    const objects = new Map<string, KubeObject[]>();
    for (const { plural, group } of COUNTED) objects.set(resourceKey(plural, group), await listed(input, group, plural, namespace));
    const status = quotaStatus(quota, (plural, group) => objects.get(resourceKey(plural, group)) ?? [], input.clock.now());
    if (JSON.stringify(status) === JSON.stringify(quota.status ?? {})) return;
    const reply = await input.client.request('update', { apiGroup: '', namespace, resource: 'resourcequotas', name, subresource: 'status' }, { body: { ...quota, status } });
    // 404: deleted meanwhile; a 409 (changed meanwhile) fails this sync, and it runs again on the newer quota.
    expectStatus(`updating resourcequota ${key} status`, reply, 200, 404);
  },
};

export const resourceQuotaController: ControllerDescriptor = {
  name: 'resourcequota-controller',
  aliases: ['resourcequota'],
  user: serviceAccountUser('resourcequota-controller'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};
