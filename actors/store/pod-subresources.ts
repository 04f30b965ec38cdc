// What a pods store answers for the subresources only pods have, as
// kube-apiserver answers them with no kubelet to reach:
//   log                      an unscheduled pod's logs are empty; a bound pod's need its kubelet
//   exec, attach, portforward 400 "pod X does not have a host assigned" until it is bound
//   proxy                    400 "address not allowed" until the pod has an IP
//   binding (and the bindings resource)  sets spec.nodeName once; 409 when already bound
//   ephemeralcontainers      writes spec.ephemeralContainers alone; existing ones may not change
//   resize                   writes the containers' resources alone
// and, for the other proxies: services/proxy (503, no endpoints to reach) and
// nodes/proxy (500, the node's kubelet cannot be reached).
// Never a hang: every one answers at once.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest, ResourceRequestInfo } from '../../protocol/messages/request.js';
import { statusResponse, textResponse } from '../../protocol/messages/http.js';
import { badRequest, conflict, failure, internalError, invalid, notFound, success, type Status } from '../../protocol/kube/status.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import { keyOf, latest, parseObject, type StoreState } from './store-state.js';
import { reply, writeUpdate } from './write.js';

interface Container {
  name: string;
  resources?: unknown;
}

interface PodSpec {
  nodeName?: string;
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
}

const specOf = (pod: KubeObject): PodSpec => (pod.spec ?? {}) as PodSpec;

/** kube's container choice for log, exec and attach: ?container=, else the only one (or the default-container annotation). */
function containerOf(pod: KubeObject, query: Record<string, string>): string | Status {
  const name = pod.metadata.name ?? '';
  const spec = specOf(pod);
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])].map((c) => c.name);
  const asked = query.container;
  if (asked) return all.includes(asked) ? asked : badRequest(`container ${asked} is not valid for pod ${name}`);
  const containers = (spec.containers ?? []).map((c) => c.name);
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && containers.includes(annotated)) return annotated;
  if (containers.length === 1) return containers[0]!;
  return badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
}

const isStatus = (value: unknown): value is Status => isPlainObject(value) && value.kind === 'Status' && typeof value.code === 'number';

/** A kubelet is what would answer for a bound pod; none can be reached from here. */
function kubeletUnreachable(node: string, path: string): Status {
  return internalError(`Get "https://${node}:10250${path}": dial tcp: lookup ${node}: no such host`);
}

function serveConnect(state: StoreState, request: ApiRequest, info: ResourceRequestInfo, pod: KubeObject): void {
  const name = info.name;
  const node = specOf(pod).nodeName ?? '';
  switch (info.subresource) {
    case 'log': {
      const container = containerOf(pod, request.query);
      if (isStatus(container)) return reply(request, container);
      if (!node) return request.replyTo.send(textResponse(request.id, 200, ''));
      return reply(request, kubeletUnreachable(node, `/containerLogs/${info.namespace}/${name}/${container}`));
    }
    case 'exec':
    case 'attach': {
      const container = containerOf(pod, request.query);
      if (isStatus(container)) return reply(request, container);
      if (!node) return reply(request, badRequest(`pod ${name} does not have a host assigned`));
      return reply(request, kubeletUnreachable(node, `/${info.subresource}/${info.namespace}/${name}/${container}`));
    }
    case 'portforward':
      if (!node) return reply(request, badRequest(`pod ${name} does not have a host assigned`));
      return reply(request, kubeletUnreachable(node, `/portForward/${info.namespace}/${name}`));
    case 'proxy': {
      const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
      if (!ip) return reply(request, badRequest('address not allowed'));
      return reply(request, failure('ServiceUnavailable', `error trying to reach service: dial tcp ${ip}: connect: no route to host`, undefined, 503));
    }
  }
}

/** POST pods/<name>/binding, or POST bindings naming the pod: assigns the pod to a node, once. */
function serveBinding(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  const decoded = decodeBody(request);
  if (!decoded.ok) return reply(request, decoded.status);
  const binding = decoded.value;
  if (!isPlainObject(binding) || !isPlainObject(binding.target)) return reply(request, badRequest('the object provided is not a Binding'));
  const meta = (isPlainObject(binding.metadata) ? binding.metadata : {}) as { name?: string };
  const name = info.name || meta.name || '';
  const target = binding.target as { kind?: string; name?: string };
  if (target.kind && target.kind !== 'Node') {
    return reply(request, invalid('Binding', '', name, [{ reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: "${target.kind}": supported values: "Node", "<empty>"` }]));
  }
  if (!target.name) return reply(request, invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]));
  const current = latest(state, keyOf(info.namespace, name));
  if (!current) return reply(request, notFound(state.resource, name));
  const pod = parseObject(current);
  const bound = specOf(pod).nodeName;
  if (bound) return reply(request, conflict(state.resource, name, `pod ${name} is already assigned to node "${bound}"`));
  if (pod.metadata.deletionTimestamp) return reply(request, conflict(state.resource, name, `pod ${name} is being deleted, cannot be assigned to a host`));
  pod.spec = { ...specOf(pod), nodeName: target.name };
  const done = (): void => request.replyTo.send(statusResponse(request.id, { ...success(), code: 201 }));
  writeUpdate(state, request, { ...info, name }, { object: pod }, current, 'main', { entry: done, object: done });
}

/** spec.ephemeralContainers alone; those already there may not change. */
export function mergeEphemeralContainers(old: KubeObject, body: KubeObject): KubeObject | Status {
  const wanted = specOf(body).ephemeralContainers ?? [];
  const existing = specOf(old).ephemeralContainers ?? [];
  for (const [i, container] of existing.entries()) {
    const now = wanted.find((c) => c.name === container.name);
    if (!now || JSON.stringify(now) !== JSON.stringify(container)) {
      return invalid('Pod', '', old.metadata.name ?? '', [{ reason: 'FieldValueForbidden', field: `spec.ephemeralContainers[${i}]`, message: 'Forbidden: existing ephemeral containers may not be changed' }]);
    }
  }
  const object = structuredClone(old);
  object.spec = { ...specOf(old), ephemeralContainers: wanted };
  if (body.metadata?.resourceVersion) object.metadata.resourceVersion = body.metadata.resourceVersion;
  else delete object.metadata.resourceVersion;
  return object;
}

/** The containers' resources alone (in-place resize). */
export function mergeResources(old: KubeObject, body: KubeObject): KubeObject | Status {
  const object = structuredClone(old);
  const wanted = specOf(body).containers ?? [];
  for (const container of specOf(object).containers ?? []) {
    const now = wanted.find((c) => c.name === container.name);
    if (now && now.resources !== undefined) container.resources = now.resources;
  }
  if (body.metadata?.resourceVersion) object.metadata.resourceVersion = body.metadata.resourceVersion;
  else delete object.metadata.resourceVersion;
  return object;
}

/** Serves a pod subresource that is not a plain write: log, exec, attach, portforward, proxy, binding. True when it did. */
export function servePodSubresource(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): boolean {
  if (state.kind.group !== '') return false;
  if (info.subresource === 'proxy' && (state.kind.plural === 'services' || state.kind.plural === 'nodes')) {
    const current = latest(state, keyOf(info.namespace, info.name));
    if (!current) reply(request, notFound(state.resource, info.name));
    else if (state.kind.plural === 'services') reply(request, failure('ServiceUnavailable', `no endpoints available for service "${info.name}"`, undefined, 503));
    else reply(request, kubeletUnreachable(info.name, '/'));
    return true;
  }
  if (state.kind.plural !== 'pods') return false;
  if (info.resource === 'bindings' || info.subresource === 'binding') {
    serveBinding(state, request, info);
    return true;
  }
  if (!['log', 'exec', 'attach', 'portforward', 'proxy'].includes(info.subresource)) return false;
  const current = latest(state, keyOf(info.namespace, info.name));
  if (!current) {
    reply(request, notFound(state.resource, info.name));
    return true;
  }
  serveConnect(state, request, info, parseObject(current));
  return true;
}
