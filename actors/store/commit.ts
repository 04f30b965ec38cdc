// The one way a store changes anything: append to the revision log, wait until
// it is durable, then apply to the cache, fan out to watchers and subscribers,
// and only then acknowledge the client.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StoreState } from './store-state.js';
import { entryOf, latest, parseObject } from './store-state.js';
import type { Entry, EventType, HistoryEvent } from './resource-cache.js';
import { fanOut } from './watch.js';

const encoder = new TextEncoder();

/** Appends one change; `done` runs once it is durable (or failed) and applied. */
export function commitChange(state: StoreState, key: string, type: EventType, object: KubeObject, done: (entry: Entry, error?: Error) => void): void {
  const previous = latest(state, key);
  let encoded: Uint8Array = new Uint8Array();
  const row = state.log.append({
    key: state.prefix + key,
    created: type === 'ADDED',
    deleted: type === 'DELETED',
    encode(revision) {
      object.metadata.resourceVersion = String(revision);
      encoded = encoder.encode(JSON.stringify(object));
      return encoded;
    },
  });
  const entry = entryOf(key, row.revision, object, encoded);
  state.pendingByKey.set(key, { revision: row.revision, entry: type === 'DELETED' ? null : entry });
  const event: HistoryEvent = { type, revision: row.revision, entry, previous };
  state.awaiting.set(row.revision, { event, done: (error) => done(entry, error) });
  state.log.whenDurable((error) => state.onDurable(row.revision, error));
}

/** Handles the log's durability notice for one revision: the second half of commitChange. */
export function applyDurable(state: StoreState, revision: number, error?: Error): void {
  const pending = state.awaiting.get(revision);
  if (!pending) return;
  state.awaiting.delete(revision);
  const { event } = pending;
  const key = event.entry.key;
  if (state.pendingByKey.get(key)?.revision === revision) state.pendingByKey.delete(key);
  if (error) {
    pending.done(error);
    return;
  }
  state.cache.apply(event);
  fanOut(state, event);
  if (state.subscribers.length > 0) {
    const change = { type: 'store.changed' as const, resource: state.kind.plural, changes: [{ type: event.type, object: parseObject(event.entry) }] };
    for (const subscriber of state.subscribers) subscriber.send(change);
  }
  pending.done();
}
