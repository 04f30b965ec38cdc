// What a schema node means to the merge, as structured-merge-diff resolves
// kube's OpenAPI into its own schema: a scalar, a map (a struct with named
// fields, or a map of one element type), or a list, each either atomic
// (owned and replaced whole) or granular.
//
// - Lists follow x-kubernetes-list-type (atomic, set, map with
//   x-kubernetes-list-map-keys). A built-in list without it follows its
//   patch strategy: `merge` with a patch merge key is a map keyed by it,
//   `merge` on scalars is a set, anything else is atomic.
// - Maps and structs follow x-kubernetes-map-type (granular unless atomic).
// - A node the schema does not describe (preserved unknown fields, a
//   RawExtension) is deduced from its value: objects are granular maps of
//   deduced values, lists are atomic, everything else a scalar.

import { resolveNode, type Definitions, type SchemaNode } from '../schema.js';

export type Atom =
  | { readonly kind: 'scalar' }
  | {
      readonly kind: 'map';
      readonly atomic: boolean;
      /** A struct's named fields. */
      readonly fields: Readonly<Record<string, SchemaNode>> | undefined;
      /** The type of every other key; undefined means deduced. */
      readonly element: SchemaNode | undefined;
      /** A struct that declares its fields and keeps no others. */
      readonly closed?: boolean;
    }
  | {
      readonly kind: 'list';
      readonly type: 'atomic' | 'set' | 'map';
      readonly keys: readonly string[];
      readonly element: SchemaNode | undefined;
    }
  | { readonly kind: 'deduced' };

export interface Schema {
  readonly definitions: Definitions;
  readonly cache: WeakMap<SchemaNode, Atom>;
}

export function mergeSchema(definitions: Definitions): Schema {
  return { definitions, cache: new WeakMap() };
}

const SCALAR: Atom = { kind: 'scalar' };
const DEDUCED: Atom = { kind: 'deduced' };
const DEDUCED_MAP: Atom = { kind: 'map', atomic: false, fields: undefined, element: undefined };
const ATOMIC_LIST: Atom = { kind: 'list', type: 'atomic', keys: [], element: undefined };

/** The atom of a node; a deduced node takes its shape from the value in hand. */
export function atomOf(schema: Schema, node: SchemaNode | undefined, value: unknown): Atom {
  const atom = node ? resolveAtom(schema, node) : DEDUCED;
  if (atom.kind !== 'deduced') return atom;
  if (Array.isArray(value)) return ATOMIC_LIST;
  if (value !== null && typeof value === 'object') return DEDUCED_MAP;
  return SCALAR;
}

function resolveAtom(schema: Schema, node: SchemaNode): Atom {
  const cached = schema.cache.get(node);
  if (cached) return cached;
  const atom = computeAtom(schema, node);
  schema.cache.set(node, atom);
  return atom;
}

function computeAtom(schema: Schema, start: SchemaNode): Atom {
  const node = resolveNode(schema.definitions, start);
  if (node['x-kubernetes-int-or-string']) return SCALAR;
  if (node.type === 'array') {
    const element = node.items;
    const listType = start['x-kubernetes-list-type'] ?? node['x-kubernetes-list-type'];
    const keys = start['x-kubernetes-list-map-keys'] ?? node['x-kubernetes-list-map-keys'];
    if (listType === 'atomic') return { kind: 'list', type: 'atomic', keys: [], element };
    if (listType === 'set') return { kind: 'list', type: 'set', keys: [], element };
    if (listType === 'map' && Array.isArray(keys) && keys.length > 0) return { kind: 'list', type: 'map', keys, element };
    const strategy = (start['x-kubernetes-patch-strategy'] ?? node['x-kubernetes-patch-strategy'] ?? '').split(',');
    const mergeKey = start['x-kubernetes-patch-merge-key'] ?? node['x-kubernetes-patch-merge-key'];
    if (strategy.includes('merge')) {
      if (mergeKey) return { kind: 'list', type: 'map', keys: [mergeKey], element };
      const item = resolveNode(schema.definitions, element);
      if (item.type !== 'object' && item.type !== 'array') return { kind: 'list', type: 'set', keys: [], element };
    }
    return { kind: 'list', type: 'atomic', keys: [], element };
  }
  if (node.type === 'object' || node.properties || node.additionalProperties) {
    const atomic = (start['x-kubernetes-map-type'] ?? node['x-kubernetes-map-type']) === 'atomic';
    const extra = node.additionalProperties;
    const element = typeof extra === 'object' ? extra : undefined;
    if (!node.properties && !element && !node['x-kubernetes-preserve-unknown-fields'] && node.type === 'object' && extra === undefined) {
      // An object the schema says nothing about (RawExtension, a free-form field): deduced.
      return DEDUCED;
    }
    const closed = node.properties !== undefined && !element && extra !== true && !node['x-kubernetes-preserve-unknown-fields'];
    return { kind: 'map', atomic, fields: node.properties, element, closed };
  }
  if (node.type) return SCALAR;
  return DEDUCED;
}

/** The schema of one field or entry of a map. */
export function fieldNode(atom: Atom & { kind: 'map' }, key: string): SchemaNode | undefined {
  return atom.fields?.[key] ?? atom.element;
}

/** Whether a map's key is one of its struct's named fields. */
export function isNamedField(atom: Atom, key: string): boolean {
  return atom.kind === 'map' && atom.fields !== undefined && Object.prototype.hasOwnProperty.call(atom.fields, key);
}

/**
 * Key fields kube defaults when an item leaves them out (from the OpenAPI defaults of
 * the built-in types): a port's protocol is TCP.
 */
export const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' };
