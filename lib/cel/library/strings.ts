// cel-go's strings extension at version 2, as kube 1.29+ enables it (ext.Strings):
// charAt, replace, format and strings.quote, beside the indexOf, lastIndexOf,
// lowerAscii, upperAscii, split, substring, trim and join that
// @marcbachmann/cel-js already provides.

import { Optional } from '@marcbachmann/cel-js';
import { chargeTraversal, STRING_TRAVERSAL_COST_FACTOR } from '../cost.js';
import { CelRuntimeError, type CelEnvironment } from './types.js';

class StringsNamespace {}

export function registerStrings(env: CelEnvironment): void {
  env
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      chargeTraversal(s.length, STRING_TRAVERSAL_COST_FACTOR);
      const chars = [...s];
      if (i < 0n || i > BigInt(chars.length)) throw new CelRuntimeError(`index out of range: ${i}`);
      return chars[Number(i)] ?? '';
    })
    .registerFunction('string.replace(string, string): string', (s: string, from: string, to: string) => {
      chargeTraversal(s.length, STRING_TRAVERSAL_COST_FACTOR);
      return replaceN(s, from, to, Infinity);
    })
    .registerFunction('string.replace(string, string, int): string', (s: string, from: string, to: string, n: bigint) => {
      chargeTraversal(s.length, STRING_TRAVERSAL_COST_FACTOR);
      return replaceN(s, from, to, n < 0n ? Infinity : Number(n));
    })
    .registerFunction('string.format(list<dyn>): string', (s: string, args: unknown[]) => {
      chargeTraversal(s.length, STRING_TRAVERSAL_COST_FACTOR);
      return formatString(s, args);
    })
    .registerType('kubernetes.strings', StringsNamespace)
    .registerConstant('strings', 'kubernetes.strings', new StringsNamespace())
    .registerFunction('kubernetes.strings.quote(string): string', (_ns: unknown, s: string) => JSON.stringify(s));
}

function replaceN(s: string, from: string, to: string, n: number): string {
  let out = '';
  let rest = s;
  for (let done = 0; done < n; done++) {
    const at = rest.indexOf(from);
    if (at < 0) break;
    out += rest.slice(0, at) + to;
    rest = rest.slice(at + from.length);
    if (from === '') {
      if (rest === '') return out;
      out += rest[0];
      rest = rest.slice(1);
    }
  }
  return out + rest;
}

/** cel-go's string.format: %s %d %f %e %x %X %o %b and %%; %.Nf sets a precision. */
export function formatString(template: string, args: readonly unknown[]): string {
  let next = 0;
  return template.replace(/%(\.(\d+))?([sdfeExXob%])/g, (_whole, _p: string | undefined, precision: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) throw new CelRuntimeError(`index ${next} out of range`);
    const arg = args[next++];
    switch (verb) {
      case 's':
        return stringOf(arg);
      case 'd':
        if (typeof arg !== 'bigint' && !(typeof arg === 'number' && Number.isInteger(arg))) throw new CelRuntimeError(`error during formatting: decimal clause can only be used on integers, was given ${typeName(arg)}`);
        return String(arg);
      case 'f':
        return Number(arg).toFixed(precision === undefined ? 6 : Number(precision));
      case 'e':
      case 'E': {
        const out = Number(arg).toExponential(precision === undefined ? 6 : Number(precision)).replace(/e([+-])(\d)$/, 'e$10$2');
        return verb === 'E' ? out.toUpperCase() : out;
      }
      case 'x':
      case 'X': {
        const out = typeof arg === 'string' ? Buffer.from(arg).toString('hex') : arg instanceof Uint8Array ? Buffer.from(arg).toString('hex') : BigInt(arg as bigint).toString(16);
        return verb === 'X' ? out.toUpperCase() : out;
      }
      case 'o':
        return BigInt(arg as bigint).toString(8);
      case 'b':
        return typeof arg === 'boolean' ? String(arg) : BigInt(arg as bigint).toString(2);
      default:
        return '';
    }
  });
}

function typeName(v: unknown): string {
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'list';
  return 'map';
}

function stringOf(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString();
  if (v instanceof Optional) return v.hasValue() ? `optional(${stringOf(v.value())})` : 'optional.none()';
  if (Array.isArray(v)) return `[${v.map(stringOf).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${stringOf(k)}: ${stringOf(x)}`).join(', ')}}`;
  if (typeof v === 'object' && v !== null && 'toString' in v && v.toString !== Object.prototype.toString) return String(v);
  if (typeof v === 'object') return `{${Object.entries(v as object).map(([k, x]) => `${k}: ${stringOf(x)}`).join(', ')}}`;
  return String(v);
}
