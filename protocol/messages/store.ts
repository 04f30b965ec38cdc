// Messages a resource's store actor accepts besides requests, and what it sends.
//
// store.subscribe — sent by actors that keep an informer-like view (authz's RBAC
//   index, admission's namespace lifecycle, the namespace controller). The
//   store answers with one store.snapshot, then a store.changed for every
//   committed write.
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

export interface StoreSubscribe {
  type: 'store.subscribe';
  subscriber: Subscriber;
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
