// One row of scheme/generated/resources.ts: a group/version/resource as
// upstream's OpenAPI spec serves it.

export interface GeneratedSubresource {
  name: string;
  /** The kind a subresource answers with; its group and version when they differ from the resource's (pods/eviction: policy/v1). */
  kind: string;
  group?: string;
  version?: string;
  verbs: readonly string[];
}

export interface GeneratedResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly string[];
  /** Name of the schema in scheme/generated/definitions.json. */
  definition: string;
  subresources: readonly GeneratedSubresource[];
}
