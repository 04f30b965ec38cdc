// The store actor's private state. It lives behind one reference in the
// machine's context and is changed only by that actor's own actions: xstate's
// assign would copy it on every message, and it can hold every object of a resource.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { GroupResource } from '../../protocol/kube/status.js';
import type { ApiRequest, ReplyTo, ResponseShape } from '../../protocol/messages/request.js';
import type { StreamCancelled } from '../../protocol/messages/http.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import type { Definitions } from '../../scheme/schema.js';
import type { Clock } from '../../lib/clock.js';
import type { LatestRow, RevisionLog } from './revision-log.js';
import { CachedEntry, ResourceCache, type Entry, type HistoryEvent } from './resource-cache.js';
import { SlabPacker } from './slab.js';
import type { LabelSelector } from './label-selector.js';
import type { FieldSelector } from './field-selector.js';
import type { Subscription } from './subscription.js';

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
  /** The object as written (the entry's bytes encode it): subscribers get it without a parse. */
  object: KubeObject;
  done(error?: Error): void;
}

/** Something to run once the change feed has reported a revision (etcd). */
export interface AfterFeed {
  revision: number;
  run(): void;
}

export interface StoreState {
  /** Changes only for a custom resource whose CRD changed (store.describe). */
  kind: KindDescription;
  readonly resource: GroupResource;
  definitions: Definitions;
  readonly log: RevisionLog;
  /** `/registry/<plural>/`: every key of this resource starts with it. */
  readonly prefix: string;
  readonly cache: ResourceCache;
  /** The newest uncommitted value per key (null: a pending delete), checked before the cache on writes. */
  readonly pendingByKey: Map<string, { revision: number; entry: Entry | null }>;
  /** Writes appended but not yet durable, by revision (SQLite, where the revision is known at once). */
  readonly awaiting: Map<number, PendingWrite>;
  /** Appends not yet settled, on either backend: the store stops only when there are none. */
  inFlight: number;
  /** etcd: the revision up to which the change feed has reported every change of this resource. */
  feedRevision: number;
  /** etcd: acknowledgements and reads waiting for the feed to reach a revision, in no particular order. */
  afterFeed: AfterFeed[];
  /** etcd: keys with a write in flight, and what runs once it is in the cache (see holdKey). */
  readonly writing: Map<string, (() => void)[]>;
  readonly watchers: Map<number, Watcher>;
  /** Events sent to watchers so far, one per watcher (apiserver_watch_events_total). */
  watchEventsSent: number;
  readonly subscribers: Subscription[];
  readonly clock: Clock;
  /** What kinds with an allocate hook (Services) hand out from: --service-cluster-ip-range, --service-node-port-range. */
  readonly ranges: { readonly serviceClusterIpRange: string; readonly serviceNodePortRange: string };
  /** Runs `run` in this actor, as a message to itself: how the log's later answers come back. */
  readonly deliver: (run: () => void) => void;
  /** Runs a request again, as a message to this actor. */
  readonly retry: (request: ApiRequest) => void;
  /** Logs what failed in the background, with no request left to answer (a shared allocation not released). */
  readonly warn: (message: string) => void;
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

/** An object's labels for selectors: a value stored before writes were decoded (or by another server) may not be a map. */
function labelsOf(object: KubeObject): Readonly<Record<string, string>> | undefined {
  const labels: unknown = object.metadata.labels;
  return labels !== null && typeof labels === 'object' && !Array.isArray(labels) ? (labels as Record<string, string>) : undefined;
}

export function entryOf(key: string, revision: number, object: KubeObject, bytes: Uint8Array): Entry {
  return new CachedEntry(ownString(key), object.metadata.namespace ?? '', revision, labelsOf(object), bytes);
}

/**
 * A string that holds its own characters: a key cut from a longer one (a log row's key) would
 * otherwise keep that whole string alive, for as long as the entry lives (V8 shares the
 * characters of cuts of 13 characters or more, and copies shorter ones).
 */
function ownString(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

/**
 * A stored value as a cache entry, its resourceVersion set to the revision it was stored at. Loads,
 * snapshot lists, watch replays and the change feed all decode through here, so a value that is not a
 * Kubernetes object (torn, foreign, protobuf) is refused the same way everywhere: it throws, and the
 * caller skips it. etcd values carry no resourceVersion, as kube-apiserver's do not: etcd's revision is it.
 */
export function decodeStored(key: string, revision: number, text: string, pack: (text: string) => Uint8Array, kind?: Pick<KindDescription, 'decode'>): Entry {
  const object = JSON.parse(text) as KubeObject;
  if (!object || typeof object !== 'object' || !object.metadata?.name) throw new Error('not a Kubernetes object');
  const version = String(revision);
  // A custom resource is decoded with its schema on every read from storage, as kube's storage codec does:
  // pruned, and defaulted (a default added to the schema after the object was written shows).
  const decoded = kind?.decode !== undefined;
  if (decoded) kind.decode!(object as unknown as Record<string, unknown>);
  if (object.metadata.resourceVersion === version && !decoded) return entryOf(key, revision, object, pack(text));
  object.metadata.resourceVersion = version;
  return entryOf(key, revision, object, pack(JSON.stringify(object)));
}

/**
 * Decodes the cache's objects again with the kind now served (its CRD changed): what a read from
 * storage would now give. Entries already in that shape keep their bytes; no watch event is sent.
 */
export function redecodeCache(state: StoreState): void {
  const decode = state.kind.decode;
  if (!decode) return;
  for (const entry of [...state.cache.range('')]) {
    const object = parseObject(entry);
    decode(object as unknown as Record<string, unknown>);
    const text = JSON.stringify(object);
    if (text !== Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength).toString('utf8')) {
      state.cache.load(entryOf(entry.key, entry.revision, object, encodeText(text)));
    }
  }
}

/** An entry as it was when deleted at `revision`: the last state, carrying the deletion's revision. */
export function deletedAt(entry: Entry, revision: number): Entry {
  const object = parseObject(entry);
  object.metadata.resourceVersion = String(revision);
  return entryOf(entry.key, revision, object, encodeText(JSON.stringify(object)));
}

const encoder = new TextEncoder();

export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Runs the log's answer in this actor: at once when the log answers at once (SQLite), else through a message to itself. */
export function whenLogAnswers<T>(state: StoreState, ask: (done: (answer: T) => void) => void, then: (answer: T) => void): void {
  let asking = true;
  let answered: { answer: T } | undefined;
  ask((answer) => {
    if (asking) answered = { answer };
    else state.deliver(() => then(answer));
  });
  asking = false;
  if (answered) then(answered.answer);
}

/** Runs `run` once the change feed has reported `revision`: at once on SQLite, whose stores need no feed. */
export function whenFed(state: StoreState, revision: number, run: () => void): void {
  if (!state.log.sharedWriters || state.feedRevision >= revision) run();
  else state.afterFeed.push({ revision, run });
}

/**
 * Runs `then` once the cache has every change made anywhere before now: at once on SQLite, whose
 * only writer is this process; on etcd once a fence (see etcd-log.ts) has come back through the feed.
 */
export function whenCaughtUp(state: StoreState, then: (error?: Error) => void): void {
  if (!state.log.sharedWriters) return then();
  whenLogAnswers(state, (done: (revision: number | Error) => void) => state.log.consistentRevision(state.prefix, done), (revision) => {
    if (revision instanceof Error) then(revision);
    else whenFed(state, revision, () => then());
  });
}

/** The newest state of a key, counting writes not yet durable. */
export function latest(state: StoreState, key: string): Entry | undefined {
  const pending = state.pendingByKey.get(key);
  if (pending) return pending.entry ?? undefined;
  return state.cache.get(key);
}

/**
 * The resourceVersion a list of this resource may claim: everything of this
 * resource up to it is in the cache. On SQLite, pending writes of this resource
 * hold it back, so that a watch from it cannot miss them; on etcd it is how far
 * the change feed has reported.
 */
export function listRevision(state: StoreState): number {
  if (state.log.sharedWriters) return state.feedRevision;
  let lowest = Infinity;
  for (const revision of state.awaiting.keys()) if (revision < lowest) lowest = revision;
  return lowest === Infinity ? state.log.currentRevision() : lowest - 1;
}

/** Fills an empty cache from a load. A value that does not decode is reported and skipped, never fatal. */
export function fillCache(cache: ResourceCache, rows: Iterable<LatestRow>, prefix: string, reportCorrupt: (key: string, why: string) => void, kind?: Pick<KindDescription, 'decode'>): void {
  const slabs = new SlabPacker();
  for (const row of rows) {
    try {
      cache.load(decodeStored(row.key.slice(prefix.length), row.revision, row.text, (text) => slabs.packText(text), kind));
    } catch (e) {
      reportCorrupt(row.key, e instanceof Error ? e.message : String(e));
    }
  }
}
