// metadata.managedFields, maintained as kube's field manager stack does
// (k8s.io/apimachinery/pkg/util/managedfields/internal), outermost first:
//
//   last-applied updater   an Apply by "kubectl" keeps client-side apply's annotation in step
//   last-applied manager   an Apply by "kubectl" may take over what client-side apply last applied
//   skip non-applied       an object with no managedFields is not tracked by updates; its first
//                          apply hands the existing fields to "before-first-apply"
//   build manager info     the manager identifier: manager, operation, apiVersion, subresource
//   managed fields updater an Update merges into the manager's entry and stamps its time
//   strip meta             nobody owns apiVersion, kind, or the server-set metadata fields
//   structured merge       the updater (./updater.ts) over the typed objects
//
// Pure: callers pass the clock's time; objects passed in are not changed
// unless the function says so.

import type { KubeObject, ManagedFieldsEntry } from '../../protocol/kube/meta.js';
import type { StatusCause } from '../../protocol/kube/status.js';
import { comparePathElements, FieldSet, pathString, serializePathElement, type PathElement } from './field-set.js';
import { apply, update, Conflicts, type Managers, type Typed } from './updater.js';
import { compare, itemElement, jsonEqual, toFieldSet } from './typed.js';
import { atomOf, fieldNode } from './atoms.js';
import type { SchemaNode } from '../schema.js';

export { Conflicts } from './updater.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const LAST_APPLIED_LIMIT = 256 * 1024;

/** What the field manager needs to know of the kind and the request. */
export interface FieldManagerScope extends Typed {
  /** The kind's group/version, as managedFields entries name it. */
  readonly apiVersion: string;
  /** '' for the main resource, 'status' or 'scale' for a subresource write. */
  readonly subresource: string;
}

interface Managed {
  managers: Managers;
  times: Map<string, string | undefined>;
}

// Nobody owns these (kube's stripMeta).
const STRIPPED = FieldSet.of(
  [{ f: 'apiVersion' }],
  [{ f: 'kind' }],
  [{ f: 'metadata' }],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']
    .map((f) => [{ f: 'metadata' }, { f }]),
);

function strip(managed: Managed, manager: string): void {
  const owned = managed.managers.get(manager);
  if (!owned) return;
  const set = owned.set.difference(STRIPPED);
  if (set.isEmpty()) managed.managers.delete(manager);
  else managed.managers.set(manager, { ...owned, set });
}

/** kube's manager identifier: the entry without time and fields (and without apiVersion for an Apply), as JSON. */
function identifier(entry: { manager?: string; operation?: string; apiVersion?: string; subresource?: string }): string {
  const id: Record<string, string> = {};
  if (entry.manager) id.manager = entry.manager;
  if (entry.operation) id.operation = entry.operation;
  if (entry.apiVersion && entry.operation !== 'Apply') id.apiVersion = entry.apiVersion;
  if (entry.subresource) id.subresource = entry.subresource;
  return JSON.stringify(id);
}

const isEmptyEntry = (e: unknown): boolean => e !== null && typeof e === 'object' && !Array.isArray(e) && Object.keys(e).length === 0;

/** `managedFields: [{}]` asks to reset them. */
function isReset(entries: unknown): boolean {
  return Array.isArray(entries) && entries.length === 1 && isEmptyEntry(entries[0]);
}

function decode(entries: unknown): Managed {
  const managed: Managed = { managers: new Map(), times: new Map() };
  if (entries === undefined || entries === null) return managed;
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list');
  entries.forEach((raw: unknown, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`managed fields entry ${i} is not an object`);
    const e = raw as ManagedFieldsEntry;
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new Error('apiVersion must not be empty');
    if (e.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType in managed fields entry ${i}`);
    const id = identifier(e);
    managed.managers.set(id, { set: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}), apiVersion: e.apiVersion, applied: e.operation === 'Apply' });
    managed.times.set(id, typeof e.time === 'string' ? e.time : undefined);
  });
  return managed;
}

/** At most this many Update entries; the oldest merge into "ancient-changes" (kube's capManagers). */
export const MAX_UPDATE_MANAGERS = 10;

function capUpdateManagers(managed: Managed): void {
  const updaters = [...managed.managers].filter(([, owned]) => !owned.applied).map(([id]) => id);
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort((a, b) => seconds(managed.times.get(a)) - seconds(managed.times.get(b)) || (a < b ? -1 : a > b ? 1 : 0));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const id = updaters[i]!;
    const owned = managed.managers.get(id)!;
    const bucket = identifier({ manager: 'ancient-changes', operation: 'Update', apiVersion: owned.apiVersion });
    const first = firstOfVersion.get(owned.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(owned.apiVersion, id);
      continue;
    }
    if (!managed.managers.has(bucket)) {
      managed.managers.set(bucket, managed.managers.get(first)!);
      managed.managers.delete(first);
    }
    managed.managers.set(bucket, { set: owned.set.union(managed.managers.get(bucket)!.set), apiVersion: owned.apiVersion, applied: false });
    managed.managers.delete(id);
    managed.times.set(bucket, managed.times.get(id));
    length--;
  }
}

const seconds = (time: string | undefined): number => (time ? Math.floor(Date.parse(time) / 1000) : 0);

function encode(managed: Managed): ManagedFieldsEntry[] | undefined {
  if (managed.managers.size === 0) return undefined;
  const entries: ManagedFieldsEntry[] = [];
  for (const [id, owned] of managed.managers) {
    const parsed = JSON.parse(id) as ManagedFieldsEntry;
    const entry: ManagedFieldsEntry = {};
    if (parsed.manager) entry.manager = parsed.manager;
    entry.operation = owned.applied ? 'Apply' : (parsed.operation ?? 'Update');
    entry.apiVersion = owned.apiVersion;
    const time = managed.times.get(id);
    if (time) entry.time = time;
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = owned.set.toFieldsV1() as ManagedFieldsEntry['fieldsV1'];
    if (parsed.subresource) entry.subresource = parsed.subresource;
    entries.push(entry);
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return entries.sort((p, q) => cmp(p.operation ?? '', q.operation ?? '')
    || seconds(p.time) - seconds(q.time)
    || cmp(p.manager ?? '', q.manager ?? '')
    || cmp(p.apiVersion ?? '', q.apiVersion ?? '')
    || cmp(p.subresource ?? '', q.subresource ?? ''));
}

/** Sets them where they were, so that an unchanged object encodes to the same bytes. */
function setManagedFields(object: KubeObject, entries: ManagedFieldsEntry[] | undefined): void {
  if (entries) object.metadata.managedFields = entries;
  else delete object.metadata.managedFields;
}

/** The object as the merge sees it: without managedFields. */
function typedView(object: KubeObject | undefined): unknown {
  if (!object) return undefined;
  if (object.metadata.managedFields === undefined) return object;
  const { managedFields: _, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/**
 * What an empty object of the kind looks like to kube's typed conversion: Go's zero
 * value keeps the structs that are not pointers (metadata, spec, status).
 */
function zeroObject(scope: FieldManagerScope): Record<string, unknown> {
  const zero: Record<string, unknown> = { metadata: {} };
  const props = scope.node ? resolveProps(scope) : undefined;
  for (const f of ['spec', 'status']) if (props?.includes(f)) zero[f] = {};
  return zero;
}

function resolveProps(scope: FieldManagerScope): string[] {
  let node = scope.node;
  for (let i = 0; node?.$ref && i < 16; i++) node = scope.schema.definitions[node.$ref.slice('#/definitions/'.length)];
  return Object.keys(node?.properties ?? {});
}

/**
 * Records an Update (create, update, any non-apply patch) by `manager` in `next.metadata.managedFields`.
 * `live` is undefined for a create. Managed fields that cannot be decoded are left as sent, for
 * validation to refuse.
 */
export function recordUpdate(scope: FieldManagerScope, live: KubeObject | undefined, next: KubeObject, manager: string, now: string): void {
  if (!live && next.metadata.managedFields === undefined && scope.subresource === '' && recordCreate(scope, next, manager, now)) return;
  let managed: Managed;
  try {
    if (scope.subresource !== '') managed = decode(live?.metadata.managedFields);
    else if (isReset(next.metadata.managedFields)) managed = { managers: new Map(), times: new Map() };
    else {
      managed = decode(next.metadata.managedFields);
      if (managed.managers.size === 0) managed = decode(live?.metadata.managedFields);
    }
  } catch {
    try {
      managed = decode(live?.metadata.managedFields);
    } catch {
      return;
    }
  }
  // An existing object that nobody tracks stays untracked until it is applied.
  if (managed.managers.size === 0 && live) {
    delete next.metadata.managedFields;
    return;
  }
  const id = identifier({ manager, operation: 'Update', apiVersion: scope.apiVersion, subresource: scope.subresource });
  const current = 'current-operation';
  const before = live ? typedView(live) : zeroObject(scope);
  managed.managers = update(scope, before, typedView(next), scope.apiVersion, managed.managers, current);
  const taken = managed.managers.get(current);
  managed.managers.delete(current);
  const set = taken?.set.difference(STRIPPED);
  if (set && !set.isEmpty()) {
    const previous = managed.managers.get(id);
    managed.managers.set(id, { set: previous ? set.union(previous.set) : set, apiVersion: scope.apiVersion, applied: false });
    managed.times.set(id, now);
  }
  capUpdateManagers(managed);
  setManagedFields(next, encode(managed));
}

const STRIPPED_TOP = new Set(['apiVersion', 'kind']);
const STRIPPED_META = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']);

/**
 * The common create (no managedFields sent) without the general machinery: the manager owns
 * everything the object sets beyond the kind's zero object, encoded straight to FieldsV1. The
 * same answer as the general path (spec/unit/server-side-apply.spec.ts checks both); false when
 * the object needs the general path (duplicate list keys, ignored fields below the top level).
 */
function recordCreate(scope: FieldManagerScope, next: KubeObject, manager: string, now: string): boolean {
  const ignored = scope.ignored;
  if (ignored && (ignored.children.size > 0 || [...ignored.members.values()].some((pe) => !('f' in pe)))) return false;
  const zero = zeroObject(scope);
  const fields: Record<string, unknown> = {};
  const keys = Object.keys(next).sort();
  const top = atomOf(scope.schema, scope.node, next);
  if (top.kind !== 'map') return false;
  for (const key of keys) {
    if (STRIPPED_TOP.has(key) || ignored?.members.has(`f:${key}`)) continue;
    const value = next[key];
    if (key === 'metadata') {
      const meta = value as Record<string, unknown>;
      const metaNode = fieldNode(top, key);
      const metaAtom = atomOf(scope.schema, metaNode, meta);
      if (metaAtom.kind !== 'map') return false;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(meta).sort()) {
        if (STRIPPED_META.has(k)) continue;
        const child = added(scope, fieldNode(metaAtom, k), meta[k], undefined);
        if (child === undefined) return false;
        out[`f:${k}`] = child;
      }
      if (Object.keys(out).length > 0) fields['f:metadata'] = out;
      continue;
    }
    const child = added(scope, fieldNode(top, key), value, zero[key]);
    if (child === undefined) return false;
    if (child !== NOTHING) fields[`f:${key}`] = child;
  }
  if (Object.keys(fields).length > 0) {
    next.metadata.managedFields = [{ manager, operation: 'Update', apiVersion: scope.apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: fields as ManagedFieldsEntry['fieldsV1'] }];
    if (!manager) delete next.metadata.managedFields[0]!.manager;
  }
  return true;
}

const NOTHING = Object.freeze({});

/**
 * FieldsV1 of a value against its part of the zero object (undefined: absent there): what
 * compare(zero, value) adds or modifies. undefined means "use the general path"; NOTHING, no fields.
 */
function added(scope: FieldManagerScope, node: SchemaNode | undefined, value: unknown, zero: unknown): Record<string, unknown> | undefined {
  const atom = atomOf(scope.schema, node, value);
  const leaf = (): Record<string, unknown> => (zero !== undefined && jsonEqual(zero, value) ? NOTHING : {});
  if (atom.kind === 'scalar' || atom.kind === 'deduced') return zero === undefined || !jsonEqual(zero, value) ? {} : NOTHING;
  const isObj = value !== null && typeof value === 'object' && !Array.isArray(value);
  if (atom.kind === 'list') {
    if (!Array.isArray(value) || zero !== undefined) return undefined;
    if (atom.type === 'atomic' || value.length === 0) return leaf();
    const items: [PathElement, string, Record<string, unknown>][] = [];
    const seen = new Set<string>();
    for (const item of value) {
      const pe = itemElement(atom, item, []);
      const key = serializePathElement(pe);
      if (seen.has(key)) return undefined;
      seen.add(key);
      const child = added(scope, atom.element, item, undefined);
      if (child === undefined) return undefined;
      items.push([pe, key, child === NOTHING || Object.keys(child).length === 0 ? {} : { '.': {}, ...child }]);
    }
    items.sort((a, b) => comparePathElements(a[0], b[0]));
    const out: Record<string, unknown> = { '.': {} };
    for (const [, key, child] of items) out[key] = child;
    return out;
  }
  if (!isObj) return zero === undefined ? {} : undefined;
  const keys = Object.keys(value);
  if (atom.atomic || (keys.length === 0 && (zero === undefined || Object.keys(zero as object).length === 0))) return leaf();
  if (zero !== undefined && (zero === null || typeof zero !== 'object' || Object.keys(zero).length > 0)) return undefined;
  const out: Record<string, unknown> = zero === undefined ? { '.': {} } : {};
  for (const k of keys.sort()) {
    const child = added(scope, fieldNode(atom, k), (value as Record<string, unknown>)[k], undefined);
    if (child === undefined) return undefined;
    const childAtom = atomOf(scope.schema, fieldNode(atom, k), (value as Record<string, unknown>)[k]);
    // A granular child with fields of its own is a member too ("."), as every node the create adds.
    out[`f:${k}`] = childAtom.kind !== 'scalar' && childAtom.kind !== 'deduced' && child !== NOTHING && Object.keys(child).length > 0 && !('.' in child) ? { '.': {}, ...child } : child;
  }
  if (zero !== undefined && Object.keys(out).length === 0) return NOTHING;
  return out;
}

export type ApplyResult =
  | { ok: true; object: KubeObject }
  | { ok: false; conflicts: Conflicts };

/**
 * An Apply of `config` by `manager` over `live` (for a create, an empty object with the name and
 * namespace). Throws MergeTypeError for a configuration the schema cannot type.
 */
export function recordApply(scope: FieldManagerScope, live: KubeObject, config: KubeObject, manager: string, force: boolean, now: string): ApplyResult {
  let managed = decode(live.metadata.managedFields);
  const liveView = typedView(live) as KubeObject;
  const applyOnce = (m: Managed, forced: boolean): { object: unknown; managed: Managed } => {
    const id = identifier({ manager, operation: 'Apply', subresource: scope.subresource });
    const times = new Map(m.times);
    let managers = m.managers;
    if (managers.size === 0) {
      // skip non-applied: what is there before the first apply belongs to "before-first-apply".
      const first = identifier({ manager: 'before-first-apply', operation: 'Update', apiVersion: scope.apiVersion, subresource: scope.subresource });
      managers = update(scope, zeroObject(scope), liveView, scope.apiVersion, managers, first);
      const stripped: Managed = { managers, times };
      strip(stripped, first);
      managers = stripped.managers;
      if (managers.has(first)) times.set(first, now);
    }
    const result = apply(scope, liveView, config, scope.apiVersion, managers, id, forced);
    const out: Managed = { managers: result.managers, times };
    strip(out, id);
    const before = m.managers.get(id);
    const after = out.managers.get(id);
    // The applier's time moves when the object or what it owns changes.
    if (result.object !== undefined || (after && (!before || !before.set.equals(after.set)))) out.times.set(id, now);
    return { object: result.object, managed: out };
  };
  let outcome: { object: unknown; managed: Managed };
  try {
    outcome = applyOnce(managed, force);
  } catch (e) {
    if (!(e instanceof Conflicts)) throw e;
    const allowed = manager === 'kubectl' ? allowedByLastApplied(scope, liveView) : undefined;
    const remaining = allowed ? e.conflicts.filter((c) => !allowed.has(c.path)) : e.conflicts;
    if (remaining.length > 0) return { ok: false, conflicts: new Conflicts(remaining) };
    outcome = applyOnce(managed, true);
  }
  managed = outcome.managed;
  capUpdateManagers(managed);
  const entries = encode(managed);
  if (outcome.object === undefined && JSON.stringify(entries) === JSON.stringify(live.metadata.managedFields)) {
    // Nothing changed: the live object as it is, its encoding included.
    const same = structuredClone(live);
    if (manager === 'kubectl') syncLastApplied(same, config);
    return { ok: true, object: same };
  }
  const object = (outcome.object ?? structuredClone(liveView)) as KubeObject;
  if (manager === 'kubectl') syncLastApplied(object, config);
  setManagedFields(object, entries);
  return { ok: true, object };
}

/** The fields client-side apply last applied, when the live object still matches them. */
function allowedByLastApplied(scope: FieldManagerScope, live: KubeObject): FieldSet | undefined {
  const text = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  try {
    if (!compare(scope.schema, scope.node, lastApplied, live).modified.isEmpty()) return undefined;
    return toFieldSet(scope.schema, scope.node, lastApplied);
  } catch {
    return undefined;
  }
}

/** kubectl's server-side apply keeps a last-applied annotation that is already there in step with what it applied. */
function syncLastApplied(object: KubeObject, config: KubeObject): void {
  const annotations = object.metadata.annotations;
  if (!annotations || annotations[LAST_APPLIED_ANNOTATION] === undefined) return;
  const copy = structuredClone(config);
  if (copy.metadata?.annotations) {
    delete copy.metadata.annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  }
  const text = JSON.stringify(copy);
  if (text.length > LAST_APPLIED_LIMIT) delete annotations[LAST_APPLIED_ANNOTATION];
  else annotations[LAST_APPLIED_ANNOTATION] = text;
}

// ---------------------------------------------------------------------------
// What users see

function printManager(id: string): string {
  let entry: ManagedFieldsEntry;
  try {
    entry = JSON.parse(id) as ManagedFieldsEntry;
  } catch {
    return JSON.stringify(id);
  }
  let out = JSON.stringify(entry.manager ?? '');
  if (entry.subresource) out = `${out} with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') out = `${out} using ${entry.apiVersion ?? ''}`;
  return out;
}

/** kube's message and causes for an apply that conflicts (409). */
export function conflictReport(conflicts: Conflicts): { message: string; causes: StatusCause[] } {
  const list = conflicts.conflicts;
  const causes = list.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  if (list.length === 1) {
    return { message: `Apply failed with 1 conflict: conflict with ${printManager(list[0]!.manager)}: ${pathString(list[0]!.path)}`, causes };
  }
  const byManager = new Map<string, string[]>();
  for (const c of list) {
    const paths = byManager.get(c.manager) ?? [];
    paths.push(pathString(c.path));
    byManager.set(c.manager, paths);
  }
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${printManager(manager)}:`);
    for (const p of byManager.get(manager)!) lines.push(`- ${p}`);
  }
  return { message: `Apply failed with ${list.length} conflicts: ${lines.join('\n')}`, causes };
}

/** kube's manager for a write without fieldManager: the User-Agent up to its first '/', printable, at most 128 bytes. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const head = (userAgent ?? '').split('/')[0] ?? '';
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    if (!isPrintable(ch)) continue;
    const size = Buffer.byteLength(ch);
    if (bytes + size > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += size;
  }
  return out;
}

export const FIELD_MANAGER_MAX_LENGTH = 128;

const isPrintable = (ch: string): boolean => /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch);

/** kube's ValidateFieldManager, for the fieldManager option and each entry's manager. */
export function fieldManagerErrors(manager: string, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (manager.length > FIELD_MANAGER_MAX_LENGTH) {
    causes.push({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes` });
  }
  if (![...manager].every(isPrintable)) {
    causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(manager)}: must only contain printable characters` });
  }
  return causes;
}

/** kube's ValidateManagedFields. */
export function validateManagedFields(entries: unknown): StatusCause[] {
  if (!Array.isArray(entries)) return [];
  const causes: StatusCause[] = [];
  entries.forEach((raw: unknown, i) => {
    const at = `metadata.managedFields[${i}]`;
    const e = (raw !== null && typeof raw === 'object' ? raw : {}) as ManagedFieldsEntry;
    if (e.operation !== 'Apply' && e.operation !== 'Update') {
      causes.push({ reason: 'FieldValueInvalid', field: `${at}.operation`, message: `Invalid value: ${JSON.stringify(e.operation ?? '')}: must be \`Apply\` or \`Update\`` });
    }
    if (e.fieldsType && e.fieldsType !== 'FieldsV1') {
      causes.push({ reason: 'FieldValueInvalid', field: `${at}.fieldsType`, message: `Invalid value: ${JSON.stringify(e.fieldsType)}: must be \`FieldsV1\`` });
    }
    causes.push(...fieldManagerErrors(e.manager ?? '', `${at}.manager`));
    if ((e.subresource ?? '').length > 256) {
      causes.push({ reason: 'FieldValueTooLong', field: `${at}.subresource`, message: 'Too long: may not be more than 256 bytes' });
    }
  });
  return causes;
}
