// Server-side printing: the Table kubectl asks for with `as=Table`.
// Columns come from the kind's description. A list's rows come from a cache of
// each entry's cells, kept until a write replaces the entry: only the cells that
// change with the clock alone (AGE and its kin) are computed when answering.

import type { KubeObject, Table, TableColumnDefinition, TableRow } from '../../protocol/kube/meta.js';
import type { ResponseShape } from '../../protocol/messages/request.js';
import type { ColumnSpec, KindDescription } from '../../scheme/kind-description.js';
import { ageColumn, ageSince, cellClock, cellClockReads, defaultColumns, timeOf } from '../../scheme/columns.js';
import type { Entry } from './resource-cache.js';
import { parseObject } from './store-state.js';

type TableShape = Extract<ResponseShape, { as: 'Table' }>;

const columnsOf = (kind: KindDescription): readonly ColumnSpec[] => kind.columns ?? defaultColumns;

export function columnDefinitions(kind: KindDescription): TableColumnDefinition[] {
  return columnsOf(kind).map((c) => ({
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
  const cells = columnsOf(kind).map((c) => c.cell(object));
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

/** What an entry's row needs, computed once per entry (a write makes a new entry, so it is never stale). */
interface CachedRow {
  /** The description the cells were computed with: a CRD's change of columns computes them again. */
  kind: KindDescription;
  /** Each cell as JSON text; null for a cell that read the clock, computed when answering. */
  cells: (string | null)[];
  /** The columns whose cells read the clock. */
  clocked: number[];
  /** The object, kept only when a cell other than AGE reads the clock. */
  object: KubeObject | undefined;
  /** metadata.creationTimestamp in milliseconds (NaN when it is not a time), for AGE. */
  created: number;
  /** The object's metadata as JSON text, for includeObject=Metadata. */
  metadata: string;
  /** The row's encoded text around its clocked cells, for the last shape asked for. */
  parts?: { shape: string; bytes: Uint8Array[] };
}

/** Rows by entry: a row goes when its entry does. */
const rows = new WeakMap<Entry, CachedRow>();

const toJson = (value: unknown): string => JSON.stringify(value) ?? 'null';

/** What a row's cached parts depend on besides the row: computed once per answer, not per row. */
const shapeKey = (shape: TableShape): string => `${shape.version}${shape.includeObject}`;

function cachedRow(kind: KindDescription, entry: Entry): CachedRow {
  const known = rows.get(entry);
  if (known?.kind === kind) return known;
  const object = parseObject(entry);
  let keep = false;
  const cells = columnsOf(kind).map((c) => {
    if (c === ageColumn) return null;
    const reads = cellClockReads();
    const value = c.cell(object);
    if (cellClockReads() === reads) return toJson(value);
    keep = true;
    return null;
  });
  const clocked = cells.flatMap((cell, i) => (cell === null ? [i] : []));
  const row: CachedRow = { kind, cells, clocked, object: keep ? object : undefined, created: timeOf(object.metadata.creationTimestamp), metadata: JSON.stringify(object.metadata) };
  rows.set(entry, row);
  return row;
}

/** The row's JSON text for `shape` (named by shapeKey), encoded, cut where its clocked cells go. */
function rowParts(row: CachedRow, entry: Entry, shape: TableShape, key: string): Uint8Array[] {
  if (row.parts?.shape === key) return row.parts.bytes;
  const texts: string[] = [];
  let text = '{"cells":[';
  row.cells.forEach((cell, i) => {
    if (i > 0) text += ',';
    if (cell !== null) return void (text += cell);
    texts.push(text);
    text = '';
  });
  if (shape.includeObject === 'None') text += ']}';
  else if (shape.includeObject === 'Object') text += `],"object":${Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength).toString('utf8')}}`;
  else text += `],"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/${shape.version}","metadata":${row.metadata}}}`;
  texts.push(text);
  const bytes = texts.map((t) => Buffer.from(t));
  row.parts = { shape: key, bytes };
  return bytes;
}

/** A clocked cell's JSON text at `now`; AGE by creation time from `ages`, which holds one answer's. */
function clockedCell(kind: KindDescription, row: CachedRow, column: number, now: number, ages: Map<number, string>): string {
  const spec = columnsOf(kind)[column]!;
  if (spec !== ageColumn) return toJson(spec.cell(row.object!));
  // Objects created in the same second (a deployment's pods, a seeded namespace) show the same AGE.
  let age = ages.get(row.created);
  if (age === undefined) ages.set(row.created, (age = toJson(ageSince(row.created, now))));
  return age;
}

/**
 * The Table of `entries` as JSON, from their cached rows: what JSON.stringify(table(…)) of their
 * objects would be. Rows are copied as bytes: joining their text cost more than all the rest.
 */
export function tableBytes(kind: KindDescription, entries: readonly Entry[], shape: TableShape, listMeta: Table['metadata']): Uint8Array {
  const now = cellClock();
  const ages = new Map<number, string>();
  const key = shapeKey(shape);
  const head = `{"kind":"Table","apiVersion":"meta.k8s.io/${shape.version}","metadata":${JSON.stringify(listMeta)},"columnDefinitions":${JSON.stringify(columnDefinitions(kind))},"rows":[`;
  const pieces: (Uint8Array | string)[] = [];
  let size = Buffer.byteLength(head) + 2;
  entries.forEach((entry, n) => {
    if (n > 0) pieces.push(COMMA);
    const row = cachedRow(kind, entry);
    const parts = rowParts(row, entry, shape, key);
    size += n > 0 ? 1 : 0;
    parts.forEach((part, i) => {
      if (i > 0) {
        const cell = clockedCell(kind, row, row.clocked[i - 1]!, now, ages);
        pieces.push(cell);
        size += utf8Length(cell);
      }
      pieces.push(part);
      size += part.byteLength;
    });
  });
  const out = Buffer.allocUnsafe(size);
  let at = out.write(head);
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      at = writeText(out, at, piece);
    } else {
      out.set(piece, at);
      at += piece.byteLength;
    }
  }
  out.write(']}', at);
  return out;
}

const COMMA = Buffer.from(',');

// A clocked cell is a few characters, nearly always ASCII (AGE always): a native call each to
// measure and write it cost more than the loops below.

function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text);
  return text.length;
}

/** Writes `text` as UTF-8 into `out` at `at`; returns where it ends. */
function writeText(out: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return at - i + out.write(text, at - i);
    out[at++] = code;
  }
  return at;
}
