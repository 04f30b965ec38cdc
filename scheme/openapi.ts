// OpenAPI v3, one document per group-version, derived from the kind
// descriptions and the generated schema facts. kubectl reads it for
// `explain`, for the `fieldValidation` parameter on PATCH (create/apply
// validation), and for whether a kind takes strategic merge patches.

import type { KindDescription } from './kind-description.js';
import { REF_PREFIX, type Definitions, type SchemaNode } from './schema.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const V3_REF = '#/components/schemas/';

type Json = Record<string, unknown>;

const queryParam = (name: string, type = 'string'): Json => ({ name, in: 'query', schema: { type, uniqueItems: true } });
const WRITE_PARAMS = [queryParam('dryRun'), queryParam('fieldManager'), queryParam('fieldValidation'), queryParam('pretty')];
const PATCH_PARAMS = [...WRITE_PARAMS, queryParam('force', 'boolean')];
const LIST_PARAMS = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'].map((n) =>
  queryParam(n, n === 'limit' || n === 'timeoutSeconds' ? 'integer' : n === 'watch' || n === 'allowWatchBookmarks' || n === 'sendInitialEvents' ? 'boolean' : 'string'),
);
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

const ref = (name: string): Json => ({ $ref: `${V3_REF}${name}` });
const jsonContent = (schema: Json): Json => ({ 'application/json': { schema }, 'application/yaml': { schema }, 'application/vnd.kubernetes.protobuf': { schema } });
const ok = (schema: Json, code = '200'): Json => ({ [code]: { description: 'OK', content: jsonContent(schema) }, '401': { description: 'Unauthorized' } });

export function groupVersionPath(kind: Pick<KindDescription, 'group' | 'version'>): string {
  return kind.group ? `apis/${kind.group}/${kind.version}` : `api/${kind.version}`;
}

function operation(kind: KindDescription, action: string, verb: string, params: Json[], responses: Json, extra: Json = {}): Json {
  const gvk = { group: kind.group, version: kind.version, kind: kind.kind };
  const name = `${verb}${kind.group.split('.')[0] ?? ''}${kind.version}${kind.kind}`;
  return { operationId: name, tags: [groupVersionPath(kind)], parameters: params, responses, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, ...extra };
}

function pathsOf(kind: KindDescription): Record<string, Json> {
  const base = `/${groupVersionPath(kind)}`;
  const collection = kind.namespaced ? `${base}/namespaces/{namespace}/${kind.plural}` : `${base}/${kind.plural}`;
  const item = `${collection}/{name}`;
  const scope: Json[] = kind.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }] : [];
  const named: Json[] = [{ name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }, ...scope];
  const can = (v: string): boolean => (kind.verbs as readonly string[]).includes(v);
  const schema = ref(kind.definition);
  const list = ref(`${kind.definition}List`);
  const body = (s: Json): Json => ({ requestBody: { required: true, content: { '*/*': { schema: s } } } });
  const paths: Record<string, Json> = {};
  const coll: Json = { parameters: scope };
  if (can('list')) coll.get = operation(kind, 'list', 'list', LIST_PARAMS, ok(list));
  if (can('create')) coll.post = operation(kind, 'post', 'create', WRITE_PARAMS, ok(schema, '201'), body(schema));
  if (can('deletecollection')) coll.delete = operation(kind, 'deletecollection', 'deletecollection', LIST_PARAMS, ok(ref(`${META}.Status`)));
  paths[collection] = coll;
  const one: Json = { parameters: named };
  if (can('get')) one.get = operation(kind, 'get', 'read', [], ok(schema));
  if (can('update')) one.put = operation(kind, 'put', 'replace', WRITE_PARAMS, ok(schema), body(schema));
  if (can('patch')) {
    const content = Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: ref(`${META}.Patch`) }]));
    one.patch = operation(kind, 'patch', 'patch', PATCH_PARAMS, ok(schema), { requestBody: { required: true, content } });
  }
  if (can('delete')) one.delete = operation(kind, 'delete', 'delete', [queryParam('gracePeriodSeconds', 'integer'), queryParam('propagationPolicy'), queryParam('dryRun')], ok(ref(`${META}.Status`)));
  if (Object.keys(one).length > 1) paths[item] = one;
  if (kind.namespaced && can('list')) {
    paths[`${base}/${kind.plural}`] = { get: operation(kind, 'list', 'listForAllNamespaces', LIST_PARAMS, ok(list)) };
  }
  return paths;
}

/** A v2 schema node as v3 wants it: refs into components. */
function toV3(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toV3);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' ? `${V3_REF}${value.slice(REF_PREFIX.length)}` : toV3(value);
  }
  if (out.$ref && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { ...rest, allOf: [{ $ref }] };
  }
  return out;
}

function collectRefs(definitions: Definitions, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name) || !definitions[name]) continue;
    seen.add(name);
    const text = JSON.stringify(definitions[name]);
    for (const m of text.matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)) stack.push(m[1]!);
  }
  return seen;
}

/** The OpenAPI v3 document of every group-version, keyed `api/v1` or `apis/<group>/<version>`. */
export function buildOpenApiV3(kinds: readonly KindDescription[], definitions: Definitions): Map<string, Json> {
  const byGroupVersion = new Map<string, KindDescription[]>();
  for (const kind of kinds) byGroupVersion.set(groupVersionPath(kind), [...(byGroupVersion.get(groupVersionPath(kind)) ?? []), kind]);
  const documents = new Map<string, Json>();
  for (const [path, members] of byGroupVersion) {
    const paths: Record<string, Json> = {};
    for (const kind of members) Object.assign(paths, pathsOf(kind));
    const roots = members.flatMap((k) => [k.definition, `${k.definition}List`]).concat([`${META}.Status`, `${META}.Patch`, `${META}.DeleteOptions`, `${META}.WatchEvent`]);
    const schemas: Json = {};
    for (const name of [...collectRefs(definitions, roots)].sort()) schemas[name] = toV3(definitions[name] as SchemaNode);
    documents.set(path, { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.30.0' }, paths, components: { schemas } });
  }
  return documents;
}

export function openApiV3Root(documents: Map<string, { hash: string }>): Json {
  const paths: Json = {};
  for (const [path, { hash }] of documents) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  return { paths };
}
