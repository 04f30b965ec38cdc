// Messages a resource's store actor accepts besides requests, and what it sends.
//
// store.subscribe — sent by actors that keep an informer-like view (authz's RBAC
//   index, admission's namespace lifecycle, the namespace controller). The
//   store answers with one store.snapshot, then a store.changed for every
//   committed write.

import type { KubeObject } from '../kube/meta.js';

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
