// A CustomResourceDefinition's served versions as kind descriptions, so that
// routing, discovery, OpenAPI, the store, Table output and field selectors
// treat a custom resource as they treat a built-in kind; and the OpenAPI
// definitions each version adds (for `kubectl explain` and client-side
// validation), generated from its schema.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StatusCause } from '../../protocol/kube/status.js';
import type { ColumnSpec, ColumnType, KindDescription, SubresourceDescription } from '../kind-description.js';
import type { SchemaNode } from '../schema.js';
import { ALL_VERBS } from '../verbs.js';
import { nameColumn } from '../columns.js';
import type { CrdVersion, CustomResourceDefinition, JSONSchemaProps } from './crd.js';
import { definitionName, storageVersionOf } from './crd.js';
import { applyDefaults, prune, validateValue } from './structural.js';
import { valueAt } from './jsonpath.js';
import { compileSchemaValidations, runSchemaValidations } from '../../lib/cel/validation.js';

const OBJECT_META = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';

/** What the apiextensions server serves for one CRD: a kind per served version, and the store's (storage) version. */
export interface ServedCustomResource {
  /** The CRD's name, `<plural>.<group>`. */
  name: string;
  group: string;
  plural: string;
  storage: KindDescription;
  /** One per served version, in the CRD's order. */
  kinds: KindDescription[];
  /** The OpenAPI definitions the served versions add: each kind and its list. */
  definitions: Record<string, SchemaNode>;
  /** spec, to tell a change that needs the store restarted from a status update. */
  fingerprint: string;
  /** The CRD's Terminating condition is True: its custom resources are being deleted, and creates are refused. */
  terminating?: boolean;
  /** Where the conversion webhook is (strategy Webhook), caBundle decoded to PEM; absent for strategy None. */
  conversionWebhook?: { url?: string; service?: { namespace: string; name: string; path?: string; port?: number }; caBundle?: string };
}

/** kube's default columns for a CRD that names none: NAME and AGE. */
const AGE: ColumnSpec = { name: 'Age', type: 'date', description: 'Creation timestamp of the object', cell: (o) => o.metadata.creationTimestamp ?? null };

function columnsOf(version: CrdVersion): ColumnSpec[] {
  const columns = version.additionalPrinterColumns;
  if (!columns || columns.length === 0) return [nameColumn, AGE];
  return [
    nameColumn,
    ...columns.map((c): ColumnSpec => ({
      name: c.name,
      type: c.type as ColumnType,
      ...(c.format ? { format: c.format } : {}),
      priority: c.priority ?? 0,
      description: c.description ?? '',
      cell: (object) => cellOf(valueAt(c.jsonPath, object), c.type),
    })),
  ];
}

/** kube prints a missing value as <none> (nil cell); objects and lists as JSON. */
function cellOf(value: unknown, type: string): unknown {
  if (value === undefined) return null;
  if (type === 'string' && typeof value === 'object' && value !== null) return JSON.stringify(value);
  return value;
}

/** The CR's root schema without metadata, apiVersion and kind: those are the server's to check. */
function bodySchema(schema: JSONSchemaProps): JSONSchemaProps {
  const { metadata: _m, apiVersion: _a, kind: _k, ...properties } = schema.properties ?? {};
  return { ...schema, properties };
}

function subresourcesOf(version: CrdVersion, kind: string): SubresourceDescription[] {
  const subs: SubresourceDescription[] = [];
  const scale = version.subresources?.scale;
  if (scale) subs.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'], scalePaths: scale });
  if (version.subresources?.status) subs.push({ name: 'status', kind, verbs: ['get', 'patch', 'update'] });
  return subs;
}

function describeVersion(crd: CustomResourceDefinition, version: CrdVersion): KindDescription {
  const { group, names, scope } = crd.spec;
  const schema = version.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const body = bodySchema(schema);
  // Its CEL rules, compiled once per description (the CRD's own validation refused any that do not compile).
  const rules = compileSchemaValidations(schema).compiled;
  const selectable = Object.fromEntries((version.selectableFields ?? []).map((f) => [f.jsonPath.slice(1), (o: KubeObject) => {
    const v = valueAt(f.jsonPath, o);
    return v === undefined || v === null ? undefined : String(v);
  }]));
  return {
    group,
    version: version.name,
    kind: names.kind,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    namespaced: scope === 'Namespaced',
    verbs: ALL_VERBS,
    definition: definitionName(group, version.name, names.kind),
    servedBy: 'store',
    storagePrefix: `${group}/${names.plural}`,
    subresources: subresourcesOf(version, names.kind),
    tracksGeneration: true,
    columns: columnsOf(version),
    decode: (object) => {
      const unknownFields = prune(object, body, '', true);
      applyDefaults(object, body);
      return { causes: [], unknownFields };
    },
    validate: (object, old, _subresource, warnings): StatusCause[] => {
      const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = object;
      const oldRest = old ? (({ metadata: _om, apiVersion: _oa, kind: _ok, ...r }) => r)(old) : undefined;
      const causes = validateValue(rest, { ...body, type: 'object' }, '', oldRest ? { value: oldRest } : undefined);
      // kube runs the rules only on an object the schema accepts; a rule failing on an unchanged value is a warning.
      if (causes.length > 0 || !rules.root) return causes;
      const run = runSchemaValidations(rules, object, old);
      warnings?.push(...run.warnings);
      return run.causes;
    },
    ...(Object.keys(selectable).length > 0 ? { selectableFields: selectable } : {}),
  };
}

/** The root definition of a version (x-kubernetes-group-version-kind, metadata as ObjectMeta) and its list's. */
function definitionsOf(crd: CustomResourceDefinition, version: CrdVersion, kind: KindDescription): Record<string, SchemaNode> {
  const schema = (version.schema?.openAPIV3Schema ?? { type: 'object' }) as JSONSchemaProps;
  const { metadata: _m, ...properties } = schema.properties ?? {};
  const gvk = (k: string): SchemaNode['x-kubernetes-group-version-kind'] => [{ group: crd.spec.group, version: version.name, kind: k }];
  const root: SchemaNode = {
    ...(schema as SchemaNode),
    type: 'object',
    properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { $ref: OBJECT_META }, ...(properties as Record<string, SchemaNode>) },
    'x-kubernetes-group-version-kind': gvk(crd.spec.names.kind),
  };
  const list: SchemaNode = {
    type: 'object',
    required: ['items'],
    properties: { apiVersion: { type: 'string' }, items: { type: 'array', items: { $ref: `#/definitions/${kind.definition}` } }, kind: { type: 'string' }, metadata: { $ref: LIST_META } },
    'x-kubernetes-group-version-kind': gvk(crd.spec.names.listKind ?? `${crd.spec.names.kind}List`),
  };
  return { [kind.definition]: root, [`${kind.definition}List`]: list };
}

/** What a CRD serves; undefined when it has no storage version (validation prevents that). */
export function servedCustomResource(crd: CustomResourceDefinition): ServedCustomResource | undefined {
  const storageVersion = storageVersionOf(crd);
  if (!storageVersion) return undefined;
  const storage = describeVersion(crd, storageVersion);
  const kinds: KindDescription[] = [];
  const definitions: Record<string, SchemaNode> = {};
  for (const version of crd.spec.versions) {
    if (!version.served) continue;
    const kind = version === storageVersion ? storage : describeVersion(crd, version);
    kinds.push(kind);
    Object.assign(definitions, definitionsOf(crd, version, kind));
  }
  Object.assign(definitions, definitionsOf(crd, storageVersion, storage));
  const served: ServedCustomResource = { name: crd.metadata.name ?? '', group: crd.spec.group, plural: crd.spec.names.plural, storage, kinds, definitions, fingerprint: JSON.stringify(crd.spec) };
  const webhook = crd.spec.conversion?.strategy === 'Webhook' ? crd.spec.conversion.webhook?.clientConfig : undefined;
  if (webhook) {
    // The API carries caBundle as base64 of PEM.
    served.conversionWebhook = { ...webhook, ...(webhook.caBundle ? { caBundle: Buffer.from(webhook.caBundle, 'base64').toString('utf8') } : {}) };
  }
  return served;
}
