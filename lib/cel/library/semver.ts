// kube's semver library at version 1 (k8s.io/apiserver/pkg/cel/library/semverlib.go, 1.33):
// semver("1.2.3"), semver(s, normalize), isSemver, major, minor, patch,
// isGreaterThan, isLessThan, compareTo.

import { CelRuntimeError, type CelEnvironment } from './types.js';

export class Semver {
  constructor(readonly major: bigint, readonly minor: bigint, readonly patch: bigint, readonly pre: readonly string[]) {}
  compare(o: Semver): number {
    for (const k of ['major', 'minor', 'patch'] as const) if (this[k] !== o[k]) return this[k] < o[k] ? -1 : 1;
    if (this.pre.length === 0 || o.pre.length === 0) return o.pre.length - this.pre.length === 0 ? 0 : this.pre.length === 0 ? 1 : -1;
    for (let i = 0; i < Math.max(this.pre.length, o.pre.length); i++) {
      const a = this.pre[i];
      const b = o.pre[i];
      if (a === undefined) return -1;
      if (b === undefined) return 1;
      if (a === b) continue;
      const an = /^\d+$/.test(a);
      const bn = /^\d+$/.test(b);
      if (an && bn) return BigInt(a) < BigInt(b) ? -1 : 1;
      if (an !== bn) return an ? -1 : 1;
      return a < b ? -1 : 1;
    }
    return 0;
  }
}

const STRICT = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Normalizing accepts a leading "v", missing minor or patch, and leading zeros, as kube's semver(s, true). */
export function parseSemver(s: string, normalize = false): Semver | string {
  let text = s;
  if (normalize) {
    text = text.replace(/^v/, '');
    const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(text);
    if (m) text = `${BigInt(m[1] as string)}.${BigInt(m[2] ?? '0')}.${BigInt(m[3] ?? '0')}${m[4] ?? ''}`;
  }
  const m = STRICT.exec(text);
  if (!m) return `Invalid character(s) found in ${s.startsWith('v') && !normalize ? 'major number' : 'version'} "${s}"`;
  return new Semver(BigInt(m[1] as string), BigInt(m[2] as string), BigInt(m[3] as string), m[4] ? m[4].split('.') : []);
}

function semverOf(s: string, normalize = false): Semver {
  const v = parseSemver(s, normalize);
  if (typeof v === 'string') throw new CelRuntimeError(v);
  return v;
}

export function registerSemver(env: CelEnvironment): void {
  const S = 'kubernetes.Semver';
  env
    .registerType(S, Semver)
    .registerFunction(`semver(string): ${S}`, (s: string) => semverOf(s))
    .registerFunction(`semver(string, bool): ${S}`, (s: string, n: boolean) => semverOf(s, n))
    .registerFunction('isSemver(string): bool', (s: string) => typeof parseSemver(s) !== 'string')
    .registerFunction('isSemver(string, bool): bool', (s: string, n: boolean) => typeof parseSemver(s, n) !== 'string')
    .registerFunction(`${S}.major(): int`, (v: Semver) => v.major)
    .registerFunction(`${S}.minor(): int`, (v: Semver) => v.minor)
    .registerFunction(`${S}.patch(): int`, (v: Semver) => v.patch)
    .registerFunction(`${S}.isGreaterThan(${S}): bool`, (a: Semver, b: Semver) => a.compare(b) > 0)
    .registerFunction(`${S}.isLessThan(${S}): bool`, (a: Semver, b: Semver) => a.compare(b) < 0)
    .registerFunction(`${S}.compareTo(${S}): int`, (a: Semver, b: Semver) => BigInt(a.compare(b)))
    .registerOperator(`${S} == ${S}`, (a: Semver, b: Semver) => a.compare(b) === 0);
}
