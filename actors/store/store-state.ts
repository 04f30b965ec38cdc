// The store actor's private state. It lives behind one reference in the
// machine's context and is changed only by that actor's own actions: xstate's
// assign would copy it on every message, and it can hold every object of a resource.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { GroupResource } from '../../protocol/kube/status.js';
import type { ReplyTo, ResponseShape } from '../../protocol/messages/request.js';
import type { StreamCancelled } from '../../protocol/messages/http.js';
import type { Subscriber } from '../../protocol/messages/store.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import type { Definitions } from '../../scheme/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { RevisionLog } from './revision-log.js';
import { ResourceCache, type Entry, type HistoryEvent } from './resource-cache.js';
import { SlabPacker } from './slab.js';
import type { LabelSelector } from './label-selector.js';
import type { FieldSelector } from './field-selector.js';

export interface Watcher {
  id: number;
  replyTo: ReplyTo;
  namespace: string;
  labels: LabelSelector | undefined;
  fields: FieldSelector | undefined;
  shape: ResponseShape;
  bookmarks: boolean;
  timer: unknown;
}

export interface PendingWrite {
  event: HistoryEvent;
  done(error?: Error): void;
}

export interface StoreState {
  readonly kind: KindDescription;
  readonly resource: GroupResource;
  readonly definitions: Definitions;
  readonly log: RevisionLog;
  /** `/registry/<plural>/`: every key of this resource starts with it. */
  readonly prefix: string;
  readonly cache: ResourceCache;
  /** The newest uncommitted value per key (null: a pending delete), checked before the cache on writes. */
  readonly pendingByKey: Map<string, { revision: number; entry: Entry | null }>;
  /** Writes appended but not yet durable, by revision. */
  readonly awaiting: Map<number, PendingWrite>;
  readonly watchers: Map<number, Watcher>;
  readonly subscribers: Subscriber[];
  readonly clock: Clock;
  /** Hands a durability notice back to this actor as a message. */
  readonly onDurable: (revision: number, error?: Error) => void;
  /** Who the listener tells when a watch's client goes away. */
  readonly streamOwner: { send(message: StreamCancelled): void };
  bookmarkTimer: unknown;
}

export const HISTORY_LIMIT = 10_000;

export function keyOf(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function parseObject(entry: Entry): KubeObject {
  return JSON.parse(Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength).toString('utf8')) as KubeObject;
}

export function entryOf(key: string, revision: number, object: KubeObject, bytes: Uint8Array): Entry {
  return {
    key,
    name: object.metadata.name ?? '',
    namespace: object.metadata.namespace ?? '',
    revision,
    labels: object.metadata.labels,
    bytes,
  };
}

/**
 * A stored value as a cache entry. Loads, snapshot lists and watch replays all
 * decode through here, so a value that is not a Kubernetes object (torn, foreign,
 * protobuf) is refused the same way everywhere: it throws, and the caller skips it.
 */
export function decodeEntry(key: string, revision: number, text: string, bytes: Uint8Array): Entry {
  const object = JSON.parse(text) as KubeObject;
  if (!object || typeof object !== 'object' || !object.metadata?.name) throw new Error('not a Kubernetes object');
  return entryOf(key, revision, object, bytes);
}

/** The newest state of a key, counting writes not yet durable. */
export function latest(state: StoreState, key: string): Entry | undefined {
  const pending = state.pendingByKey.get(key);
  if (pending) return pending.entry ?? undefined;
  return state.cache.get(key);
}

/**
 * The resourceVersion a list of this resource may claim: everything of this
 * resource up to it is in the cache. Pending writes of this resource hold it back,
 * so that a watch from it cannot miss them.
 */
export function listRevision(state: StoreState): number {
  let lowest = Infinity;
  for (const revision of state.awaiting.keys()) if (revision < lowest) lowest = revision;
  return lowest === Infinity ? state.log.currentRevision() : lowest - 1;
}

/** Loads every stored object of a resource. A value that does not decode is reported and skipped, never fatal. */
export function loadCache(log: RevisionLog, prefix: string, reportCorrupt: (key: string, why: string) => void): ResourceCache {
  const cache = new ResourceCache(log.currentRevision(), HISTORY_LIMIT);
  const slabs = new SlabPacker();
  for (const row of log.latest(prefix)) {
    try {
      cache.load(decodeEntry(row.key.slice(prefix.length), row.revision, row.text, slabs.packText(row.text)));
    } catch (e) {
      reportCorrupt(row.key, e instanceof Error ? e.message : String(e));
    }
  }
  return cache;
}
