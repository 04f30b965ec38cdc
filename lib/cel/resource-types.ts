// The CEL types of a resource kind, as kube's ValidatingAdmissionPolicy type
// checker declares them (admission/plugin/policy/validating/typechecking.go):
// the kind's schema with every $ref filled in (kube's resolver.PopulateRefs: a
// ref inside itself becomes an empty object, a ref wrapped in allOf counts),
// `format: int-or-string` read as x-kubernetes-int-or-string (kube's OpenAPI
// adaptor), then SchemaDeclType's types: objects as types with field types,
// additionalProperties as maps, arrays as lists, int-or-string as dyn,
// date-time as timestamps; a property with no type of its own
// (x-kubernetes-preserve-unknown-fields alone) is left out, as kube leaves it.
// Declared for a check, a schema is first pruned to the fields the checked
// expressions select: what they can tell apart is unchanged, and registering
// a Deployment's ~300 object types would hold the server for a good part of
// a second. Pure: a schema in, declarations out; registering them on an
// environment is registerDeclaredTypes.

import { escapeName, registerObjectTypes, SchemaTypes, type Decl, type JSONSchemaProps } from './schema-types.js';
import type { CelEnvironment } from './library/types.js';

/** A schema node as the OpenAPI definitions hold it: JSONSchemaProps, maybe a `$ref` or an allOf-wrapped one. */
export type SchemaWithRefs = JSONSchemaProps & { $ref?: string };

/** OpenAPI definitions by name (`io.k8s.api.apps.v1.Deployment`), refs written `#/definitions/<name>`. */
export type SchemaDefinitions = Readonly<Record<string, SchemaWithRefs>>;

const REF_PREFIX = '#/definitions/';

/** The CEL types one kind declares: its root type (undefined when kube gives the schema none) and every object type beneath. */
export interface DeclaredTypes {
  /** The root object type's name: what `object` is declared as. */
  readonly name: string;
  readonly root: Decl | undefined;
  /** Children first, as registration needs them. */
  readonly objects: readonly Decl[];
}

function refOf(schema: SchemaWithRefs): string | undefined {
  if (typeof schema.$ref === 'string') return schema.$ref.startsWith(REF_PREFIX) ? schema.$ref.slice(REF_PREFIX.length) : schema.$ref;
  for (const wrapped of schema.allOf ?? []) {
    const ref = refOf(wrapped as SchemaWithRefs);
    if (ref !== undefined) return ref;
  }
  return undefined;
}

/** kube's populateRefs on one node; `undefined` when a ref names no definition (kube's ErrSchemaNotFound). */
function populate(definitions: SchemaDefinitions, schema: SchemaWithRefs, visiting: Set<string>): JSONSchemaProps | undefined {
  const ref = refOf(schema);
  let node: SchemaWithRefs = schema;
  if (ref !== undefined) {
    if (visiting.has(ref)) return { type: 'object' };
    const resolved = definitions[ref];
    if (!resolved) return undefined;
    visiting.add(ref);
    try {
      return populate(definitions, { ...resolved }, visiting);
    } finally {
      visiting.delete(ref);
    }
  }
  const { $ref: _ref, allOf: _allOf, ...rest } = node;
  node = rest;
  const out: JSONSchemaProps = { ...node };
  if (node.format === 'int-or-string') out['x-kubernetes-int-or-string'] = true;
  if (node.properties) {
    const properties: Record<string, JSONSchemaProps> = {};
    for (const [name, property] of Object.entries(node.properties)) {
      const populated = populate(definitions, property as SchemaWithRefs, visiting);
      if (!populated) return undefined;
      properties[name] = populated;
    }
    out.properties = properties;
  }
  if (node.items) {
    const items = populate(definitions, node.items as SchemaWithRefs, visiting);
    if (!items) return undefined;
    out.items = items;
  }
  if (typeof node.additionalProperties === 'object') {
    const additional = populate(definitions, node.additionalProperties as SchemaWithRefs, visiting);
    if (!additional) return undefined;
    out.additionalProperties = additional;
  }
  return out;
}

/** A definition with its refs filled in (kube's DefinitionsSchemaResolver), or undefined when it or a ref in it is unknown. */
export function resolveDefinition(definitions: SchemaDefinitions, name: string): JSONSchemaProps | undefined {
  return populate(definitions, { $ref: `${REF_PREFIX}${name}` }, new Set());
}

/**
 * A custom resource version's schema as its published OpenAPI shows it (what kube's discovery resolver
 * reads): apiVersion and kind strings and metadata as ObjectMeta, over the CRD's openAPIV3Schema.
 */
export function customResourceSchema(definitions: SchemaDefinitions, openAPIV3Schema: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
  const schema = openAPIV3Schema ?? { type: 'object' };
  const published: SchemaWithRefs = {
    ...schema,
    type: 'object',
    properties: {
      ...schema.properties,
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: `${REF_PREFIX}io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta` } as SchemaWithRefs,
    },
  };
  return populate(definitions, published, new Set());
}

/** What a resource root (or an embedded resource) always keeps, so that WithTypeAndObjectMeta sees it whole. */
const ROOT_FIELDS = ['apiVersion', 'kind', 'metadata', 'name', 'generateName'];

/**
 * The schema with only the properties whose CEL names are among `fields`: the declarations an
 * expression can tell apart from the whole schema's are those of the fields it selects, and a kind
 * such as Deployment declares some 300 object types, each costly to register.
 */
export function pruneSchema(schema: JSONSchemaProps, fields: ReadonlySet<string>): JSONSchemaProps {
  const out: JSONSchemaProps = { ...schema };
  if (schema.properties) {
    const kept: Record<string, JSONSchemaProps> = {};
    for (const [name, property] of Object.entries(schema.properties)) {
      const celName = escapeName(name);
      if (ROOT_FIELDS.includes(name) || (celName !== undefined && fields.has(celName))) kept[name] = pruneSchema(property, fields);
    }
    out.properties = kept;
  }
  if (schema.items) out.items = pruneSchema(schema.items, fields);
  if (typeof schema.additionalProperties === 'object') out.additionalProperties = pruneSchema(schema.additionalProperties, fields);
  return out;
}

/**
 * kube's SchemaDeclType(schema, isResourceRoot=true) named `name`: the types a checker declares `object`
 * (or `params`) with; with `fields`, only what the expressions to check select (see pruneSchema).
 */
export function declareResourceTypes(schema: JSONSchemaProps, name: string, fields?: ReadonlySet<string>): DeclaredTypes {
  const types = new SchemaTypes();
  const root = types.declare(fields ? pruneSchema(schema, fields) : schema, name, true);
  return { name, root, objects: types.take() };
}

/** Registers declared types on an environment (before it is cloned; registering twice is refused by the library). */
export function registerDeclaredTypes(env: CelEnvironment, declared: DeclaredTypes): void {
  registerObjectTypes(env, declared.objects);
}

/** The CEL type a variable of these declared types has: the root type's, or dyn when kube gives the schema none. */
export const celTypeOf = (declared: DeclaredTypes | undefined): string => declared?.root?.celType ?? 'dyn';

/**
 * kube's hand-made Namespace type for `namespaceObject` (plugin/cel BuildNamespaceType): metadata without
 * managedFields or ownerReferences (and its uid spelt `UID`, as kube spells it), spec.finalizers and status.
 */
export const NAMESPACE_OBJECT_SCHEMA: JSONSchemaProps = (() => {
  const string: JSONSchemaProps = { type: 'string' };
  const time: JSONSchemaProps = { type: 'string', format: 'date-time' };
  const strings: JSONSchemaProps = { type: 'array', items: string };
  const stringMap: JSONSchemaProps = { type: 'object', additionalProperties: string };
  return {
    type: 'object',
    properties: {
      metadata: {
        type: 'object',
        properties: {
          name: string, generateName: string, namespace: string, labels: stringMap, annotations: stringMap, UID: string, creationTimestamp: time,
          deletionGracePeriodSeconds: { type: 'integer' }, deletionTimestamp: time, generation: { type: 'integer' }, resourceVersion: string, finalizers: strings,
        },
      },
      spec: { type: 'object', properties: { finalizers: strings } },
      status: {
        type: 'object',
        properties: {
          conditions: { type: 'array', items: { type: 'object', properties: { status: string, type: string, lastTransitionTime: time, message: string, reason: string } } },
          phase: string,
        },
      },
    },
  };
})();

/** The namespaceObject type, declared as kube's kubernetes.Namespace (not a resource root: it has no apiVersion or kind). */
export function declareNamespaceObjectType(): DeclaredTypes {
  const types = new SchemaTypes();
  const root = types.declare(NAMESPACE_OBJECT_SCHEMA, 'kubernetes.Namespace', false);
  return { name: 'kubernetes.Namespace', root, objects: types.take() };
}
