// GET and LIST, served from the resource's in-memory cache.

import type { ApiRequest, ResourceRequestInfo } from '../../protocol/messages/request.js';
import { badRequest, notFound } from '../../protocol/kube/status.js';
import { jsonResponse, statusResponse } from '../../protocol/messages/http.js';
import type { StoreState } from './store-state.js';
import { keyOf, listRevision, parseObject } from './store-state.js';
import type { Entry } from './resource-cache.js';
import { decodeContinue, encodeContinue, parseListOptions, type ListOptions } from './list-options.js';
import { matchesLabels } from './label-selector.js';
import { matchesFields } from './field-selector.js';
import { respondEntry, listBytes } from './respond.js';
import { partialObjectMetadata, table } from './table.js';

export function fieldsOfEntry(entry: Entry): Record<string, string> {
  return { 'metadata.name': entry.name, 'metadata.namespace': entry.namespace };
}

export function matches(options: Pick<ListOptions, 'labels' | 'fields'>, entry: Entry): boolean {
  if (options.labels && !matchesLabels(options.labels, entry.labels)) return false;
  if (options.fields && !matchesFields(options.fields, fieldsOfEntry(entry))) return false;
  return true;
}

export function handleGet(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  const entry = state.cache.get(keyOf(info.namespace, info.name));
  if (!entry) {
    request.replyTo.send(statusResponse(request.id, notFound(state.resource, info.name)));
    return;
  }
  respondEntry(state, request, 200, entry);
}

export function handleList(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  const parsed = parseListOptions(request.query, false);
  if (!parsed.ok) {
    request.replyTo.send(statusResponse(request.id, parsed.status));
    return;
  }
  const options = parsed.options;
  let revision = listRevision(state);
  let afterKey = '';
  if (options.continueToken) {
    const token = decodeContinue(options.continueToken);
    if (!token) {
      request.replyTo.send(statusResponse(request.id, badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)')));
      return;
    }
    revision = token.revision;
    afterKey = token.lastKey;
  }
  const items: Entry[] = [];
  let more = false;
  for (const entry of state.cache.range(info.namespace, afterKey)) {
    if (!matches(options, entry)) continue;
    if (options.limit > 0 && items.length >= options.limit) {
      more = true;
      break;
    }
    items.push(entry);
  }
  const metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: String(revision) };
  if (more) {
    const lastKey = items[items.length - 1]!.key;
    metadata.continue = encodeContinue(revision, lastKey);
    // kube counts what is left only when no selector could exclude some of it.
    if (!options.labels && !options.fields) metadata.remainingItemCount = state.cache.countAfter(info.namespace, lastKey);
  }
  const shape = request.shape;
  if (shape.as === 'object') {
    request.replyTo.send(jsonResponse(request.id, 200, listBytes(state, metadata, items)));
  } else if (shape.as === 'Table') {
    request.replyTo.send(jsonResponse(request.id, 200, table(state.kind, items.map(parseObject), shape, metadata)));
  } else {
    const list = {
      kind: 'PartialObjectMetadataList',
      apiVersion: `meta.k8s.io/${shape.version}`,
      metadata,
      items: items.map((e) => partialObjectMetadata(parseObject(e), shape.version)),
    };
    request.replyTo.send(jsonResponse(request.id, 200, list));
  }
}
