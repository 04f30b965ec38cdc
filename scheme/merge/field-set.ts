// Field sets, as structured-merge-diff's fieldpath package defines them: the
// set of fields, list items and map entries a manager owns, a tree of path
// elements. A path element is a field name (`f:`), the key of an item in a
// list with keys (`k:{…}`), the value of an item in a set list (`v:…`) or an
// index (`i:`). A node is a *member* when the set holds the path itself, and
// has *children* when it holds paths below it.
//
// metadata.managedFields carries a set as FieldsV1: a JSON object whose keys
// are the serialized path elements, children nested, and `".": {}` for a node
// that is both a member and a parent. Keys come in kube's order: field names,
// then keys, then values, then indexes, each compared as kube compares them.
//
// Pure functions and one class; a set is never changed after it is shared.

export type PathElement =
  | { readonly f: string }
  | { readonly k: readonly (readonly [string, unknown])[] }
  | { readonly v: unknown }
  | { readonly i: number };

export type Path = readonly PathElement[];

// ---------------------------------------------------------------------------
// Values: kube's ordering and string forms (sigs.k8s.io/structured-merge-diff/value)

function typeRank(v: unknown): number {
  if (typeof v === 'number') return 0; // floats and ints compare numerically
  if (typeof v === 'string') return 2;
  if (typeof v === 'boolean') return 3;
  if (Array.isArray(v)) return 4;
  if (v !== null && typeof v === 'object') return 5;
  return 6; // null
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0: return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 2: return compareStrings(a as string, b as string);
    case 3: return a === b ? 0 : a ? 1 : -1;
    case 4: {
      const la = a as unknown[];
      const lb = b as unknown[];
      for (let i = 0; i < la.length && i < lb.length; i++) {
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
      return la.length - lb.length < 0 ? -1 : la.length > lb.length ? 1 : 0;
    }
    case 5: {
      const ka = Object.keys(a as object).sort();
      const kb = Object.keys(b as object).sort();
      for (let i = 0; i < ka.length && i < kb.length; i++) {
        const c = compareStrings(ka[i]!, kb[i]!) || compareValues((a as Record<string, unknown>)[ka[i]!], (b as Record<string, unknown>)[kb[i]!]);
        if (c !== 0) return c;
      }
      return ka.length < kb.length ? -1 : ka.length > kb.length ? 1 : 0;
    }
    default: return 0;
  }
}

const UNSAFE = /[<>&\u2028\u2029]/;

/** JSON as Go's encoding/json writes it: map keys sorted, `<`, `>` and `&` escaped. */
export function goJson(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string' && !UNSAFE.test(value)) return JSON.stringify(value);
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = sorted((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(sorted(value))
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** value.ToString: strings quoted as Go's %q, everything else as Go prints it. */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${k}=${valueString((v as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  return String(v);
}

// ---------------------------------------------------------------------------
// Path elements

const kindRank = (pe: PathElement): number => ('f' in pe ? 0 : 'k' in pe ? 1 : 'v' in pe ? 2 : 3);

export function comparePathElements(a: PathElement, b: PathElement): number {
  const ra = kindRank(a);
  const rb = kindRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if ('f' in a) return compareStrings(a.f, (b as { f: string }).f);
  if ('k' in a) {
    const ka = a.k;
    const kb = (b as { k: readonly (readonly [string, unknown])[] }).k;
    for (let i = 0; ; i++) {
      if (i >= ka.length && i >= kb.length) return 0;
      if (i >= ka.length) return -1;
      if (i >= kb.length) return 1;
      const c = compareStrings(ka[i]![0], kb[i]![0]) || compareValues(ka[i]![1], kb[i]![1]);
      if (c !== 0) return c;
    }
  }
  if ('v' in a) return compareValues(a.v, (b as { v: unknown }).v);
  const ia = a.i;
  const ib = (b as { i: number }).i;
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/** The FieldsV1 key of a path element: `f:name`, `k:{"name":"x"}`, `v:"a"`, `i:0`. */
export function serializePathElement(pe: PathElement): string {
  if ('f' in pe) return `f:${pe.f}`;
  let text = serialized.get(pe);
  if (text === undefined) {
    if ('k' in pe) text = `k:{${pe.k.map(([name, value]) => `${goJson(name)}:${goJson(value)}`).join(',')}}`;
    else if ('v' in pe) text = `v:${goJson(pe.v)}`;
    else text = `i:${pe.i}`;
    serialized.set(pe, text);
  }
  return text;
}

/** Path elements are immutable: each is serialized once. */
const serialized = new WeakMap<PathElement, string>();

export function parsePathElement(text: string): PathElement {
  if (text.length < 2 || text[1] !== ':') throw new Error(`missing colon: ${text}`);
  const rest = text.slice(2);
  switch (text[0]) {
    case 'f': return { f: rest };
    case 'v': return { v: JSON.parse(rest) as unknown };
    case 'k': {
      const parsed = JSON.parse(rest) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`key must be an object: ${text}`);
      return keyElement(Object.entries(parsed));
    }
    case 'i': {
      if (!/^-?\d+$/.test(rest)) throw new Error(`invalid index: ${text}`);
      return { i: Number(rest) };
    }
    default: throw new Error('unknown path element type');
  }
}

/** A key path element, its fields sorted by name as kube sorts them. */
export function keyElement(fields: (readonly [string, unknown])[]): PathElement {
  return { k: fields.sort((a, b) => compareStrings(a[0], b[0])) };
}

/** Path.String(): `.data.a`, `.spec.ports[port=80,protocol="TCP"]`, `.finalizers[="x"]`, `[0]`. */
export function pathString(path: Path): string {
  let out = '';
  for (const pe of path) {
    if ('f' in pe) out += `.${pe.f}`;
    else if ('k' in pe) out += `[${pe.k.map(([n, v]) => `${n}=${valueString(v)}`).join(',')}]`;
    else if ('v' in pe) out += `[=${valueString(pe.v)}]`;
    else out += `[${pe.i}]`;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Sets

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

export class FieldSet {
  /** Members and children, each keyed by the serialized path element. */
  readonly members = new Map<string, PathElement>();
  readonly children = new Map<string, Child>();

  static of(...paths: Path[]): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  /** Adds a path. Only for a set still being built. */
  insert(path: Path): void {
    let node: FieldSet = this;
    for (let i = 0; i < path.length; i++) {
      const pe = path[i]!;
      const key = serializePathElement(pe);
      if (i === path.length - 1) {
        node.members.set(key, pe);
        return;
      }
      let child = node.children.get(key);
      if (!child) {
        child = { pe, set: new FieldSet() };
        node.children.set(key, child);
      }
      node = child.set;
    }
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.set.isEmpty()) return false;
    return true;
  }

  has(path: Path): boolean {
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length && node; i++) {
      const key = serializePathElement(path[i]!);
      if (i === path.length - 1) return node.members.has(key);
      node = node.children.get(key)?.set;
    }
    return false;
  }

  /** The set below one path element (empty when there is none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(serializePathElement(pe))?.set ?? EMPTY;
  }

  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, pe] of other.members) out.members.set(k, pe);
    for (const [k, c] of this.children) out.children.set(k, c);
    for (const [k, c] of other.children) {
      const mine = out.children.get(k);
      out.children.set(k, mine ? { pe: c.pe, set: mine.set.union(c.set) } : c);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const theirs = other.children.get(k);
      if (!theirs) continue;
      const both = c.set.intersection(theirs.set);
      if (!both.isEmpty()) out.children.set(k, { pe: c.pe, set: both });
    }
    return out;
  }

  /** Members of this not in other; a parent minus its child stays, a child minus its parent stays too. */
  difference(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const theirs = other.children.get(k);
      if (!theirs) {
        out.children.set(k, c);
        continue;
      }
      const rest = c.set.difference(theirs.set);
      if (!rest.isEmpty()) out.children.set(k, { pe: c.pe, set: rest });
    }
    return out;
  }

  /** Like difference, but a member of other also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (other.members.has(k)) continue;
      const theirs = other.children.get(k);
      if (!theirs) {
        out.children.set(k, c);
        continue;
      }
      const rest = c.set.recursiveDifference(theirs.set);
      if (!rest.isEmpty()) out.children.set(k, { pe: c.pe, set: rest });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** Every member path, in kube's order: a node's members first, then its children's. */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    for (const pe of sortedElements([...this.members.values()])) out.push([...prefix, pe]);
    for (const c of sortedChildren(this.children)) out.push(...c.set.paths([...prefix, c.pe]));
    return out;
  }

  /** kube's FieldsV1 encoding. */
  toFieldsV1(): Record<string, unknown> {
    return this.encode(false);
  }

  private encode(includeSelf: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (includeSelf) out['.'] = {};
    const keys: [string, PathElement][] = [...this.members];
    for (const [k, c] of this.children) if (!this.members.has(k) && !c.set.isEmpty()) keys.push([k, c.pe]);
    keys.sort((a, b) => ('f' in a[1] && 'f' in b[1] ? compareStrings(a[1].f, b[1].f) : comparePathElements(a[1], b[1])));
    for (const [k] of keys) {
      const child = this.children.get(k);
      out[k] = child && !child.set.isEmpty() ? child.set.encode(this.members.has(k)) : {};
    }
    return out;
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    decodeInto(set, fields, 0);
    return set;
  }
}

const EMPTY = new FieldSet();

function decodeInto(set: FieldSet, fields: unknown, depth: number): void {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new Error('FieldsV1 must be a JSON object');
  if (depth > 100) throw new Error('FieldsV1 is nested too deeply');
  for (const [key, value] of Object.entries(fields)) {
    if (key === '.') continue; // the parent's own membership, handled by the parent
    const pe = parsePathElement(key);
    const normal = 'f' in pe ? key : serializePathElement(pe);
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    const childKeys = isObject ? Object.keys(value) : [];
    if (childKeys.length === 0 || childKeys.includes('.')) set.members.set(normal, pe);
    if (childKeys.some((k) => k !== '.')) {
      const child = new FieldSet();
      decodeInto(child, value, depth + 1);
      set.children.set(normal, { pe, set: child });
    }
  }
}

function sortedElements(pes: PathElement[]): PathElement[] {
  return pes.sort(comparePathElements);
}

function sortedChildren(children: Map<string, Child>): Child[] {
  return [...children.values()].sort((a, b) => comparePathElements(a.pe, b.pe));
}
