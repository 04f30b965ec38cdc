// The scheme: every registered kind, indexed the ways the server looks them up.
// Built once at startup ("resources registered"); CRDs will add to a new one.

import type { KindDescription } from './kind-description.js';

export interface Scheme {
  readonly kinds: readonly KindDescription[];
  /** By `<group>/<version>/<plural>`; the core group is the empty string. */
  byResource(group: string, version: string, plural: string): KindDescription | undefined;
  byKind(group: string, version: string, kind: string): KindDescription | undefined;
  /** Group names in discovery order, the core group ('') first. */
  readonly groups: readonly string[];
  versionsOf(group: string): readonly string[];
}

export function buildScheme(kinds: readonly KindDescription[]): Scheme {
  const resources = new Map<string, KindDescription>();
  const byKind = new Map<string, KindDescription>();
  const versions = new Map<string, string[]>();
  for (const kind of kinds) {
    resources.set(`${kind.group}/${kind.version}/${kind.plural}`, kind);
    byKind.set(`${kind.group}/${kind.version}/${kind.kind}`, kind);
    const known = versions.get(kind.group) ?? [];
    if (!known.includes(kind.version)) known.push(kind.version);
    versions.set(kind.group, known);
  }
  const groups = [...versions.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : 0));
  return {
    kinds,
    byResource: (group, version, plural) => resources.get(`${group}/${version}/${plural}`),
    byKind: (group, version, kind) => byKind.get(`${group}/${version}/${kind}`),
    groups,
    versionsOf: (group) => versions.get(group) ?? [],
  };
}
