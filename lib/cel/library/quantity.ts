// kube's quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go):
// quantity("1.5Gi"), isQuantity, and sign, isInteger, asInteger,
// asApproximateFloat, add, sub, compareTo, isGreaterThan, isLessThan. A value is
// kept as an exact fraction of big integers, as resource.Quantity is exact.

import { CelRuntimeError, type CelEnvironment } from './types.js';

const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

export class Quantity {
  constructor(readonly num: bigint, readonly den: bigint) {}
  compare(o: Quantity): number {
    const d = this.num * o.den - o.num * this.den;
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  plus(o: Quantity, sign: 1n | -1n): Quantity {
    return reduce(this.num * o.den + sign * o.num * this.den, this.den * o.den);
  }
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
function reduce(num: bigint, den: bigint): Quantity {
  const g = gcd(num, den) || 1n;
  return new Quantity(num / g, den / g);
}

export function parseQuantity(text: string): Quantity | string {
  if (text.length === 0) return 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'';
  const m = QUANTITY.exec(text);
  const numberPart = m?.[1];
  const suffix = m?.[2] ?? '';
  if (!numberPart || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(numberPart)) return 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'';
  const negative = numberPart.startsWith('-');
  const digits = numberPart.replace(/^[+-]/, '');
  const [whole = '', frac = ''] = digits.split('.');
  let num = BigInt((whole || '0') + frac) * (negative ? -1n : 1n);
  let den = 10n ** BigInt(frac.length);
  if (suffix in BINARY) num *= 1n << (BINARY[suffix] as bigint);
  else if (suffix in DECIMAL) {
    const exp = DECIMAL[suffix] as number;
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  } else if (/^[eE][-+]?\d+$/.test(suffix)) {
    const exp = Number(suffix.slice(1));
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  } else return 'unable to parse quantity\'s suffix';
  return reduce(num, den);
}

function quantityOf(text: string): Quantity {
  const q = parseQuantity(text);
  if (typeof q === 'string') throw new CelRuntimeError(q);
  return q;
}

export function registerQuantity(env: CelEnvironment): void {
  const Q = 'kubernetes.Quantity';
  env
    .registerType(Q, Quantity)
    .registerFunction(`quantity(string): ${Q}`, quantityOf)
    .registerFunction('isQuantity(string): bool', (s: string) => typeof parseQuantity(s) !== 'string')
    .registerFunction(`${Q}.sign(): int`, (q: Quantity) => BigInt(q.compare(new Quantity(0n, 1n))))
    .registerFunction(`${Q}.isInteger(): bool`, (q: Quantity) => q.num % q.den === 0n && q.num / q.den <= INT64_MAX && q.num / q.den >= INT64_MIN)
    .registerFunction(`${Q}.asInteger(): int`, (q: Quantity) => {
      if (q.num % q.den !== 0n || q.num / q.den > INT64_MAX || q.num / q.den < INT64_MIN) throw new CelRuntimeError('cannot convert value to integer');
      return q.num / q.den;
    })
    .registerFunction(`${Q}.asApproximateFloat(): double`, (q: Quantity) => Number(q.num) / Number(q.den))
    .registerFunction(`${Q}.add(${Q}): ${Q}`, (a: Quantity, b: Quantity) => a.plus(b, 1n))
    .registerFunction(`${Q}.add(int): ${Q}`, (a: Quantity, b: bigint) => a.plus(new Quantity(b, 1n), 1n))
    .registerFunction(`${Q}.sub(${Q}): ${Q}`, (a: Quantity, b: Quantity) => a.plus(b, -1n))
    .registerFunction(`${Q}.sub(int): ${Q}`, (a: Quantity, b: bigint) => a.plus(new Quantity(b, 1n), -1n))
    .registerFunction(`${Q}.compareTo(${Q}): int`, (a: Quantity, b: Quantity) => BigInt(a.compare(b)))
    .registerFunction(`${Q}.isGreaterThan(${Q}): bool`, (a: Quantity, b: Quantity) => a.compare(b) > 0)
    .registerFunction(`${Q}.isLessThan(${Q}): bool`, (a: Quantity, b: Quantity) => a.compare(b) < 0)
    .registerOperator(`${Q} == ${Q}`, (a: Quantity, b: Quantity) => a.compare(b) === 0);
}
