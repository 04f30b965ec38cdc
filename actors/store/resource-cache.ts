// One resource's committed state, kept in memory: the latest bytes per key in
// key order (so lists page without sorting), and a bounded history of events
// for watches that start from a recent resourceVersion; an index by label
// (label-index.ts) narrows selected lists and watches.

import { LabelIndex } from './label-index.js';
import type { LabelSelector } from './label-selector.js';

export interface Entry {
  /** `<namespace>/<name>` or `<name>`: the order lists are served in. */
  key: string;
  name: string;
  namespace: string;
  revision: number;
  labels: Readonly<Record<string, string>> | undefined;
  /** The object exactly as served, resourceVersion included; encoded once per write. */
  bytes: Uint8Array;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface HistoryEvent {
  type: EventType;
  revision: number;
  /** For DELETED, the object as it was, carrying the deletion's revision. */
  entry: Entry;
  previous: Entry | undefined;
}

const HISTORY_TRIM_CHUNK = 1_024;

export class ResourceCache {
  private readonly entries = new Map<string, Entry>();
  /**
   * Key order is kept lazily, so a write costs O(1) instead of a splice into a
   * sorted array: `sorted` may still hold deleted keys, `added` holds keys
   * written since, unsorted; the next read that needs order merges them once.
   */
  private sorted: string[] = [];
  private added: string[] = [];
  private removed = 0;
  private readonly history: HistoryEvent[] = [];
  private readonly namespaces = new Map<string, string>();
  /** Built on the first selected read, kept from then on. */
  private byLabel: LabelIndex | undefined;
  /** Events after this revision are all in `history`. */
  historyFrom: number;

  constructor(
    startRevision: number,
    private readonly historyLimit: number,
  ) {
    this.historyFrom = startRevision;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  /** Loads state without recording history (startup). */
  load(entry: Entry): void {
    // Namespace names repeat across thousands of entries: keep one string each.
    const namespace = this.namespaces.get(entry.namespace);
    if (namespace === undefined) this.namespaces.set(entry.namespace, entry.namespace);
    else (entry as { namespace: string }).namespace = namespace;
    const previous = this.entries.get(entry.key);
    if (!previous) this.added.push(entry.key);
    this.byLabel?.replace(entry.key, previous?.labels, entry.labels);
    this.entries.set(entry.key, entry);
  }

  apply(event: HistoryEvent): void {
    const key = event.entry.key;
    if (event.type === 'DELETED') {
      const previous = this.entries.get(key);
      if (previous && this.entries.delete(key)) {
        this.byLabel?.replace(key, previous.labels, undefined);
        this.removed++;
      }
    } else {
      this.load(event.entry);
    }
    this.history.push(event);
    // Trimmed in chunks: dropping one event per write would move the whole array each time.
    if (this.history.length > this.historyLimit + HISTORY_TRIM_CHUNK) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.historyFrom = dropped[dropped.length - 1]!.revision;
    }
  }

  /**
   * Entries in key order, starting after `afterKey`, within `namespace` when given. With `labels`, it may
   * leave out entries the selector cannot match (the caller still matches each it gets).
   */
  *range(namespace: string, afterKey = '', labels?: LabelSelector): Generator<Entry> {
    const prefix = namespace ? `${namespace}/` : '';
    const narrowed = labels && LabelIndex.narrows(labels) ? this.labelIndex().candidates(labels, this.entries.size) : undefined;
    if (narrowed) {
      for (const key of narrowed) if (key > afterKey && key.startsWith(prefix)) yield this.entries.get(key)!;
      return;
    }
    const keys = this.ordered();
    let start = afterKey ? this.indexOf(afterKey) : prefix ? this.indexOf(prefix) : 0;
    if (afterKey && keys[start] === afterKey) start++;
    for (let i = start; i < keys.length; i++) {
      const key = keys[i]!;
      if (prefix && !key.startsWith(prefix)) break;
      yield this.entries.get(key)!;
    }
  }

  /** How many keys lie after `afterKey` within `namespace` (all namespaces when empty), by binary search. */
  countAfter(namespace: string, afterKey: string): number {
    const prefix = namespace ? `${namespace}/` : '';
    const keys = this.ordered();
    let start = afterKey ? this.indexOf(afterKey) : this.indexOf(prefix);
    if (afterKey && keys[start] === afterKey) start++;
    // '\uffff' sorts after every character a name or namespace can hold.
    const end = prefix ? this.indexOf(`${namespace}/\uffff`) : keys.length;
    return Math.max(0, end - start);
  }

  /**
   * Whether this resource changed after `revision`, so that the cache no longer shows it as it was then;
   * undefined when the history in memory does not reach back that far.
   */
  changedAfter(revision: number): boolean | undefined {
    if (revision < this.historyFrom) return undefined;
    return (this.history.at(-1)?.revision ?? this.historyFrom) > revision;
  }

  /** History events with a revision greater than `after`; undefined when that history is no longer in memory. */
  eventsAfter(after: number): HistoryEvent[] | undefined {
    if (after < this.historyFrom) return undefined;
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid]!.revision <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  private labelIndex(): LabelIndex {
    if (!this.byLabel) {
      this.byLabel = new LabelIndex();
      for (const entry of this.entries.values()) this.byLabel.replace(entry.key, undefined, entry.labels);
    }
    return this.byLabel;
  }

  /** Binary search in the ordered keys: the index at which `key` is, or would be inserted. */
  private indexOf(key: string): number {
    const keys = this.ordered();
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Every live key in order: merges the keys written since the last read, dropping deleted ones. */
  private ordered(): string[] {
    if (this.added.length === 0 && this.removed === 0) return this.sorted;
    const fresh = this.added.sort();
    const old = this.sorted;
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    let last: string | undefined;
    while (i < old.length || j < fresh.length) {
      const key = j >= fresh.length || (i < old.length && old[i]! <= fresh[j]!) ? old[i++]! : fresh[j++]!;
      // A key deleted and written again before this merge is in both lists: keep it once.
      if (key !== last && this.entries.has(key)) merged.push(key);
      last = key;
    }
    this.sorted = merged;
    this.added = [];
    this.removed = 0;
    return merged;
  }
}
