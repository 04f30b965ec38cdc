// kube's ResourceQuota admission plugin (k8s.io/apiserver admission/plugin/resourcequota),
// validating phase, last in the chain: a create or update that would take a
// namespace's usage past a quota's hard limit is refused with kube's 403
// "exceeded quota: …"; an admitted write is charged at once, so the next write
// sees it before the resourcequota controller has recounted (its status.used
// update clears the charges it now includes).
//
// Configuration (AdmissionConfiguration, ResourceQuotaConfiguration):
// `limitedResources` lists resources that may only be consumed under a quota
// that covers them.
// Watches: resourcequotas.

import type { KubeObject } from '../../protocol/kube/meta.js';
import { forbidden } from '../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import {
  amountOr0, increase, missingComputeMessage, prettyPrint, quotaCovers, sumInto, trackedKeys, usageFromList, usageOf, type Usage,
} from '../controllers/resourcequota/usage.js';
import { ALLOW, type PluginRegistration, type PluginVerdict } from './plugin.js';

interface LimitedResource { apiGroup?: string; resource: string; matchContains?: string[]; matchScopes?: unknown[] }

function limitedResourcesOf(config: unknown): LimitedResource[] {
  const list = (config as { limitedResources?: unknown } | undefined)?.limitedResources;
  return Array.isArray(list) ? list.filter((l): l is LimitedResource => typeof (l as LimitedResource)?.resource === 'string') : [];
}

const usedOf = (quota: KubeObject): unknown => (quota.status as { used?: unknown } | undefined)?.used;

export const RESOURCE_QUOTA: PluginRegistration = {
  name: 'ResourceQuota',
  defaultOn: true,
  create({ clock, config }) {
    const limited = limitedResourcesOf(config);
    /** Quotas by namespace, then name. */
    const quotas = new Map<string, Map<string, KubeObject>>();
    /** What admission has charged to a quota (`<namespace>/<name>`) since the controller last counted. */
    const charged = new Map<string, Usage>();
    const limitsOf = (a: AdmissionAttributes): LimitedResource[] =>
      limited.filter((l) => l.resource === a.resource.resource && (l.apiGroup ?? '') === a.resource.group);
    const refuse = (a: AdmissionAttributes, why: string): PluginVerdict => ({ allowed: false, status: forbidden({ group: a.resource.group, resource: a.resource.resource }, a.name, why) });
    const remember = (quota: KubeObject, deleted: boolean): void => {
      const namespace = quota.metadata.namespace ?? '';
      const name = quota.metadata.name ?? '';
      let inNamespace = quotas.get(namespace);
      const before = inNamespace?.get(name);
      if (deleted || !before || JSON.stringify(usedOf(before)) !== JSON.stringify(usedOf(quota))) charged.delete(`${namespace}/${name}`);
      if (deleted) {
        inNamespace?.delete(name);
        if (inNamespace?.size === 0) quotas.delete(namespace);
        return;
      }
      if (!inNamespace) quotas.set(namespace, (inNamespace = new Map()));
      inNamespace.set(name, quota);
    };
    return {
      name: 'ResourceQuota',
      watches: [{ group: '', plural: 'resourcequotas' }],
      observe(_resource, change) {
        if (change.type === 'SYNC') {
          quotas.clear();
          charged.clear();
          for (const q of change.objects ?? []) remember(q, false);
        } else if (change.object) remember(change.object, change.type === 'DELETED');
      },
      wantsObject: (a) => (a.operation === 'CREATE' || a.operation === 'UPDATE') && a.subresource === '' && !!a.namespace && (quotas.has(a.namespace) || limitsOf(a).length > 0),
      validate(a, object, old) {
        if (!object) return ALLOW;
        const { group, resource } = a.resource;
        const now = clock.now();
        const usage = usageOf(group, resource, object, now);
        const delta = increase(usage, a.operation === 'UPDATE' && old ? usageOf(group, resource, old, now) : undefined);
        if (delta.size === 0) return ALLOW;
        const covering = [...(quotas.get(a.namespace)?.values() ?? [])]
          .filter((q) => quotaCovers(q, group, resource, object))
          .sort((x, y) => (x.metadata.name ?? '').localeCompare(y.metadata.name ?? ''));
        // A limited resource needs a quota that covers what it consumes.
        const needsCover = new Set<string>();
        for (const l of limitsOf(a)) for (const key of delta.keys()) if ((l.matchContains ?? []).some((m) => key.includes(m))) needsCover.add(key);
        for (const q of covering) for (const key of trackedKeys(q)) needsCover.delete(key);
        if (needsCover.size > 0) return refuse(a, `insufficient quota to consume: ${[...needsCover].sort().join(',')}`);
        const charges: [string, Usage][] = [];
        for (const quota of covering) {
          const name = quota.metadata.name ?? '';
          const tracked = trackedKeys(quota);
          if (a.operation === 'CREATE' && group === '' && resource === 'pods') {
            const missing = missingComputeMessage(object, tracked);
            if (missing) return refuse(a, `failed quota: ${name}: ${missing}`);
          }
          const interesting = [...delta.keys()].filter((k) => tracked.includes(k));
          if (interesting.length === 0) continue;
          const reported = usageFromList(usedOf(quota));
          const unknown = interesting.filter((k) => !reported.has(k));
          if (unknown.length > 0) return refuse(a, `status unknown for quota: ${name}, resources: ${unknown.sort().join(',')}`);
          const hard = usageFromList((quota.spec as { hard?: unknown } | undefined)?.hard);
          const used: Usage = new Map(reported);
          sumInto(used, charged.get(`${a.namespace}/${name}`) ?? new Map());
          const requested: Usage = new Map();
          const failedUsed: Usage = new Map();
          const failedHard: Usage = new Map();
          for (const key of interesting) {
            const limit = hard.get(key);
            if (!limit) continue;
            if (amountOr0(used, key).nanos + delta.get(key)!.nanos > limit.nanos) {
              requested.set(key, delta.get(key)!);
              failedUsed.set(key, amountOr0(used, key));
              failedHard.set(key, limit);
            }
          }
          if (requested.size > 0) {
            return refuse(a, `exceeded quota: ${name}, requested: ${prettyPrint(requested)}, used: ${prettyPrint(failedUsed)}, limited: ${prettyPrint(failedHard)}`);
          }
          charges.push([`${a.namespace}/${name}`, new Map(interesting.map((k) => [k, delta.get(k)!]))]);
        }
        if (!a.dryRun) {
          for (const [key, charge] of charges) {
            const total = charged.get(key) ?? new Map();
            sumInto(total, charge);
            charged.set(key, total);
          }
        }
        return ALLOW;
      },
    };
  },
};
