// Schema-driven validation: names per kube's rules, primitive types and
// unknown fields (for fieldValidation), with kube's Invalid causes.

import type { StatusCause } from '../protocol/kube/status.js';
import type { NameFormat } from './kind-description.js';
import { resolveNode, type Definitions, type SchemaNode } from './schema.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const LABEL_MESSAGE = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MESSAGE = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** kube's name validation messages for `name` under `format`; empty when valid. */
export function validateName(name: string, format: NameFormat): string[] {
  switch (format) {
    case 'dns1123-label':
      return [...(name.length > 63 ? ['must be no more than 63 characters'] : []), ...(DNS1123_LABEL.test(name) ? [] : [LABEL_MESSAGE])];
    case 'dns1035-label':
      return [...(name.length > 63 ? ['must be no more than 63 characters'] : []), ...(DNS1035_LABEL.test(name) ? [] : [DNS1035_MESSAGE])];
    case 'path-segment':
      if (name === '.' || name === '..') return [`may not be '${name}'`];
      return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
    default:
      return [...(name.length > 253 ? ['must be no more than 253 characters'] : []), ...(DNS1123_SUBDOMAIN.test(name) ? [] : [SUBDOMAIN_MESSAGE])];
  }
}

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_MESSAGE = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MESSAGE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) return [`a qualified name ${QUALIFIED_MESSAGE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  const name = parts[parts.length - 1]!;
  const errors: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) errors.push(`prefix part ${SUBDOMAIN_MESSAGE}`);
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push('name part must be no more than 63 characters');
  else if (!QUALIFIED_NAME.test(name)) errors.push(QUALIFIED_MESSAGE);
  return errors;
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateMetadataMaps(labels: unknown, annotations: unknown): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries((labels ?? {}) as Record<string, unknown>)) {
    for (const message of qualifiedNameErrors(key)) causes.push({ type: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "${key}": ${message}` });
    const v = String(value);
    if (v.length > 63) causes.push({ type: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "${v}": must be no more than 63 characters` });
    else if (!LABEL_VALUE.test(v)) causes.push({ type: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "${v}": ${LABEL_VALUE_MESSAGE}` });
  }
  let size = 0;
  for (const [key, value] of Object.entries((annotations ?? {}) as Record<string, unknown>)) {
    for (const message of qualifiedNameErrors(key.toLowerCase())) causes.push({ type: 'FieldValueInvalid', field: 'metadata.annotations', message: `Invalid value: "${key}": ${message}` });
    size += key.length + String(value).length;
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) causes.push({ type: 'FieldValueTooLong', field: 'metadata.annotations', message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
  return causes;
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v);

function typeMatches(schema: SchemaNode, value: unknown): boolean {
  if (schema['x-kubernetes-int-or-string'] || schema.format === 'int-or-string') return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

interface Walk {
  definitions: Definitions;
  causes: StatusCause[];
  unknownFields: string[];
}

function walk(w: Walk, raw: SchemaNode, value: unknown, path: string, depth: number): void {
  if (depth > 100 || value === null) return;
  const schema = resolveNode(w.definitions, raw);
  if (!typeMatches(schema, value)) {
    const expected = schema.format === 'int-or-string' ? 'integer or string' : schema.type;
    w.causes.push({ type: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "${typeName(value)}": ${path} in body must be of type ${expected}` });
    return;
  }
  if (schema['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => walk(w, schema.items!, item, `${path}[${i}]`, depth + 1));
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const object = value as Record<string, unknown>;
  for (const key of schema.required ?? []) {
    // metadata is the server's to fill in; every other required field is the client's.
    if (object[key] === undefined && key !== 'metadata') w.causes.push({ type: 'FieldValueRequired', field: path ? `${path}.${key}` : key, message: 'Required value' });
  }
  if (schema.properties) {
    for (const [key, child] of Object.entries(object)) {
      const sub = schema.properties[key];
      const childPath = path ? `${path}.${key}` : key;
      if (sub) walk(w, sub, child, childPath, depth + 1);
      else if (!schema.additionalProperties) w.unknownFields.push(childPath);
    }
  } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    for (const [key, child] of Object.entries(object)) walk(w, schema.additionalProperties, child, `${path}[${key}]`, depth + 1);
  }
}

/** Checks `object` against definition `definitionName`: type errors as causes, unknown fields by path. */
export function validateObject(object: unknown, definitionName: string, definitions: Definitions): { causes: StatusCause[]; unknownFields: string[] } {
  const w: Walk = { definitions, causes: [], unknownFields: [] };
  walk(w, { $ref: `#/definitions/${definitionName}` }, object, '', 0);
  const meta = (object as { metadata?: { labels?: unknown; annotations?: unknown } }).metadata;
  if (meta) w.causes.push(...validateMetadataMaps(meta.labels, meta.annotations));
  return w;
}

/** Removes unknown fields in place, as decoding into kube's typed structs does. */
export function pruneUnknownFields(object: unknown, paths: readonly string[]): void {
  for (const path of paths) {
    const parts = path.match(/[^.[\]]+/g) ?? [];
    let node: unknown = object;
    for (let i = 0; i < parts.length - 1 && node && typeof node === 'object'; i++) node = (node as Record<string, unknown>)[parts[i]!];
    if (node && typeof node === 'object') delete (node as Record<string, unknown>)[parts[parts.length - 1]!];
  }
}
