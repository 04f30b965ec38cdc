// What the work estimator reads of the stores, as kube's reads its object count
// tracker and its watch tracker: read from each store actor's snapshot (an
// inspection, as /metrics does), never a message, so that estimating costs the
// request no hop.
//
// objectCount: the objects a store holds (kube: storage's object count, refreshed each minute).
// watchCount: the store's watchers a change to the object will be sent to: those of the
//   whole resource, of its namespace, and of its name (kube's watch tracker's three sums).

import type { AnyActorRef } from 'xstate';
import type { ResourceRequestInfo } from '../../protocol/messages/request.js';
import type { StoreState } from '../store/store-state.js';
import { exactFieldMatch } from '../store/field-selector.js';
import type { Workload } from './work-estimate.js';

type Slot = { readonly ref: AnyActorRef | undefined } | undefined;

export function storeWorkload(lookup: (plural: string, group: string) => Slot): Workload {
  const stateOf = (group: string, resource: string): StoreState | undefined =>
    (lookup(resource, group)?.ref?.getSnapshot() as { context?: { store?: StoreState } } | undefined)?.context?.store;
  return {
    objectCount: (group, resource) => stateOf(group, resource)?.cache.size,
    watchCount: (info: ResourceRequestInfo) => {
      const state = stateOf(info.apiGroup, info.resource);
      if (!state || state.watchers.size === 0) return 0;
      let count = 0;
      for (const watcher of state.watchers.values()) {
        if (watcher.namespace !== '' && watcher.namespace !== info.namespace) continue;
        const name = watcher.fields ? exactFieldMatch(watcher.fields, 'metadata.name') : undefined;
        if (name !== undefined && name !== info.name) continue;
        count++;
      }
      return count;
    },
  };
}
