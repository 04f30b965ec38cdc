// CEL types declared from a structural OpenAPI schema, as kube declares them
// (k8s.io/apiserver/pkg/cel/common/schemas.go SchemaDeclType): an object with
// properties is an object type whose fields are its (escaped) property names, so
// a rule naming an unknown field fails to compile; additionalProperties is a
// map; x-kubernetes-int-or-string is dyn (an int or a string); a resource root
// or x-kubernetes-embedded-resource also has apiVersion, kind and
// metadata.name/generateName; a property without a type (preserve-unknown-fields
// alone) is left out. And the conversion of a JSON value to the CEL value of
// its declared type (integers become BigInt).

import { MAX_REQUEST_SIZE_BYTES, type SizedType } from './cost.js';
import { celEqual } from './library/lists.js';
import type { CelEnvironment } from './library/types.js';

/** The JSON schema fields CEL reads (apiextensions.k8s.io/v1 JSONSchemaProps). */
export interface JSONSchemaProps {
  type?: string;
  format?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  nullable?: boolean;
  enum?: unknown[];
  allOf?: JSONSchemaProps[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
  [other: string]: unknown;
}

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export type DeclKind = 'object' | 'map' | 'list' | 'string' | 'bytes' | 'int' | 'double' | 'bool' | 'timestamp' | 'dyn';

export interface DeclField { jsonName: string; celName: string; decl: Decl }

export interface Decl extends SizedType {
  kind: DeclKind;
  /** The CEL type string: a registered type name, list<…>, map<string, …>, or a scalar. */
  celType: string;
  minSerializedSize: number;
  /** Objects: by JSON property name. */
  properties?: Map<string, DeclField>;
  /** Objects: the class their CEL values are instances of. */
  ctor?: new () => Map<string, unknown>;
  elem?: Decl;
  fields?: Map<string, Decl>;
}

const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** kube's cel.Escape: a property's name as a CEL field name, or undefined where it has none. */
export function escapeName(name: string): string | undefined {
  if (name.length === 0 || /^[0-9]/.test(name)) return undefined;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  const escaped = name.replace(/__|[-./]/g, (s) => ({ __: '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' })[s] ?? s);
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(escaped) ? escaped : undefined;
}

/** kube's estimates of the most a request can hold where the schema sets no bound. */
const unboundedItems = (minSize: number): number => Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (minSize + 1));
const UNBOUNDED_STRING = MAX_REQUEST_SIZE_BYTES - 2;

/**
 * Adds apiVersion, kind and metadata (name, generateName) to a resource root, as kube's WithTypeAndObjectMeta;
 * a root that already declares them (a built-in kind, with all of ObjectMeta) is kept as it is.
 */
export function withTypeAndObjectMeta(s: JSONSchemaProps): JSONSchemaProps {
  const p = s.properties;
  const meta = p?.['metadata']?.properties;
  if (p?.['kind']?.type === 'string' && p['apiVersion']?.type === 'string' && p['metadata']?.type === 'object' && meta?.['name']?.type === 'string' && meta['generateName']?.type === 'string') return s;
  return {
    ...s,
    properties: {
      ...s.properties,
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object', properties: { name: { type: 'string' }, generateName: { type: 'string' } } },
    },
  };
}

/** Declares the CEL types of a schema; object types are registered on `env` under `name`. */
export class SchemaTypes {
  private readonly registered: Decl[] = [];
  /** Without an environment, the declarations are only collected (take()), to be registered elsewhere. */
  constructor(private readonly env?: CelEnvironment) {}

  /** The declaration for `schema`, or undefined where kube gives the schema no CEL type. */
  declare(schema: JSONSchemaProps, name: string, isResourceRoot: boolean): Decl | undefined {
    if (schema['x-kubernetes-int-or-string']) return { kind: 'dyn', celType: 'dyn', maxElements: 20, minSerializedSize: 1 };
    const s = isResourceRoot ? withTypeAndObjectMeta(schema) : schema;
    switch (s.type) {
      case 'array': {
        if (!s.items) return undefined;
        const elem = this.declare(s.items, `${name}.__items__`, s.items['x-kubernetes-embedded-resource'] === true);
        if (!elem) return undefined;
        return { kind: 'list', celType: `list<${elem.celType}>`, elem, maxElements: s.maxItems ?? unboundedItems(elem.minSerializedSize), minSerializedSize: 2 };
      }
      case 'object': {
        const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
        if (additional) {
          const elem = this.declare(additional, `${name}.__values__`, additional['x-kubernetes-embedded-resource'] === true);
          if (!elem) return undefined;
          return { kind: 'map', celType: `map<string, ${elem.celType}>`, elem, isMap: true, maxElements: s.maxProperties ?? unboundedItems(elem.minSerializedSize + 4), minSerializedSize: 2 };
        }
        const properties = new Map<string, DeclField>();
        const fields = new Map<string, Decl>();
        for (const [jsonName, prop] of Object.entries(s.properties ?? {})) {
          const celName = escapeName(jsonName);
          if (celName === undefined) continue;
          const decl = this.declare(prop, `${name}.${celName}`, prop['x-kubernetes-embedded-resource'] === true);
          if (!decl) continue;
          properties.set(jsonName, { jsonName, celName, decl });
          fields.set(celName, decl);
        }
        const ctor = { [name]: class extends Map<string, unknown> {} }[name] as new () => Map<string, unknown>;
        const decl: Decl = { kind: 'object', celType: name, properties, fields, ctor, maxElements: s.maxProperties ?? unboundedItems(2), minSerializedSize: 2 };
        this.registered.push(decl);
        return decl;
      }
      case 'string':
        if (s.format === 'byte') return { kind: 'bytes', celType: 'bytes', maxElements: s.maxLength ?? UNBOUNDED_STRING, minSerializedSize: 2 };
        if (s.format === 'date-time' || s.format === 'datetime') return { kind: 'timestamp', celType: 'google.protobuf.Timestamp', maxElements: 0, minSerializedSize: 4 };
        return { kind: 'string', celType: 'string', maxElements: s.maxLength ?? UNBOUNDED_STRING, minSerializedSize: 2 };
      case 'integer':
        return { kind: 'int', celType: 'int', maxElements: 0, minSerializedSize: 1 };
      case 'number':
        return { kind: 'double', celType: 'double', maxElements: 0, minSerializedSize: 1 };
      case 'boolean':
        return { kind: 'bool', celType: 'bool', maxElements: 0, minSerializedSize: 4 };
      default:
        return undefined;
    }
  }

  /** The object types declared so far, children first, handed over (for registerObjectTypes). */
  take(): Decl[] {
    return this.registered.splice(0);
  }

  /** Registers every object type declared so far on the environment given to the constructor. */
  register(): void {
    if (this.env) registerObjectTypes(this.env, this.take());
  }
}

const nullEqual = (a: unknown, b: unknown): boolean => (a ?? null) === (b ?? null);

/**
 * Registers object types (children first: a type's fields name the types beneath it), with kube's deep
 * equality between values of a type, and equality with null, which cel-go allows of any object type.
 */
export function registerObjectTypes(env: CelEnvironment, decls: readonly Decl[]): void {
  for (const decl of decls) {
    const fields: Record<string, string> = {};
    for (const f of decl.properties?.values() ?? []) fields[f.celName] = f.decl.celType;
    env.registerType(decl.celType, { ctor: decl.ctor, fields } as never);
    env.registerOperator(`${decl.celType} == ${decl.celType}`, celEqual as never);
    env.registerOperator(`${decl.celType} == null`, nullEqual as never);
  }
}

/** The CEL value of a JSON value of the declared type. */
export function toCel(value: unknown, decl: Decl): unknown {
  if (value === null || value === undefined) return null;
  switch (decl.kind) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      const out = new (decl.ctor as new () => Map<string, unknown>)();
      for (const [k, v] of Object.entries(value)) {
        const field = decl.properties?.get(k);
        if (field !== undefined && v !== null && v !== undefined) out.set(field.celName, toCel(v, field.decl));
      }
      return out;
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      const out = new Map<string, unknown>();
      for (const [k, v] of Object.entries(value)) out.set(k, toCel(v, decl.elem as Decl));
      return out;
    }
    case 'list':
      return Array.isArray(value) ? value.map((v) => toCel(v, decl.elem as Decl)) : value;
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
    case 'double':
      return typeof value === 'number' ? value : value;
    case 'bytes':
      return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : value;
    case 'timestamp':
      return typeof value === 'string' ? new Date(value) : value;
    case 'dyn':
      return dynToCel(value);
    default:
      return value;
  }
}

/** A value of no declared type: integral numbers become CEL ints, objects maps. */
export function dynToCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(dynToCel);
  if (value !== null && typeof value === 'object' && !(value instanceof Map) && !(value instanceof Uint8Array)) {
    const out = new Map<string, unknown>();
    for (const [k, v] of Object.entries(value)) out.set(k, dynToCel(v));
    return out;
  }
  return value;
}

/** A CEL value back to JSON (for messages and variables): BigInt to number, maps to objects. */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, fromCel(v)]));
  return value;
}
