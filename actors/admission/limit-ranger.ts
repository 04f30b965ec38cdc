// kube's LimitRanger admission plugin (plugin/pkg/admission/limitranger).
// Mutating, on pod creation: each container and init container gets the
// namespace's LimitRange defaults it does not state (`default` limits,
// `defaultRequest` requests, themselves defaulted from max and min as kube's
// LimitRangeItem defaulting does), and the pod is annotated
// `kubernetes.io/limit-ranger` with what was set.
// Validating: pods (type Container, per container; type Pod, the pod's sum)
// and PersistentVolumeClaims (type PersistentVolumeClaim, requests.storage)
// within min, max and maxLimitRequestRatio, refused with kube's messages.
// Watches: limitranges.

import type { KubeObject } from '../../protocol/kube/meta.js';
import { forbidden } from '../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import { canonicalQuantity } from '../../scheme/kinds/workloads/quantity.js';
import { amountOf } from '../controllers/resourcequota/usage.js';
import { ALLOW, type PluginRegistration, type PluginVerdict } from './plugin.js';

type ResourceList = Record<string, string>;
interface LimitRangeItem {
  type?: string;
  min?: ResourceList;
  max?: ResourceList;
  default?: ResourceList;
  defaultRequest?: ResourceList;
  maxLimitRequestRatio?: ResourceList;
}
interface Resources { requests?: ResourceList; limits?: ResourceList }
interface Container { name?: string; resources?: Resources }
interface PodSpec { containers?: Container[]; initContainers?: Container[] }

const ANNOTATION = 'kubernetes.io/limit-ranger';

const itemsOf = (range: KubeObject): LimitRangeItem[] => ((range.spec as { limits?: LimitRangeItem[] } | undefined)?.limits ?? []);

/** kube's SetDefaults_LimitRangeItem for containers: default ← max, defaultRequest ← default, then min. */
function containerDefaults(item: LimitRangeItem): { limits: ResourceList; requests: ResourceList } {
  const limits: ResourceList = { ...item.max, ...item.default };
  const requests: ResourceList = { ...item.min, ...limits, ...item.defaultRequest };
  return { limits, requests };
}

function mergeDefaults(container: Container, defaults: { limits: ResourceList; requests: ResourceList }, prefix: string, notes: string[]): void {
  const resources = (container.resources ??= {});
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  for (const [r, q] of Object.entries(defaults.limits)) {
    if ((resources.limits ??= {})[r] !== undefined) continue;
    resources.limits[r] = q;
    setLimits.push(r);
  }
  for (const [r, q] of Object.entries(defaults.requests)) {
    if ((resources.requests ??= {})[r] !== undefined) continue;
    resources.requests[r] = q;
    setRequests.push(r);
  }
  if (Object.keys(resources.limits ?? {}).length === 0) delete resources.limits;
  if (Object.keys(resources.requests ?? {}).length === 0) delete resources.requests;
  if (setRequests.length > 0) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${container.name ?? ''}`);
  if (setLimits.length > 0) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${container.name ?? ''}`);
}

const shown = (q: unknown): string => String(canonicalQuantity(q));
const valueOf = (q: unknown): bigint | undefined => amountOf(q)?.nanos;

/** kube's min, max and maxLimitRequestRatio constraints on one request/limit pair. */
function constraints(item: LimitRangeItem, limitType: string, requests: ResourceList, limits: ResourceList, errors: string[]): void {
  for (const r of Object.keys(item.min ?? {}).sort()) {
    const enforced = item.min![r]!;
    const min = valueOf(enforced) ?? 0n;
    const req = requests[r];
    const lim = limits[r];
    if (req === undefined) errors.push(`minimum ${r} usage per ${limitType} is ${shown(enforced)}.  No request is specified`);
    else if ((valueOf(req) ?? 0n) < min) errors.push(`minimum ${r} usage per ${limitType} is ${shown(enforced)}, but request is ${shown(req)}`);
    else if (lim !== undefined && (valueOf(lim) ?? 0n) < min) errors.push(`minimum ${r} usage per ${limitType} is ${shown(enforced)}, but limit is ${shown(lim)}`);
  }
  for (const r of Object.keys(item.max ?? {}).sort()) {
    const enforced = item.max![r]!;
    const max = valueOf(enforced) ?? 0n;
    const req = requests[r];
    const lim = limits[r];
    if (lim === undefined) errors.push(`maximum ${r} usage per ${limitType} is ${shown(enforced)}.  No limit is specified`);
    else if ((valueOf(lim) ?? 0n) > max) errors.push(`maximum ${r} usage per ${limitType} is ${shown(enforced)}, but limit is ${shown(lim)}`);
    else if (req !== undefined && (valueOf(req) ?? 0n) > max) errors.push(`maximum ${r} usage per ${limitType} is ${shown(enforced)}, but request is ${shown(req)}`);
  }
  for (const r of Object.keys(item.maxLimitRequestRatio ?? {}).sort()) {
    const enforced = item.maxLimitRequestRatio![r]!;
    const req = valueOf(requests[r]) ?? 0n;
    const lim = valueOf(limits[r]) ?? 0n;
    if (req <= 0n) {
      errors.push(`${r} max limit to request ratio per ${limitType} is ${shown(enforced)}, but no request is specified or request is 0`);
      continue;
    }
    const ratio = Number(lim) / Number(req);
    if (ratio * 1e9 > Number(valueOf(enforced) ?? 0n)) errors.push(`${r} max limit to request ratio per ${limitType} is ${shown(enforced)}, but provided ratio is ${ratio.toFixed(6)}`);
  }
}

/** A pod's total requests and limits: the containers' sum, or the largest init container's where more. */
function podTotals(spec: PodSpec): { requests: ResourceList; limits: ResourceList } {
  const total = { requests: new Map<string, bigint>(), limits: new Map<string, bigint>() };
  for (const c of spec.containers ?? []) {
    for (const part of ['requests', 'limits'] as const) {
      for (const [r, q] of Object.entries(c.resources?.[part] ?? {})) total[part].set(r, (total[part].get(r) ?? 0n) + (valueOf(q) ?? 0n));
    }
  }
  for (const c of spec.initContainers ?? []) {
    for (const part of ['requests', 'limits'] as const) {
      for (const [r, q] of Object.entries(c.resources?.[part] ?? {})) if ((valueOf(q) ?? 0n) > (total[part].get(r) ?? 0n)) total[part].set(r, valueOf(q)!);
    }
  }
  const list = (m: Map<string, bigint>): ResourceList => Object.fromEntries([...m].map(([r, n]) => [r, `${n}n`]));
  return { requests: list(total.requests), limits: list(total.limits) };
}

const isPodCreate = (a: AdmissionAttributes): boolean => a.operation === 'CREATE' && a.resource.group === '' && a.resource.resource === 'pods';
const isClaimWrite = (a: AdmissionAttributes): boolean => (a.operation === 'CREATE' || a.operation === 'UPDATE') && a.resource.group === '' && a.resource.resource === 'persistentvolumeclaims';

export const LIMIT_RANGER: PluginRegistration = {
  name: 'LimitRanger',
  defaultOn: true,
  create() {
    /** LimitRanges by namespace, then name. */
    const ranges = new Map<string, Map<string, KubeObject>>();
    const rangesIn = (namespace: string): KubeObject[] =>
      [...(ranges.get(namespace)?.values() ?? [])].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    const remember = (range: KubeObject, deleted: boolean): void => {
      const namespace = range.metadata.namespace ?? '';
      let inNamespace = ranges.get(namespace);
      if (deleted) {
        inNamespace?.delete(range.metadata.name ?? '');
        if (inNamespace?.size === 0) ranges.delete(namespace);
        return;
      }
      if (!inNamespace) ranges.set(namespace, (inNamespace = new Map()));
      inNamespace.set(range.metadata.name ?? '', range);
    };
    const refuse = (a: AdmissionAttributes, errors: string[]): PluginVerdict => ({
      allowed: false,
      status: forbidden({ group: '', resource: a.resource.resource }, a.name, errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`),
    });
    return {
      name: 'LimitRanger',
      watches: [{ group: '', plural: 'limitranges' }],
      observe(_resource, change) {
        if (change.type === 'SYNC') {
          ranges.clear();
          for (const r of change.objects ?? []) remember(r, false);
        } else if (change.object) remember(change.object, change.type === 'DELETED');
      },
      wantsObject: (a) => a.subresource === '' && ranges.has(a.namespace) && (isPodCreate(a) || isClaimWrite(a)),
      mutate(a, object) {
        if (!object || !isPodCreate(a)) return ALLOW;
        const spec = (object.spec ?? {}) as PodSpec;
        for (const range of rangesIn(a.namespace)) {
          for (const item of itemsOf(range)) {
            if (item.type !== 'Container') continue;
            const defaults = containerDefaults(item);
            const notes: string[] = [];
            for (const c of spec.containers ?? []) mergeDefaults(c, defaults, 'container', notes);
            for (const c of spec.initContainers ?? []) mergeDefaults(c, defaults, 'init container', notes);
            if (notes.length > 0) (object.metadata.annotations ??= {})[ANNOTATION] = `LimitRanger plugin set: ${notes.join('; ')}`;
          }
        }
        return ALLOW;
      },
      validate(a, object) {
        if (!object) return ALLOW;
        const errors: string[] = [];
        for (const range of rangesIn(a.namespace)) {
          for (const item of itemsOf(range)) {
            if (isPodCreate(a)) {
              const spec = (object.spec ?? {}) as PodSpec;
              if (item.type === 'Container') {
                for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) constraints(item, 'Container', c.resources?.requests ?? {}, c.resources?.limits ?? {}, errors);
              } else if (item.type === 'Pod') {
                const totals = podTotals(spec);
                constraints(item, 'Pod', totals.requests, totals.limits, errors);
              }
            } else if (isClaimWrite(a) && item.type === 'PersistentVolumeClaim') {
              const resources = (object.spec as { resources?: Resources } | undefined)?.resources ?? {};
              constraints(item, 'PersistentVolumeClaim', resources.requests ?? {}, resources.limits ?? {}, errors);
            }
          }
        }
        return errors.length > 0 ? refuse(a, errors) : ALLOW;
      },
    };
  },
};
