// Encodes what a store serves into the shape the client asked for.
// Plain object requests are served from the stored bytes, untouched.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { jsonResponse } from '../../protocol/messages/http.js';
import type { StoreState } from './store-state.js';
import { parseObject } from './store-state.js';
import type { Entry } from './resource-cache.js';
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

const comma = Buffer.from(',');

/** A list served as `<Kind>List`, built by splicing stored bytes rather than re-encoding them. */
export function listBytes(state: StoreState, metadata: object, entries: Entry[]): Uint8Array {
  const kind = state.kind;
  const head = Buffer.from(
    `{"kind":"${kind.kind}List","apiVersion":"${kind.group ? `${kind.group}/${kind.version}` : kind.version}","metadata":${JSON.stringify(metadata)},"items":[`,
  );
  const parts: Uint8Array[] = [head];
  entries.forEach((e, i) => {
    if (i > 0) parts.push(comma);
    parts.push(e.bytes);
  });
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}
