// Messages a resource's store actor accepts besides requests, and what it sends.
//
// store.subscribe — sent by actors that keep an informer-like view (authz's RBAC
//   index, admission's namespace lifecycle, the namespace controller). The
//   store answers with a store.snapshot (only the objects its filter lets
//   through; in slices, one per turn of the store's loop, when it asks for
//   them), then a store.changed for every committed write after it.
// store.unsubscribe — sent by a subscriber that goes away; the store forgets it.
// store.describe — sent by the supervisor to a custom resource's store when its CRD
//   changed: the kind (schema, columns, subresources) to serve from now on.

import type { KubeObject } from '../kube/meta.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import type { Definitions } from '../../scheme/schema.js';

export interface StoreChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

export interface Subscriber {
  send(message: StoreSnapshot | StoreChanged): void;
}

/**
 * Which objects a subscriber's snapshot holds, tested by the store on each cached entry (its key,
 * namespace and bytes) before parsing it: plain data, so that a store restarted by its supervisor is
 * sent the same subscription again. Each given field narrows; none given lets every object through.
 * It is a coarse filter: the subscriber still tests what it is sent (a field test may let through an
 * object that names the field elsewhere). Changes are not filtered: every committed change reaches
 * every subscriber (parsed once for all), so that one sees an object leave what it keeps.
 */
export interface SubscribeFilter {
  /** Only objects of one of these names (`kube-root-ca.crt` in every namespace). */
  names?: readonly string[];
  /** Only objects in this namespace. */
  namespace?: string;
  /** Only objects whose stored JSON has one of these keys (`ownerReferences`, `deletionTimestamp`). */
  withKeys?: readonly string[];
  /** No objects at all: the snapshot only says the subscriber is in sync (it reads what it needs through the API). */
  changesOnly?: boolean;
}

export interface StoreSubscribe {
  type: 'store.subscribe';
  subscriber: Subscriber;
  /** Which objects its snapshot holds; all when absent. */
  filter?: SubscribeFilter;
  /**
   * At most this many objects per store.snapshot message, the store yielding to its event loop between
   * them (requests and lease renewals are served meanwhile); absent: the snapshot in one message.
   */
  slice?: number;
}

/** Sent by a subscriber that goes away (a controller stopping or crashing): no more changes for it. */
export interface StoreUnsubscribe {
  type: 'store.unsubscribe';
  subscriber: Subscriber;
}

export interface StoreSnapshot {
  type: 'store.snapshot';
  resource: string;
  objects: KubeObject[];
  /**
   * Set on every slice but the last (sliced subscriptions only). The slices together are the resource at
   * one revision; changes after that revision follow the last slice, never come between slices.
   */
  more?: true;
}

export interface StoreChanged {
  type: 'store.changed';
  resource: string;
  changes: StoreChange[];
}

export interface StoreDescribe {
  type: 'store.describe';
  kind: KindDescription;
  definitions: Definitions;
}

/** An actor's index of one resource, kept current from its store: the actor subscribes, then calls observe for each object it learns of. */
export interface Observer {
  resource: string;
  store: { send(message: { type: 'store.subscribe'; subscriber: Subscriber }): void };
  observe(namespace: string, name: string, object: KubeObject | undefined): void;
}
