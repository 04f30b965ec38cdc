// What kube-aggregator reads of APIServices, Services and their endpoints:
// pure functions shared by the aggregator (routing, discovery), the proxy,
// autoregister and the availability controller.

import type { KubeObject } from '../../protocol/kube/meta.js';
import { GROUP_PRIORITY, VERSION_PRIORITY } from '../../scheme/kinds/facts.js';

export const APIREGISTRATION = 'apiregistration.k8s.io';
/** The label kube's autoregister puts on the Local APIServices it keeps from start. */
export const AUTOMANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';

export interface ServiceReference {
  namespace: string;
  name: string;
  port: number;
}

export interface ApiServiceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** The spec fields the aggregator acts on, read defensively from a stored APIService. */
export interface ApiServiceView {
  name: string;
  generation: number;
  group: string;
  version: string;
  groupPriorityMinimum: number;
  versionPriority: number;
  /** Absent for a Local APIService. */
  service: ServiceReference | undefined;
  caBundle: string | undefined;
  insecureSkipTLSVerify: boolean;
  available: ApiServiceCondition | undefined;
}

export const apiServiceName = (group: string, version: string): string => `${version}.${group}`;

export function viewOf(object: KubeObject): ApiServiceView {
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  const service = spec.service as Partial<ServiceReference> | undefined;
  const conditions = ((object.status as { conditions?: ApiServiceCondition[] } | undefined)?.conditions ?? []);
  return {
    name: object.metadata.name ?? '',
    generation: object.metadata.generation ?? 0,
    group: String(spec.group ?? ''),
    version: String(spec.version ?? ''),
    groupPriorityMinimum: Number(spec.groupPriorityMinimum ?? 0),
    versionPriority: Number(spec.versionPriority ?? 0),
    service: service && service.name ? { namespace: String(service.namespace ?? ''), name: String(service.name), port: Number(service.port ?? 443) } : undefined,
    caBundle: typeof spec.caBundle === 'string' && spec.caBundle !== '' ? spec.caBundle : undefined,
    insecureSkipTLSVerify: spec.insecureSkipTLSVerify === true,
    available: conditions.find((c) => c.type === 'Available'),
  };
}

export const isAvailable = (view: ApiServiceView): boolean => view.available?.status === 'True';

/** kube's apiVersionPriorities for a built-in group version: the group's discovery priority; v1 of the core group 1, others 15. */
export function builtinPriorities(group: string, version: string): { groupPriorityMinimum: number; versionPriority: number } {
  return { groupPriorityMinimum: GROUP_PRIORITY[group] ?? 1000, versionPriority: VERSION_PRIORITY[`${group}/${version}`] ?? (group === '' ? 1 : 15) };
}

export const LOCAL_AVAILABLE: Omit<ApiServiceCondition, 'lastTransitionTime'> = { type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available' };

/** A Local APIService as autoregister keeps it. */
export function localApiService(group: string, version: string, priorities: { groupPriorityMinimum: number; versionPriority: number }): KubeObject {
  return {
    apiVersion: `${APIREGISTRATION}/v1`,
    kind: 'APIService',
    metadata: { name: apiServiceName(group, version), labels: { [AUTOMANAGED_LABEL]: 'onstart' } },
    spec: { group, version, ...priorities },
  };
}

// ---------------------------------------------------------------- endpoints

export interface Backend {
  host: string;
  port: number;
}

/** Where a Service's endpoints are, or why there are none: kube's availability reasons and messages. */
export type Resolution = { backends: Backend[] } | { reason: string; message: string };

export interface ServiceLookup {
  service(namespace: string, name: string): KubeObject | undefined;
  /** EndpointSlices labelled kubernetes.io/service-name=<name>. */
  slices(namespace: string, name: string): KubeObject[];
  endpoints(namespace: string, name: string): KubeObject | undefined;
}

type Port = { name?: string; port?: number };

/**
 * kube's --enable-aggregator-routing: the Service's port named by the APIService, then the addresses
 * of its EndpointSlices (or, where none exist, its Endpoints) serving that port's name.
 */
export function resolveService(ref: ServiceReference, lookup: ServiceLookup): Resolution {
  const where = `service/${ref.name} in ${JSON.stringify(ref.namespace)}`;
  const service = lookup.service(ref.namespace, ref.name);
  if (!service) return { reason: 'ServiceNotFound', message: `${where} is not present` };
  const spec = (service.spec ?? {}) as { type?: string; ports?: (Port & { targetPort?: unknown })[]; externalName?: string };
  if (spec.type === 'ExternalName') return { backends: [{ host: String(spec.externalName ?? ''), port: ref.port }] };
  const port = (spec.ports ?? []).find((p) => p.port === ref.port);
  if (!port) return { reason: 'ServicePortError', message: `${where} is not listening on port ${ref.port}` };
  const portName = port.name ?? '';
  const slices = lookup.slices(ref.namespace, ref.name);
  if (slices.length > 0) {
    const backends = slices.flatMap((slice) => {
      const target = ((slice.ports ?? []) as Port[]).find((p) => (p.name ?? '') === portName && p.port !== undefined);
      if (!target) return [];
      const ready = ((slice.endpoints ?? []) as { addresses?: string[]; conditions?: { ready?: boolean } }[]).filter((e) => e.conditions?.ready !== false);
      return ready.flatMap((e) => (e.addresses ?? []).map((host) => ({ host, port: target.port! })));
    });
    if (backends.length === 0) return { reason: 'MissingEndpoints', message: `endpointslices for ${where} have no addresses with port name ${JSON.stringify(portName)}` };
    return { backends };
  }
  const endpoints = lookup.endpoints(ref.namespace, ref.name);
  if (!endpoints) return { reason: 'EndpointsNotFound', message: `cannot find endpointslices for ${where}` };
  const subsets = (endpoints.subsets ?? []) as { addresses?: { ip: string }[]; ports?: Port[] }[];
  const backends = subsets.flatMap((subset) => {
    const target = (subset.ports ?? []).find((p) => (p.name ?? '') === portName && p.port !== undefined);
    return target ? (subset.addresses ?? []).map((a) => ({ host: a.ip, port: target.port! })) : [];
  });
  if (backends.length === 0) return { reason: 'MissingEndpoints', message: `endpoints for ${where} have no addresses with port name ${JSON.stringify(portName)}` };
  return { backends };
}

/** An index of Services, EndpointSlices and Endpoints by namespace/name, fed by store subscriptions. */
export class ServiceIndex implements ServiceLookup {
  readonly services = new Map<string, KubeObject>();
  readonly endpointsByName = new Map<string, KubeObject>();
  /** EndpointSlices by `<namespace>/<service name>`, each by slice name. */
  readonly slicesByService = new Map<string, Map<string, KubeObject>>();

  service(namespace: string, name: string): KubeObject | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  slices(namespace: string, name: string): KubeObject[] {
    return [...(this.slicesByService.get(`${namespace}/${name}`)?.values() ?? [])];
  }

  endpoints(namespace: string, name: string): KubeObject | undefined {
    return this.endpointsByName.get(`${namespace}/${name}`);
  }

  /** Applies one object's change from the `services`, `endpoints` or `endpointslices.discovery.k8s.io` store. */
  apply(resource: string, object: KubeObject, deleted: boolean): void {
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
    if (resource === 'services' || resource === 'endpoints') {
      const map = resource === 'services' ? this.services : this.endpointsByName;
      if (deleted) map.delete(key);
      else map.set(key, object);
      return;
    }
    const service = object.metadata.labels?.['kubernetes.io/service-name'];
    const namespace = `${object.metadata.namespace ?? ''}/`;
    for (const [serviceKey, slices] of this.slicesByService) {
      if (!serviceKey.startsWith(namespace)) continue;
      slices.delete(object.metadata.name ?? '');
      if (slices.size === 0) this.slicesByService.delete(serviceKey);
    }
    if (deleted || !service) return;
    const serviceKey = `${object.metadata.namespace ?? ''}/${service}`;
    let slices = this.slicesByService.get(serviceKey);
    if (!slices) this.slicesByService.set(serviceKey, (slices = new Map()));
    slices.set(object.metadata.name ?? '', object);
  }
}
