// Server-side application of JSON merge patches (RFC 7386) and of kube's
// strategic merge patches. The strategic flavour follows apimachinery's
// strategicpatch.StrategicMergeMapPatch as the API server calls it (parallel
// deletion lists merged, unmatched nulls ignored), driven by the schema's
// x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key instead of Go
// struct tags. Where the schema says nothing (unknown fields, preserved
// unknown fields) maps merge and lists are replaced, which is JSON merge patch.
//
// Inputs are untrusted: nothing here mutates them, the result shares no
// objects with either input, and nesting is bounded.

import { resolveNode, type Definitions, type SchemaNode } from '../../scheme/schema.js';

/**
 * `code` is the HTTP status kube-apiserver answers with for the same failure:
 * 400 for malformed directives, 422 for content it refuses, 500 for the
 * errors upstream does not classify (they surface as InternalError there).
 */
export class PatchError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 422 | 500 = 500,
  ) {
    super(message);
    this.name = 'PatchError';
  }
}

export const MAX_PATCH_DEPTH = 100;

type Obj = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder';
const DELETE_FROM = '$deleteFromPrimitiveList';

const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const hasOwn = (o: Obj, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** Plain assignment would run the `__proto__` setter instead of creating a key. */
function setKey(o: Obj, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

function checkDepth(depth: number): void {
  if (depth > MAX_PATCH_DEPTH) throw new PatchError(`patch nesting exceeds the maximum depth of ${MAX_PATCH_DEPTH}`, 422);
}

// ---------------------------------------------------------------------------
// JSON merge patch

/** RFC 7386: objects merge recursively, `null` removes a key, anything else replaces. */
export function applyJsonMergePatch(original: unknown, patch: unknown): unknown {
  return jsonMerge(cloneTree(original), patch, 0);
}

function jsonMerge(target: unknown, patch: unknown, depth: number): unknown {
  checkDepth(depth);
  if (!isObject(patch)) return copyJson(patch, depth);
  const result: Obj = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else setKey(result, key, jsonMerge(hasOwn(result, key) ? result[key] : undefined, value, depth + 1));
  }
  return result;
}

/**
 * A deep copy of decoded JSON without recursion, so that even an original
 * nested beyond the patch limit cannot exhaust the stack.
 */
function cloneTree(value: unknown): unknown {
  const copy = (v: unknown): unknown => (Array.isArray(v) ? new Array<unknown>(v.length) : isObject(v) ? {} : v);
  const root = copy(value);
  const work: [unknown, unknown][] = [[value, root]];
  while (work.length > 0) {
    const [from, to] = work.pop()!;
    if (Array.isArray(from)) {
      const target = to as unknown[];
      from.forEach((v, i) => {
        target[i] = copy(v);
        if (v !== null && typeof v === 'object') work.push([v, target[i]]);
      });
    } else if (isObject(from)) {
      for (const [key, v] of Object.entries(from)) {
        const c = copy(v);
        setKey(to as Obj, key, c);
        if (v !== null && typeof v === 'object') work.push([v, c]);
      }
    }
  }
  return root;
}

function copyJson(value: unknown, depth: number): unknown {
  checkDepth(depth);
  if (Array.isArray(value)) return value.map((v) => copyJson(v, depth + 1));
  if (!isObject(value)) return value;
  const out: Obj = {};
  for (const [key, v] of Object.entries(value)) setKey(out, key, copyJson(v, depth + 1));
  return out;
}

// ---------------------------------------------------------------------------
// Messages rendered the way Go's %v renders decoded JSON, so errors read like kube's.

function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (isObject(v)) {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goValue(v[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

/** Go's %v of a float64: shortest digits, exponent form below 1e-4 and from 1e6 up. */
function goNumber(n: number): string {
  if (!Number.isFinite(n) || n === 0) return String(n);
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 6) {
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(n);
}

function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (isObject(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}

const badArgType = (expected: 'list' | 'map', actual: unknown): PatchError =>
  new PatchError(`expected a ${expected === 'list' ? '[]interface {}' : 'map[string]interface {}'}, but received a ${goType(actual)}`);
const noMergeKey = (m: Obj, key: string): PatchError => new PatchError(`map: ${goValue(m)} does not contain declared merge key: ${key}`);
const badPatchType = (t: unknown, m: Obj): PatchError => new PatchError(`unknown patch type: ${goValue(t)} in map: ${goValue(m)}`);

// ---------------------------------------------------------------------------
// Schema lookup

interface Field {
  /** The field's resolved schema; undefined when the schema does not know the field. */
  node: SchemaNode | undefined;
  strategy: string;
  mergeKey: string;
}

const UNKNOWN: Field = { node: undefined, strategy: '', mergeKey: '' };

/** The strategy besides retainKeys (which only tells clients to send $retainKeys). */
function mainStrategy(raw: string): string {
  const strategies = raw === '' ? [] : raw.split(',');
  if (strategies.length <= 1) return strategies[0] === 'retainKeys' ? '' : (strategies[0] ?? '');
  if (strategies.length === 2) {
    if (strategies[0] === 'retainKeys') return strategies[1]!;
    if (strategies[1] === 'retainKeys') return strategies[0]!;
  }
  throw new PatchError(`unexpected patch strategy: [${strategies.join(' ')}]`);
}

class Schema {
  constructor(private readonly definitions: Definitions) {}

  field(parent: SchemaNode | undefined, key: string): Field {
    if (!parent) return UNKNOWN;
    const additional = parent.additionalProperties;
    const raw = parent.properties?.[key] ?? (typeof additional === 'object' ? additional : undefined);
    if (!raw) return UNKNOWN;
    const node = resolveNode(this.definitions, raw);
    return {
      node,
      strategy: mainStrategy(raw['x-kubernetes-patch-strategy'] ?? node['x-kubernetes-patch-strategy'] ?? ''),
      mergeKey: raw['x-kubernetes-patch-merge-key'] ?? node['x-kubernetes-patch-merge-key'] ?? '',
    };
  }

  items(list: SchemaNode | undefined): SchemaNode | undefined {
    return list?.items ? resolveNode(this.definitions, list.items) : undefined;
  }
}

// ---------------------------------------------------------------------------
// Strategic merge patch

/**
 * Applies `patch` to `original` for an object whose (resolved) schema is
 * `schema`. Throws PatchError for patches kube would refuse.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, schema: SchemaNode, definitions: Definitions): unknown {
  // kube decodes the body into a map first: `null` decodes to an empty patch.
  if (patch === null) patch = {};
  if (!isObject(patch)) {
    const found = Array.isArray(patch) ? 'array' : typeof patch === 'number' ? 'number' : typeof patch;
    throw new PatchError(`json: cannot unmarshal ${found} into Go value of type map[string]interface {}`, 400);
  }
  const target = isObject(original) ? (cloneTree(original) as Obj) : {};
  return new StrategicMerge(new Schema(definitions)).mergeMap(target, patch, resolveNode(definitions, schema), 0);
}

type Kind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v as Kind;
}

/** Element kind shared by every element of the lists; kube refuses mixed lists and lists of lists. */
function elementKind(...lists: unknown[][]): Kind {
  let kind: Kind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (kind === undefined) {
        if (k === 'array') throw new PatchError('lists of lists are not supported', 422);
        kind = k;
      } else if (k !== kind) {
        throw new PatchError(`list element types are not identical: ${goValue(lists)}`);
      }
    }
  }
  if (kind === undefined) throw new PatchError('no elements in any of the given slices');
  return kind;
}

/** The key after `$prefix/`; kube answers 400 for a directive key without the slash. */
function directiveTarget(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw new PatchError(prefix === DELETE_FROM ? 'invalid patch format of primitive list' : 'invalid patch format of setElementOrder list', 400);
  }
  return key.slice(slash + 1);
}

/** Marks a patch value that must not appear in the result at all. */
const DROP = Symbol('drop');

class StrategicMerge {
  constructor(private readonly schema: Schema) {}

  /** Merges `patch` into `original` (which this class owns and may mutate). */
  mergeMap(original: Obj, patch: Obj, node: SchemaNode | undefined, depth: number): Obj {
    checkDepth(depth);
    if (hasOwn(patch, DIRECTIVE)) {
      const directive = patch[DIRECTIVE];
      if (directive === 'replace') return this.fresh(withoutDirective(patch), depth) as Obj;
      if (directive === 'delete') return {};
      // kube rejects `$patch: merge` on a map; merging is what a map does anyway, so it is accepted.
      if (directive !== 'merge') throw badPatchType(directive, patch);
      patch = withoutDirective(patch);
    }
    this.retainKeys(original, patch);
    const ordered = this.setElementOrders(original, patch, node, depth);

    const keys = Object.keys(patch);
    // Deletions from primitive lists go last so they win over a union in the same patch.
    const deletions = keys.filter((k) => k.startsWith(DELETE_FROM));
    for (const key of [...keys.filter((k) => !k.startsWith(DELETE_FROM)), ...deletions]) {
      if (key === RETAIN_KEYS || key.startsWith(SET_ORDER) || ordered.has(key)) continue;
      const isDeleteList = key.startsWith(DELETE_FROM);
      const target = isDeleteList ? directiveTarget(key, DELETE_FROM) : key;
      const value = patch[key];
      if (value === null) {
        delete original[target];
        continue;
      }
      if (!hasOwn(original, target) || kindOf(original[target]) !== kindOf(value)) {
        // A deletion list never creates the list it deletes from.
        if (!isDeleteList) this.put(original, target, value, depth);
        continue;
      }
      const current = original[target];
      if (isObject(current) && isObject(value)) {
        const field = this.schema.field(node, target);
        setKey(original, target, field.strategy === 'replace' ? this.fresh(value, depth + 1) : this.mergeMap(current, value, field.node, depth + 1));
      } else if (Array.isArray(current) && Array.isArray(value)) {
        setKey(original, target, this.mergeList(current, value, this.schema.field(node, target), isDeleteList, depth + 1).merged);
      } else {
        setKey(original, target, value);
      }
    }
    return original;
  }

  /** A patch value with no original counterpart: taken as is, minus directives and nulls. */
  private put(original: Obj, key: string, value: unknown, depth: number): void {
    const fresh = this.fresh(value, depth + 1);
    if (fresh === DROP) delete original[key];
    else setKey(original, key, fresh);
  }

  /** `$retainKeys`: the map keeps only the listed keys, and the patch may only set listed keys. */
  private retainKeys(original: Obj, patch: Obj): void {
    if (!hasOwn(patch, RETAIN_KEYS)) return;
    const list = patch[RETAIN_KEYS];
    if (!Array.isArray(list)) throw new PatchError('invalid patch format of retainKeys', 400);
    const retained = new Set(list);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || key === RETAIN_KEYS || key.startsWith(DELETE_FROM) || key.startsWith(SET_ORDER)) continue;
      if (!retained.has(key)) throw new PatchError('invalid patch format of retainKeys', 400);
    }
    for (const key of Object.keys(original)) if (!retained.has(key)) delete original[key];
  }

  /**
   * `$setElementOrder/<field>`: merges the field's list (when the patch has
   * one) and orders the result: the directive's order first, then the patch
   * list's, then the live list's for server-only items. Returns the fields it handled.
   */
  private setElementOrders(original: Obj, patch: Obj, node: SchemaNode | undefined, depth: number): Set<string> {
    const handled = new Set<string>();
    for (const [key, order] of Object.entries(patch)) {
      if (!key.startsWith(SET_ORDER)) continue;
      if (!Array.isArray(order)) throw badArgType('list', order);
      const target = directiveTarget(key, SET_ORDER);
      const foundOriginal = hasOwn(original, target);
      const foundPatch = hasOwn(patch, target);
      const originalList = original[target];
      const patchList = patch[target];
      if (foundOriginal && !Array.isArray(originalList)) throw badArgType('list', originalList);
      if (foundPatch && !Array.isArray(patchList)) throw badArgType('list', patchList);
      const live = (foundOriginal ? originalList : []) as unknown[];
      const patched = (foundPatch ? patchList : []) as unknown[];
      const field = this.schema.field(node, target);
      validateOrder(patched, order, field.mergeKey);

      let merged: unknown[];
      let view = live;
      if (foundOriginal && foundPatch) ({ merged, view } = this.mergeList(live, patched, field, false, depth + 1));
      else if (foundPatch) merged = this.fresh(patched, depth + 1) as unknown[];
      else if (foundOriginal) merged = live;
      else continue;
      handled.add(target);
      if (merged.length === 0) {
        // Nothing to order (kube itself fails here with "no elements in any of the given slices").
        setKey(original, target, merged);
        continue;
      }
      const kind = elementKind(view, patched);
      const [inOrder, serverOnly] = partition(merged, order, field.mergeKey);
      setKey(original, target, normalizeOrder(inOrder, serverOnly, order, view, field.mergeKey, kind));
    }
    return handled;
  }

  /**
   * Merges a list field. Besides the result it returns `view`: what kube's
   * `$setElementOrder` step later reads as the live order. Upstream works on
   * Go slices in place, so deleting from a keyed list shifts the live slice's
   * backing array left and new elements are appended into the freed slots;
   * the ordering step then sees that array through the original slice
   * header. Reproducing it keeps element order identical to kube's.
   */
  private mergeList(original: unknown[], patch: unknown[], field: Field, isDeleteList: boolean, depth: number): { merged: unknown[]; view: unknown[] } {
    checkDepth(depth);
    // Deletion lists apply whatever the field's strategy; other lists merge only when asked to.
    if (field.strategy !== 'merge' && !isDeleteList) return { merged: this.fresh(patch, depth) as unknown[], view: original };
    if (original.length === 0 && patch.length === 0) return { merged: original, view: original };
    const kind = elementKind(original, patch);
    if (kind !== 'object') {
      if (isDeleteList) {
        const doomed = new Set(patch.map(valueKey));
        return { merged: original.filter((v) => !doomed.has(valueKey(v))), view: original };
      }
      const merged = dedupe([...original, ...patch]);
      const [inPatch, serverOnly] = partition(merged, patch, '');
      return { merged: normalizeOrder(inPatch, serverOnly, patch, original, '', kind), view: original };
    }
    const mergeKey = field.mergeKey;
    if (mergeKey === '') throw new PatchError('cannot merge lists without merge key');
    const items = this.schema.items(field.node);

    let backing = [...original];
    let length = backing.length;
    const rest: Obj[] = [];
    let replace = false;
    for (const element of patch as Obj[]) {
      if (!hasOwn(element, DIRECTIVE)) {
        rest.push(element);
        continue;
      }
      const directive = element[DIRECTIVE];
      if (directive === 'delete') {
        if (!hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
        [backing, length] = removeInPlace(backing, length, mergeKey, element[mergeKey]);
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        throw new PatchError('merging lists cannot yet be specified in the patch');
      } else {
        throw badPatchType(directive, element);
      }
    }
    // After `$patch: replace` the other patch elements are the whole list.
    const live = replace ? (this.fresh(rest, depth) as unknown[]) : backing.slice(0, length);
    const patchItems = replace ? [] : rest;
    const merged = [...live];
    const byKey = new Map<string, number>();
    merged.forEach((e, i) => {
      if (isObject(e) && hasOwn(e, mergeKey)) firstOnly(byKey, valueKey(e[mergeKey]), i);
    });
    let slot = length;
    for (const element of patchItems) {
      if (!hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
      const index = byKey.get(valueKey(element[mergeKey]));
      if (index !== undefined) {
        // Merged in place: the backing array holds the same object.
        merged[index] = this.mergeMap(merged[index] as Obj, element, items, depth + 1);
        continue;
      }
      const fresh = this.fresh(element, depth + 1);
      if (fresh === DROP) continue;
      firstOnly(byKey, valueKey(element[mergeKey]), merged.length);
      merged.push(fresh);
      if (slot < backing.length) backing[slot] = fresh;
      slot++;
    }
    const [inPatch, serverOnly] = partition(merged, patchItems, mergeKey);
    return { merged: normalizeOrder(inPatch, serverOnly, patchItems, live, mergeKey, kind), view: backing };
  }

  /**
   * A copy of a patch value fit to be stored: maps carrying `$patch` are
   * dropped (a `replace`/`merge` map keeps its content), other directive keys
   * and null map values are removed.
   */
  private fresh(value: unknown, depth: number): unknown {
    checkDepth(depth);
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const v of value) {
        const f = this.fresh(v, depth + 1);
        if (f !== DROP) out.push(f);
      }
      return out;
    }
    if (!isObject(value)) return value;
    if (hasOwn(value, DIRECTIVE)) {
      const directive = value[DIRECTIVE];
      if (directive === 'delete') return DROP;
      if (directive !== 'replace' && directive !== 'merge') throw badPatchType(directive, value);
    }
    const out: Obj = {};
    for (const [key, v] of Object.entries(value)) {
      if (v === null || key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(SET_ORDER) || key.startsWith(DELETE_FROM)) continue;
      const f = this.fresh(v, depth + 1);
      if (f !== DROP) setKey(out, key, f);
    }
    return out;
  }
}

function withoutDirective(patch: Obj): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(patch)) if (key !== DIRECTIVE) setKey(out, key, value);
  return out;
}

/** A key for Go's == on decoded JSON values: type-tagged, so 1 and "1" differ; composites compare by content. */
function valueKey(v: unknown): string {
  if (v === null || v === undefined) return 'n';
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'number') return `d${v}`;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return `j${JSON.stringify(v)}`;
}

function firstOnly(map: Map<string, number>, key: string, index: number): void {
  if (!map.has(key)) map.set(key, index);
}

/** The value an element is identified by: its merge key for maps, itself otherwise. */
function identity(element: unknown, mergeKey: string): unknown {
  if (mergeKey === '') return element;
  return isObject(element) ? element[mergeKey] : undefined;
}

/** Where each identity first occurs in `list`. */
function positions(list: unknown[], mergeKey: string): Map<string, number> {
  const map = new Map<string, number>();
  list.forEach((e, i) => firstOnly(map, valueKey(identity(e, mergeKey)), i));
  return map;
}

/**
 * Removes every element of backing[0, length) whose merge key equals `value`
 * the way repeated Go `append(s[:i], s[i+1:]...)` does: survivors shift left
 * and each freed slot keeps a copy of the slice's last element.
 */
function removeInPlace(backing: unknown[], length: number, mergeKey: string, value: unknown): [unknown[], number] {
  const key = valueKey(value);
  const matches = (e: unknown): boolean => isObject(e) && hasOwn(e, mergeKey) && valueKey(e[mergeKey]) === key;
  const head = backing.slice(0, length);
  const kept = head.filter((e) => !matches(e));
  const removed = head.length - kept.length;
  if (removed === 0) return [backing, length];
  const last = head[head.length - 1];
  return [[...kept, ...new Array<unknown>(removed).fill(last), ...backing.slice(length)], kept.length];
}

function dedupe(list: unknown[]): unknown[] {
  const seen = new Set<string>();
  return list.filter((v) => {
    const key = valueKey(v);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Splits `list` into the elements present in `by` and the rest, keeping relative order. */
function partition(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const wanted = positions(by, mergeKey);
  const present: unknown[] = [];
  const rest: unknown[] = [];
  for (const element of list) {
    if (mergeKey !== '') {
      if (!isObject(element)) throw badArgType('map', element);
      if (!hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
    }
    (wanted.has(valueKey(identity(element, mergeKey))) ? present : rest).push(element);
  }
  return [present, rest];
}

/**
 * Sorts patch items by the patch's order and server-only items by the live
 * order, then interleaves them: a server-only item goes before a patch item
 * only when the live list had it earlier.
 */
function normalizeOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: Kind): unknown[] {
  const key = kind === 'object' ? mergeKey : '';
  const right = sortBy(patchItems, patchOrder, key, kind);
  const left = sortBy(serverOnly, serverOrder, key, kind);
  const live = positions(serverOrder, key);
  const at = (e: unknown): number => live.get(valueKey(identity(e, key))) ?? -1;
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = at(left[i]);
      const ri = at(right[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function sortBy(list: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  let items = list;
  let deleted: unknown[] = [];
  if (kind === 'object') {
    for (const element of [...list, ...order]) {
      if (!isObject(element)) throw badArgType('map', element);
      if (!hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
    }
    items = list.filter((e) => (e as Obj)[DIRECTIVE] !== 'delete');
    deleted = list.filter((e) => (e as Obj)[DIRECTIVE] === 'delete');
  }
  const ranks = positions(order, mergeKey);
  const rank = (e: unknown): number => ranks.get(valueKey(identity(e, mergeKey))) ?? Number.POSITIVE_INFINITY;
  // Array.prototype.sort is stable, so duplicates keep their relative order.
  const sorted = items
    .map((element) => ({ element, rank: rank(element) }))
    .sort((a, b) => (a.rank === b.rank ? 0 : a.rank < b.rank ? -1 : 1))
    .map((r) => r.element);
  return [...sorted, ...deleted];
}

/**
 * The patch list's elements must appear in `$setElementOrder` in the same
 * relative order (deletions aside), as kube checks before merging.
 */
function validateOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey !== '') {
    for (const e of patchList) if (!isObject(e)) throw badArgType('map', e);
    items = patchList.filter((e) => (e as Obj)[DIRECTIVE] !== 'delete');
  }
  const keyOf = (e: unknown): unknown => {
    if (mergeKey === '') return e;
    if (!isObject(e)) throw badArgType('map', e);
    if (!hasOwn(e, mergeKey)) throw noMergeKey(e, mergeKey);
    return e[mergeKey];
  };
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p];
    if (isObject(item) && hasOwn(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (valueKey(keyOf(item)) === valueKey(keyOf(order[o]))) p++;
    o++;
  }
  if (p < items.length) {
    throw new PatchError(`The order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ORDER} list:\n${goValue(order)}\n`);
  }
}
