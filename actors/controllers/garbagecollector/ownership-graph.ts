// The garbage collector's graph (kube's GraphBuilder, kept small): which
// objects name which owners, by uid. Only objects with ownerReferences, or
// being deleted with a GC finalizer, are in it; an owner is known by the uid
// its dependents name, and looked up through the API when it matters.

import type { KubeObject, OwnerReference } from '../../../protocol/kube/meta.js';

/** What an owner reference points at, as the collector found it. */
export type OwnerState =
  | 'present'
  /** Gone, or replaced by another object of that name (another uid): kube's dangling reference. */
  | 'absent'
  /** Absent where it may be named from (the dependent's namespace), but there in another: as absent, and reported. */
  | 'elsewhere'
  /** Being deleted in the foreground: its dependents go first. */
  | 'waiting'
  /** A cluster-scoped dependent naming a namespaced kind: unresolvable, never collected. */
  | 'invalid'
  /** A kind this server does not serve: left alone. */
  | 'unknown';

export const ownerReferencesOf = (object: KubeObject): OwnerReference[] => object.metadata.ownerReferences ?? [];

export class OwnershipGraph {
  /** owner uid → the keys of the objects that name it. */
  private readonly dependents = new Map<string, Set<string>>();
  /** dependent key → the owner uids it names. */
  private readonly owners = new Map<string, string[]>();
  /** uid → key, for every object in the graph (owners waiting on their dependents among them). */
  private readonly keys = new Map<string, string>();
  private readonly uids = new Map<string, string>();
  /** Owner lookups, by owner uid then the namespace looked in: shared by every dependent that asks. */
  readonly lookups = new Map<string, Map<string, Promise<OwnerState>>>();
  /** Invalid references already reported with an Event (dependent uid/owner uid). */
  readonly reported = new Set<string>();

  /** Records `object` under `key` (or its removal); answers the owner uids it named before. */
  update(key: string, object: KubeObject | undefined): string[] {
    const before = this.owners.get(key) ?? [];
    for (const uid of before) {
      const set = this.dependents.get(uid);
      set?.delete(key);
      if (set?.size === 0) {
        this.dependents.delete(uid);
        this.lookups.delete(uid);
      }
    }
    this.owners.delete(key);
    const oldUid = this.uids.get(key);
    if (oldUid !== undefined) {
      this.keys.delete(oldUid);
      this.uids.delete(key);
    }
    if (!object) return before;
    const uid = object.metadata.uid ?? '';
    this.keys.set(uid, key);
    this.uids.set(key, uid);
    const named = [...new Set(ownerReferencesOf(object).map((r) => r.uid))];
    if (named.length > 0) this.owners.set(key, named);
    for (const owner of named) {
      let set = this.dependents.get(owner);
      if (!set) this.dependents.set(owner, (set = new Set()));
      set.add(key);
    }
    return before;
  }

  dependentsOf(uid: string): string[] {
    return [...(this.dependents.get(uid) ?? [])];
  }

  hasDependents(uid: string): boolean {
    return (this.dependents.get(uid)?.size ?? 0) > 0;
  }

  keyOf(uid: string): string | undefined {
    return this.keys.get(uid);
  }

  /** What the collector knew about this uid as an owner is stale (it changed, or is gone). */
  forgetLookups(uid: string): void {
    this.lookups.delete(uid);
  }
}
