// CREATE, UPDATE, PATCH (server-side apply included) and DELETE for one
// resource. Each decodes and checks the request, computes the new object and
// its managedFields (./field-manager.ts), and hands it to commitChange; the
// client hears back only after the change is durable.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest, ResourceRequestInfo } from '../../protocol/messages/request.js';
import { statusResponse, jsonResponse } from '../../protocol/messages/http.js';
import {
  alreadyExists, badRequest, conflict, failure, forbidden, internalError, invalid, notFound, success, OBJECT_MODIFIED, type Status, type StatusCause,
} from '../../protocol/kube/status.js';
import { apiVersionOf, pendingFinalizersOf } from '../../scheme/kind-description.js';
import type { StoreState } from './store-state.js';
import { keyOf, latest, parseObject } from './store-state.js';
import type { Entry } from './resource-cache.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import { prepareForCreate, prepareForUpdate, validate, timestamp, type FieldValidation, type WritePart } from './strategy.js';
import { decodeAs, decodeObject, pruneUnknownFields, type SchemaValidation } from '../../scheme/validate.js';
import { commitChange, type Commit } from './commit.js';
import { claimedOffset, sharesAllocations } from './allocation-record.js';
import { respondEntry, respondObject } from './respond.js';
import { applyPatch } from './patch.js';
import { generateName, MAX_GENERATE_ATTEMPTS } from './generate-name.js';
import { matches } from './read.js';
import { parseListOptions } from './list-options.js';
import { applyConfiguration, trackUpdate, writeOptionsError } from './field-manager.js';
import { validateManagedFields } from '../../scheme/merge/managed-fields.js';
import { escalationReason, grantRulesOf } from '../authz/escalation.js';
import { deletionFinalizers, propagationOf, type PropagationOptions } from './propagation.js';
import { admitObject, warningHeader, writeAttributes } from './admission-review.js';

export const reply = (request: ApiRequest, status: Status): void => request.replyTo.send(statusResponse(request.id, status));

function fieldValidationOf(request: ApiRequest): FieldValidation {
  const v = request.query.fieldValidation;
  return v === 'Strict' || v === 'Ignore' ? v : 'Warn';
}

const isDryRun = (request: ApiRequest): boolean => request.query.dryRun === 'All';

type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

/** kube's ValidateDryRun and ValidateFieldValidation on a write's options: 422 on kind <options>.meta.k8s.io. */
function optionsError(request: ApiRequest, kind: OptionsKind, bodyDryRun: readonly unknown[] = []): Status | undefined {
  const causes: StatusCause[] = [];
  const dryRun = [...(request.query.dryRun !== undefined ? [request.query.dryRun] : []), ...bodyDryRun];
  if (dryRun.some((v) => v !== 'All')) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: []string{${dryRun.map((v) => JSON.stringify(String(v))).join(', ')}}: supported values: "All"` });
  }
  const fieldValidation = request.query.fieldValidation;
  if (kind !== 'DeleteOptions' && fieldValidation !== undefined && !['', 'Ignore', 'Warn', 'Strict'].includes(fieldValidation)) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'fieldValidation', message: `Unsupported value: ${JSON.stringify(fieldValidation)}: supported values: "", "Ignore", "Strict", "Warn"` });
  }
  return causes.length > 0 ? invalid(kind, 'meta.k8s.io', '', causes) : undefined;
}

/** A body decoded into the kind: the object, and what the schema walk found besides (for check). */
export interface Admitted {
  object: KubeObject;
  /** Absent for an object the server assembled (a subresource's merge): it is validated whole. */
  decoded?: SchemaValidation | undefined;
}

/** Decodes the body into the kind and checks type meta and namespace; returns the object to store or the Status to answer with. */
export function admitBody(state: StoreState, info: ResourceRequestInfo, body: unknown): Admitted | Status {
  if (!isPlainObject(body)) return badRequest('the object provided is not a JSON object');
  const kind = state.kind;
  const expectedVersion = apiVersionOf(kind);
  // Like kube's decoder, the endpoint supplies the type when the body leaves it out.
  if (body.kind === undefined || body.kind === '') body.kind = kind.kind;
  if (body.kind !== kind.kind || (body.apiVersion !== undefined && body.apiVersion !== '' && body.apiVersion !== expectedVersion)) {
    return badRequest(`the object provided is unrecognized: ${String(body.apiVersion ?? '')}, Kind=${String(body.kind)} cannot be handled as a ${kind.kind} (expected ${expectedVersion}, Kind=${kind.kind})`);
  }
  body.apiVersion = expectedVersion;
  // Decode before anything reads the object: nulls become zero values and a wrong JSON type is a 400,
  // so no strategy, selector or watch below ever meets a shape the schema does not allow.
  const decoded = kind.decode ? kind.decode(body) : decodeObject(body, kind.definition, state.definitions);
  if (decoded.decodeError) return badRequest(`${kind.kind} in version "${kind.version}" cannot be handled as a ${kind.kind}: ${decoded.decodeError}`);
  if (body.metadata === undefined) body.metadata = {};
  if (!isPlainObject(body.metadata)) return badRequest('metadata must be an object');
  const object = body as KubeObject;
  const meta = object.metadata;
  if (kind.namespaced) {
    if (meta.namespace && meta.namespace !== info.namespace) {
      return badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = info.namespace;
  } else {
    delete meta.namespace;
  }
  return { object, decoded };
}

/** Validates, applying fieldValidation; returns warnings to send, or the failure. */
function check(state: StoreState, request: ApiRequest, object: KubeObject, old: KubeObject | undefined, decoded: SchemaValidation | undefined): { warnings: string[] } | Status {
  const info = request.info;
  // A Binding (POST pods/<name>/binding, or the bindings resource) writes its pod as the binding subresource.
  const subresource = !info.isResourceRequest ? '' : info.resource === 'bindings' ? 'binding' : info.subresource;
  const result = validate(state.kind, state.definitions, object, old, decoded, subresource);
  if (result.decodeError) {
    const kind = state.kind;
    return badRequest(`${kind.kind} in version "${kind.version}" cannot be handled as a ${kind.kind}: ${result.decodeError}`);
  }
  const unknown = result.unknownFields.map((f) => `unknown field "${f}"`);
  const mode = fieldValidationOf(request);
  if (unknown.length > 0 && mode === 'Strict') return badRequest(`strict decoding error: ${unknown.join(', ')}`);
  if (object.metadata.managedFields !== undefined) result.causes.push(...validateManagedFields(object.metadata.managedFields));
  if (result.causes.length > 0) return invalid(state.kind.kind, state.kind.group, object.metadata.name ?? '', result.causes);
  if (request.grantLimit) {
    const refused = grantRefusal(state, request, object);
    if (refused) return refused;
  }
  // Built-in kinds decode into typed structs, which drop what they do not know.
  pruneUnknownFields(object, result.unknownFields);
  return { warnings: [...(mode === 'Warn' ? unknown : []), ...result.warnings] };
}

/** A Role or ClusterRole whose writer may not escalate it holds no rule its writer lacks (authz set the limit). */
function grantRefusal(state: StoreState, request: ApiRequest, object: KubeObject): Status | undefined {
  const name = object.metadata.name ?? '';
  if (object.aggregationRule !== undefined) return forbidden(state.resource, name, 'must have cluster-admin privileges to use the aggregationRule');
  const reason = escalationReason(request.user ?? { username: '', groups: [] }, request.grantLimit!, grantRulesOf(object.rules));
  return reason ? forbidden(state.resource, name, reason) : undefined;
}

/** Every stored object but `key`'s, the newest value of each (pending writes included): what an allocation must not hand out again. */
function* othersThan(state: StoreState, key: string): Generator<KubeObject> {
  for (const entry of state.cache.range('')) if (entry.key !== key && !state.pendingByKey.has(entry.key)) yield parseObject(entry);
  for (const [k, pending] of state.pendingByKey) if (k !== key && pending.entry) yield parseObject(pending.entry);
}

/** The kind's allocate hook (a Service's cluster IP and node ports), run as kube's BeginCreate/BeginUpdate does, before validation. */
function allocate(state: StoreState, object: KubeObject, old: KubeObject | undefined, key: string): Status | undefined {
  const claimed = sharesAllocations(state) ? (record: string, offset: number, requested: boolean) => claimedOffset(state, record, offset, requested) : undefined;
  const result = state.kind.allocate?.(object, old, { ...state.ranges, others: () => othersThan(state, key), ...(claimed ? { claimed } : {}) }) ?? [];
  if (!Array.isArray(result)) return internalError(result.full);
  return result.length > 0 ? invalid(state.kind.kind, state.kind.group, object.metadata.name ?? '', result) : undefined;
}

function warningHeaders(warnings: string[]): Record<string, string> | undefined {
  return warnings.length === 0 ? undefined : warningHeader(warnings);
}

function isStatus(value: unknown): value is Status {
  return isPlainObject(value) && value.kind === 'Status' && typeof value.code === 'number';
}

/**
 * etcd refused a write because the object changed first (another process, or this one's earlier write):
 * run the request again against the newer object, until it applies or fails on its own terms. Like
 * kube's GuaranteedUpdate, this does not give up: every refusal means another write got through, and a
 * request that named a resourceVersion gets its 409 from the run that sees the newer one.
 */
function runAgain(state: StoreState, request: ApiRequest): () => void {
  return () => state.retry(request);
}

function acknowledge(state: StoreState, request: ApiRequest, status: number, expected: number, headers?: Record<string, string>, answer?: Answer): Commit {
  return {
    expected,
    done: (entry, error) => {
      if (error || !entry) reply(request, internalError(error?.message ?? 'the write was not stored'));
      else if (answer) answer.entry(entry, headers);
      else respondEntry(state, request, status, entry, headers);
    },
    conflict: runAgain(state, request),
  };
}

export function handleCreate(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  const badOptions = optionsError(request, 'CreateOptions') ?? writeOptionsError(request, 'create');
  if (badOptions) return reply(request, badOptions);
  const decoded = decodeBody(request);
  if (!decoded.ok) return reply(request, decoded.status);
  const admitted = admitBody(state, info, decoded.value);
  if (isStatus(admitted)) return reply(request, admitted);
  writeCreate(state, request, info, admitted, request.appliedInServedVersion === true);
}

/** The tail of CREATE (and of an apply that creates): name, strategy, managed fields, admission, validation, commit. */
function writeCreate(state: StoreState, request: ApiRequest, info: ResourceRequestInfo, admitted: Admitted, applied: boolean): void {
  const object = admitted.object;
  const meta = object.metadata;
  if (!meta.name && meta.generateName) {
    for (let attempt = 0; attempt < MAX_GENERATE_ATTEMPTS && !meta.name; attempt++) {
      const candidate = generateName(meta.generateName);
      if (!latest(state, keyOf(info.namespace, candidate))) meta.name = candidate;
    }
    if (!meta.name) return reply(request, failure('AlreadyExists', `${state.kind.plural} "${meta.generateName}" already exists, the server was not able to generate a unique name for the object`, { kind: state.kind.plural, group: state.kind.group }));
  }
  if (!meta.name) {
    return reply(request, invalid(state.kind.kind, state.kind.group, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]));
  }
  prepareForCreate(state.kind, object, new Date(state.clock.now()));
  if (!applied) trackUpdate(state, request, undefined, object);
  if (request.user) state.kind.fromRequester?.(object, request.user);
  const name = meta.name;
  const key = keyOf(info.namespace, name);
  const dryRun = isDryRun(request);
  const attributes = () => writeAttributes(state, request, info, 'CREATE', name, dryRun);
  admitObject(state, request, 'mutating', attributes, object, noObject, (mutation) => {
    const mutated = mutation.object ?? object;
    // A webhook's or policy's changes are decoded and defaulted as kube decodes a webhook's answer.
    const decoded = mutation.revalidate ? redecode(state, mutated) : admitted.decoded;
    if (isStatus(decoded)) return reply(request, decoded);
    if (state.kind.allocate && !latest(state, key)) {
      const refused = allocate(state, mutated, undefined, key);
      if (refused) return reply(request, refused);
    }
    const checked = check(state, request, mutated, undefined, decoded);
    if (isStatus(checked)) return reply(request, checked);
    if (latest(state, key)) return reply(request, alreadyExists(state.resource, name));
    admitObject(state, request, 'validating', attributes, mutated, noObject, (validation) => {
      // Another create of the same name may have got in while admission looked.
      if (request.objectAdmission && latest(state, key)) return reply(request, alreadyExists(state.resource, name));
      const headers = warningHeaders([...mutation.warnings, ...checked.warnings, ...validation.warnings]);
      if (dryRun) return respondObject(state, request, 201, mutated, headers);
      commitChange(state, key, 'ADDED', mutated, acknowledge(state, request, 201, 0, headers));
    });
  });
}

const noObject = (): undefined => undefined;

/** An object changed from outside the server (a webhook's patch): decoded against the kind again, then defaulted. */
function redecode(state: StoreState, object: KubeObject): SchemaValidation | Status {
  const decoded = decodeObject(object, state.kind.definition, state.definitions);
  if (decoded.decodeError) return badRequest(`${state.kind.kind} in version "${state.kind.version}" cannot be handled as a ${state.kind.kind}: ${decoded.decodeError}`);
  state.kind.defaults?.(object);
  return decoded;
}

/** An object's encoding without its resourceVersion, to tell a no-op write. */
function sansVersion(object: KubeObject): string {
  return JSON.stringify({ ...object, metadata: { ...object.metadata, resourceVersion: undefined } });
}

/** How a write answers, when not with the object itself (a /scale write answers with a Scale). */
export interface Answer {
  entry(entry: Entry, headers?: Record<string, string>): void;
  object(object: KubeObject, headers?: Record<string, string>): void;
}

/** The shared tail of UPDATE and PATCH: preconditions, strategy, validation, commit. */
export function writeUpdate(
  state: StoreState, request: ApiRequest, info: ResourceRequestInfo, { object, decoded }: Admitted, current: Entry, part: WritePart = 'main', answer?: Answer, applied = false,
): void {
  const old = parseObject(current);
  const meta = object.metadata;
  if (meta.name !== info.name) {
    return reply(request, badRequest(`the name of the object (${meta.name ?? ''}) does not match the name on the URL (${info.name})`));
  }
  if (meta.resourceVersion && meta.resourceVersion !== String(current.revision)) {
    return reply(request, conflict(state.resource, info.name, OBJECT_MODIFIED));
  }
  if (meta.uid && meta.uid !== old.metadata.uid) {
    return reply(request, conflict(state.resource, info.name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid ?? ''}`));
  }
  prepareForUpdate(state.kind, object, old, part);
  if (!applied) trackUpdate(state, request, old, object);
  const dryRun = isDryRun(request);
  const attributes = () => writeAttributes(state, request, info, info.verb === 'create' ? 'CREATE' : 'UPDATE', info.name, dryRun);
  admitObject(state, request, 'mutating', attributes, object, () => old, (mutation) => {
    const mutated = mutation.object ?? object;
    // What mutating admission changed goes through the strategy again (defaults, generation).
    if (request.objectAdmission) prepareForUpdate(state.kind, mutated, old, part);
    const walked = mutation.revalidate ? redecode(state, mutated) : decoded;
    if (isStatus(walked)) return reply(request, walked);
    if (state.kind.allocate) {
      const refused = allocate(state, mutated, old, keyOf(info.namespace, info.name));
      if (refused) return reply(request, refused);
    }
    const checked = check(state, request, mutated, old, walked);
    if (isStatus(checked)) return reply(request, checked);
    admitObject(state, request, 'validating', attributes, mutated, () => old, (validation) => {
      const key = keyOf(info.namespace, info.name);
      // The object changed while admission looked: run the request again on the newer one (GuaranteedUpdate).
      if (request.objectAdmission && latest(state, key)?.revision !== current.revision) return state.retry(request);
      const headers = warningHeaders([...mutation.warnings, ...checked.warnings, ...validation.warnings]);
      if (dryRun) return answer ? answer.object(mutated, headers) : respondObject(state, request, 200, mutated, headers);
      // An update that empties the finalizers of an object being deleted completes the delete.
      if (old.metadata.deletionTimestamp && pendingFinalizersOf(state.kind, old).length > 0 && pendingFinalizersOf(state.kind, mutated).length === 0) {
        commitChange(state, key, 'DELETED', mutated, acknowledge(state, request, 200, current.revision, headers, answer));
        return;
      }
      if (sansVersion(mutated) === sansVersion(old)) {
        // kube does not write a no-op update: the resourceVersion stays the same.
        return answer ? answer.entry(current, headers) : respondEntry(state, request, 200, current, headers);
      }
      commitChange(state, key, 'MODIFIED', mutated, acknowledge(state, request, 200, current.revision, headers, answer));
    });
  });
}

export function handleUpdate(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  const badOptions = optionsError(request, 'UpdateOptions') ?? writeOptionsError(request, 'update');
  if (badOptions) return reply(request, badOptions);
  const decoded = decodeBody(request);
  if (!decoded.ok) return reply(request, decoded.status);
  const admitted = admitBody(state, info, decoded.value);
  if (isStatus(admitted)) return reply(request, admitted);
  const current = latest(state, keyOf(info.namespace, info.name));
  if (!current) return reply(request, notFound(state.resource, info.name));
  writeUpdate(state, request, info, admitted, current, 'main', undefined, request.appliedInServedVersion === true);
}

export function handlePatch(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  const badOptions = optionsError(request, 'PatchOptions') ?? writeOptionsError(request, 'patch');
  if (badOptions) return reply(request, badOptions);
  if (request.patchType === 'apply') return handleApply(state, request, info);
  const current = latest(state, keyOf(info.namespace, info.name));
  if (!current) return reply(request, notFound(state.resource, info.name));
  const patched = applyPatch(state, request, parseObject(current));
  if (isStatus(patched)) return reply(request, patched);
  const admitted = admitBody(state, info, patched);
  if (isStatus(admitted)) return reply(request, admitted);
  writeUpdate(state, request, info, admitted, current);
}

/** PATCH with application/apply-patch+yaml: server-side apply, which creates what is missing. */
function handleApply(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  const applied = applyConfiguration(state, request, info);
  if (isStatus(applied)) return reply(request, applied);
  const admitted = admitBody(state, info, applied.object);
  if (isStatus(admitted)) return reply(request, admitted);
  if (admitted.object.metadata.name !== info.name) {
    return reply(request, badRequest(`the name of the object (${admitted.object.metadata.name ?? ''}) does not match the name on the URL (${info.name})`));
  }
  const current = applied.live && latest(state, keyOf(info.namespace, info.name));
  if (!current) return writeCreate(state, request, info, admitted, true);
  writeUpdate(state, request, info, admitted, current, 'main', undefined, true);
}

interface DeleteOptions extends PropagationOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  dryRun?: string[];
}

function deleteOptionsOf(state: StoreState, request: ApiRequest): DeleteOptions | Status {
  let body: DeleteOptions = {};
  if (request.body && request.body.length > 0) {
    const decoded = decodeBody(request);
    if (!decoded.ok) return decoded.status;
    if (!isPlainObject(decoded.value)) return badRequest('DeleteOptions must be an object');
    const decodeError = decodeAs(decoded.value, 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', state.definitions);
    if (decodeError) return badRequest(`DeleteOptions in version "v1" cannot be handled as a DeleteOptions: ${decodeError}`);
    body = decoded.value as DeleteOptions;
  }
  const badOptions = optionsError(request, 'DeleteOptions', Array.isArray(body.dryRun) ? body.dryRun : []);
  if (badOptions) return badOptions;
  const options: DeleteOptions = { ...body, ...propagationOf(body, request.query) };
  const policy = options.propagationPolicy;
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    return invalid('DeleteOptions', '', '', [{ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"` }]);
  }
  return options;
}

/**
 * Deletes one stored entry; `done` answers with the Status kube gives for it. `conflict` runs when
 * another process changed the entry first (etcd), once the cache has seen that change.
 */
function deleteEntry(state: StoreState, current: Entry, options: DeleteOptions, dryRun: boolean, done: (result: Status | KubeObject) => void, conflict: () => void): void {
  const object = parseObject(current);
  // Orphan and Foreground propagation are finalizers the garbage collector removes.
  const finalizers = deletionFinalizers(state.kind, object, options);
  if (finalizers) object.metadata.finalizers = finalizers;
  if (pendingFinalizersOf(state.kind, object).length > 0) {
    // With finalizers the delete only marks the object; whoever owns a finalizer removes it.
    if (object.metadata.deletionTimestamp && !finalizers) return done(object);
    if (!object.metadata.deletionTimestamp) {
      object.metadata.deletionTimestamp = timestamp(new Date(state.clock.now()));
      object.metadata.deletionGracePeriodSeconds = 0;
      state.kind.beginDeletion?.(object);
    }
    if (dryRun) return done(object);
    commitChange(state, current.key, 'MODIFIED', object, {
      expected: current.revision,
      done: (entry, error) => done(error || !entry ? internalError(error?.message ?? 'the write was not stored') : parseObject(entry)),
      conflict,
    });
    return;
  }
  const grace = state.kind.gracefulDeletion?.(object, options.gracePeriodSeconds) ?? 0;
  if (grace > 0) {
    // Graceful deletion (a Pod bound to a node): marked to go after the grace period; what runs it deletes it for good.
    // A later delete may shorten the period, never lengthen it.
    const marked = object.metadata.deletionGracePeriodSeconds;
    if (object.metadata.deletionTimestamp && marked !== undefined && marked <= grace) return done(object);
    object.metadata.deletionTimestamp = timestamp(new Date(state.clock.now() + grace * 1000));
    object.metadata.deletionGracePeriodSeconds = grace;
    if (dryRun) return done(object);
    commitChange(state, current.key, 'MODIFIED', object, {
      expected: current.revision,
      done: (entry, error) => done(error || !entry ? internalError(error?.message ?? 'the write was not stored') : parseObject(entry)),
      conflict,
    });
    return;
  }
  // StatusDetails.group is omitempty: a core kind's delete names no group.
  const details = { name: current.name, ...(state.kind.group ? { group: state.kind.group } : {}), kind: state.kind.plural, uid: object.metadata.uid ?? '' };
  if (dryRun) return done(success(details));
  commitChange(state, current.key, 'DELETED', object, {
    expected: current.revision,
    done: (_entry, error) => done(error ? internalError(error.message) : success(details)),
    conflict,
  });
}

export function handleDelete(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  const options = deleteOptionsOf(state, request);
  if (isStatus(options)) return reply(request, options);
  const current = latest(state, keyOf(info.namespace, info.name));
  if (!current) return reply(request, notFound(state.resource, info.name));
  const pre = options.preconditions ?? {};
  // The cache keeps no uid (it is rarely asked for): read it from the object when a precondition names one.
  const uid = pre.uid ? parseObject(current).metadata.uid ?? '' : '';
  if (pre.uid && pre.uid !== uid) {
    return reply(request, conflict(state.resource, info.name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${uid}`));
  }
  if (pre.resourceVersion && pre.resourceVersion !== String(current.revision)) {
    return reply(request, conflict(state.resource, info.name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.revision}`));
  }
  const dryRun = isDryRun(request) || (options.dryRun ?? []).includes('All');
  const remove = (headers?: Record<string, string>): void => deleteEntry(state, current, options, dryRun, (result) => {
    if (isStatus(result)) request.replyTo.send(statusResponse(request.id, result.status === 'Success' ? { ...result, code: 200 } : result, headers));
    else respondObject(state, request, 200, result, headers);
  }, runAgain(state, request));
  if (!request.objectAdmission) return remove();
  // kube admits a delete with the object as it is (oldObject), in both phases.
  const old = parseObject(current);
  const attributes = () => writeAttributes(state, request, info, 'DELETE', info.name, dryRun);
  admitObject(state, request, 'mutating', attributes, undefined, () => old, (mutation) => {
    admitObject(state, request, 'validating', attributes, undefined, () => old, (validation) => {
      if (latest(state, current.key)?.revision !== current.revision) return state.retry(request);
      remove(warningHeaders([...mutation.warnings, ...validation.warnings]));
    });
  });
}

export function handleDeleteCollection(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  const options = deleteOptionsOf(state, request);
  if (isStatus(options)) return reply(request, options);
  const parsed = parseListOptions(request.query, false, state.kind.selectableFields);
  if (!parsed.ok) return reply(request, parsed.status);
  const targets = [...state.cache.range(info.namespace)].filter((e) => matches(parsed.options, e));
  const deleted: KubeObject[] = [];
  let outstanding = targets.length;
  const finish = (): void => {
    const list = { kind: `${state.kind.kind}List`, apiVersion: apiVersionOf(state.kind), metadata: {}, items: deleted };
    request.replyTo.send(jsonResponse(request.id, 200, list));
  };
  if (outstanding === 0) return finish();
  const dryRun = isDryRun(request);
  // Like kube's, a deletecollection that admission refuses for one object fails with that refusal (the others may be gone).
  let refusal: Status | undefined;
  const settle = (): void => {
    if (--outstanding > 0) return;
    if (refusal) reply(request, refusal);
    else finish();
  };
  for (const entry of targets) {
    const remove = (): void => deleteEntry(state, entry, options, dryRun, (result) => {
      if (!isStatus(result)) deleted.push(result);
      else if (result.status === 'Success') deleted.push(parseObject(entry));
      settle();
    }, settle); // Changed by another process meanwhile: like kube's deletecollection, leave it to the next one.
    if (!request.objectAdmission) {
      remove();
      continue;
    }
    // Each object is admitted as its own DELETE.
    const old = parseObject(entry);
    const attributes = () => writeAttributes(state, request, { ...info, name: entry.name }, 'DELETE', entry.name, dryRun);
    const refused = (status: Status): void => {
      refusal ??= status;
      settle();
    };
    admitObject(state, request, 'mutating', attributes, undefined, () => old, () => {
      admitObject(state, request, 'validating', attributes, undefined, () => old, () => {
        // Changed or gone while admission looked: left to the next deletecollection, as above.
        if (latest(state, entry.key)?.revision !== entry.revision) return settle();
        remove();
      }, refused);
    }, refused);
  }
}
