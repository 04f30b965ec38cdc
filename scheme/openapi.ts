// OpenAPI v3, one document per group-version, derived from the kind
// descriptions and the generated schema facts. kubectl reads it for
// `explain` (the GVK on operations and on the kind's schema), for create and
// apply validation (the `fieldValidation` parameter on each PATCH operation:
// when it is there, kubectl leaves field validation to the server), and for
// apply's patch type (strategic merge when the PATCH requestBody lists
// application/strategic-merge-patch+json, then the schemas' patch metadata).

import { CUSTOM_RESOURCE_PATCH_TYPES } from './custom/crd.js';
import { createHash } from 'node:crypto';
import type { KindDescription } from './kind-description.js';
import { REF_PREFIX, type Definitions, type SchemaNode } from './schema.js';

type Json = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const V3_REF_PREFIX = '#/components/schemas/';
/** What the server says it is; kubeactor speaks the 1.33 API. */
const INFO = { title: 'Kubernetes', version: 'v1.33.1' };

export interface OpenApiV3Document extends Json {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, Json>;
  components: { schemas: Record<string, Json>; securitySchemes: Json };
}

/** `api/v1` or `apis/<group>/<version>`: the key under /openapi/v3 and the URL prefix of the group-version. */
export function groupVersionPath(kind: Pick<KindDescription, 'group' | 'version'>): string {
  return kind.group ? `apis/${kind.group}/${kind.version}` : `api/${kind.version}`;
}

/** kube's document hash: SHA-512 of the served bytes, upper-case hex. Clients cache documents by it. */
export function openApiV3Hash(serialized: string | Uint8Array): string {
  return createHash('sha512').update(serialized).digest('hex').toUpperCase();
}

/** The body of `/openapi/v3`: where each group-version's document is, by hash. */
export function openApiV3Root(documents: ReadonlyMap<string, { hash: string }>): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [path, { hash }] of documents) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  return { paths };
}

/** The OpenAPI v3 document of every group-version the kinds belong to, keyed as in {@link groupVersionPath}. */
export function buildOpenApiV3(kinds: readonly KindDescription[], definitions: Definitions): Map<string, OpenApiV3Document> {
  const byGroupVersion = new Map<string, KindDescription[]>();
  for (const kind of kinds) {
    const key = groupVersionPath(kind);
    byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), kind]);
  }
  const documents = new Map<string, OpenApiV3Document>();
  for (const [gv, members] of byGroupVersion) {
    const paths: Record<string, Json> = { [`/${gv}/`]: discoveryPath(members[0]!) };
    for (const kind of members) Object.assign(paths, kindPaths(kind, definitions));
    const schemas = reachableSchemas(paths, definitions);
    for (const kind of members) {
      // A kind without generated facts still needs a schema carrying its GVK, or explain and apply cannot find it.
      schemas[kind.definition] ??= {
        type: 'object',
        'x-kubernetes-group-version-kind': [{ group: kind.group, kind: kind.kind, version: kind.version }],
        'x-kubernetes-preserve-unknown-fields': true,
      };
    }
    documents.set(gv, {
      openapi: '3.0.0',
      info: { ...INFO },
      paths,
      components: {
        schemas,
        securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header' } },
      },
      security: [{ BearerToken: [] }],
    });
  }
  return documents;
}

// ---- paths and operations ----

const param = (name: string, type: 'string' | 'integer' | 'boolean' = 'string'): Json => ({ name, in: 'query', schema: { type, uniqueItems: true } });
const pathParam = (name: string): Json => ({ name, in: 'path', required: true, schema: { type: 'string', uniqueItems: true } });

const LIST_PARAMS = [
  param('allowWatchBookmarks', 'boolean'),
  param('continue'),
  param('fieldSelector'),
  param('labelSelector'),
  param('limit', 'integer'),
  param('resourceVersion'),
  param('resourceVersionMatch'),
  param('sendInitialEvents', 'boolean'),
  param('timeoutSeconds', 'integer'),
  param('watch', 'boolean'),
];
const WRITE_PARAMS = [param('dryRun'), param('fieldManager'), param('fieldValidation')];
const PATCH_PARAMS = [...WRITE_PARAMS, param('force', 'boolean')];
const DELETE_PARAMS = [param('dryRun'), param('gracePeriodSeconds', 'integer'), param('orphanDependents', 'boolean'), param('propagationPolicy')];
const DELETE_COLLECTION_PARAMS = [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => !['allowWatchBookmarks', 'watch'].includes(p.name as string))];

/** kubectl apply picks strategic merge over JSON merge by the presence of the strategic type here. */
export const PATCH_CONTENT_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;

const OBJECT_MEDIA_TYPES = ['application/json', 'application/vnd.kubernetes.protobuf', 'application/yaml'];
const LIST_MEDIA_TYPES = [...OBJECT_MEDIA_TYPES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];

const v3Ref = (name: string): Json => ({ $ref: `${V3_REF_PREFIX}${name}` });

function responses(codes: readonly string[], schema: Json, mediaTypes = OBJECT_MEDIA_TYPES): Json {
  const content = Object.fromEntries(mediaTypes.map((t) => [t, { schema }]));
  const out: Json = {};
  for (const code of codes) out[code] = { description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', content };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

const bodyOf = (schema: Json, required = true): Json => ({ content: { '*/*': { schema } }, required });

/** kube's operation-id spelling of a group: '' → Core, rbac.authorization.k8s.io → RbacAuthorization. */
function groupWord(group: string): string {
  if (!group) return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split(/[.-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function tagOf(kind: KindDescription): string {
  const word = groupWord(kind.group);
  return `${word.charAt(0).toLowerCase()}${word.slice(1)}_${kind.version}`;
}

function operation(kind: KindDescription, action: string, id: string, parameters: readonly Json[], answers: Json, requestBody?: Json): Json {
  const op: Json = {
    operationId: id,
    tags: [tagOf(kind)],
    parameters: [...parameters].sort((a, b) => String(a.name).localeCompare(String(b.name))),
    responses: answers,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: kind.group, version: kind.version, kind: kind.kind },
  };
  if (requestBody) op.requestBody = requestBody;
  return op;
}

function discoveryPath(sample: KindDescription): Json {
  const id = `get${groupWord(sample.group)}${sample.version.charAt(0).toUpperCase()}${sample.version.slice(1)}APIResources`;
  return { get: { operationId: id, tags: [tagOf(sample)], responses: responses(['200'], v3Ref(`${META}.APIResourceList`)) } };
}

function kindPaths(kind: KindDescription, definitions: Definitions): Record<string, Json> {
  const can = (verb: string): boolean => (kind.verbs as readonly string[]).includes(verb);
  const gv = `${groupWord(kind.group)}${kind.version.charAt(0).toUpperCase()}${kind.version.slice(1)}`;
  const scope = kind.namespaced ? 'Namespaced' : '';
  const base = `/${groupVersionPath(kind)}`;
  const collection = kind.namespaced ? `${base}/namespaces/{namespace}/${kind.plural}` : `${base}/${kind.plural}`;
  const scopeParams = kind.namespaced ? [pathParam('namespace')] : [];
  const object = v3Ref(kind.definition);
  // Reviews and other create-only kinds have no List type.
  const listName = `${kind.definition}List`;
  const list = definitions[listName] ? v3Ref(listName) : object;
  const status = v3Ref(`${META}.Status`);
  const deleteBody = bodyOf(v3Ref(`${META}.DeleteOptions`), false);
  const paths: Record<string, Json> = {};

  const coll: Json = {};
  if (can('list')) coll.get = operation(kind, 'list', `list${gv}${scope}${kind.kind}`, LIST_PARAMS, responses(['200'], list, LIST_MEDIA_TYPES));
  if (can('create')) coll.post = operation(kind, 'post', `create${gv}${scope}${kind.kind}`, WRITE_PARAMS, responses(['200', '201', '202'], object), bodyOf(object));
  if (can('deletecollection')) {
    coll.delete = operation(kind, 'deletecollection', `delete${gv}Collection${scope}${kind.kind}`, DELETE_COLLECTION_PARAMS, responses(['200'], status), deleteBody);
  }
  if (Object.keys(coll).length > 0) paths[collection] = { ...coll, parameters: [...scopeParams, param('pretty')] };

  const item: Json = {};
  if (can('get')) item.get = operation(kind, 'get', `read${gv}${scope}${kind.kind}`, [], responses(['200'], object));
  if (can('update')) item.put = operation(kind, 'put', `replace${gv}${scope}${kind.kind}`, WRITE_PARAMS, responses(['200', '201'], object), bodyOf(object));
  if (can('patch')) {
    const content = Object.fromEntries((kind.decode ? CUSTOM_RESOURCE_PATCH_TYPES : PATCH_CONTENT_TYPES).map((t) => [t, { schema: v3Ref(`${META}.Patch`) }]));
    item.patch = operation(kind, 'patch', `patch${gv}${scope}${kind.kind}`, PATCH_PARAMS, responses(['200', '201'], object), { content, required: true });
  }
  if (can('delete')) item.delete = operation(kind, 'delete', `delete${gv}${scope}${kind.kind}`, DELETE_PARAMS, responses(['200', '202'], status), deleteBody);
  if (Object.keys(item).length > 0) paths[`${collection}/{name}`] = { ...item, parameters: [pathParam('name'), ...scopeParams, param('pretty')] };

  if (kind.namespaced && can('list')) {
    paths[`${base}/${kind.plural}`] = {
      get: operation(kind, 'list', `list${gv}${kind.kind}ForAllNamespaces`, [], responses(['200'], list, LIST_MEDIA_TYPES)),
      parameters: [...LIST_PARAMS, param('pretty')].sort((a, b) => String(a.name).localeCompare(String(b.name))),
    };
  }
  return paths;
}

// ---- schemas ----

/**
 * Types whose v3 schema kube writes differently from v2: they decode from
 * more than one JSON type, which v3 says with oneOf (and no `type`).
 */
const V3_OVERRIDES: Readonly<Record<string, Json>> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
};

/** A v2 schema node in v3 form: refs into components, and a ref with siblings wrapped in allOf, as kube writes them. */
export function toV3Schema(node: SchemaNode): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref') out.$ref = `${V3_REF_PREFIX}${(value as string).slice(REF_PREFIX.length)}`;
    else if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value as Record<string, SchemaNode>).map(([k, v]) => [k, toV3Schema(v)]));
    else if (key === 'items') out.items = toV3Schema(value as SchemaNode);
    else if (key === 'additionalProperties') out.additionalProperties = typeof value === 'boolean' ? value : toV3Schema(value as SchemaNode);
    else out[key] = value;
  }
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { ...rest, allOf: [{ $ref }] };
  }
  return out;
}

function refsIn(value: unknown, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) refsIn(v, found);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.add(v.replace(V3_REF_PREFIX, '').replace(REF_PREFIX, ''));
      else refsIn(v, found);
    }
  }
}

/** Every definition the paths reference, closed over $ref, in v3 form and in name order. */
function reachableSchemas(paths: Record<string, Json>, definitions: Definitions): Record<string, Json> {
  const pending = new Set<string>();
  refsIn(paths, pending);
  const seen = new Set<string>();
  const queue = [...pending];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name) || !definitions[name]) continue;
    seen.add(name);
    const next = new Set<string>();
    refsIn(definitions[name], next);
    queue.push(...next);
  }
  const schemas: Record<string, Json> = {};
  for (const name of [...pending, ...seen].sort()) {
    if (V3_OVERRIDES[name]) schemas[name] = { ...V3_OVERRIDES[name] };
    else if (definitions[name]) schemas[name] = toV3Schema(definitions[name]!);
  }
  return schemas;
}
