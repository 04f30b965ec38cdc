// Server-side application of JSON merge patches (RFC 7386) and kube's
// strategic merge patches, the latter driven by the schema's
// x-kubernetes-patch-strategy and x-kubernetes-patch-merge-key.

import { resolveNode, type Definitions, type SchemaNode } from '../../scheme/schema.js';

export class PatchError extends Error {}

const MAX_DEPTH = 100;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function applyJsonMergePatch(original: unknown, patch: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new PatchError('patch nesting exceeds the limit');
  if (!isObject(patch)) return patch;
  const result: Obj = isObject(original) ? { ...original } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyJsonMergePatch(result[key], value, depth + 1);
  }
  return result;
}

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

interface Field {
  schema: SchemaNode | undefined;
  strategies: string[];
  mergeKey: string | undefined;
}

function fieldOf(definitions: Definitions, parent: SchemaNode | undefined, key: string): Field {
  if (!parent) return { schema: undefined, strategies: [], mergeKey: undefined };
  const raw = parent.properties?.[key] ?? (isObject(parent.additionalProperties) ? (parent.additionalProperties as SchemaNode) : undefined);
  if (!raw) return { schema: undefined, strategies: [], mergeKey: undefined };
  const strategy = raw['x-kubernetes-patch-strategy'] ?? resolveNode(definitions, raw)['x-kubernetes-patch-strategy'];
  const mergeKey = raw['x-kubernetes-patch-merge-key'] ?? resolveNode(definitions, raw)['x-kubernetes-patch-merge-key'];
  return { schema: resolveNode(definitions, raw), strategies: strategy ? strategy.split(',') : [], mergeKey };
}

export function applyStrategicMergePatch(original: unknown, patch: unknown, schema: SchemaNode, definitions: Definitions): unknown {
  if (!isObject(patch)) throw new PatchError('a strategic merge patch must be a JSON object');
  return mergeMap(isObject(original) ? original : {}, patch, schema, definitions, 0);
}

function mergeMap(original: Obj, patch: Obj, schema: SchemaNode | undefined, definitions: Definitions, depth: number): Obj | undefined {
  if (depth > MAX_DEPTH) throw new PatchError('patch nesting exceeds the limit');
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { $patch: _, ...rest } = patch;
    return rest;
  }
  if (directive !== undefined && directive !== 'merge') throw new PatchError(`unknown patch type: ${String(directive)} in map`);
  const result: Obj = { ...original };
  const retain = patch.$retainKeys;
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith(SET_ORDER)) continue;
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (!Array.isArray(value)) throw new PatchError(`${key} must be a list`);
      if (Array.isArray(result[field])) result[field] = (result[field] as unknown[]).filter((v) => !value.some((d) => JSON.stringify(d) === JSON.stringify(v)));
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const field = fieldOf(definitions, schema, key);
    if (Array.isArray(value)) {
      result[key] = mergeList(Array.isArray(result[key]) ? (result[key] as unknown[]) : [], value, field, definitions, depth + 1);
    } else if (isObject(value)) {
      const merged = field.strategies.includes('replace')
        ? value
        : mergeMap(isObject(result[key]) ? (result[key] as Obj) : {}, value, field.schema ?? (schema ? undefined : undefined), definitions, depth + 1);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else {
      result[key] = value;
    }
  }
  if (Array.isArray(retain)) {
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER) || !Array.isArray(order)) continue;
    const field = key.slice(SET_ORDER.length);
    if (Array.isArray(result[field])) result[field] = reorder(result[field] as unknown[], order, fieldOf(definitions, schema, field).mergeKey);
  }
  return result;
}

function identity(item: unknown, mergeKey: string | undefined): string {
  return JSON.stringify(mergeKey && isObject(item) ? item[mergeKey] : item);
}

function reorder(list: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const wanted = order.map((o) => identity(o, mergeKey));
  const ranked = list.map((item, index) => ({ item, index, rank: wanted.indexOf(identity(item, mergeKey)) }));
  ranked.sort((a, b) => (a.rank === -1 ? Infinity : a.rank) - (b.rank === -1 ? Infinity : b.rank) || a.index - b.index);
  return ranked.map((r) => r.item);
}

function mergeList(original: unknown[], patch: unknown[], field: Field, definitions: Definitions, depth: number): unknown[] {
  if (!field.strategies.includes('merge')) {
    if (patch.some((p) => isObject(p) && p.$patch !== undefined)) return patch.filter((p) => !(isObject(p) && p.$patch === 'replace'));
    return patch;
  }
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) return patch.filter((p) => !(isObject(p) && p.$patch === 'replace'));
  const itemSchema = field.schema?.items ? resolveNode(definitions, field.schema.items) : undefined;
  if (!field.mergeKey) {
    // A set of primitives: union, keeping the original order first.
    const result = [...original];
    for (const p of patch) if (!result.some((o) => JSON.stringify(o) === JSON.stringify(p))) result.push(p);
    return result;
  }
  const key = field.mergeKey;
  const result = [...original];
  for (const p of patch) {
    if (!isObject(p)) throw new PatchError(`a list merged by key "${key}" must hold objects`);
    if (!(key in p)) throw new PatchError(`map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`);
    const index = result.findIndex((o) => isObject(o) && JSON.stringify(o[key]) === JSON.stringify(p[key]));
    if (p.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      const merged = mergeMap(result[index] as Obj, p, itemSchema, definitions, depth + 1);
      if (merged === undefined) result.splice(index, 1);
      else result[index] = merged;
    } else {
      const { $patch: _, ...fresh } = p;
      result.push(fresh);
    }
  }
  return result;
}
