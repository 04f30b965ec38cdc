// The one way a store changes anything: append to the revision log, and
// acknowledge the client only once the change is durable and in the cache.
//
// SQLite: the revision is known at append; when the change is durable the
// store applies it to the cache and fans it out itself.
// etcd: the append is a compare-and-swap; the cache learns of the change, like
// every other process's, from the change feed (applyFeed), and the client is
// answered once the feed has reported the change's revision.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { Feed } from './revision-log.js';
import type { PendingWrite, StoreState } from './store-state.js';
import { decodeStored, deletedAt, encodeText, entryOf, latest, parseObject, whenCaughtUp, whenFed } from './store-state.js';
import type { Entry, EventType, HistoryEvent } from './resource-cache.js';
import { fanOut } from './watch.js';
import { tellSubscribers } from './subscription.js';
import { claimAllocations, sharesAllocations } from './allocation-record.js';

export interface Commit {
  /** The revision the key must still have (its cache entry's); 0 for a create. */
  expected: number;
  /** Runs once the change is durable and applied, with the object as stored; or with the error. */
  done(entry: Entry | undefined, error?: Error): void;
  /**
   * etcd refused the compare-and-swap (someone else changed the key), or this store was already
   * writing the key: runs once the cache has that other change.
   */
  conflict(): void;
}

/**
 * etcd: a key this store is writing holds back the store's next writes to it until the first is in the
 * cache, so that one process's writes to one object never fail each other's compare-and-swap.
 */
function holdKey(state: StoreState, key: string, commit: Commit): boolean {
  if (!state.log.sharedWriters) return false;
  const queue = state.writing.get(key);
  if (!queue) {
    state.writing.set(key, []);
    return false;
  }
  queue.push(commit.conflict);
  return true;
}

function releaseKey(state: StoreState, key: string): void {
  const queue = state.writing.get(key);
  if (!queue) return;
  state.writing.delete(key);
  for (const run of queue) run();
}

/**
 * Appends one change. On etcd, a change to what an object holds of a shared pool (a Service's cluster
 * IP and node ports) first claims it in the pool's record (allocation-record.ts): a value another
 * server holds runs the request again once the cache has caught up, as a refused append does.
 */
export function commitChange(state: StoreState, key: string, type: EventType, object: KubeObject, commit: Commit): void {
  if (!sharesAllocations(state)) return appendChange(state, key, type, object, commit);
  const previous = latest(state, key);
  state.inFlight++;
  claimAllocations(state, previous && parseObject(previous), type === 'DELETED' ? undefined : object, (outcome) => {
    state.inFlight--;
    if ('error' in outcome) return commit.done(undefined, outcome.error);
    if ('taken' in outcome) return whenCaughtUp(state, (error) => (error ? commit.done(undefined, error) : commit.conflict()));
    const { claimed } = outcome;
    appendChange(state, key, type, object, {
      expected: commit.expected,
      done: (entry, error) => {
        if (error || !entry) claimed.dropped();
        else claimed.stored();
        commit.done(entry, error);
      },
      conflict: () => {
        claimed.dropped();
        commit.conflict();
      },
    });
  });
}

function appendChange(state: StoreState, key: string, type: EventType, object: KubeObject, commit: Commit): void {
  if (holdKey(state, key, commit)) return;
  const previous = latest(state, key);
  let encoded: Uint8Array = new Uint8Array();
  state.inFlight++;
  const known = state.log.append(
    {
      key: state.prefix + key,
      created: type === 'ADDED',
      deleted: type === 'DELETED',
      expected: commit.expected,
      encode(revision) {
        if (revision === undefined) delete object.metadata.resourceVersion;
        else object.metadata.resourceVersion = String(revision);
        encoded = encodeText(JSON.stringify(object));
        return encoded;
      },
    },
    (outcome) =>
      state.deliver(() => {
        state.inFlight--;
        if ('error' in outcome) {
          if (known !== undefined) forgetPending(state, known);
          releaseKey(state, key);
          commit.done(undefined, outcome.error);
        } else if ('conflict' in outcome) {
          // Run again once the cache has caught up with the change that won.
          whenCaughtUp(state, (error) => {
            releaseKey(state, key);
            if (error) commit.done(undefined, error);
            else commit.conflict();
          });
        } else if (known !== undefined) {
          applyOwn(state, known);
        } else {
          whenFed(state, outcome.revision, () => {
            commit.done(ownEntry(state, key, outcome.revision, object));
            releaseKey(state, key);
          });
        }
      }),
  );
  if (known === undefined) return;
  const entry = entryOf(key, known, object, encoded);
  state.pendingByKey.set(key, { revision: known, entry: type === 'DELETED' ? null : entry });
  const event: HistoryEvent = { type, revision: known, entry, previous };
  state.awaiting.set(known, { event, object, done: (error) => commit.done(entry, error) });
}

/**
 * etcd: the object a write stored at `revision`, to answer its client with. The feed has already put
 * it in the cache, with its resourceVersion, unless a later change has replaced it there since.
 */
function ownEntry(state: StoreState, key: string, revision: number, object: KubeObject): Entry {
  const cached = state.cache.get(key);
  if (cached?.revision === revision) return cached;
  object.metadata.resourceVersion = String(revision);
  return entryOf(key, revision, object, encodeText(JSON.stringify(object)));
}

function forgetPending(state: StoreState, revision: number): PendingWrite | undefined {
  const pending = state.awaiting.get(revision);
  if (!pending) return undefined;
  state.awaiting.delete(revision);
  const key = pending.event.entry.key;
  if (state.pendingByKey.get(key)?.revision === revision) state.pendingByKey.delete(key);
  return pending;
}

/** SQLite: one of this store's own changes is durable. Apply it, then acknowledge. */
function applyOwn(state: StoreState, revision: number): void {
  const pending = forgetPending(state, revision);
  if (!pending) return;
  applyEvent(state, pending.event, pending.object);
  pending.done();
}

/** A committed change reaches the cache, the watchers and the subscribers (given `object`, the change parsed already). */
function applyEvent(state: StoreState, event: HistoryEvent, object?: KubeObject): void {
  state.cache.apply(event);
  fanOut(state, event);
  if (state.subscribers.length > 0) {
    tellSubscribers(state, { type: 'store.changed', resource: state.kind.plural, changes: [{ type: event.type, object: object ?? parseObject(event.entry) }] });
  }
}

/** etcd: the change feed reports changes of this resource, made by any process. */
export function applyFeed(state: StoreState, feed: Feed, reportCorrupt: (key: string, why: string) => void): void {
  if (feed.type === 'expired') {
    // The cache can no longer be brought up to date change by change: crash, and be restarted with a fresh load.
    throw new Error(`the change feed of ${state.prefix} was compacted at revision ${feed.compactedRevision}; reloading`);
  }
  for (const change of feed.changes) {
    const key = change.key.slice(state.prefix.length);
    const previous = state.cache.get(key);
    let entry: Entry;
    if (change.deleted) {
      if (!previous) continue;
      entry = deletedAt(previous, change.revision);
    } else {
      try {
        entry = decodeStored(key, change.revision, change.text ?? '', encodeText, state.kind);
      } catch (e) {
        reportCorrupt(change.key, e instanceof Error ? e.message : String(e));
        continue;
      }
    }
    applyEvent(state, { type: change.deleted ? 'DELETED' : previous ? 'MODIFIED' : 'ADDED', revision: change.revision, entry, previous });
  }
  state.feedRevision = Math.max(state.feedRevision, feed.revision);
  if (state.afterFeed.length === 0) return;
  const ready = state.afterFeed.filter((w) => w.revision <= state.feedRevision);
  state.afterFeed = state.afterFeed.filter((w) => w.revision > state.feedRevision);
  for (const waiter of ready) waiter.run();
}
