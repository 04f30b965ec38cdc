// Encodes what a store serves into the shape the client asked for.
// Plain object requests are served from the stored bytes, untouched.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { jsonResponse } from '../../protocol/messages/http.js';
import type { StoreState } from './store-state.js';
import { parseObject } from './store-state.js';
import { separatedRuns, type Entry } from './resource-cache.js';
import { partialObjectMetadata, table } from './table.js';

export function respondEntry(state: StoreState, request: ApiRequest, status: number, entry: Entry, headers?: Record<string, string>): void {
  const shape = request.shape;
  if (shape.as === 'object') {
    request.replyTo.send(jsonResponse(request.id, status, entry.bytes, headers));
    return;
  }
  respondObject(state, request, status, parseObject(entry), headers);
}

export function respondObject(state: StoreState, request: ApiRequest, status: number, object: KubeObject, headers?: Record<string, string>): void {
  const shape = request.shape;
  let body: unknown = object;
  if (shape.as === 'Table') body = table(state.kind, [object], shape, { resourceVersion: object.metadata.resourceVersion ?? '' });
  else if (shape.as === 'PartialObjectMetadata') body = partialObjectMetadata(object, shape.version);
  request.replyTo.send(jsonResponse(request.id, status, body, headers));
}

/**
 * A list served as `<Kind>List`, built by splicing stored bytes into one buffer rather than re-encoding
 * them; entries lying next to each other in a slab are copied as one piece, commas included.
 */
export function listBytes(state: StoreState, metadata: object, entries: Entry[]): Uint8Array {
  const kind = state.kind;
  const head = `{"kind":"${kind.kind}List","apiVersion":"${kind.group ? `${kind.group}/${kind.version}` : kind.version}","metadata":${JSON.stringify(metadata)},"items":[`;
  const runs = separatedRuns(entries);
  let size = Buffer.byteLength(head) + Math.max(0, runs.length - 1) + 2;
  for (const run of runs) size += run.byteLength;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(head);
  for (let i = 0; i < runs.length; i++) {
    if (i > 0) out[at++] = COMMA;
    out.set(runs[i]!, at);
    at += runs[i]!.byteLength;
  }
  out[at++] = CLOSE_BRACKET;
  out[at] = CLOSE_BRACE;
  return out;
}

const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
