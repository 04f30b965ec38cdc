// The schema facts every kind description points at: OpenAPI v2-style
// definitions generated from upstream's spec by scripts/generate-definitions.ts
// (types, required fields, GVKs, patch and list metadata; no prose).

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface SchemaNode {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  enum?: unknown[];
  /** `#/definitions/<name>` */
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  required?: string[];
  description?: string;
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-unions'?: unknown[];
}

export type Definitions = Readonly<Record<string, SchemaNode>>;

export const REF_PREFIX = '#/definitions/';

/** Follows `$ref` until it reaches a node with content. Unknown refs resolve to an empty (permissive) node. */
export function resolveNode(definitions: Definitions, node: SchemaNode | undefined): SchemaNode {
  let current = node ?? {};
  for (let hops = 0; current.$ref && hops < 16; hops++) {
    current = definitions[current.$ref.slice(REF_PREFIX.length)] ?? {};
  }
  return current;
}
