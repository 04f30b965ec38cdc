// What an object costs against a ResourceQuota: kube's quota evaluators
// (pkg/quota/v1/evaluator/core) as pure functions, shared by the ResourceQuota
// admission plugin (which charges a write) and the resourcequota controller
// (which sums what is stored into status.used).
//
//   every object      count/<resource>[.<group>]: 1, and the legacy plain name
//                     of the core kinds (pods, services, configmaps, secrets, …)
//   pods              requests.<r> (and plain cpu, memory, ephemeral-storage),
//                     limits.<r>: the containers' sum, or the largest init
//                     container's when more; terminal pods cost nothing
//   services          services.loadbalancers, services.nodeports
//   persistentvolumeclaims  requests.storage, and per storage class
//                     <class>.storageclass.storage.k8s.io/requests.storage and …/persistentvolumeclaims

import type { KubeObject } from '../../../protocol/kube/meta.js';
import { formatNanos, parseExact } from '../../../scheme/kinds/workloads/quantity.js';

export interface Amount {
  nanos: bigint;
  binary: boolean;
}

export type Usage = Map<string, Amount>;

const ONE: Amount = { nanos: 1_000_000_000n, binary: false };
const ZERO: Amount = { nanos: 0n, binary: false };

export function amountOf(quantity: unknown): Amount | undefined {
  if (typeof quantity !== 'string' && typeof quantity !== 'number') return undefined;
  const parsed = parseExact(String(quantity));
  return parsed && { nanos: parsed.nanos, binary: parsed.format === 'BinarySI' };
}

export const formatAmount = (a: Amount): string => formatNanos(a.nanos, a.binary ? 'BinarySI' : 'DecimalSI');

function add(usage: Usage, key: string, amount: Amount): void {
  const had = usage.get(key);
  usage.set(key, had ? { nanos: had.nanos + amount.nanos, binary: had.binary } : amount);
}

/** The core kinds quota counts by their plain name as well as count/<name>. */
const LEGACY_COUNTED = new Set(['pods', 'services', 'configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas', 'persistentvolumeclaims']);
const PLAIN_REQUESTS = new Set(['cpu', 'memory', 'ephemeral-storage']);

export const countKey = (group: string, resource: string): string => `count/${resource}${group ? `.${group}` : ''}`;

interface Container { name?: string; resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } }
interface PodSpec { containers?: Container[]; initContainers?: Container[]; activeDeadlineSeconds?: number; priorityClassName?: string }

function containerUsage(container: Container): Usage {
  const usage: Usage = new Map();
  for (const [r, q] of Object.entries(container.resources?.requests ?? {})) {
    const amount = amountOf(q);
    if (!amount) continue;
    add(usage, `requests.${r}`, amount);
    if (PLAIN_REQUESTS.has(r)) add(usage, r, amount);
  }
  for (const [r, q] of Object.entries(container.resources?.limits ?? {})) {
    const amount = amountOf(q);
    if (amount) add(usage, `limits.${r}`, amount);
  }
  return usage;
}

/** A pod that has finished (or whose deletion grace has run out) holds no quota. */
export function isTerminalPod(pod: KubeObject, now: number): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  const deletion = pod.metadata.deletionTimestamp;
  if (!deletion) return false;
  return Date.parse(deletion) + (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000 < now;
}

function podUsage(pod: KubeObject, usage: Usage): void {
  const spec = (pod.spec ?? {}) as PodSpec;
  const sum: Usage = new Map();
  for (const c of spec.containers ?? []) for (const [k, a] of containerUsage(c)) add(sum, k, a);
  for (const c of spec.initContainers ?? []) {
    for (const [k, a] of containerUsage(c)) if ((sum.get(k)?.nanos ?? 0n) < a.nanos) sum.set(k, a);
  }
  for (const [k, a] of sum) add(usage, k, a);
}

interface ServiceSpec { type?: string; ports?: unknown[] }
interface ClaimSpec { storageClassName?: string; resources?: { requests?: Record<string, unknown> } }

/** What one object of `group`/`resource` costs. */
export function usageOf(group: string, resource: string, object: KubeObject, now: number): Usage {
  const usage: Usage = new Map();
  if (group === '' && resource === 'pods' && isTerminalPod(object, now)) return usage;
  add(usage, countKey(group, resource), ONE);
  if (group !== '') return usage;
  if (LEGACY_COUNTED.has(resource)) add(usage, resource, ONE);
  if (resource === 'pods') podUsage(object, usage);
  if (resource === 'services') {
    const spec = (object.spec ?? {}) as ServiceSpec;
    if (spec.type === 'LoadBalancer') add(usage, 'services.loadbalancers', ONE);
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      add(usage, 'services.nodeports', { nanos: BigInt(spec.ports?.length ?? 0) * ONE.nanos, binary: false });
    }
  }
  if (resource === 'persistentvolumeclaims') {
    const spec = (object.spec ?? {}) as ClaimSpec;
    const storage = amountOf(spec.resources?.requests?.storage);
    if (storage) add(usage, 'requests.storage', storage);
    if (spec.storageClassName) {
      const prefix = `${spec.storageClassName}.storageclass.storage.k8s.io/`;
      add(usage, `${prefix}persistentvolumeclaims`, ONE);
      if (storage) add(usage, `${prefix}requests.storage`, storage);
    }
  }
  return usage;
}

/** Usage of `next` less that of `previous`, keeping only what grows (an update is charged only for its increase). */
export function increase(next: Usage, previous: Usage | undefined): Usage {
  const delta: Usage = new Map();
  for (const [k, a] of next) {
    const nanos = a.nanos - (previous?.get(k)?.nanos ?? 0n);
    if (nanos > 0n) delta.set(k, { nanos, binary: a.binary });
  }
  return delta;
}

export function sumInto(total: Usage, more: Usage): void {
  for (const [k, a] of more) add(total, k, a);
}

export const amountOr0 = (usage: Usage, key: string): Amount => usage.get(key) ?? ZERO;

/** kube's prettyPrint of a ResourceList: `k=v` by sorted key, joined by commas. */
export function prettyPrint(usage: Usage): string {
  return [...usage.keys()].sort().map((k) => `${k}=${formatAmount(usage.get(k)!)}`).join(',');
}

/** A ResourceList (hard, used) as Usage; what does not parse is left out. */
export function usageFromList(list: unknown): Usage {
  const usage: Usage = new Map();
  if (list === null || typeof list !== 'object') return usage;
  for (const [k, q] of Object.entries(list as Record<string, unknown>)) {
    const amount = amountOf(q);
    if (amount) usage.set(k, amount);
  }
  return usage;
}

export function listFromUsage(usage: Usage): Record<string, string> {
  const list: Record<string, string> = {};
  for (const k of [...usage.keys()].sort()) list[k] = formatAmount(usage.get(k)!);
  return list;
}

// ---- scopes: which objects a quota with spec.scopes / spec.scopeSelector covers ----

interface ScopeRequirement { scopeName: string; operator: string; values?: string[] }
interface QuotaSpec { hard?: Record<string, unknown>; scopes?: string[]; scopeSelector?: { matchExpressions?: ScopeRequirement[] } }

const COMPUTE = (k: string): boolean => /^(requests\.|limits\.)?(cpu|memory)$/.test(k);

function isBestEffort(pod: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as PodSpec;
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].every((c) =>
    Object.keys(c.resources?.requests ?? {}).length === 0 && Object.keys(c.resources?.limits ?? {}).length === 0);
}

function scopeMatches(req: ScopeRequirement, pod: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as PodSpec;
  switch (req.scopeName) {
    case 'Terminating': return spec.activeDeadlineSeconds !== undefined;
    case 'NotTerminating': return spec.activeDeadlineSeconds === undefined;
    case 'BestEffort': return isBestEffort(pod);
    case 'NotBestEffort': return !isBestEffort(pod);
    case 'PriorityClass': {
      const name = spec.priorityClassName ?? '';
      switch (req.operator) {
        case 'In': return (req.values ?? []).includes(name);
        case 'NotIn': return !(req.values ?? []).includes(name);
        case 'Exists': return name !== '';
        case 'DoesNotExist': return name === '';
        default: return false;
      }
    }
    default: return false;
  }
}

/** Whether the quota covers this object: unscoped quotas cover everything; scoped ones only pods that match every scope. */
export function quotaCovers(quota: KubeObject, group: string, resource: string, object: KubeObject): boolean {
  const spec = (quota.spec ?? {}) as QuotaSpec;
  const requirements: ScopeRequirement[] = [
    ...(spec.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' })),
    ...(spec.scopeSelector?.matchExpressions ?? []),
  ];
  if (requirements.length === 0) return true;
  if (group !== '' || resource !== 'pods') return false;
  return requirements.every((r) => scopeMatches(r, object));
}

/** The resources of `hard` a scoped quota may track (BestEffort quotas track pods only, not compute). */
export function trackedKeys(quota: KubeObject): string[] {
  const spec = (quota.spec ?? {}) as QuotaSpec;
  const keys = Object.keys(spec.hard ?? {});
  return spec.scopes?.includes('BestEffort') ? keys.filter((k) => !COMPUTE(k)) : keys;
}

/** kube's pod evaluator constraint: a quota on cpu or memory needs every container to state it. The message, or undefined. */
export function missingComputeMessage(pod: KubeObject, hardKeys: readonly string[]): string | undefined {
  const required = hardKeys.filter(COMPUTE);
  if (required.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const container of ((pod.spec ?? {}) as PodSpec).containers ?? []) {
    const has = containerUsage(container);
    for (const key of required) {
      if (has.has(key)) continue;
      let names = missing.get(key);
      if (!names) missing.set(key, (names = new Set()));
      names.add(container.name ?? '');
    }
  }
  if (missing.size === 0) return undefined;
  return `must specify ${[...missing.keys()].sort().map((k) => `${k} for: ${[...missing.get(k)!].sort().join(',')}`).join('; ')}`;
}
