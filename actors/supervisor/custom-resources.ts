// The supervisor's part in serving custom resources (kube's apiextensions
// server wiring): a store actor per served resource, started and stopped at
// runtime as the CRD controller asks, and discovery and OpenAPI republished
// to the aggregator each time, so clients see the change at once with new ETags.

import type { RequestHandler } from '../../protocol/messages/request.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import type { Definitions, SchemaNode } from '../../scheme/schema.js';
import type { Scheme } from '../../scheme/scheme.js';
import { CustomResourceRegistry, withCustomResources } from '../../scheme/custom/registry.js';
import { crdWithAcceptedNames, isEstablished, CRD_GROUP, CRD_RESOURCE, type CustomResourceDefinition } from '../../scheme/custom/crd.js';
import { servedCustomResource, type ServedCustomResource } from '../../scheme/custom/custom-resource-kind.js';
import { buildDocuments, type Documents } from '../aggregator/documents.js';
import { jsonOf, loopback } from '../../lib/loopback.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import type { ChildSlot } from './supervision.js';

export interface ApiExtensions {
  registry: CustomResourceRegistry;
  /** The built-in scheme with the custom resources served now. */
  scheme: Scheme;
  /** What the aggregator serves now (the router asks it which paths are its own). */
  documents: Documents;
  /** Rebuilds discovery and OpenAPI and hands them to the aggregator. */
  publish(): void;
  /** The definitions a custom resource's store validates and merges with: the built-ins and its own. */
  definitionsFor(resource: ServedCustomResource): Definitions;
}

export function apiExtensions(builtin: Scheme, definitions: Definitions, serverAddress: string, aggregator: () => RequestHandler | { send(message: unknown): void }): ApiExtensions {
  const registry = new CustomResourceRegistry();
  const scheme = withCustomResources(builtin, registry);
  const self: ApiExtensions = {
    registry,
    scheme,
    documents: buildDocuments(builtin, definitions, serverAddress),
    publish() {
      self.documents = buildDocuments(scheme, { ...definitions, ...registry.definitions() }, serverAddress);
      (aggregator() as { send(message: unknown): void }).send({ type: 'aggregator.documents', documents: self.documents });
    },
    // Its own over the built-ins' by prototype, not copied: a store only looks definitions up by name.
    definitionsFor: (resource) => Object.assign(Object.create(definitions) as Record<string, SchemaNode>, resource.definitions),
  };
  return self;
}

export const storeKey = (plural: string, group: string): string => (group ? `${plural}.${group}` : plural);

/**
 * Serves a custom resource: a new one gets its store (started by `start`), a changed one's store
 * is handed the new description. Nothing happens when nothing changed.
 */
export function serveCustomResource(api: ApiExtensions, stores: Map<string, ChildSlot>, resource: ServedCustomResource, start: (id: string, kind: KindDescription, definitions: Definitions) => ChildSlot): void {
  const previous = api.registry.get(resource.name);
  if (previous && previous.fingerprint === resource.fingerprint && JSON.stringify(previous.kinds.map((k) => k.kind)) === JSON.stringify(resource.kinds.map((k) => k.kind))) {
    // Only Terminating changed: the routing learns it; the store, discovery and OpenAPI stay as they are.
    if (!!previous.terminating !== !!resource.terminating) api.registry.serve({ ...previous, terminating: !!resource.terminating });
    return;
  }
  const key = storeKey(resource.plural, resource.group);
  const definitions = api.definitionsFor(resource);
  const slot = stores.get(key);
  if (slot) slot.send({ type: 'store.describe', kind: resource.storage, definitions });
  else stores.set(key, start(`store/${key}`, resource.storage, definitions));
  api.registry.serve(resource);
  api.publish();
}

/** Stops serving a custom resource: out of routing and discovery at once; its store stops (and leaves `children`). */
export function unserveCustomResource(api: ApiExtensions, stores: Map<string, ChildSlot>, children: ChildSlot[], name: string, clock: Clock, logger: Log): void {
  const resource = api.registry.unserve(name);
  if (!resource) return;
  api.publish();
  const key = storeKey(resource.plural, resource.group);
  const slot = stores.get(key);
  if (!slot) return;
  stores.delete(key);
  void slot.stop(clock, logger).then(() => {
    const at = children.indexOf(slot);
    if (at >= 0) children.splice(at, 1);
  });
}

/**
 * kube's crd-informer-synced: before the server is ready, every established CRD in storage is
 * served, so that a restarted server answers for its custom resources from its first request.
 */
export async function serveStoredCustomResources(crdStore: RequestHandler | undefined, serve: (resource: ServedCustomResource) => void): Promise<void> {
  if (!crdStore) return;
  const reply = await loopback(crdStore, 'list', { apiGroup: CRD_GROUP, apiVersion: 'v1', namespace: '', resource: CRD_RESOURCE });
  if (reply.status !== 200) throw new Error(`listing customresourcedefinitions: ${reply.status}`);
  for (const crd of jsonOf<{ items: CustomResourceDefinition[] }>(reply).items) {
    if (!isEstablished(crd) || crd.metadata.deletionTimestamp) continue;
    const served = servedCustomResource(crdWithAcceptedNames(crd));
    if (served) serve(served);
  }
}
