// The subresources a store serves over its own objects, as kube's generic
// registry does: /status (writes status alone), /scale (autoscaling/v1 Scale
// over spec.replicas), namespaces/finalize (spec.finalizers alone) and
// certificatesigningrequests/approval (status.conditions alone). Each builds
// the whole new object from the stored one and the part the request may
// change, then writes it as an update.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest, ResourceRequestInfo } from '../../protocol/messages/request.js';
import { jsonResponse } from '../../protocol/messages/http.js';
import { badRequest, invalid, methodNotAllowed, notFound, resourceNotFound, type Status } from '../../protocol/kube/status.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import type { SubresourceDescription } from '../../scheme/kind-description.js';
import { keyOf, latest, parseObject, type StoreState } from './store-state.js';
import { handleGet } from './read.js';
import { admitBody, reply, writeUpdate, type Answer } from './write.js';
import { applyPatch } from './patch.js';
import { applyStatusConfiguration } from './field-manager.js';
import type { WritePart } from './strategy.js';
import { selectorString } from '../../scheme/columns.js';
import { setValueAt, valueAt } from '../../scheme/custom/jsonpath.js';
import { mergeEphemeralContainers, mergeResources, servePodSubresource } from './pod-subresources.js';

const isStatus = (value: unknown): value is Status => isPlainObject(value) && value.kind === 'Status' && typeof value.code === 'number';

/** What a subresource write changes: the new object from the stored one and the request's body. */
interface Writable {
  part: WritePart;
  /** The body a PATCH applies to: the object itself, or its Scale. */
  view(old: KubeObject): KubeObject;
  /** The new object, or the Status that refuses the body. */
  merge(old: KubeObject, body: KubeObject): KubeObject | Status;
  answer?(state: StoreState, request: ApiRequest): Answer;
}

const clone = (object: KubeObject): KubeObject => structuredClone(object);

/** The resourceVersion a body names is the write's precondition, as on the main resource. */
function withPrecondition(object: KubeObject, body: KubeObject): KubeObject {
  const version = body.metadata?.resourceVersion;
  if (version) object.metadata.resourceVersion = version;
  else delete object.metadata.resourceVersion;
  return object;
}

const status: Writable = {
  part: 'status',
  view: (old) => old,
  merge(old, body) {
    const object = withPrecondition(clone(old), body);
    if (body.status === undefined) delete object.status;
    else object.status = body.status;
    return object;
  },
};

const finalize: Writable = {
  part: 'main',
  view: (old) => old,
  merge(old, body) {
    const object = withPrecondition(clone(old), body);
    const finalizers = (body.spec as { finalizers?: unknown } | undefined)?.finalizers;
    object.spec = { ...(old.spec as object | undefined), finalizers: Array.isArray(finalizers) ? finalizers : [] };
    return object;
  },
};

const approval: Writable = {
  part: 'status',
  view: (old) => old,
  merge(old, body) {
    const object = withPrecondition(clone(old), body);
    const conditions = (body.status as { conditions?: unknown } | undefined)?.conditions;
    object.status = { ...(old.status as object | undefined), conditions };
    if (conditions === undefined) delete (object.status as { conditions?: unknown }).conditions;
    return object;
  },
};

/** Where a kind keeps what its Scale shows: spec.replicas and status.replicas, or a CRD's own paths. */
const BUILT_IN_SCALE = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: undefined };

/** autoscaling/v1 Scale of a replicated kind. */
export function scaleOf(state: StoreState, object: KubeObject, sub: SubresourceDescription): KubeObject {
  const meta = object.metadata;
  const paths = sub.scalePaths;
  const replicas = valueAt(paths?.specReplicasPath ?? BUILT_IN_SCALE.specReplicasPath, object);
  const current = valueAt(paths?.statusReplicasPath ?? BUILT_IN_SCALE.statusReplicasPath, object);
  // A custom resource's selector is already a string at its labelSelectorPath; a built-in kind's is spec.selector.
  const selector = paths ? (paths.labelSelectorPath ? valueAt(paths.labelSelectorPath, object) : undefined) : selectorString((object.spec as { selector?: unknown } | undefined)?.selector);
  return {
    kind: sub.kind,
    apiVersion: `${sub.group ?? state.kind.group}/${sub.version ?? state.kind.version}`.replace(/^\//, ''),
    metadata: {
      name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: typeof replicas === 'number' ? replicas : 0 },
    status: { replicas: typeof current === 'number' ? current : 0, ...(paths && typeof selector !== 'string' ? {} : { selector: typeof selector === 'string' ? selector : '' }) },
  };
}

function scale(sub: SubresourceDescription): Writable {
  return {
    part: 'main',
    view: (old) => old,
    merge(old, body) {
      const replicas = (body.spec as { replicas?: unknown } | undefined)?.replicas ?? 0;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        const shown = typeof replicas === 'number' ? replicas : JSON.stringify(replicas);
        return invalid(sub.kind, sub.group ?? '', old.metadata.name ?? '', [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${shown}: must be greater than or equal to 0` }]);
      }
      const object = withPrecondition(clone(old), body);
      setValueAt(sub.scalePaths?.specReplicasPath ?? BUILT_IN_SCALE.specReplicasPath, object as unknown as Record<string, unknown>, replicas);
      return object;
    },
    answer: (state, request) => ({
      entry: (entry, headers) => request.replyTo.send(jsonResponse(request.id, 200, scaleOf(state, parseObject(entry), sub), headers)),
      object: (object, headers) => request.replyTo.send(jsonResponse(request.id, 200, scaleOf(state, object, sub), headers)),
    }),
  };
}

const partOfSpec = (merge: Writable['merge']): Writable => ({ part: 'main', view: (old) => old, merge });

function writableOf(name: string, sub: SubresourceDescription): Writable | undefined {
  switch (name) {
    case 'ephemeralcontainers': return partOfSpec(mergeEphemeralContainers);
    case 'resize': return partOfSpec(mergeResources);
    case 'status': return status;
    case 'scale': return scale(sub);
    case 'finalize': return finalize;
    case 'approval': return approval;
    default: return undefined;
  }
}

/** Serves GET, PUT and PATCH of a subresource this store owns; answers 404 or 405 for what it does not. */
export function handleSubresource(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  if (servePodSubresource(state, request, info)) return;
  const sub = state.kind.subresources?.find((s) => s.name === info.subresource);
  if (!sub || !info.name) return reply(request, resourceNotFound());
  if (!sub.verbs.includes(info.verb)) return reply(request, methodNotAllowed());
  const writable = writableOf(sub.name, sub);
  if (!writable) return reply(request, methodNotAllowed());
  if (info.verb === 'get') {
    if (sub.name !== 'scale') return handleGet(state, request, info);
    const entry = latest(state, keyOf(info.namespace, info.name));
    if (!entry) return reply(request, notFound(state.resource, info.name));
    return request.replyTo.send(jsonResponse(request.id, 200, scaleOf(state, parseObject(entry), sub)));
  }
  const current = latest(state, keyOf(info.namespace, info.name));
  if (!current) return reply(request, notFound(state.resource, info.name));
  const old = parseObject(current);
  let body: unknown;
  // Server-side apply through /status: the managed fields the apply recorded are the write's own.
  const applied = info.verb === 'patch' && request.patchType === 'apply' && sub.name === 'status' ? applyStatusConfiguration(state, request, old) : undefined;
  if (applied) {
    if (isStatus(applied)) return reply(request, applied);
    body = applied;
  } else if (info.verb === 'patch') {
    const view = sub.name === 'scale' ? scaleOf(state, old, sub) : writable.view(old);
    body = applyPatch(state, request, view);
    if (isStatus(body)) return reply(request, body);
  } else if (info.verb === 'update') {
    const decoded = decodeBody(request);
    if (!decoded.ok) return reply(request, decoded.status);
    body = decoded.value;
  } else {
    return reply(request, methodNotAllowed());
  }
  if (!isPlainObject(body)) return reply(request, badRequest('the object provided is not a JSON object'));
  let incoming: KubeObject;
  if (sub.name === 'scale') {
    incoming = body as KubeObject;
    incoming.metadata ??= {};
  } else {
    const admitted = admitBody(state, info, body);
    if (isStatus(admitted)) return reply(request, admitted);
    incoming = admitted.object;
  }
  if (incoming.metadata.name && incoming.metadata.name !== info.name) {
    return reply(request, badRequest(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${info.name})`));
  }
  const merged = writable.merge(old, incoming);
  if (isStatus(merged)) return reply(request, merged);
  if (applied) {
    if (applied.metadata.managedFields) merged.metadata.managedFields = applied.metadata.managedFields;
    else delete merged.metadata.managedFields;
  }
  writeUpdate(state, request, info, { object: merged }, current, writable.part, writable.answer?.(state, request), applied !== undefined);
}
