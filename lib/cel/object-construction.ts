// CEL's typed object construction for mutating admission policies
// (k8s.io/apiserver/pkg/cel/mutation): `Object{spec: Object.spec{replicas: 3}}`
// builds an apply configuration, `JSONPatch{op: "add", path: "/x", value: 1}`
// one JSON Patch operation. @marcbachmann/cel-js 8.0.0 does not parse message
// construction, so an expression is rewritten before it is compiled: each
// `Name{field: value, …}` becomes `_kube_construct("Name", {"field": dyn(value), …})`,
// a function registered here that yields a Constructed value (its type name
// and its fields). toJson turns one back into JSON, checking, as kube does,
// that each nested type name is its field's path from `Object`.

import { CelRuntimeError, type CelEnvironment } from './library/types.js';

const CONSTRUCT = '_kube_construct';
const KEYWORDS = new Set(['in', 'true', 'false', 'null', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** A value built by `Name{…}`. */
export class Constructed {
  constructor(readonly typeName: string, readonly fields: Readonly<Record<string, unknown>>) {}
}

const isIdentStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isIdentPart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/** The end (exclusive) of the string literal starting at `i` (with its r/b prefixes), or -1. */
function stringEnd(src: string, i: number): number {
  let j = i;
  let raw = false;
  while (j < src.length && /[rRbB]/.test(src[j]!) && j - i < 2) {
    if (src[j] === 'r' || src[j] === 'R') raw = true;
    j++;
  }
  const q = src[j];
  if (q !== '"' && q !== "'") return -1;
  if (j > i && isIdentPart(src[i - 1])) return -1;
  const triple = src.startsWith(q.repeat(3), j);
  const close = triple ? q.repeat(3) : q;
  let k = j + close.length;
  while (k < src.length) {
    if (!raw && src[k] === '\\') k += 2;
    else if (src.startsWith(close, k)) return k + close.length;
    else if (!triple && src[k] === '\n') return src.length;
    else k++;
  }
  return src.length;
}

/** The end of the expression starting at `i` inside braces: the next `,` or closing bracket at depth 0. */
function valueEnd(src: string, i: number): number {
  let depth = 0;
  let k = i;
  while (k < src.length) {
    const c = src[k]!;
    const end = stringEnd(src, k);
    if (end > 0) {
      k = end;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return k;
      depth--;
    } else if (c === ',' && depth === 0) return k;
    k++;
  }
  return k;
}

const skipSpace = (src: string, i: number): number => {
  let k = i;
  while (k < src.length && /\s/.test(src[k]!)) k++;
  return k;
};

/** A qualified name `a.b.c` from `i`: its text and end, or undefined. */
function qualifiedName(src: string, i: number): { name: string; end: number } | undefined {
  const parts: string[] = [];
  let k = i;
  for (;;) {
    if (!isIdentStart(src[k])) return undefined;
    const start = k;
    while (isIdentPart(src[k])) k++;
    parts.push(src.slice(start, k));
    const next = skipSpace(src, k);
    if (src[next] === '.' && isIdentStart(src[skipSpace(src, next + 1)])) k = skipSpace(src, next + 1);
    else return { name: parts.join('.'), end: k };
  }
}

/** Rewrites every `Name{field: value}` of an expression into a call CEL-js can check and run. */
export function rewriteConstruction(src: string): string {
  if (!src.includes('{')) return src;
  let out = '';
  let i = 0;
  while (i < src.length) {
    const end = stringEnd(src, i);
    if (end > 0) {
      out += src.slice(i, end);
      i = end;
      continue;
    }
    const c = src[i]!;
    const before = src.slice(0, i).trimEnd();
    if (isIdentStart(c) && !isIdentPart(src[i - 1]) && !before.endsWith('.')) {
      const q = qualifiedName(src, i);
      const brace = q ? skipSpace(src, q.end) : -1;
      if (q && src[brace] === '{' && !KEYWORDS.has(q.name)) {
        const built = construction(src, q.name, brace);
        if (built) {
          out += built.text;
          i = built.end;
          continue;
        }
      }
      if (q) {
        out += src.slice(i, q.end);
        i = q.end;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

/** `Name{f: v, ?g: w}` from the brace at `open`: the rewritten call and where it ends. */
function construction(src: string, name: string, open: number): { text: string; end: number } | undefined {
  const entries: string[] = [];
  let k = skipSpace(src, open + 1);
  while (src[k] !== '}') {
    const optional = src[k] === '?';
    if (optional) k = skipSpace(src, k + 1);
    const fieldStart = k;
    while (isIdentPart(src[k])) k++;
    if (k === fieldStart) return undefined;
    const field = src.slice(fieldStart, k);
    k = skipSpace(src, k);
    if (src[k] !== ':') return undefined;
    const valueStart = k + 1;
    const valueStop = valueEnd(src, valueStart);
    const value = rewriteConstruction(src.slice(valueStart, valueStop)).trim();
    entries.push(optional ? `?${JSON.stringify(field)}: ${value}` : `${JSON.stringify(field)}: dyn(${value})`);
    k = valueStop;
    if (src[k] === ',') k = skipSpace(src, k + 1);
    else if (src[k] !== '}') return undefined;
  }
  return { text: `${CONSTRUCT}(${JSON.stringify(name)}, {${entries.join(', ')}})`, end: k + 1 };
}

/** Declares the construction function (and the value type it yields) on an environment. */
export function registerConstruction(env: CelEnvironment): void {
  env
    .registerType('kubernetes.Constructed', Constructed)
    .registerFunction(`${CONSTRUCT}(string, map<string, dyn>): dyn`, (typeName: string, fields: unknown) => {
      const record: Record<string, unknown> = {};
      const entries = fields instanceof Map ? [...fields] : Object.entries(fields as Record<string, unknown>);
      for (const [k, v] of entries) if (v !== undefined) record[k as string] = v;
      return new Constructed(typeName, record);
    });
}

/**
 * A CEL value as JSON: ints as numbers, maps as objects, constructed values as their fields.
 * `typePath` is the type name a constructed value must carry here (kube's
 * CheckTypeNamesMatchFieldPathNames); undefined inside values of no such path.
 */
export function toJson(value: unknown, typePath?: string): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$/, 'Z');
  if (Array.isArray(value)) return value.map((v) => toJson(v, typePath));
  if (value instanceof Constructed) {
    if (typePath !== undefined && value.typeName !== typePath) {
      throw new CelRuntimeError(`type mismatch: unexpected type name "${value.typeName}", expected "${typePath}", which matches field name path from root Object type`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value.fields)) out[k] = toJson(v, typePath === undefined ? undefined : `${typePath}.${k}`);
    return out;
  }
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v)]));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}
