// Ownership of fields across writes, as structured-merge-diff's merge.Updater
// keeps it. A manager owns a field set at an API version; an Update takes
// every field it changed (from whoever owned it), an Apply owns exactly the
// fields of its configuration and removes what it stopped applying unless
// another manager owns it. A field another manager owns and an Apply would
// change is a conflict, unless forced.

import type { SchemaNode } from '../schema.js';
import type { FieldSet, Path } from './field-set.js';
import type { Schema } from './atoms.js';
import { compare, ensureNamedFieldsAreMembers, isSame, jsonEqual, merge, removeItems, toFieldSet, type Comparison } from './typed.js';

export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  readonly applied: boolean;
}

/** Managers by identifier (kube's JSON manager identifier). */
export type Managers = Map<string, VersionedSet>;

export interface Conflict {
  readonly manager: string;
  readonly path: Path;
}

export class Conflicts extends Error {
  constructor(readonly conflicts: readonly Conflict[]) {
    super(`${conflicts.length} conflicts`);
    this.name = 'Conflicts';
  }
}

/** The typed object the updater works on: its schema, and fields nobody may own (kube's reset fields). */
export interface Typed {
  readonly schema: Schema;
  readonly node: SchemaNode | undefined;
  readonly ignored?: FieldSet;
}

function withoutIgnored(t: Typed, set: FieldSet): FieldSet {
  return t.ignored ? set.recursiveDifference(t.ignored) : set;
}

/** Takes the changed fields from every other manager; the conflicts when not forced. */
function takeOver(t: Typed, live: unknown, next: unknown, managers: Managers, workflow: string, force: boolean): { managers: Managers; comparison: Comparison } {
  const raw = compare(t.schema, t.node, live, next);
  const comparison: Comparison = t.ignored
    ? { added: withoutIgnored(t, raw.added), modified: withoutIgnored(t, raw.modified), removed: withoutIgnored(t, raw.removed) }
    : raw;
  const changed = comparison.modified.union(comparison.added);
  const conflicts: Conflict[] = [];
  const taken = new Map<string, FieldSet>();
  for (const [manager, owned] of managers) {
    if (manager === workflow) continue;
    const conflict = owned.set.intersection(changed);
    if (!conflict.isEmpty()) {
      taken.set(manager, conflict);
      for (const path of conflict.paths()) conflicts.push({ manager, path });
    }
  }
  if (!force && conflicts.length > 0) throw new Conflicts(conflicts);
  const out: Managers = new Map();
  for (const [manager, owned] of managers) {
    let set = owned.set;
    if (manager !== workflow) {
      const lost = taken.get(manager);
      if (lost) set = set.difference(lost);
      if (!comparison.removed.isEmpty()) set = set.difference(comparison.removed);
    }
    if (!set.isEmpty()) out.set(manager, set === owned.set ? owned : { ...owned, set });
  }
  return { managers: out, comparison };
}

/** An Update by `manager`: it owns what it changed, taking it from everyone else. */
export function update(t: Typed, live: unknown, next: unknown, apiVersion: string, managers: Managers, manager: string): Managers {
  const { managers: out, comparison } = takeOver(t, live, next, managers, manager, true);
  if (isSame(comparison)) return out;
  const previous = out.get(manager)?.set;
  let set = comparison.modified.union(comparison.added);
  if (previous) set = previous.difference(comparison.removed).union(set);
  set = withoutIgnored(t, set);
  if (set.isEmpty()) out.delete(manager);
  else out.set(manager, { set, apiVersion, applied: false });
  return out;
}

export interface Applied {
  /** The new object, or undefined when the apply changes nothing. */
  readonly object: unknown;
  readonly managers: Managers;
}

/** An Apply of `config` by `manager`: throws Conflicts unless forced. */
export function apply(t: Typed, live: unknown, config: unknown, apiVersion: string, managers: Managers, manager: string, force: boolean): Applied {
  let next = merge(t.schema, t.node, live, config);
  const last = managers.get(manager);
  const withApplied: Managers = new Map(managers);
  const applied = withoutIgnored(t, toFieldSet(t.schema, t.node, config, true));
  withApplied.set(manager, { set: applied, apiVersion, applied: true });
  // Nothing to prune when the applier still applies everything it did (the usual apply).
  if (last && !last.set.difference(applied).isEmpty()) next = prune(t, next, withApplied, last.set);
  const { managers: out } = takeOver(t, live, next, withApplied, manager, force);
  return { object: jsonEqual(live, next) ? undefined : next, managers: out };
}

/**
 * Removes what the manager applied last time and not this time, unless another manager (or this
 * apply) owns it, and only what it applied: kube's prune, addBackOwnedItems and addBackDanglingItems.
 */
function prune(t: Typed, merged: unknown, managers: Managers, last: FieldSet): unknown {
  const ensure = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(t.schema, t.node, s);
  const lastAll = ensure(last);
  let pruned = removeItems(t.schema, t.node, merged, lastAll);
  let owned: FieldSet | undefined;
  for (const { set } of managers.values()) owned = owned ? owned.union(set) : set;
  const mergedSet = ensure(toFieldSet(t.schema, t.node, merged));
  const prunedSet = ensure(toFieldSet(t.schema, t.node, pruned));
  pruned = removeItems(t.schema, t.node, merged, mergedSet.difference(prunedSet.union(ensure(owned!))));
  const keptSet = ensure(toFieldSet(t.schema, t.node, pruned));
  return removeItems(t.schema, t.node, merged, mergedSet.difference(keptSet).intersection(lastAll));
}
