// The store's side of server-side apply: which manager a write names, the
// scope the merge engine (scheme/merge/) works in for this store's kind, and
// the PATCH with application/apply-patch+yaml. The engine itself is pure;
// this file turns its answers into kube's Status wording.

import { queryFlag } from '../../protocol/kube/query.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest, ResourceRequestInfo } from '../../protocol/messages/request.js';
import { badRequest, failure, invalid, type Status, type StatusCause } from '../../protocol/kube/status.js';
import { apiVersionOf } from '../../scheme/kind-description.js';
import type { Definitions } from '../../scheme/schema.js';
import { mergeSchema, type Schema } from '../../scheme/merge/atoms.js';
import { FieldSet } from '../../scheme/merge/field-set.js';
import { MergeTypeError } from '../../scheme/merge/typed.js';
import {
  conflictReport, fieldManagerErrors, managerFromUserAgent, recordApply, recordUpdate, type FieldManagerScope,
} from '../../scheme/merge/managed-fields.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import type { StoreState } from './store-state.js';
import { keyOf, latest, parseObject } from './store-state.js';
import { timestamp } from './strategy.js';

const schemas = new WeakMap<Definitions, Schema>();
const scopes = new WeakMap<StoreState, Map<string, FieldManagerScope>>();
const STATUS = FieldSet.of([{ f: 'status' }]);
const SPEC = FieldSet.of([{ f: 'spec' }]);

/**
 * The merge scope of this store's kind for a write to `subresource` ('' for the main resource), as
 * kube's strategies reset fields: the main resource's writes reset status and /status writes reset
 * spec, so nobody owns those there; entries name the subresource they were written through.
 */
export function scopeOf(state: StoreState, subresource = ''): FieldManagerScope {
  let bySubresource = scopes.get(state);
  if (!bySubresource) scopes.set(state, (bySubresource = new Map()));
  let scope = bySubresource.get(subresource);
  if (!scope) bySubresource.set(subresource, (scope = scopeFor(state.definitions, state.kind.definition, apiVersionOf(state.kind), subresource)));
  return scope;
}

/** The merge scope of a definition in a group version: a store's kind, or the version a converting handle serves it in. */
export function scopeFor(definitions: Definitions, definition: string, apiVersion: string, subresource = ''): FieldManagerScope {
  let schema = schemas.get(definitions);
  if (!schema) {
    schema = mergeSchema(definitions);
    schemas.set(definitions, schema);
  }
  const node = { $ref: `#/definitions/${definition}` };
  const hasStatus = definitions[definition]?.properties?.status !== undefined;
  const ignored = subresource === 'status' ? SPEC : hasStatus ? STATUS : undefined;
  return { schema, node, apiVersion, subresource, ...(ignored ? { ignored } : {}) };
}

/** `fieldManager`, else what kube derives from the User-Agent. */
export function managerOf(request: ApiRequest): string {
  return request.query.fieldManager || managerFromUserAgent(request.headers['user-agent']);
}

const OPTIONS_KIND = { create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions' } as const;

/** kube's validation of the write options this file cares about: fieldManager, and force only on apply. */
export function writeOptionsError(request: ApiRequest, verb: 'create' | 'update' | 'patch'): Status | undefined {
  const causes: StatusCause[] = [];
  const manager = request.query.fieldManager;
  const apply = request.patchType === 'apply';
  if (verb === 'patch' && !apply && request.query.force !== undefined) {
    causes.push({ reason: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' });
  }
  if (apply && !manager) causes.push({ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' });
  if (manager) causes.push(...fieldManagerErrors(manager, 'fieldManager'));
  return causes.length > 0 ? invalid(OPTIONS_KIND[verb], 'meta.k8s.io', '', causes) : undefined;
}

/** Records an Update by the request's manager; `live` is undefined for a create. */
export function trackUpdate(state: StoreState, request: ApiRequest, live: KubeObject | undefined, next: KubeObject): void {
  try {
    const subresource = request.info.isResourceRequest ? request.info.subresource : '';
    recordUpdate(scopeOf(state, subresource), live, next, managerOf(request), timestamp(new Date(state.clock.now())));
  } catch (e) {
    if (!(e instanceof MergeTypeError)) throw e;
    // kube's UpdateNoErrors: an object the merge cannot type keeps the live entries; validation has its say.
    if (live?.metadata.managedFields) next.metadata.managedFields = live.metadata.managedFields;
    else delete next.metadata.managedFields;
  }
}

export type Applied = { object: KubeObject; live: KubeObject | undefined } | Status;

/** The object an apply patch makes of the live one (or of nothing: apply creates), or the Status to answer. */
export function applyConfiguration(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): Applied {
  const kind = state.kind;
  const config = applyPatchOf(request, apiVersionOf(kind), kind.kind);
  if (isStatus(config)) return config;
  const current = latest(state, keyOf(info.namespace, info.name));
  const live: KubeObject = current ? parseObject(current) : skeleton(apiVersionOf(kind), kind.kind, kind.namespaced ? info.namespace : '', info.name);
  const object = applyIn(scopeOf(state), request, live, config as KubeObject, timestamp(new Date(state.clock.now())));
  return isStatus(object) ? object : { object, live: current ? live : undefined };
}

/** An apply patch through /status (kube's ApplyStatus): the live object with the configuration applied in the status scope, or the Status to answer. */
export function applyStatusConfiguration(state: StoreState, request: ApiRequest, live: KubeObject): KubeObject | Status {
  const badOptions = writeOptionsError(request, 'patch');
  if (badOptions) return badOptions;
  const config = applyPatchOf(request, apiVersionOf(state.kind), state.kind.kind);
  if (isStatus(config)) return config;
  return applyIn(scopeOf(state, 'status'), request, live, config as KubeObject, timestamp(new Date(state.clock.now())));
}

export const isStatus = (value: unknown): value is Status => isPlainObject(value) && value.kind === 'Status' && typeof value.code === 'number';

/** What an apply creates from: an object with only its type, name and namespace. */
export function skeleton(apiVersion: string, kind: string, namespace: string, name: string): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } };
}

/** The apply patch of a request, checked for kube's apply rules in `apiVersion`; a Status (which has no metadata) when it breaks one. */
export function applyPatchOf(request: ApiRequest, apiVersion: string, kind: string): Record<string, unknown> | Status {
  const decoded = decodeBody(request);
  if (!decoded.ok) return decoded.status;
  const config = decoded.value;
  if (!isPlainObject(config)) return badRequest('error decoding YAML: the apply patch must be an object');
  if (config.apiVersion !== apiVersion) {
    return badRequest(`Incorrect version specified in apply patch. Specified patch version: ${String(config.apiVersion ?? '')}, expected: ${apiVersion}`);
  }
  if (config.kind !== kind) {
    return badRequest(`the object provided is unrecognized: ${apiVersion}, Kind=${String(config.kind ?? '')} cannot be handled as a ${kind}`);
  }
  if (config.metadata !== undefined && !isPlainObject(config.metadata)) return badRequest('metadata must be an object');
  const meta = (config.metadata ?? {}) as Record<string, unknown>;
  if (meta.managedFields !== undefined && meta.managedFields !== null) return badRequest('metadata.managedFields must be nil');
  return config;
}

/** The request's apply of `config` over `live` in `scope`: the object with its managedFields, or kube's 409 or 400. */
export function applyIn(scope: FieldManagerScope, request: ApiRequest, live: KubeObject, config: KubeObject, now: string): KubeObject | Status {
  try {
    const result = recordApply(scope, live, config, request.query.fieldManager ?? '', queryFlag(request.query, 'force'), now);
    if (!result.ok) {
      const { message, causes } = conflictReport(result.conflicts);
      return failure('Conflict', message, { causes });
    }
    return result.object;
  } catch (e) {
    if (!(e instanceof MergeTypeError)) throw e;
    // Named as kube names the configuration it could not type: its own namespace and name.
    const meta = config.metadata ?? {};
    const [group, version] = scope.apiVersion.includes('/') ? scope.apiVersion.split('/') : ['', scope.apiVersion];
    return badRequest(`failed to create typed patch object (${String(meta.namespace ?? '')}/${String(meta.name ?? '')}; ${group}/${version}, Kind=${String(config.kind)}): ${e.message}`);
  }
}
