// Schema-driven validation of an object before it is written: kube's name and
// metadata rules with their exact wording, JSON types as kube's decoder sees
// them, the required fields that are safe to enforce generically, and unknown
// fields (for fieldValidation), all from the generated schema facts.

import type { StatusCause } from '../protocol/kube/status.js';
import type { NameFormat } from './kind-description.js';
import { REF_PREFIX, type Definitions, type SchemaNode } from './schema.js';

// ---- kube's string rules (k8s.io/apimachinery/pkg/util/validation), same messages ----

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const CONFIG_MAP_KEY_FMT = '[-._a-zA-Z0-9]+';

const anchored = (fmt: string): RegExp => new RegExp(`^${fmt}$`);
const DNS1123_LABEL = anchored(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN = anchored(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL = anchored(DNS1035_LABEL_FMT);
const QUALIFIED_NAME = anchored(QUALIFIED_NAME_FMT);
const LABEL_VALUE = anchored(LABEL_VALUE_FMT);
const CONFIG_MAP_KEY = anchored(CONFIG_MAP_KEY_FMT);

/** kube's RegexError: the message, its examples (joined the way kube joins them) and the regex. */
function regexError(message: string, fmt: string, ...examples: string[]): string {
  const e = examples.length > 0 ? `e.g. ${examples.map((x) => `'${x}', `).join(' or ')}` : '';
  return `${message} (${e}regex used for validation is '${fmt}')`;
}

const maxLenError = (n: number): string => `must be no more than ${n} characters`;
/** Go's len(): bytes, not UTF-16 units. */
const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

const DNS1123_LABEL_MESSAGE =
  'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character';
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const QUALIFIED_NAME_MESSAGE = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const CONFIG_MAP_KEY_MESSAGE = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

export function isDNS1123Label(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push(maxLenError(63));
  if (!DNS1123_LABEL.test(value)) {
    errors.push(DNS1123_SUBDOMAIN.test(value) ? 'must not contain dots' : regexError(DNS1123_LABEL_MESSAGE, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errors;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 253) errors.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN.test(value)) errors.push(regexError(DNS1123_SUBDOMAIN_MESSAGE, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errors;
}

export function isDNS1035Label(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push(maxLenError(63));
  if (!DNS1035_LABEL.test(value)) errors.push(regexError(DNS1035_LABEL_MESSAGE, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errors;
}

/** Label keys, annotation keys and finalizers: an optional DNS subdomain prefix, '/', and a 63-character name. */
export function isQualifiedName(value: string): string[] {
  const parts = value.split('/');
  if (parts.length > 2) {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  const errors: string[] = [];
  const name = parts[parts.length - 1]!;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else errors.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (byteLength(name) > 63) errors.push(`name part ${maxLenError(63)}`);
  if (!QUALIFIED_NAME.test(name)) errors.push(`name part ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errors;
}

export function isValidLabelValue(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push(maxLenError(63));
  if (!LABEL_VALUE.test(value)) errors.push(regexError(LABEL_VALUE_MESSAGE, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errors;
}

/** Keys of ConfigMap and Secret data (kube's IsConfigMapKey): they become file names, hence the '..' rules. */
export function isConfigMapKey(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 253) errors.push(maxLenError(253));
  if (!CONFIG_MAP_KEY.test(value)) errors.push(regexError(CONFIG_MAP_KEY_MESSAGE, CONFIG_MAP_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  if (value === '.') errors.push("must not be '.'");
  else if (value === '..') errors.push("must not be '..'");
  else if (value.startsWith('..')) errors.push("must not start with '..'");
  return errors;
}

/** Invalid causes for every key of a data map, at `<field>[<key>]` as kube reports them. */
export function validateConfigMapKeys(map: unknown, field: string): StatusCause[] {
  if (!isPlainObject(map)) return [];
  return Object.keys(map).flatMap((key) => isConfigMapKey(key).map((message) => invalid(`${field}[${key}]`, key, message)));
}

// ---- names ----

/**
 * kube's name messages for `name` under `format`; empty when valid. With
 * `prefix` the name is a generateName: a trailing '-' is allowed, since
 * random characters follow it.
 */
export function validateName(name: string, format: NameFormat, prefix = false): string[] {
  const candidate = prefix && format !== 'path-segment' ? name.replace(/-$/, 'a') : name;
  switch (format) {
    case 'dns1123-label':
      return isDNS1123Label(candidate);
    case 'dns1035-label':
      return isDNS1035Label(candidate);
    case 'path-segment': {
      const errors = !prefix && (name === '.' || name === '..') ? [`may not be '${name}'`] : [];
      for (const c of ['/', '%']) if (name.includes(c)) errors.push(`may not contain '${c}'`);
      return errors;
    }
    default:
      return isDNS1123Subdomain(candidate);
  }
}

/** metadata.name and metadata.generateName as kube's ValidateObjectMeta checks them. */
export function validateMetadataName(metadata: { name?: unknown; generateName?: unknown }, format: NameFormat): StatusCause[] {
  const causes: StatusCause[] = [];
  const generateName = typeof metadata.generateName === 'string' ? metadata.generateName : '';
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (generateName) for (const m of validateName(generateName, format, true)) causes.push(invalid('metadata.generateName', generateName, m));
  if (!name) causes.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
  else for (const m of validateName(name, format)) causes.push(invalid('metadata.name', name, m));
  return causes;
}

// ---- the rest of ObjectMeta ----

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';

/** Labels, annotations, finalizers, ownerReferences and generation, as kube's ValidateObjectMeta checks them. */
export function validateObjectMetaFields(metadata: unknown): StatusCause[] {
  if (!isPlainObject(metadata)) return [];
  const causes: StatusCause[] = [];
  const { labels, annotations, finalizers, ownerReferences, generation } = metadata;
  if (typeof generation === 'number' && generation < 0) causes.push(invalid('metadata.generation', generation, 'must be greater than or equal to 0'));
  if (isPlainObject(labels)) {
    for (const [key, value] of Object.entries(labels)) {
      for (const m of isQualifiedName(key)) causes.push(invalid('metadata.labels', key, m));
      if (typeof value === 'string') for (const m of isValidLabelValue(value)) causes.push(invalid('metadata.labels', value, m));
    }
  }
  if (isPlainObject(annotations)) {
    let size = 0;
    for (const [key, value] of Object.entries(annotations)) {
      // kube lower-cases annotation keys before checking them: upper case is allowed there.
      for (const m of isQualifiedName(key.toLowerCase())) causes.push(invalid('metadata.annotations', key, m));
      size += byteLength(key) + (typeof value === 'string' ? byteLength(value) : 0);
    }
    if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
      causes.push({ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
    }
  }
  if (Array.isArray(finalizers)) {
    const names = finalizers.filter((f): f is string => typeof f === 'string');
    for (const f of names) for (const m of isQualifiedName(f)) causes.push(invalid('metadata.finalizers', f, m));
    if (names.includes(ORPHAN) && names.includes(FOREGROUND)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.finalizers',
        message: `Invalid value: []string{${names.map((n) => JSON.stringify(n)).join(', ')}}: finalizer ${ORPHAN} and ${FOREGROUND} cannot be both set`,
      });
    }
  }
  if (Array.isArray(ownerReferences)) causes.push(...ownerReferenceCauses(ownerReferences));
  return causes;
}

function ownerReferenceCauses(all: unknown[]): StatusCause[] {
  const references = all.filter(isPlainObject);
  const causes: StatusCause[] = [];
  const field = 'metadata.ownerReferences';
  let controller = '';
  for (const ref of references) {
    const text = (v: unknown): string => (typeof v === 'string' ? v : '');
    const apiVersion = text(ref.apiVersion);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (!version) causes.push(invalid(`${field}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!text(ref.kind)) causes.push(invalid(`${field}.kind`, text(ref.kind), 'kind must not be empty'));
    if (!text(ref.name)) causes.push(invalid(`${field}.name`, text(ref.name), 'name must not be empty'));
    if (!text(ref.uid)) causes.push(invalid(`${field}.uid`, text(ref.uid), 'uid must not be empty'));
    if (apiVersion === 'v1' && ref.kind === 'Event') {
      causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${goOwnerReference(ref)}: /v1, Kind=Event is disallowed from being an owner` });
    }
    if (ref.controller === true) {
      const current = `${text(ref.kind)}/${text(ref.name)}`;
      if (controller) {
        causes.push({
          reason: 'FieldValueInvalid',
          field,
          message: `Invalid value: []v1.OwnerReference{${references.map(goOwnerReference).join(', ')}}: Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${current}`,
        });
      } else controller = current;
    }
  }
  return causes;
}

/** Go's %#v of an OwnerReference, which kube prints in these messages; a set pointer's address cannot be reproduced. */
function goOwnerReference(ref: Record<string, unknown>): string {
  const text = (v: unknown): string => JSON.stringify(typeof v === 'string' ? v : '');
  const flag = (v: unknown): string => (typeof v === 'boolean' ? '(*bool)(…)' : '(*bool)(nil)');
  return `v1.OwnerReference{APIVersion:${text(ref.apiVersion)}, Kind:${text(ref.kind)}, Name:${text(ref.name)}, UID:${text(ref.uid)}, Controller:${flag(ref.controller)}, BlockOwnerDeletion:${flag(ref.blockOwnerDeletion)}}`;
}

// ---- schema walk ----

export interface SchemaValidation {
  /** Invalid causes: wrong JSON types, missing required fields, metadata rules. */
  causes: StatusCause[];
  /** Unknown fields as kube's strict decoder prints them (`spec.foo`, `spec.ports[0].bar`), for fieldValidation. */
  unknownFields: string[];
  /**
   * The first type mismatch worded as kube's JSON decoder words it. kube
   * answers such a body 400 BadRequest, `<Kind> in version "<v>" cannot be
   * handled as a <Kind>: <decodeError>`, before it validates anything.
   */
  decodeError?: string;
}

/**
 * Checks `object` against definition `definitionName`.
 *
 * `required` is only enforced where kube's own validation says "Required
 * value" for a missing field: strings and lists the client must send.
 * Missing structs, numbers and booleans decode to zero values in kube, and
 * its per-kind validation words those errors itself; `metadata` and
 * everything under `status` are the server's to fill.
 */
export function validateObject(object: unknown, definitionName: string, definitions: Definitions): SchemaValidation {
  return validateWalk(object, definitionName, definitions, true);
}

/**
 * What kube's decoder does to a body before any other code sees it: JSON
 * null where the schema has a map, list, struct or scalar becomes Go's zero
 * value (a null map, list or struct field is dropped, a null string in a map
 * or list becomes ""), in place; and a value of the wrong JSON type is the
 * decoder's error, returned worded as kube words it. Undefined when `object`
 * decodes. Everything after this may trust the object's shape.
 */
export function decodeAs(object: unknown, definitionName: string, definitions: Definitions): string | undefined {
  return decodeObject(object, definitionName, definitions).decodeError;
}

/**
 * decodeAs with the walk's other findings (missing required fields, unknown fields), so that
 * validation after defaulting (completeValidation) need not walk the object again.
 */
export function decodeObject(object: unknown, definitionName: string, definitions: Definitions): SchemaValidation {
  return validateWalk(object, definitionName, definitions, false);
}

/**
 * validateObject's answer for an object decodeObject walked before it was defaulted: the required
 * fields still missing after defaulting, and the metadata rules.
 */
export function completeValidation(object: unknown, decoded: SchemaValidation): SchemaValidation {
  const causes = decoded.causes.filter((c) => c.reason !== 'FieldValueRequired' || valueAt(object, c.field ?? '') == null);
  if (isPlainObject(object)) causes.push(...validateObjectMetaFields(object.metadata));
  const result: SchemaValidation = { causes, unknownFields: decoded.unknownFields };
  if (decoded.decodeError) result.decodeError = decoded.decodeError;
  return result;
}

function valueAt(object: unknown, path: string): unknown {
  let node: unknown = object;
  for (const step of parseStrictPath(path)) node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[step] : undefined;
  return node;
}

function validateWalk(object: unknown, definitionName: string, definitions: Definitions, withMetadata: boolean): SchemaValidation {
  const walk: Walk = { definitions, causes: [], unknownFields: [] };
  visit(walk, { $ref: `${REF_PREFIX}${definitionName}` }, object, [], { struct: '', fields: [] }, 0);
  if (withMetadata && isPlainObject(object)) walk.causes.push(...validateObjectMetaFields(object.metadata));
  const result: SchemaValidation = { causes: walk.causes, unknownFields: walk.unknownFields };
  if (walk.decodeError) result.decodeError = walk.decodeError;
  return result;
}

/**
 * Keeps kind-specific causes over the generic schema ones for the same
 * field: kube words each field's error once, in its per-kind validation.
 */
export function mergeCauses(schemaCauses: readonly StatusCause[], kindCauses: readonly StatusCause[]): StatusCause[] {
  const covered = new Set(kindCauses.map((c) => c.field));
  return [...schemaCauses.filter((c) => c.reason !== 'FieldValueRequired' || !covered.has(c.field)), ...kindCauses];
}

/** Removes the unknown fields validateObject listed, in place, as decoding into kube's typed structs drops them. */
export function pruneUnknownFields(object: unknown, paths: readonly string[]): void {
  for (const path of paths) {
    const steps = parseStrictPath(path);
    let node: unknown = object;
    for (const step of steps.slice(0, -1)) node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[step] : undefined;
    const last = steps[steps.length - 1];
    if (isPlainObject(node) && typeof last === 'string') delete node[last];
  }
}

function parseStrictPath(path: string): (string | number)[] {
  const steps: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) steps.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return steps;
}

type Step = { field: string } | { key: string } | { index: number };

interface Walk {
  definitions: Definitions;
  causes: StatusCause[];
  unknownFields: string[];
  decodeError?: string;
}

/** Where the Go decoder is: the innermost struct type and the struct fields from the root (no indexes or map keys). */
interface GoContext {
  struct: string;
  fields: string[];
}

/** kube's field.Path: `spec.ports[0].port`, `data[key]`. */
function fieldPath(steps: readonly Step[]): string {
  let out = '';
  for (const s of steps) {
    if ('field' in s) out += out ? `.${s.field}` : s.field;
    else if ('key' in s) out += `[${s.key}]`;
    else out += `[${s.index}]`;
  }
  return out;
}

/** The strict decoder's path: map keys join with '.', like fields. */
function strictPath(steps: readonly Step[]): string {
  let out = '';
  for (const s of steps) {
    if ('index' in s) out += `[${s.index}]`;
    else {
      const name = 'field' in s ? s.field : s.key;
      out += out ? `.${name}` : name;
    }
  }
  return out;
}

interface Resolved {
  node: SchemaNode;
  /** The definition the node came from, when it was reached through a $ref. */
  name?: string;
}

function resolve(definitions: Definitions, node: SchemaNode): Resolved {
  let current = node;
  let name: string | undefined;
  for (let hops = 0; current.$ref && hops < 16; hops++) {
    name = current.$ref.slice(REF_PREFIX.length);
    current = definitions[name] ?? {};
  }
  return name === undefined ? { node: current } : { node: current, name };
}

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const QUANTITY_FORMAT = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

/** The JSON type name kube-openapi's validator prints: "integer" for whole numbers. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** What Go's decoder calls the JSON value it could not store. */
function goValue(value: unknown, target: SchemaNode): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return target.type === 'integer' ? `number ${value}` : 'number';
  return typeof value;
}

/** The Go type a schema node decodes into, as reflect prints it (`int32`, `[]v1.ServicePort`, `map[string]string`). */
function goType(definitions: Definitions, node: SchemaNode, depth = 0): string {
  const { node: n, name } = resolve(definitions, node);
  if (name && depth < 8) {
    const short = name.split('.').slice(-2).join('.');
    if (name === INT_OR_STRING) return 'intstr.IntOrString';
    if (name === QUANTITY) return 'resource.Quantity';
    if (n.type === 'object' || n.properties) return short;
  }
  switch (n.type) {
    case 'string':
      return n.format === 'byte' ? '[]uint8' : 'string';
    case 'integer':
      return n.format === 'int32' ? 'int32' : 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'array':
      return `[]${n.items && depth < 8 ? goType(definitions, n.items, depth + 1) : 'interface {}'}`;
    case 'object':
      return typeof n.additionalProperties === 'object' && depth < 8 ? `map[string]${goType(definitions, n.additionalProperties, depth + 1)}` : 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}

/** Records a value of the wrong JSON type: as a cause worded like kube's schema validator, and as the decoder's error. */
function typeMismatch(walk: Walk, value: unknown, steps: readonly Step[], expected: string, decodeError: string): void {
  const path = fieldPath(steps);
  const actual = jsonType(value);
  walk.causes.push({
    reason: 'FieldValueTypeInvalid',
    field: path,
    message: `Invalid value: "${actual}": ${path || '<root>'} in body must be of type ${expected}: "${actual}"`,
  });
  walk.decodeError ??= decodeError;
}

function goDecodeError(value: unknown, schema: SchemaNode, type: string, go: GoContext): string {
  const where = go.struct ? `Go struct field ${go.struct}.${go.fields.join('.')}` : 'Go value';
  return `json: cannot unmarshal ${goValue(value, schema)} into ${where} of type ${type}`;
}

function fitsType(node: SchemaNode, value: unknown): boolean {
  switch (node.type) {
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value) && (node.format !== 'int32' || ((value as number) >= -(2 ** 31) && (value as number) < 2 ** 31));
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function visit(walk: Walk, raw: SchemaNode, value: unknown, steps: Step[], go: GoContext, depth: number): void {
  // JSON null decodes to Go's zero value: never a type error.
  if (value === null || value === undefined || depth > 64) return;
  const { node, name } = resolve(walk.definitions, raw);

  if (name === INT_OR_STRING || node['x-kubernetes-int-or-string'] || node.format === 'int-or-string') {
    if (typeof value !== 'string' && !Number.isInteger(value)) {
      typeMismatch(walk, value, steps, 'integer or string', `json: cannot unmarshal ${goValue(value, { type: 'integer' })} into Go value of type int32`);
    }
    return;
  }
  if (name === QUANTITY) {
    if (typeof value === 'number') return;
    if (typeof value !== 'string' || !QUANTITY_FORMAT.test(value.trim())) {
      typeMismatch(walk, value, steps, 'string', "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    }
    return;
  }
  const layout = name ? TIME_LAYOUTS[name] : undefined;
  if (layout) {
    if (typeof value !== 'string') {
      typeMismatch(walk, value, steps, 'string', `json: cannot unmarshal ${goValue(value, {})} into Go value of type string`);
      return;
    }
    const error = timeParseError(value, layout);
    if (error) {
      const path = fieldPath(steps);
      walk.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${JSON.stringify(value)}: ${path} in body must be of type date-time: ${JSON.stringify(value)}` });
      walk.decodeError ??= error;
    }
    return;
  }

  if (!fitsType(node, value)) {
    const decodeError = goDecodeError(value, node, goType(walk.definitions, raw), go);
    if (node.type === 'integer' && Number.isInteger(value)) {
      // Right type, out of the format's range.
      const path = fieldPath(steps);
      walk.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${String(value)}: ${path} in body must be of type ${node.format}: "${String(value)}"` });
      walk.decodeError ??= decodeError;
    } else typeMismatch(walk, value, steps, node.type ?? 'object', decodeError);
    return;
  }
  if (node.type === 'string' && node.format === 'byte') {
    // []byte decodes from standard base64, as Go's encoding/json reads it.
    const at = base64ErrorAt(value as string);
    if (at !== undefined) {
      const path = fieldPath(steps);
      walk.causes.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${JSON.stringify(value)}: ${path} in body must be of type byte: ${JSON.stringify(value)}` });
      walk.decodeError ??= `illegal base64 data at input byte ${at}`;
    }
    return;
  }
  if (node['x-kubernetes-preserve-unknown-fields'] || node['x-kubernetes-embedded-resource']) return;

  if (Array.isArray(value)) {
    if (!node.items) return;
    for (let index = 0; index < value.length; index++) {
      if (value[index] === null) {
        const zero = zeroOf(walk.definitions, node.items);
        if (zero !== undefined) value[index] = zero;
      } else visit(walk, node.items, value[index], [...steps, { index }], go, depth + 1);
    }
    return;
  }
  if (!isPlainObject(value)) return;

  const struct = node.properties ? (name ? name.slice(name.lastIndexOf('.') + 1) : go.struct) : go.struct;
  const inStruct = (field: string): GoContext => ({ struct, fields: [...go.fields, field] });
  if (node.properties) {
    checkRequired(walk, node, value, steps);
    for (const [key, child] of Object.entries(value)) {
      const sub = node.properties[key];
      // A struct field decoded from null is its zero value, which kube's encoder leaves out.
      if (sub && child === null) delete value[key];
      else if (sub) visit(walk, sub, child, [...steps, { field: key }], inStruct(key), depth + 1);
      else if (typeof node.additionalProperties === 'object') visitEntry(walk, node.additionalProperties, value, key, steps, go, depth);
      else if (node.additionalProperties !== true) walk.unknownFields.push(strictPath([...steps, { field: key }]));
    }
  } else if (typeof node.additionalProperties === 'object') {
    for (const key of Object.keys(value)) visitEntry(walk, node.additionalProperties, value, key, steps, go, depth);
  }
  // An object schema with neither properties nor additionalProperties (RawExtension, FieldsV1, Patch) takes any JSON.
}

/** One entry of a map: a null value is the element type's zero value, as Go stores it. */
function visitEntry(walk: Walk, element: SchemaNode, map: Record<string, unknown>, key: string, steps: Step[], go: GoContext, depth: number): void {
  const child = map[key];
  if (child !== null) return visit(walk, element, child, [...steps, { key }], go, depth + 1);
  const zero = zeroOf(walk.definitions, element);
  if (zero === undefined) delete map[key];
  else map[key] = zero;
}

/** The JSON of Go's zero value for a map element or list item decoded from null; undefined for nil (a map, list or pointer). */
function zeroOf(definitions: Definitions, raw: SchemaNode): unknown {
  const { node, name } = resolve(definitions, raw);
  if (name === INT_OR_STRING || name === QUANTITY || (name && TIME_LAYOUTS[name])) return undefined;
  switch (node.type) {
    case 'string':
      return node.format === 'byte' ? undefined : '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'object':
      return node.properties ? {} : undefined;
    default:
      return undefined;
  }
}

function checkRequired(walk: Walk, node: SchemaNode, value: Record<string, unknown>, steps: readonly Step[]): void {
  if (steps.some((s) => 'field' in s && (s.field === 'status' || s.field === 'metadata')) || !node.required) return;
  for (const key of node.required) {
    if (key === 'metadata' || (steps.length === 0 && key === 'status')) continue;
    if (value[key] !== undefined && value[key] !== null) continue;
    const { node: field } = resolve(walk.definitions, node.properties?.[key] ?? {});
    if (field.type !== 'string' && field.type !== 'array') continue;
    walk.causes.push({ reason: 'FieldValueRequired', field: fieldPath([...steps, { field: key }]), message: 'Required value' });
  }
}

// ---- times ----

/** metav1.Time decodes with RFC 3339; metav1.MicroTime insists on six fractional digits. */
const TIME_LAYOUTS: Readonly<Record<string, 'RFC3339' | 'RFC3339Micro'>> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 'RFC3339',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': 'RFC3339Micro',
};

type TimeElement = [layout: string, pattern: RegExp, range?: [min: number, max: number, what: string]];

function timeElements(layout: 'RFC3339' | 'RFC3339Micro'): TimeElement[] {
  const seconds: TimeElement[] =
    layout === 'RFC3339' ? [['05', /^\d{2}(\.\d+)?/, [0, 59, 'second']]] : [['05', /^\d{2}/, [0, 59, 'second']], ['.000000', /^\.\d{6}/]];
  return [
    ['2006', /^\d{4}/],
    ['-', /^-/],
    ['01', /^\d{2}/, [1, 12, 'month']],
    ['-', /^-/],
    ['02', /^\d{2}/, [1, 31, 'day']],
    ['T', /^T/],
    ['15', /^\d{1,2}/, [0, 23, 'hour']],
    [':', /^:/],
    ['04', /^\d{2}/, [0, 59, 'minute']],
    [':', /^:/],
    ...seconds,
    ['Z07:00', /^(Z|[+-]\d{2}:\d{2})/],
  ];
}

/** Go's time.Parse error for `value`, or undefined when it parses: the layout element where parsing stopped. */
function timeParseError(value: string, layout: 'RFC3339' | 'RFC3339Micro'): string | undefined {
  const layoutText = layout === 'RFC3339' ? '2006-01-02T15:04:05Z07:00' : '2006-01-02T15:04:05.000000Z07:00';
  const prefix = `parsing time ${JSON.stringify(value)}`;
  let rest = value;
  for (const [element, pattern, range] of timeElements(layout)) {
    const m = pattern.exec(rest);
    if (!m) return `${prefix} as "${layoutText}": cannot parse ${JSON.stringify(rest)} as "${element}"`;
    if (range) {
      const n = Number.parseInt(m[0], 10);
      if (n < range[0] || n > range[1]) return `${prefix}: ${range[2]} out of range`;
    }
    rest = rest.slice(m[0].length);
  }
  if (rest) return `${prefix}: extra text: ${JSON.stringify(rest)}`;
  const [, year, month, day] = /^(\d{4})-(\d{2})-(\d{2})/.exec(value)!.map(Number) as [number, number, number, number];
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return `${prefix}: day out of range`;
  return undefined;
}

// ---- helpers ----

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Where Go's base64.StdEncoding stops on `text` (CR and LF are skipped, as Go skips them), or undefined when it decodes. */
function base64ErrorAt(text: string): number | undefined {
  if (text.length % 4 === 0 && STD_BASE64.test(text)) return undefined;
  const bare = text.replace(/[\r\n]/g, '');
  if (bare.length % 4 === 0 && STD_BASE64.test(bare)) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\r' || c === '\n') continue;
    if (!/[A-Za-z0-9+/=]/.test(c)) return i;
    if (c === '=' && /[^=\r\n]/.test(text.slice(i))) return i;
  }
  return bare.length - (bare.length % 4);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** kube's field.Invalid body: strings quoted, numbers and booleans bare. */
function invalid(field: string, value: unknown, message: string): StatusCause {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${message}` };
}
