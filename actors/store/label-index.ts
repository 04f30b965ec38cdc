// An index of a resource's cached objects by label, so that a list or watch
// whose selector names a label value (`app=web`, `tier in (a,b)`) reads the
// few objects that carry it instead of scanning them all: a cost that stays
// flat as the resource grows. Built by the resource cache on the first
// selected read (a store no selector reads pays nothing, at load or in
// memory), then kept on every write and delete; holds the cache's own key
// strings, nothing copied.

import type { LabelSelector, Requirement } from './label-selector.js';

type Labels = Readonly<Record<string, string>> | undefined;

/**
 * A selection narrower than this share of all objects is read from the index (its keys sorted);
 * a wider one is cheaper to scan in key order, as before.
 */
const NARROW_SHARE = 1 / 16;

const narrowing = (r: Requirement): boolean => r.operator === '=' || r.operator === '==' || r.operator === 'in';

export class LabelIndex {
  /** Whether an index could narrow `selector` at all: an equality or `in` among its requirements. */
  static narrows(selector: LabelSelector): boolean {
    return selector.some(narrowing);
  }

  /** label key → value → keys of the objects carrying it. */
  private readonly byLabel = new Map<string, Map<string, Set<string>>>();

  /** Moves `key` from the buckets of `before` to those of `after` (either undefined: added or removed). */
  replace(key: string, before: Labels, after: Labels): void {
    if (before === after) return;
    if (before) {
      for (const name in before) {
        if (after && after[name] === before[name]) continue;
        const values = this.byLabel.get(name);
        const keys = values?.get(before[name]!);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) {
          values!.delete(before[name]!);
          if (values!.size === 0) this.byLabel.delete(name);
        }
      }
    }
    if (after) {
      for (const name in after) {
        const value = after[name];
        if (typeof value !== 'string' || (before && before[name] === value)) continue;
        let values = this.byLabel.get(name);
        if (!values) this.byLabel.set(name, (values = new Map()));
        let keys = values.get(value);
        if (!keys) values.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  /**
   * The keys, sorted, of every object that may match `selector` (the caller still matches each), or
   * undefined when no requirement narrows the selection below NARROW_SHARE of `total` objects.
   */
  candidates(selector: LabelSelector, total: number): string[] | undefined {
    let best: Set<string>[] | undefined;
    let bestSize = total * NARROW_SHARE;
    for (const requirement of selector) {
      const buckets = this.bucketsOf(requirement);
      if (!buckets) continue;
      const size = buckets.reduce((n, b) => n + b.size, 0);
      if (size < bestSize) {
        best = buckets;
        bestSize = size;
      }
    }
    if (!best) return undefined;
    const keys: string[] = [];
    for (const bucket of best) for (const key of bucket) keys.push(key);
    return keys.sort();
  }

  /** The buckets an equality or `in` requirement selects from; undefined for operators an index cannot narrow. */
  private bucketsOf(requirement: Requirement): Set<string>[] | undefined {
    if (!narrowing(requirement)) return undefined;
    const values = this.byLabel.get(requirement.key);
    const buckets: Set<string>[] = [];
    for (const value of requirement.values) {
      const keys = values?.get(value);
      if (keys) buckets.push(keys);
    }
    return buckets;
  }
}
