// The custom resources being served, changed at runtime by the CRD controller
// (through the supervisor) and read by the apiextensions server's routing,
// discovery and OpenAPI. Built-in kinds stay in their own scheme, built once:
// a built-in request never looks here.

import type { KindDescription } from '../kind-description.js';
import type { SchemaNode } from '../schema.js';
import type { Scheme } from '../scheme.js';
import { discoveryOrder } from '../kinds/index.js';
import type { ServedCustomResource } from './custom-resource-kind.js';

export class CustomResourceRegistry {
  private readonly served = new Map<string, ServedCustomResource>();
  private readonly byResource = new Map<string, { kind: KindDescription; resource: ServedCustomResource }>();
  private sortedKinds: KindDescription[] = [];

  get(name: string): ServedCustomResource | undefined {
    return this.served.get(name);
  }

  serve(resource: ServedCustomResource): void {
    this.served.set(resource.name, resource);
    this.reindex();
  }

  unserve(name: string): ServedCustomResource | undefined {
    const resource = this.served.get(name);
    this.served.delete(name);
    this.reindex();
    return resource;
  }

  /** The served version of a resource, and what serves it. */
  lookup(group: string, version: string, plural: string): { kind: KindDescription; resource: ServedCustomResource } | undefined {
    return this.byResource.get(`${group}/${version}/${plural}`);
  }

  /** Every served version of every custom resource, in discovery order. */
  kinds(): readonly KindDescription[] {
    return this.sortedKinds;
  }

  /** The OpenAPI definitions the served versions add. */
  definitions(): Record<string, SchemaNode> {
    return Object.assign({}, ...[...this.served.values()].map((r) => r.definitions)) as Record<string, SchemaNode>;
  }

  /** `<group>/<version>` of every served custom resource version: what the aggregator lists as local APIServices. */
  groupVersions(): string[] {
    return [...new Set(this.sortedKinds.map((k) => `${k.group}/${k.version}`))];
  }

  private reindex(): void {
    this.byResource.clear();
    for (const resource of this.served.values()) {
      for (const kind of resource.kinds) this.byResource.set(`${kind.group}/${kind.version}/${kind.plural}`, { kind, resource });
    }
    this.sortedKinds = [...this.served.values()].flatMap((r) => r.kinds).sort(discoveryOrder);
  }
}

/** The built-in scheme with the custom resources served at the moment of each call (discovery, controllers). */
export function withCustomResources(builtin: Scheme, registry: CustomResourceRegistry): Scheme {
  const customGroups = (): string[] => [...new Set(registry.kinds().map((k) => k.group))].filter((g) => !builtin.groups.includes(g));
  return {
    get kinds() {
      return [...builtin.kinds, ...registry.kinds()];
    },
    byResource: (group, version, plural) => builtin.byResource(group, version, plural) ?? registry.lookup(group, version, plural)?.kind,
    byKind: (group, version, kind) => builtin.byKind(group, version, kind) ?? registry.kinds().find((k) => k.group === group && k.version === version && k.kind === kind),
    get groups() {
      return [...builtin.groups, ...customGroups()];
    },
    versionsOf: (group) => {
      const builtinVersions = builtin.versionsOf(group);
      if (builtinVersions.length > 0) return builtinVersions;
      return [...new Set(registry.kinds().filter((k) => k.group === group).map((k) => k.version))];
    },
  };
}
