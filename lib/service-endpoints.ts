// How kube-apiserver reaches a Service with no kube-proxy
// (k8s.io/apiserver/pkg/util/proxy ResolveEndpoint): the Service's port, then
// a ready endpoint of an EndpointSlice labelled with the Service's name that
// serves that port's name. Where a Service has no EndpointSlice, its
// Endpoints object stands in (kube's mirroring controller would have made a
// slice of it). Errors carry kube's texts.

import type { KubeObject } from '../protocol/kube/meta.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** What the resolver reads: the current objects, by namespace and name. */
export interface EndpointsView {
  service(namespace: string, name: string): KubeObject | undefined;
  /** EndpointSlices labelled `kubernetes.io/service-name=<name>`. */
  endpointSlices(namespace: string, name: string): readonly KubeObject[];
  endpoints(namespace: string, name: string): KubeObject | undefined;
}

const RESOLVABLE_TYPES = new Set(['ClusterIP', 'LoadBalancer', 'NodePort']);

const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

function fromSlices(slices: readonly KubeObject[], portName: string, family: string): { host: string; port: number } | undefined {
  const ordered = [...slices].sort((a, b) => Number(b.addressType === family) - Number(a.addressType === family));
  for (const slice of ordered) {
    for (const port of objects(slice.ports)) {
      if ((port.name ?? '') !== portName || typeof port.port !== 'number') continue;
      const ready = objects(slice.endpoints).filter((e) => (e.conditions as Obj | undefined)?.ready !== false && Array.isArray(e.addresses) && e.addresses.length > 0);
      const endpoint = pick(ready);
      if (endpoint) return { host: String((endpoint.addresses as unknown[])[0]), port: port.port };
    }
  }
  return undefined;
}

function fromEndpoints(endpoints: KubeObject, portName: string): { host: string; port: number } | undefined {
  for (const subset of objects(endpoints.subsets)) {
    const port = objects(subset.ports).find((p) => (p.name ?? '') === portName && typeof p.port === 'number');
    const address = pick(objects(subset.addresses).filter((a) => typeof a.ip === 'string'));
    if (port && address) return { host: String(address.ip), port: port.port as number };
  }
  return undefined;
}

/** The address behind a Service's port; throws an Error in kube's words when there is none. */
export function resolveServiceEndpoint(view: EndpointsView, namespace: string, name: string, port: number): { host: string; port: number } {
  const service = view.service(namespace, name);
  if (!service) throw new Error(`service "${name}" not found`);
  const spec = isObj(service.spec) ? service.spec : {};
  const type = typeof spec.type === 'string' ? spec.type : 'ClusterIP';
  if (!RESOLVABLE_TYPES.has(type)) throw new Error(`unsupported service type "${type}"`);
  const servicePort = objects(spec.ports).find((p) => p.port === port);
  if (!servicePort) throw new Error(`no service port ${port} found for service "${name}"`);
  const portName = typeof servicePort.name === 'string' ? servicePort.name : '';
  const family = Array.isArray(spec.ipFamilies) && typeof spec.ipFamilies[0] === 'string' ? spec.ipFamilies[0] : '';
  const slices = view.endpointSlices(namespace, name);
  const endpoints = slices.length > 0 ? undefined : view.endpoints(namespace, name);
  const found = slices.length > 0 ? fromSlices(slices, portName, family) : endpoints ? fromEndpoints(endpoints, portName) : undefined;
  if (!found) throw new Error(`no endpoints available for service "${name}"`);
  return found;
}
