// Server-side printing: the Table kubectl asks for with `as=Table`.
// Columns come from the kind's description.

import type { KubeObject, Table, TableColumnDefinition, TableRow } from '../../protocol/kube/meta.js';
import type { ResponseShape } from '../../protocol/messages/request.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import { defaultColumns } from '../../scheme/columns.js';

type TableShape = Extract<ResponseShape, { as: 'Table' }>;

export function columnDefinitions(kind: KindDescription): TableColumnDefinition[] {
  return (kind.columns ?? defaultColumns).map((c) => ({
    name: c.name,
    type: c.type === 'date' ? 'string' : c.type,
    format: c.type === 'date' ? 'date' : (c.format ?? ''),
    description: c.description ?? '',
    priority: c.priority ?? 0,
  }));
}

export function partialObjectMetadata(object: KubeObject, version: 'v1' | 'v1beta1'): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: object.metadata };
}

export function tableRow(kind: KindDescription, object: KubeObject, shape: TableShape): TableRow {
  const cells = (kind.columns ?? defaultColumns).map((c) => c.cell(object));
  if (shape.includeObject === 'None') return { cells };
  return { cells, object: shape.includeObject === 'Object' ? object : partialObjectMetadata(object, shape.version) };
}

export function table(kind: KindDescription, objects: KubeObject[], shape: TableShape, listMeta: Table['metadata'], withHeaders = true): Table {
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${shape.version}`,
    metadata: listMeta,
    columnDefinitions: withHeaders ? columnDefinitions(kind) : [],
    rows: objects.map((o) => tableRow(kind, o, shape)),
  };
}
