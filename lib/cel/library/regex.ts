// kube's regex library (k8s.io/apiserver/pkg/cel/library/regex.go): find and
// findAll on strings. CEL's regular expressions are RE2; JavaScript's are a
// superset for the patterns rules use (no lookaround or backreferences in RE2).

import { chargeTraversal, STRING_TRAVERSAL_COST_FACTOR } from '../cost.js';
import { CelRuntimeError, type CelEnvironment } from './types.js';

const compiled = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern.replace(/^\(\?([ims]+)\)/, ''), `gu${/^\(\?([ims]+)\)/.exec(pattern)?.[1] ?? ''}`);
    } catch (e) {
      throw new CelRuntimeError(`error parsing regexp: ${(e as Error).message}`);
    }
    compiled.set(pattern, re);
  }
  re.lastIndex = 0;
  return re;
}

export function registerRegex(env: CelEnvironment): void {
  env
    .registerFunction('string.find(string): string', (s: string, p: string) => {
      chargeTraversal(s.length, STRING_TRAVERSAL_COST_FACTOR);
      return regex(p).exec(s)?.[0] ?? '';
    })
    .registerFunction('string.findAll(string): list<string>', (s: string, p: string) => {
      chargeTraversal(s.length, STRING_TRAVERSAL_COST_FACTOR);
      return [...s.matchAll(regex(p))].map((m) => m[0]);
    })
    .registerFunction('string.findAll(string, int): list<string>', (s: string, p: string, n: bigint) => {
      chargeTraversal(s.length, STRING_TRAVERSAL_COST_FACTOR);
      const all = [...s.matchAll(regex(p))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, Number(n));
    });
}
