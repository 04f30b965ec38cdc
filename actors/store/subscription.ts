// A store's subscriptions (store.subscribe): what each subscriber's snapshot
// holds, and how it is handed over. Part of the store actor: everything here
// runs in it, a sliced snapshot continuing through the store's own
// `log.answered` messages, one slice per turn of the event loop.
//
// A snapshot is the resource at the revision it was asked at: the cache's
// entries are copied then (references only; entries never change in place),
// and filtered and parsed from that copy slice by slice. Changes committed
// meanwhile are held for that subscriber and sent after the last slice, so
// it sees one consistent revision followed by every change after it, as an
// informer's list then watch.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StoreChanged, StoreSubscribe, Subscriber, SubscribeFilter } from '../../protocol/messages/store.js';
import type { Entry } from './resource-cache.js';
import { parseObject, type StoreState } from './store-state.js';

export interface Subscription {
  readonly subscriber: Subscriber;
  /** Changes committed while its snapshot is still being handed over, sent after the last slice. */
  held: StoreChanged[] | undefined;
}

/** A slice's share of one turn of the loop, so that requests and lease renewals wait at most about this long. */
const TURN_BUDGET_MS = 4;
/** Entries tested between looks at the clock. */
const CLOCK_EVERY = 256;

/** Whether `entry` passes `filter`, from its key, namespace and bytes: no parse. */
export function passes(entry: Entry, filter: SubscribeFilter, keys: readonly Buffer[]): boolean {
  if (filter.changesOnly) return false;
  if (filter.namespace !== undefined && entry.namespace !== filter.namespace) return false;
  if (filter.names && !filter.names.some((name) => entry.key === name || (entry.key.endsWith(name) && entry.key.charCodeAt(entry.key.length - name.length - 1) === 0x2f))) return false;
  if (keys.length > 0) {
    const bytes = entry.bytes;
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!keys.some((key) => buffer.includes(key))) return false;
  }
  return true;
}

/** The entries a snapshot for `filter` starts from: one namespace's, or one key per name when both are given. */
function candidates(state: StoreState, filter: SubscribeFilter | undefined): Entry[] {
  if (filter?.changesOnly) return [];
  const namespace = filter?.namespace ?? '';
  if (filter?.names && (namespace || !state.kind.namespaced)) {
    return filter.names.map((name) => state.cache.get(namespace ? `${namespace}/${name}` : name)).filter((e): e is Entry => e !== undefined);
  }
  return state.cache.entriesIn(namespace);
}

/** store.subscribe: adds the subscriber, and hands it its snapshot (in one message, or in slices). */
export function subscribe(state: StoreState, { subscriber, filter, slice }: StoreSubscribe): void {
  const entries = candidates(state, filter);
  // Searched for as `"<key>":`, the form a key takes in stored JSON.
  const keys = (filter?.withKeys ?? []).map((key) => Buffer.from(`${JSON.stringify(key)}:`));
  const test = filter ? (entry: Entry): boolean => passes(entry, filter, keys) : (): boolean => true;
  const resource = state.kind.plural;
  if (slice === undefined) {
    state.subscribers.push({ subscriber, held: undefined });
    subscriber.send({ type: 'store.snapshot', resource, objects: entries.filter(test).map(parseObject) });
    return;
  }
  const subscription: Subscription = { subscriber, held: [] };
  state.subscribers.push(subscription);
  let next = 0;
  const handOver = (): void => {
    // Unsubscribed meanwhile (a controller that stopped): nothing more for it.
    if (!state.subscribers.includes(subscription)) return;
    const objects: KubeObject[] = [];
    const started = performance.now();
    while (next < entries.length && objects.length < slice) {
      const entry = entries[next++]!;
      if (test(entry)) objects.push(parseObject(entry));
      if (next % CLOCK_EVERY === 0 && performance.now() - started > TURN_BUDGET_MS) break;
    }
    if (next < entries.length) {
      if (objects.length > 0) subscriber.send({ type: 'store.snapshot', resource, objects, more: true });
      setImmediate(() => state.deliver(handOver));
      return;
    }
    subscriber.send({ type: 'store.snapshot', resource, objects });
    const held = subscription.held ?? [];
    subscription.held = undefined;
    for (const changed of held) subscriber.send(changed);
  };
  handOver();
}

/** store.unsubscribe: no more snapshot slices or changes for it. */
export function unsubscribe(state: StoreState, subscriber: Subscriber): void {
  const at = state.subscribers.findIndex((s) => s.subscriber === subscriber);
  if (at >= 0) state.subscribers.splice(at, 1);
}

/** A committed change, to every subscriber: at once, or after the rest of its snapshot. */
export function tellSubscribers(state: StoreState, changed: StoreChanged): void {
  for (const subscription of state.subscribers) {
    if (subscription.held) subscription.held.push(changed);
    else subscription.subscriber.send(changed);
  }
}
