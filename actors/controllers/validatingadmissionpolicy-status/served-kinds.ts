// What the status controller knows of kinds, as kube-controller-manager's
// type checker does: a RESTMapper (the served scheme, custom resources
// included: a resource by its plural or singular name) and a SchemaResolver
// (kube's DefinitionsSchemaResolver over the built-in definitions, found by
// their x-kubernetes-group-version-kind, then what its discovery resolver
// reads for a custom resource: the CRD version's published schema). Each
// kind's resolved schema is kept per GVK until its CRD changes; its CEL types
// are declared for each check, of the fields the policy's expressions select.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { Scheme } from '../../../scheme/scheme.js';
import type { Definitions } from '../../../scheme/schema.js';
import type { CustomResourceDefinition } from '../../../scheme/custom/crd.js';
import { customResourceSchema, declareResourceTypes, resolveDefinition, type DeclaredTypes, type SchemaDefinitions } from '../../../lib/cel/resource-types.js';
import type { JSONSchemaProps } from '../../../lib/cel/schema-types.js';
import type { GroupVersionKind, KindResolver } from './type-checker.js';

/** Enough kinds for the policies of a cluster; past it the cache starts afresh. */
const MAX_CACHED = 64;

export class ServedKinds implements KindResolver {
  private byGvk: Map<string, string> | undefined;
  private readonly cache = new Map<string, JSONSchemaProps | null>();

  constructor(
    private readonly scheme: Scheme,
    private readonly definitions: Definitions,
    /** The CRDs as the controller last saw them. */
    private readonly crds: () => Iterable<KubeObject>,
  ) {}

  kindsFor(group: string, version: string, resource: string): GroupVersionKind[] {
    const kind = this.scheme.byResource(group, version, resource) ?? this.scheme.kinds.find((k) => k.group === group && k.version === version && k.singular === resource);
    return kind ? [{ group: kind.group, version: kind.version, kind: kind.kind }] : [];
  }

  typesOf(gvk: GroupVersionKind, name: string, fields: ReadonlySet<string>): DeclaredTypes | undefined {
    const schema = this.schemaOf(gvk);
    return schema ? declareResourceTypes(schema, name, fields) : undefined;
  }

  /** kube's SchemaResolver: the kind's schema with its refs filled in, kept per GVK (and CRD resourceVersion). */
  private schemaOf(gvk: GroupVersionKind): JSONSchemaProps | undefined {
    const definition = this.definitionOf(gvk);
    const crd = definition === undefined ? this.crdOf(gvk) : undefined;
    const key = `${gvk.group}/${gvk.version}/${gvk.kind} ${crd?.metadata.resourceVersion ?? ''}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const definitions = this.definitions as unknown as SchemaDefinitions;
    let schema: JSONSchemaProps | undefined;
    if (definition !== undefined) schema = resolveDefinition(definitions, definition);
    else if (crd) schema = customResourceSchema(definitions, crd.spec.versions.find((v) => v.name === gvk.version)?.schema?.openAPIV3Schema);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, schema ?? null);
    return schema;
  }

  /** The built-in definition of a kind, by the GVKs the definitions declare. */
  private definitionOf(gvk: GroupVersionKind): string | undefined {
    if (!this.byGvk) {
      this.byGvk = new Map();
      for (const [name, node] of Object.entries(this.definitions)) {
        for (const g of node['x-kubernetes-group-version-kind'] ?? []) if (!this.byGvk.has(`${g.group}/${g.version}/${g.kind}`)) this.byGvk.set(`${g.group}/${g.version}/${g.kind}`, name);
      }
    }
    return this.byGvk.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
  }

  /** The CRD serving a custom kind at that version. */
  private crdOf(gvk: GroupVersionKind): CustomResourceDefinition | undefined {
    for (const object of this.crds()) {
      const crd = object as CustomResourceDefinition;
      if (crd.spec?.group === gvk.group && crd.spec.names?.kind === gvk.kind && crd.spec.versions?.some((v) => v.name === gvk.version && v.served)) return crd;
    }
    return undefined;
  }
}
