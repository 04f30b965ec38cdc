// What kube's REST strategies do for every stored kind: prepare an object for
// create or update (server-set metadata, defaults) and validate it.
// Everything kind-specific comes from the kind's description.

import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StatusCause } from '../../protocol/kube/status.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import type { Definitions } from '../../scheme/schema.js';
import { completeValidation, mergeCauses, validateObject, validateName, type SchemaValidation } from '../../scheme/validate.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** RFC 3339 with second precision, as kube writes metav1.Time. */
let lastSecond = NaN;
let lastText = '';

/** kube's metav1.Time: RFC 3339 to the second. Writes come many to a second, so the text is kept per second. */
export function timestamp(now: Date): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return lastText;
}

/** Kinds with a status subresource keep status apart: only /status writes it. */
export const hasStatusSubresource = (kind: KindDescription): boolean => kind.subresources?.some((s) => s.name === 'status') ?? false;

/** Which part of an object a write may change: the main resource (everything but status) or /status. */
export type WritePart = 'main' | 'status';

/**
 * Built-in kinds decode into Go structs whose metadata lists and maps are omitempty: an empty one
 * is not there (kubectl diff sends `annotations: {}` and expects no difference from none).
 */
function dropEmptyMetadata(meta: KubeObject['metadata']): void {
  for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields'] as const) {
    const value = meta[field];
    if (value === null || (typeof value === 'object' && Object.keys(value).length === 0)) delete meta[field];
  }
}

export function prepareForCreate(kind: KindDescription, object: KubeObject, now: Date): void {
  const meta = object.metadata;
  dropEmptyMetadata(meta);
  // kube's strategies start status afresh on create (a Node's kubelet reports its own, so it is kept).
  if (hasStatusSubresource(kind) && !kind.keepsStatusOnCreate) delete object.status;
  meta.uid = randomUUID();
  meta.creationTimestamp = timestamp(now);
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.resourceVersion;
  if (kind.tracksGeneration) meta.generation = 1;
  else delete meta.generation;
  kind.defaults?.(object);
  kind.prepareForCreate?.(object);
}

/**
 * Keeps what the server owns from the stored object; bumps generation when anything but metadata and
 * status changed. A write of the main resource leaves status as it was, where the kind has /status.
 */
export function prepareForUpdate(kind: KindDescription, object: KubeObject, old: KubeObject, part: WritePart = 'main'): void {
  const meta = object.metadata;
  if (part === 'main' && hasStatusSubresource(kind)) {
    if (old.status === undefined) delete object.status;
    else object.status = old.status;
  }
  dropEmptyMetadata(meta);
  meta.uid = old.metadata.uid;
  meta.creationTimestamp = old.metadata.creationTimestamp;
  if (old.metadata.deletionTimestamp) meta.deletionTimestamp = old.metadata.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (old.metadata.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
  kind.defaults?.(object);
  if (kind.tracksGeneration) {
    const { metadata: _a, status: _b, ...spec } = object;
    const { metadata: _c, status: _d, ...oldSpec } = old;
    const changed = JSON.stringify(spec) !== JSON.stringify(oldSpec);
    meta.generation = (old.metadata.generation ?? 1) + (changed ? 1 : 0);
  }
}

export interface ValidationResult {
  causes: StatusCause[];
  /** Unknown fields, as `spec.foo`, for fieldValidation. */
  unknownFields: string[];
  /** A value of the wrong JSON type, worded as kube's decoder words it: kube answers 400 before validating. */
  decodeError?: string;
  /** What the kind's validation warns of (Warning headers). */
  warnings: string[];
}

/** `decoded`: the schema walk of the object as it arrived (decodeObject), reused rather than walking again. */
export function validate(kind: KindDescription, definitions: Definitions, object: KubeObject, old: KubeObject | undefined, decoded?: SchemaValidation, subresource = ''): ValidationResult {
  const causes: StatusCause[] = [];
  const name = object.metadata.name ?? '';
  for (const message of validateName(name, kind.nameFormat ?? 'dns1123-subdomain')) {
    causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": ${message}` });
  }
  if (old && old.metadata.uid !== object.metadata.uid) {
    causes.push({ reason: 'FieldValueInvalid', field: 'metadata.uid', message: 'field is immutable' });
  }
  // A custom resource assembled by the server (a /status write) is pruned and defaulted as a body would be.
  const walked = decoded ?? kind.decode?.(object as unknown as Record<string, unknown>);
  const schema = walked ? completeValidation(object, walked) : validateObject(object, kind.definition, definitions);
  const warnings: string[] = [];
  const kindCauses = kind.validate?.(object, old, subresource, warnings) ?? [];
  causes.push(...(kindCauses.length > 0 ? mergeCauses(schema.causes, kindCauses) : schema.causes));
  const result: ValidationResult = { causes, unknownFields: schema.unknownFields, warnings };
  if (schema.decodeError) result.decodeError = schema.decodeError;
  return result;
}
