// What the apiextensions server does to a custom resource's body with its
// version's structural schema, in kube's order: prune unknown fields (listed,
// for fieldValidation Strict and Warn), apply defaults, then validate, with
// the wording kube's OpenAPI validator gives each failure (ratcheted on update:
// values an update leaves as they were are not validated again).

import type { StatusCause } from '../../protocol/kube/status.js';
import type { JSONSchemaProps } from './crd.js';

type Value = unknown;

const isObject = (v: Value): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** The schema of an array's elements (a CRD's items is always one schema: validation refuses a tuple). */
const itemsOf = (schema: JSONSchemaProps): JSONSchemaProps | undefined => (Array.isArray(schema.items) ? schema.items[0] : schema.items);

const preserves = (schema: JSONSchemaProps): boolean => schema['x-kubernetes-preserve-unknown-fields'] === true;

/** The fields every object keeps at its root (and an embedded resource at its own). */
const TYPE_META = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Removes what the schema does not name, in place; returns the removed fields' paths (`spec.foo`,
 * `spec.items[0].bar`). `root` keeps apiVersion, kind and metadata, as every object has them.
 */
export function prune(value: Value, schema: JSONSchemaProps, path = '', root = true): string[] {
  const removed: string[] = [];
  walkPrune(value, schema, path, root, removed);
  return removed;
}

function walkPrune(value: Value, schema: JSONSchemaProps, path: string, keepTypeMeta: boolean, removed: string[]): void {
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    if (items) value.forEach((v, i) => walkPrune(v, items, `${path}[${i}]`, items['x-kubernetes-embedded-resource'] === true, removed));
    return;
  }
  if (!isObject(value)) return;
  const properties = schema.properties;
  const additional = schema.additionalProperties;
  for (const key of Object.keys(value)) {
    if (keepTypeMeta && TYPE_META.has(key) && !properties?.[key]) continue;
    const child = properties?.[key];
    if (child) {
      walkPrune(value[key], child, join(path, key), child['x-kubernetes-embedded-resource'] === true, removed);
    } else if (isObject(additional)) {
      walkPrune(value[key], additional, join(path, key), additional['x-kubernetes-embedded-resource'] === true, removed);
    } else if (!preserves(schema) && additional !== true) {
      delete value[key];
      removed.push(join(path, key));
    }
  }
}

/** Sets each absent field the schema gives a default (and a null one that may not be null), in place. */
export function applyDefaults(value: Value, schema: JSONSchemaProps): void {
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    if (items) for (const v of value) applyDefaults(v, items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const absent = !(key in value) || (value[key] === null && !child.nullable);
    if (absent && child.default !== undefined) value[key] = structuredClone(child.default);
    if (key in value) applyDefaults(value[key], child);
  }
  if (isObject(schema.additionalProperties)) for (const key of Object.keys(value)) applyDefaults(value[key], schema.additionalProperties);
}

/** How kube's field errors print a value: strings quoted, everything else as JSON. */
function shown(value: Value): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const invalidCause = (field: string, value: Value, message: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown(value)}: ${message}` });

function jsonTypeOf(value: Value): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(type: string, value: Value): boolean {
  switch (type) {
    case 'object': return isObject(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    default: return true;
  }
}

const FORMATS: Readonly<Record<string, RegExp>> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/,
  hostname: /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
};

/** The old value at the same place as a new one, where the two correlate (kube's CorrelatedObject); undefined where they do not. */
type Old = { value: Value } | undefined;

function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The old item a new list item correlates with: by its keys in a map list, by its value in a set; none in an atomic list. */
function oldItem(schema: JSONSchemaProps, item: Value, old: Old): Old {
  if (!old || !Array.isArray(old.value)) return undefined;
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') return old.value.some((o) => deepEqual(o, item)) ? { value: item } : undefined;
  if (listType !== 'map' || !isObject(item)) return undefined;
  const keys = schema['x-kubernetes-list-map-keys'] ?? [];
  const found = old.value.find((o) => isObject(o) && keys.every((k) => deepEqual(o[k], item[k])));
  return found === undefined ? undefined : { value: found };
}

/**
 * Validates `value` against `schema`; field paths as kube prints them (`spec.replicas`, `spec.ports[0]`).
 * With `old` (an update), kube 1.33's validation ratcheting: a value equal to the old value it correlates
 * with is not validated again, so an object stored before a stricter schema can still be updated elsewhere.
 */
export function validateValue(value: Value, schema: JSONSchemaProps, path: string, old?: Old): StatusCause[] {
  const causes: StatusCause[] = [];
  walkValidate(value, schema, path, causes, old);
  return causes;
}

function walkValidate(value: Value, schema: JSONSchemaProps, path: string, causes: StatusCause[], old: Old): void {
  if (old && deepEqual(value, old.value)) return;
  const field = path;
  if (value === null) {
    if (schema.nullable || (!schema.type && !schema['x-kubernetes-int-or-string'])) return;
    causes.push(invalidCause(field, 'null', `${field} in body must be of type ${schema.type ?? 'string'}: "null"`));
    return;
  }
  if (schema['x-kubernetes-int-or-string']) {
    if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) {
      causes.push(invalidCause(field, jsonTypeOf(value), `${field} in body must be of type integer,string: ${JSON.stringify(jsonTypeOf(value))}`));
      return;
    }
  } else if (schema.type && !typeMatches(schema.type, value)) {
    causes.push(invalidCause(field, jsonTypeOf(value), `${field} in body must be of type ${schema.type}: ${JSON.stringify(jsonTypeOf(value))}`));
    return;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    causes.push({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${shown(value)}: supported values: ${schema.enum.map(shown).join(', ')}` });
  }
  if (typeof value === 'number') validateNumber(value, schema, field, causes);
  if (typeof value === 'string') validateString(value, schema, field, causes);
  if (Array.isArray(value)) validateArray(value, schema, field, causes, old);
  if (isObject(value)) validateObjectValue(value, schema, field, causes, old);
}

function validateNumber(value: number, schema: JSONSchemaProps, field: string, causes: StatusCause[]): void {
  if (schema.maximum !== undefined) {
    if (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum) {
      causes.push(invalidCause(field, value, `${field} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`));
    }
  }
  if (schema.minimum !== undefined) {
    if (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum) {
      causes.push(invalidCause(field, value, `${field} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`));
    }
  }
  if (schema.multipleOf !== undefined && schema.multipleOf > 0 && Math.abs(value / schema.multipleOf - Math.round(value / schema.multipleOf)) > 1e-9) {
    causes.push(invalidCause(field, value, `${field} in body should be a multiple of ${schema.multipleOf}`));
  }
}

function validateString(value: string, schema: JSONSchemaProps, field: string, causes: StatusCause[]): void {
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    causes.push({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${schema.maxLength} bytes` });
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    causes.push(invalidCause(field, value, `${field} in body should be at least ${schema.minLength} chars long`));
  }
  if (schema.pattern !== undefined) {
    let matches = true;
    try {
      matches = new RegExp(schema.pattern, 'u').test(value);
    } catch {
      matches = true;
    }
    if (!matches) causes.push(invalidCause(field, value, `${field} in body should match '${schema.pattern}'`));
  }
  const format = schema.format ? FORMATS[schema.format] : undefined;
  if (format && !format.test(value)) causes.push(invalidCause(field, value, `${field} in body must be of type ${schema.format}: ${JSON.stringify(value)}`));
}

function validateArray(value: unknown[], schema: JSONSchemaProps, field: string, causes: StatusCause[], old: Old): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    causes.push({ reason: 'FieldValueTooMany', field, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    causes.push(invalidCause(field, value.length, `${field} in body should have at least ${schema.minItems} items`));
  }
  const items = itemsOf(schema);
  if (items) value.forEach((v, i) => walkValidate(v, items, `${field}[${i}]`, causes, oldItem(schema, v, old)));
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') {
    const seen = new Set<string>();
    value.forEach((v, i) => {
      const key = JSON.stringify(v);
      if (seen.has(key)) causes.push({ reason: 'FieldValueDuplicate', field: `${field}[${i}]`, message: `Duplicate value: ${shown(v)}` });
      seen.add(key);
    });
  } else if (listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    value.forEach((v, i) => {
      if (!isObject(v)) return;
      const key = JSON.stringify(keys.map((k) => v[k] ?? null));
      if (seen.has(key)) causes.push({ reason: 'FieldValueDuplicate', field: `${field}[${i}]`, message: `Duplicate value: ${JSON.stringify(Object.fromEntries(keys.map((k) => [k, v[k]])))}` });
      seen.add(key);
    });
  }
}

function validateObjectValue(value: Record<string, unknown>, schema: JSONSchemaProps, field: string, causes: StatusCause[], old: Old): void {
  const oldObject = old && isObject(old.value) ? old.value : undefined;
  for (const name of schema.required ?? []) {
    if (!(name in value) || value[name] === undefined) causes.push({ reason: 'FieldValueRequired', field: join(field, name), message: 'Required value' });
  }
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    causes.push({ reason: 'FieldValueTooMany', field, message: `Too many: ${count}: must have at most ${schema.maxProperties} items` });
  }
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    causes.push(invalidCause(field, count, `${field} in body should have at least ${schema.minProperties} properties`));
  }
  if (schema['x-kubernetes-embedded-resource']) {
    for (const name of ['apiVersion', 'kind']) {
      if (typeof value[name] !== 'string' || value[name] === '') causes.push({ reason: 'FieldValueRequired', field: join(field, name), message: 'Required value: must not be empty' });
    }
  }
  for (const [key, child] of Object.entries(value)) {
    const sub = schema.properties?.[key] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (sub) walkValidate(child, sub, join(field, key), causes, oldObject && key in oldObject ? { value: oldObject[key] } : undefined);
  }
}
