// One resource's committed state, kept in memory: the latest bytes per key in
// key order (so lists page without sorting), and a bounded history of events
// for watches that start from a recent resourceVersion; an index by label
// (label-index.ts) narrows selected lists and watches.

import { LabelIndex } from './label-index.js';
import type { LabelSelector } from './label-selector.js';
import { slabOf } from './slab.js';

export interface Entry {
  /** `<namespace>/<name>` or `<name>`: the order lists are served in. */
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  readonly revision: number;
  readonly labels: Readonly<Record<string, string>> | undefined;
  /** The object exactly as served, resourceVersion included; encoded once per write. */
  readonly bytes: Uint8Array;
}

/**
 * An entry as the store keeps it, small because there is one per object: the name is the key's
 * tail, and bytes packed into a slab (slab.ts) are an offset into it, a view made only when asked for.
 */
export class CachedEntry implements Entry {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>> | undefined;
  /** The slab the bytes lie in (SLAB_SEPARATOR follows them there), or the bytes themselves. */
  readonly data: Uint8Array;
  readonly offset: number;
  readonly length: number;

  constructor(
    readonly key: string,
    namespace: string,
    readonly revision: number,
    labels: Readonly<Record<string, string>> | undefined,
    bytes: Uint8Array,
  ) {
    this.namespace = namespace;
    this.labels = labels;
    const slab = slabOf(bytes);
    this.data = slab ?? bytes;
    this.offset = slab ? bytes.byteOffset : 0;
    this.length = bytes.byteLength;
  }

  get name(): string {
    // Neither a namespace nor a name holds a slash.
    return this.key.slice(this.key.indexOf('/') + 1);
  }

  /** Whether the bytes lie in a slab: a slab is always longer than a value in it and its separator. */
  get inSlab(): boolean {
    return this.data.byteLength !== this.length;
  }

  get bytes(): Uint8Array {
    return this.inSlab ? this.data.subarray(this.offset, this.offset + this.length) : this.data;
  }
}

/**
 * The entries' bytes, in order, as few views as there are runs of entries lying next to each other in
 * one slab: a run's view holds its entries with SLAB_SEPARATOR (a comma) between them. Join the views
 * with that separator for the entries' bytes separated by commas.
 */
export function separatedRuns(entries: readonly Entry[]): Uint8Array[] {
  const runs: Uint8Array[] = [];
  let data: Uint8Array | undefined;
  let start = 0;
  let end = 0;
  for (const entry of entries) {
    if (entry instanceof CachedEntry && entry.data === data && entry.offset === end + 1) {
      end = entry.offset + entry.length;
      continue;
    }
    if (data) runs.push(data.subarray(start, end));
    if (entry instanceof CachedEntry && entry.inSlab) {
      data = entry.data;
      start = entry.offset;
      end = entry.offset + entry.length;
    } else {
      data = undefined;
      runs.push(entry.bytes);
    }
  }
  if (data) runs.push(data.subarray(start, end));
  return runs;
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

/** Distinct label maps kept shared, beyond those in use, before the table is rebuilt from the live entries. */
const LABEL_SETS_SLACK = 1_024;

export class ResourceCache {
  private readonly entries = new Map<string, Entry>();
  /**
   * Entries in key order, kept lazily so that a write costs O(log n) instead of a splice into a
   * sorted array: a new value of a key already in `sorted` takes its place there; `sorted` may
   * still hold deleted keys, and `added` holds keys first written since, unsorted; the next read
   * that needs order merges them once. Lists walk `sorted` without looking a key up.
   */
  private sorted: Entry[] = [];
  private added: string[] = [];
  private removed = 0;
  private readonly history: HistoryEvent[] = [];
  private readonly namespaces = new Map<string, string>();
  /** Built on the first selected read, kept from then on. */
  private byLabel: LabelIndex | undefined;
  /** One shared map per distinct set of labels (keyed by its JSON): pods of one template share theirs. */
  private labelSets = new Map<string, Readonly<Record<string, string>>>();
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
    const shared = entry as { namespace: string; labels: Entry['labels'] };
    // Namespace names and label sets repeat across thousands of entries: keep one of each.
    const namespace = this.namespaces.get(entry.namespace);
    if (namespace === undefined) this.namespaces.set(entry.namespace, entry.namespace);
    else shared.namespace = namespace;
    if (entry.labels) shared.labels = this.shareLabels(entry.labels);
    const before = this.entries.get(entry.key);
    this.byLabel?.replace(entry.key, before?.labels, entry.labels);
    this.entries.set(entry.key, entry);
    if (!before) {
      this.added.push(entry.key);
      return;
    }
    // A key already merged into order: its new value takes the old one's place.
    const at = this.indexOf(entry.key, this.sorted);
    if (this.sorted[at]?.key === entry.key) this.sorted[at] = entry;
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
    const narrowed = labels && LabelIndex.narrows(labels) ? this.labelIndex().candidates(labels, this.entries.size) : undefined;
    if (narrowed) {
      const prefix = namespace ? `${namespace}/` : '';
      for (const key of narrowed) if (key > afterKey && key.startsWith(prefix)) yield this.entries.get(key)!;
      return;
    }
    const sorted = this.ordered();
    const [start, end] = this.bounds(sorted, namespace, afterKey);
    for (let i = start; i < end; i++) yield sorted[i]!;
  }

  /**
   * The entries of `namespace` (all when empty) as they are now, in key order: one array copy, no walk.
   * Entries are never changed in place, so the copy shows the resource at this revision for as long
   * as it is kept (a subscriber's snapshot handed over in slices).
   */
  entriesIn(namespace: string): Entry[] {
    const sorted = this.ordered();
    const [start, end] = this.bounds(sorted, namespace, '');
    return sorted.slice(start, end);
  }

  /** How many keys lie after `afterKey` within `namespace` (all namespaces when empty), by binary search. */
  countAfter(namespace: string, afterKey: string): number {
    const [start, end] = this.bounds(this.ordered(), namespace, afterKey);
    return Math.max(0, end - start);
  }

  /**
   * Where the keys after `afterKey` within `namespace` start and end in `sorted`, by binary search:
   * comparing each key with the namespace's prefix instead cost more than the rest of a list's walk.
   */
  private bounds(sorted: Entry[], namespace: string, afterKey: string): [number, number] {
    const prefix = namespace ? `${namespace}/` : '';
    let start = this.indexOf(afterKey || prefix, sorted);
    if (afterKey && sorted[start]?.key === afterKey) start++;
    // '\uffff' sorts after every character a name or namespace can hold.
    const end = prefix ? this.indexOf(`${prefix}\uffff`, sorted) : sorted.length;
    return [start, end];
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

  /** Binary search in `sorted`: the index at which `key` is, or would be inserted. */
  private indexOf(key: string, sorted: Entry[]): number {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Every live entry in key order: merges the keys written since the last read, dropping deleted ones. */
  private ordered(): Entry[] {
    if (this.added.length === 0 && this.removed === 0) return this.sorted;
    const fresh = this.added.sort();
    const old = this.sorted;
    const merged: Entry[] = [];
    let i = 0;
    let j = 0;
    let last: string | undefined;
    while (i < old.length || j < fresh.length) {
      const key = j >= fresh.length || (i < old.length && old[i]!.key <= fresh[j]!) ? old[i++]!.key : fresh[j++]!;
      // A key deleted and written again before this merge is in both lists: keep it once.
      const entry = key !== last ? this.entries.get(key) : undefined;
      if (entry) merged.push(entry);
      last = key;
    }
    this.sorted = merged;
    this.added = [];
    this.removed = 0;
    return merged;
  }

  /** The shared copy of `labels`; the table of them is rebuilt from the live entries when it has grown well past them. */
  private shareLabels(labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    const id = JSON.stringify(labels);
    const known = this.labelSets.get(id);
    if (known) return known;
    // A copy: the map handed in is also the written object's, which its subscribers receive.
    const copy = Object.freeze({ ...labels });
    if (this.labelSets.size > this.entries.size + LABEL_SETS_SLACK) {
      this.labelSets = new Map();
      for (const entry of this.entries.values()) if (entry.labels) this.labelSets.set(JSON.stringify(entry.labels), entry.labels);
    }
    this.labelSets.set(id, copy);
    return copy;
  }
}
