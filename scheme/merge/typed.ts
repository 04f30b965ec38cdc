// The four walks structured-merge-diff makes over an object with its schema:
// the set of fields a value sets (toFieldSet), what changed between two
// values (compare), one value applied over another (merge), and a value
// without the items of a set (removeItems). Values are decoded JSON; inputs
// are never changed, results may share unchanged subtrees with them.

import type { SchemaNode } from '../schema.js';
import { FieldSet, keyElement, pathString, serializePathElement, type Path, type PathElement } from './field-set.js';
import { atomOf, fieldNode, isNamedField, KEY_DEFAULTS, type Atom, type Schema } from './atoms.js';

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** An object the merge cannot type: duplicate keys in an applied list, a list item without its keys. */
export class MergeTypeError extends Error {
  override name = 'MergeTypeError';
}

/** Deep equality of decoded JSON (numbers compare numerically). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!hasOwn(b, k) || !jsonEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** The path element of one item of a granular list. */
export function itemElement(atom: Atom & { kind: 'list' }, item: unknown, at: Path): PathElement {
  if (atom.type === 'set') return { v: item };
  if (!isObject(item)) throw new MergeTypeError(`${pathString(at)}: associative list with keys may not have non-map elements`);
  const fields: [string, unknown][] = [];
  for (const key of atom.keys) {
    if (hasOwn(item, key) && item[key] !== undefined) fields.push([key, item[key]]);
    else if (hasOwn(KEY_DEFAULTS, key)) fields.push([key, KEY_DEFAULTS[key]]);
  }
  if (fields.length === 0) {
    throw new MergeTypeError(`${pathString(at)}: associative list with keys has an element that omits all key fields ${JSON.stringify(atom.keys)} (and doesn't have default values for any key fields)`);
  }
  return keyElement(fields);
}

function indexItems(atom: Atom & { kind: 'list' }, list: unknown[], at: Path): { pes: PathElement[]; byKey: Map<string, unknown[]> } {
  const pes: PathElement[] = [];
  const byKey = new Map<string, unknown[]>();
  for (const item of list) {
    const pe = itemElement(atom, item, at);
    const key = keyOf(pe);
    const seen = byKey.get(key);
    if (seen) seen.push(item);
    else {
      byKey.set(key, [item]);
      pes.push(pe);
    }
  }
  return { pes, byKey };
}

const keyOf = serializePathElement;

// ---------------------------------------------------------------------------
// toFieldSet

/**
 * The fields a value sets: every scalar, atomic list or map, list item and map entry. `strict`
 * (an applied configuration) refuses fields a struct does not declare, as kube's typed conversion does.
 */
export function toFieldSet(schema: Schema, node: SchemaNode | undefined, value: unknown, strict = false): FieldSet {
  const set = new FieldSet();
  collect(schema, node, value, [], set, strict);
  return set;
}

function collect(schema: Schema, node: SchemaNode | undefined, value: unknown, path: PathElement[], set: FieldSet, strict: boolean): void {
  const atom = atomOf(schema, node, value);
  if (atom.kind === 'scalar' || atom.kind === 'deduced') {
    set.insert(path);
    return;
  }
  if (atom.kind === 'list') {
    if (atom.type === 'atomic') return set.insert(path);
    if (!Array.isArray(value)) return;
    const { pes, byKey } = indexItems(atom, value, path);
    for (const pe of pes) {
      const items = byKey.get(keyOf(pe))!;
      path.push(pe);
      // Duplicates are owned as one atomic item.
      if (items.length === 1) collect(schema, atom.element, items[0], path, set, strict);
      set.insert(path);
      path.pop();
    }
    return;
  }
  if (atom.atomic) return set.insert(path);
  if (!isObject(value)) return;
  for (const key of Object.keys(value)) {
    const child = value[key];
    path.push({ f: key });
    if (strict && atom.closed && !isNamedField(atom, key)) throw new MergeTypeError(`${pathString(path)}: field not declared in schema`);
    collect(schema, fieldNode(atom, key), child, path, set, strict);
    if (child === null || (isObject(child) && Object.keys(child).length === 0) || !isNamedField(atom, key)) set.insert(path);
    path.pop();
  }
}

// ---------------------------------------------------------------------------
// compare

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

export function isSame(c: Comparison): boolean {
  return c.added.isEmpty() && c.modified.isEmpty() && c.removed.isEmpty();
}

/** What changed from lhs to rhs (undefined means absent). */
export function compare(schema: Schema, node: SchemaNode | undefined, lhs: unknown, rhs: unknown): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareAt(schema, node, lhs, rhs, [], c);
  return c;
}

function compareAt(schema: Schema, node: SchemaNode | undefined, l: unknown, r: unknown, path: PathElement[], c: Comparison): void {
  const leaf = (): true => {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!jsonEqual(l, r)) c.modified.insert(path);
    return true;
  };
  const atom = atomOf(schema, node, r === undefined ? l : r);
  let inLeaf = false;
  if (atom.kind === 'scalar' || atom.kind === 'deduced') {
    if (!(l == null && r == null)) inLeaf = leaf();
  } else if (atom.kind === 'list') {
    const la = Array.isArray(l) ? l : undefined;
    const ra = Array.isArray(r) ? r : undefined;
    if (atom.type === 'atomic' || ((!la || la.length === 0) && (!ra || ra.length === 0))) inLeaf = leaf();
    else compareItems(schema, atom, la ?? [], ra ?? [], path, c);
  } else {
    const lo = isObject(l) ? l : undefined;
    const ro = isObject(r) ? r : undefined;
    const empty = (o: Obj | undefined): boolean => !o || Object.keys(o).length === 0;
    if (atom.atomic || (empty(lo) && empty(ro))) inLeaf = leaf();
    else {
      for (const key of Object.keys(lo ?? {})) {
        path.push({ f: key });
        compareAt(schema, fieldNode(atom, key), lo![key], ro && hasOwn(ro, key) ? ro[key] : undefined, path, c);
        path.pop();
      }
      for (const key of Object.keys(ro ?? {})) {
        if (lo && hasOwn(lo, key)) continue;
        path.push({ f: key });
        compareAt(schema, fieldNode(atom, key), undefined, ro![key], path, c);
        path.pop();
      }
    }
  }
  if (!inLeaf) {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
  }
}

function compareItems(schema: Schema, atom: Atom & { kind: 'list' }, l: unknown[], r: unknown[], path: PathElement[], c: Comparison): void {
  const left = indexItems(atom, l, path);
  const right = indexItems(atom, r, path);
  const all = [...left.pes];
  for (const pe of right.pes) if (!left.byKey.has(keyOf(pe))) all.push(pe);
  for (const pe of all) {
    const ls = left.byKey.get(keyOf(pe)) ?? [];
    const rs = right.byKey.get(keyOf(pe)) ?? [];
    path.push(pe);
    if (ls.length <= 1 && rs.length <= 1) {
      compareAt(schema, atom.element, ls[0], rs[0], path, c);
    } else if (ls.length >= 2 && rs.length >= 2) {
      if (!jsonEqual(ls, rs)) c.modified.insert(path);
    } else if (ls.length >= 2) {
      if (rs.length > 0) compareAt(schema, atom.element, undefined, rs[0], path, c);
      c.removed.insert(path);
    } else {
      if (ls.length > 0) compareAt(schema, atom.element, ls[0], undefined, path, c);
      c.added.insert(path);
    }
    path.pop();
  }
}

// ---------------------------------------------------------------------------
// merge

/** rhs applied over lhs: rhs wins at every leaf; granular lists and maps merge item by item. */
export function merge(schema: Schema, node: SchemaNode | undefined, lhs: unknown, rhs: unknown): unknown {
  return mergeAt(schema, node, lhs, rhs, []);
}

function mergeAt(schema: Schema, node: SchemaNode | undefined, l: unknown, r: unknown, path: PathElement[]): unknown {
  const leaf = (): unknown => (r !== undefined ? r : l);
  const atom = atomOf(schema, node, r === undefined ? l : r);
  if (atom.kind === 'scalar' || atom.kind === 'deduced') return leaf();
  if (atom.kind === 'list') {
    if (r !== undefined && !Array.isArray(r)) return leaf();
    const la = Array.isArray(l) ? l : undefined;
    const ra = r as unknown[] | undefined;
    if (atom.type === 'atomic' || ((!la || la.length === 0) && (!ra || ra.length === 0))) return leaf();
    return mergeItems(schema, atom, la ?? [], ra ?? [], path);
  }
  if (r !== undefined && !isObject(r)) return leaf();
  const lo = isObject(l) ? l : undefined;
  const ro = r as Obj | undefined;
  const empty = (o: Obj | undefined): boolean => !o || Object.keys(o).length === 0;
  if (atom.atomic || (empty(lo) && empty(ro))) return leaf();
  if (!ro) return l;
  if (!lo) return r;
  const out: Obj = {};
  for (const key of Object.keys(lo)) {
    path.push({ f: key });
    const merged = hasOwn(ro, key) ? mergeAt(schema, fieldNode(atom, key), lo[key], ro[key], path) : lo[key];
    path.pop();
    if (merged !== undefined) setKey(out, key, merged);
  }
  for (const key of Object.keys(ro)) {
    if (hasOwn(lo, key)) continue;
    setKey(out, key, ro[key]);
  }
  return out;
}

function setKey(o: Obj, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

/** structured-merge-diff's list merge: the applied order wins for items both have; live-only items keep their place. */
function mergeItems(schema: Schema, atom: Atom & { kind: 'list' }, l: unknown[], r: unknown[], path: PathElement[]): unknown[] | undefined {
  const right = indexItems(atom, r, path);
  for (const [, items] of right.byKey) {
    if (items.length > 1) throw new MergeTypeError(`${pathString(path)}: duplicate entries for key ${pathString([itemElement(atom, items[0], path)])}`);
  }
  const left = indexItems(atom, l, path);
  // One element per live item, duplicates included.
  const lpes = l.map((item) => itemElement(atom, item, path));
  const rpes = right.pes;
  const inRight = (pe: PathElement): boolean => right.byKey.has(keyOf(pe));
  const inLeft = (pe: PathElement): boolean => left.byKey.has(keyOf(pe));
  const shared = rpes.filter(inLeft);
  let nextShared = shared.shift();
  const out: unknown[] = [];
  const mergedRight = new Set<string>();
  const mergeOne = (pe: PathElement, lv: unknown, rv: unknown): void => {
    path.push(pe);
    const v = mergeAt(schema, atom.element, lv, rv, path);
    path.pop();
    if (v !== undefined) out.push(v);
  };
  const single = (items: unknown[] | undefined): unknown => (items && items.length === 1 ? items[0] : undefined);
  let li = 0;
  let ri = 0;
  while (li < lpes.length || ri < rpes.length) {
    if (li < lpes.length && ri < rpes.length) {
      const pe = lpes[li]!;
      if (keyOf(pe) === keyOf(rpes[ri]!)) {
        mergedRight.add(keyOf(pe));
        mergeOne(pe, single(left.byKey.get(keyOf(pe))), right.byKey.get(keyOf(pe))![0]);
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (inRight(pe) && nextShared !== undefined && keyOf(nextShared) !== keyOf(pe)) {
        li++;
        continue;
      }
    }
    if (li < lpes.length) {
      const pe = lpes[li]!;
      if (!inRight(pe)) {
        // Kept as it is: a live item the applied list does not name (duplicates included).
        if (left.byKey.get(keyOf(pe))!.length === 1) mergeOne(pe, l[li], undefined);
        else out.push(l[li]);
        li++;
        continue;
      } else if (mergedRight.has(keyOf(pe))) {
        li++;
      }
    }
    if (ri < rpes.length) {
      const pe = rpes[ri]!;
      mergedRight.add(keyOf(pe));
      mergeOne(pe, single(left.byKey.get(keyOf(pe))), right.byKey.get(keyOf(pe))![0]);
      ri++;
      if (nextShared !== undefined && keyOf(nextShared) === keyOf(pe)) nextShared = shared.shift();
    }
  }
  return out.length > 0 ? out : undefined;
}

// ---------------------------------------------------------------------------
// removeItems

/** The value without the members of `set` (a member removes its whole subtree). */
export function removeItems(schema: Schema, node: SchemaNode | undefined, value: unknown, set: FieldSet): unknown {
  if (set.isEmpty()) return value;
  const atom = atomOf(schema, node, value);
  if (atom.kind === 'list') {
    if (!Array.isArray(value) || value.length === 0 || atom.type === 'atomic') return value;
    const out: unknown[] = [];
    for (const item of value) {
      const pe = itemElement(atom, item, []);
      if (set.has([pe])) continue;
      const below = set.withPrefix(pe);
      out.push(below.isEmpty() ? item : removeItems(schema, atom.element, item, below));
    }
    return out.length > 0 ? out : undefined;
  }
  if (atom.kind === 'map') {
    if (!isObject(value) || Object.keys(value).length === 0 || atom.atomic) return value;
    const out: Obj = {};
    for (const key of Object.keys(value)) {
      const pe = { f: key };
      if (set.has([pe])) continue;
      const below = set.withPrefix(pe);
      const v = below.isEmpty() ? value[key] : removeItems(schema, fieldNode(atom, key), value[key], below);
      if (v !== undefined) setKey(out, key, v);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return value;
}

/** The set with every named struct field that has children made a member too (kube's EnsureNamedFieldsAreMembers). */
export function ensureNamedFieldsAreMembers(schema: Schema, node: SchemaNode | undefined, set: FieldSet): FieldSet {
  const atom = atomOf(schema, node, {});
  const out = new FieldSet();
  for (const [k, pe] of set.members) out.members.set(k, pe);
  for (const [k, child] of set.children) {
    let childNode: SchemaNode | undefined;
    if ('f' in child.pe && atom.kind === 'map') {
      childNode = fieldNode(atom, child.pe.f);
      if (isNamedField(atom, child.pe.f)) out.members.set(k, child.pe);
    } else if ('k' in child.pe && atom.kind === 'list') {
      childNode = atom.element;
    }
    out.children.set(k, { pe: child.pe, set: ensureNamedFieldsAreMembers(schema, childNode, child.set) });
  }
  return out;
}
