// What the apiextensions server knows of Services, Endpoints and
// EndpointSlices, to reach a conversion webhook addressed by Service
// (clientConfig.service) as kube-apiserver does with no kube-proxy
// (lib/service-endpoints.ts picks the endpoint).
//
// Kept current from the three stores: it subscribes once (store.subscribe)
// and applies each store.snapshot and store.changed it is sent. Not an actor:
// an index the stores write and the conversion reads, in this process.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StoreChanged, StoreSnapshot, Subscriber } from '../../protocol/messages/store.js';
import type { EndpointsView } from '../../lib/service-endpoints.js';

type Subscribable = { send(message: { type: 'store.subscribe'; subscriber: Subscriber }): void };

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const keyOf = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? ''}/${name ?? ''}`;

/** One resource's objects by namespace/name, from its store's snapshot and changes. */
function mirrorOf(store: Subscribable | undefined): Map<string, KubeObject> {
  const objects = new Map<string, KubeObject>();
  store?.send({
    type: 'store.subscribe',
    subscriber: {
      send(message: StoreSnapshot | StoreChanged) {
        if (message.type === 'store.snapshot') {
          objects.clear();
          for (const o of message.objects) objects.set(keyOf(o.metadata.namespace, o.metadata.name), o);
          return;
        }
        for (const { type, object } of message.changes) {
          const key = keyOf(object.metadata.namespace, object.metadata.name);
          if (type === 'DELETED') objects.delete(key);
          else objects.set(key, object);
        }
      },
    },
  });
  return objects;
}

/** Services, Endpoints and EndpointSlices as their stores last reported them. */
export function serviceEndpointsView(store: (plural: string, group: string) => Subscribable | undefined): EndpointsView {
  const services = mirrorOf(store('services', ''));
  const endpoints = mirrorOf(store('endpoints', ''));
  const slices = mirrorOf(store('endpointslices', 'discovery.k8s.io'));
  return {
    service: (namespace, name) => services.get(keyOf(namespace, name)),
    endpoints: (namespace, name) => endpoints.get(keyOf(namespace, name)),
    endpointSlices: (namespace, name) => [...slices.values()].filter((s) => s.metadata.namespace === namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === name),
  };
}
