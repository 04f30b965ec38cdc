// kube's lists library (k8s.io/apiserver/pkg/cel/library/lists.go): isSorted,
// sum, min, max, indexOf and lastIndexOf on lists of comparable elements; and
// cel-go's sets extension (sets.contains, sets.equivalent, sets.intersects).

import { chargeTraversal } from '../cost.js';
import { CelRuntimeError, type CelEnvironment } from './types.js';

const COMPARABLE = ['int', 'uint', 'double', 'string', 'bool', 'bytes', 'google.protobuf.Duration', 'google.protobuf.Timestamp'];
const SUMMABLE: Record<string, unknown> = { int: 0n, double: 0, uint: 0n, duration: undefined };

type Comparable = bigint | number | string | boolean | Uint8Array | Date | { seconds: bigint | number; nanos: number };

function compare(a: Comparable, b: Comparable): number {
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (typeof a === 'object' && typeof b === 'object' && 'seconds' in a && 'seconds' in b) {
    const s = Number(a.seconds) - Number(b.seconds);
    return s !== 0 ? s : a.nanos - b.nanos;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'bigint' && typeof b === 'number') return Number(a) === b;
  if (typeof a === 'number' && typeof b === 'bigint') return a === Number(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (a instanceof Map && b instanceof Map) return a.size === b.size && [...a].every(([k, v]) => b.has(k) && equal(v, b.get(k)));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a.constructor !== b.constructor) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
export { equal as celEqual };

export function registerLists(env: CelEnvironment): void {
  for (const t of COMPARABLE) {
    env.registerFunction(`list<${t}>.isSorted(): bool`, (l: Comparable[]) => {
      chargeTraversal(l.length);
      for (let i = 1; i < l.length; i++) if (compare(l[i - 1] as Comparable, l[i] as Comparable) > 0) return false;
      return true;
    });
    for (const fn of ['min', 'max'] as const) {
      env.registerFunction(`list<${t}>.${fn}(): ${t}`, (l: Comparable[]) => {
        chargeTraversal(l.length);
        if (l.length === 0) throw new CelRuntimeError(`${fn} called on empty list`);
        return l.reduce((best, x) => ((fn === 'min' ? compare(x, best) < 0 : compare(x, best) > 0) ? x : best));
      });
    }
  }
  for (const [t, zero] of Object.entries(SUMMABLE)) {
    if (zero === undefined) continue;
    env.registerFunction(`list<${t}>.sum(): ${t}`, (l: (bigint | number)[]) => {
      chargeTraversal(l.length);
      return l.reduce((s: bigint | number, x) => (typeof s === 'bigint' ? s + (x as bigint) : s + (x as number)), zero as bigint | number);
    });
  }
  env
    .registerFunction('list<T>.indexOf(T): int', (l: unknown[], x: unknown) => {
      chargeTraversal(l.length);
      return BigInt(l.findIndex((y) => equal(y, x)));
    })
    .registerFunction('list<T>.lastIndexOf(T): int', (l: unknown[], x: unknown) => {
      chargeTraversal(l.length);
      for (let i = l.length - 1; i >= 0; i--) if (equal(l[i], x)) return BigInt(i);
      return -1n;
    });

  class SetsNamespace {}
  env
    .registerType('kubernetes.sets', SetsNamespace)
    .registerConstant('sets', 'kubernetes.sets', new SetsNamespace())
    .registerFunction('kubernetes.sets.contains(list<T>, list<T>): bool', (_ns: unknown, a: unknown[], b: unknown[]) => {
      chargeTraversal(a.length * b.length);
      return b.every((x) => a.some((y) => equal(x, y)));
    })
    .registerFunction('kubernetes.sets.equivalent(list<T>, list<T>): bool', (_ns: unknown, a: unknown[], b: unknown[]) => {
      chargeTraversal(a.length * b.length);
      return b.every((x) => a.some((y) => equal(x, y))) && a.every((x) => b.some((y) => equal(x, y)));
    })
    .registerFunction('kubernetes.sets.intersects(list<T>, list<T>): bool', (_ns: unknown, a: unknown[], b: unknown[]) => {
      chargeTraversal(a.length * b.length);
      return b.some((x) => a.some((y) => equal(x, y)));
    });
}
