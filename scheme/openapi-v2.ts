// OpenAPI v2, as kubectl 1.27–1.2x fetch it for apply, edit and explain: the
// gnostic `openapi.v2.Document` protobuf. It carries every definition with
// its x-kubernetes-* extensions, and a PATCH operation per kind that lists
// `fieldValidation` (how kubectl learns the server validates fields).
// Field numbers are those of gnostic's OpenAPIv2.proto.

import { ProtoWriter } from '../protocol/codec/protobuf-writer.js';
import type { KindDescription } from './kind-description.js';
import type { Definitions, SchemaNode } from './schema.js';
import { groupVersionPath } from './openapi.js';

const Document = { swagger: 1, info: 2, paths: 8, definitions: 9 } as const;
const Info = { title: 1, version: 2 } as const;
const NamedItem = { name: 1, value: 2 } as const;
const Schema = { ref: 1, format: 2, required: 19, enum: 20, additionalProperties: 21, type: 22, items: 23, properties: 25, vendorExtension: 31 } as const;
const AnyYaml = 2;

function extensions(w: ProtoWriter, field: number, node: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(node)) {
    if (!key.startsWith('x-kubernetes-')) continue;
    // gnostic keeps extension values as YAML text; JSON is YAML.
    w.message(field, (e) => e.string(NamedItem.name, key).message(NamedItem.value, (a) => a.string(AnyYaml, JSON.stringify(value))));
  }
}

function schema(w: ProtoWriter, node: SchemaNode): void {
  w.string(Schema.ref, node.$ref).string(Schema.format, node.format);
  for (const r of node.required ?? []) w.string(Schema.required, r);
  for (const v of node.enum ?? []) w.message(Schema.enum, (a) => a.string(AnyYaml, JSON.stringify(v)));
  if (node.additionalProperties !== undefined) {
    const ap = node.additionalProperties;
    w.message(Schema.additionalProperties, (a) => (typeof ap === 'boolean' ? a.bool(2, ap) : a.message(1, (s) => schema(s, ap))));
  }
  if (node.type) w.message(Schema.type, (t) => t.string(1, node.type));
  if (node.items) w.message(Schema.items, (i) => i.message(1, (s) => schema(s, node.items!)));
  if (node.properties) {
    w.message(Schema.properties, (p) => {
      for (const [name, child] of Object.entries(node.properties!)) p.message(1, (n) => n.string(NamedItem.name, name).message(NamedItem.value, (s) => schema(s, child)));
    });
  }
  extensions(w, Schema.vendorExtension, node as Record<string, unknown>);
}

function queryParameter(w: ProtoWriter, name: string): void {
  // ParametersItem.parameter → Parameter.non_body_parameter → NonBodyParameter.query_parameter_sub_schema
  w.message(8, (item) => item.message(1, (p) => p.message(2, (nb) => nb.message(3, (q) => q.string(2, 'query').string(4, name).string(6, 'string').bool(20, true)))));
}

function patchPath(w: ProtoWriter, kind: KindDescription): void {
  const collection = kind.namespaced ? `/${groupVersionPath(kind)}/namespaces/{namespace}/${kind.plural}` : `/${groupVersionPath(kind)}/${kind.plural}`;
  w.message(2, (named) =>
    named.string(NamedItem.name, `${collection}/{name}`).message(NamedItem.value, (item) =>
      item.message(8, (op) => {
        op.string(5, `patch${kind.kind}`);
        for (const name of ['dryRun', 'fieldManager', 'fieldValidation', 'force']) queryParameter(op, name);
        extensions(op, 13, {
          'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': { group: kind.group, version: kind.version, kind: kind.kind },
        });
      }),
    ),
  );
}

export function buildOpenApiV2Protobuf(kinds: readonly KindDescription[], definitions: Definitions): Buffer {
  const w = new ProtoWriter();
  w.string(Document.swagger, '2.0');
  w.message(Document.info, (i) => i.string(Info.title, 'Kubernetes').string(Info.version, 'v1.33.1'));
  w.message(Document.paths, (p) => {
    for (const kind of kinds) if (kind.verbs.includes('patch')) patchPath(p, kind);
  });
  writeDefinitions(w, definitions);
  return w.finish();
}

function writeDefinitions(w: ProtoWriter, definitions: Definitions): void {
  w.message(Document.definitions, (d) => {
    for (const [name, node] of Object.entries(definitions)) d.message(1, (n) => n.string(NamedItem.name, name).message(NamedItem.value, (s) => schema(s, node)));
  });
}

/**
 * A Document holding only `definitions`: appended to a whole document's bytes, a protobuf parser
 * merges it in (an embedded message given twice is merged, its repeated fields concatenated).
 */
export function openApiV2DefinitionsProtobuf(definitions: Definitions): Buffer {
  const w = new ProtoWriter();
  writeDefinitions(w, definitions);
  return w.finish();
}
