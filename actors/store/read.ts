// GET and LIST: from the resource's in-memory cache, or, for a past revision (resourceVersionMatch=Exact,
// a continue token), from a snapshot of the revision log.

import type { ApiRequest, ResourceRequestInfo } from '../../protocol/messages/request.js';
import { badRequest, CONTINUE_TOO_OLD, expired, internalError, LIST_TOO_OLD, notFound, tooLargeResourceVersion } from '../../protocol/kube/status.js';
import { jsonResponse, statusResponse } from '../../protocol/messages/http.js';
import type { StoreState } from './store-state.js';
import { decodeStored, encodeText, keyOf, listRevision, parseObject, whenCaughtUp, whenLogAnswers } from './store-state.js';
import { CompactedError, type LatestRow } from './revision-log.js';
import type { Entry } from './resource-cache.js';
import { decodeContinue, encodeContinue, parseListOptions, type ListOptions } from './list-options.js';
import { matchesLabels } from './label-selector.js';
import { matchesFields, type FieldSelector } from './field-selector.js';
import { respondEntry, listBytes } from './respond.js';
import { partialObjectMetadata, tableBytes } from './table.js';

export function fieldsOfEntry(entry: Entry, selector?: FieldSelector): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': entry.name, 'metadata.namespace': entry.namespace };
  // Only a selector on a custom resource's selectable fields reads the object itself.
  const reading = selector?.filter((r) => r.read);
  if (reading && reading.length > 0) {
    const object = parseObject(entry);
    for (const r of reading) fields[r.field] = r.read!(object) ?? '';
  }
  return fields;
}

export function matches(options: Pick<ListOptions, 'labels' | 'fields'>, entry: Entry): boolean {
  if (options.labels && !matchesLabels(options.labels, entry.labels)) return false;
  if (options.fields && !matchesFields(options.fields, fieldsOfEntry(entry, options.fields))) return false;
  return true;
}

/** How long a read waits for a resourceVersion the store has not reached (the watch cache's blockTimeout). */
export const TOO_LARGE_WAIT_MS = 3_000;

const isUnset = (resourceVersion: string | undefined): boolean => resourceVersion === undefined || resourceVersion === '';

/** A query's resourceVersion as a revision: undefined when unset or "0" (any), NaN when it is not one. */
function revisionOf(resourceVersion: string | undefined): number | undefined {
  if (resourceVersion === undefined || resourceVersion === '' || resourceVersion === '0') return undefined;
  return /^[0-9]+$/.test(resourceVersion) ? Number(resourceVersion) : NaN;
}

/**
 * Serves a read once the store has reached `wanted`. `wanted` undefined with `consistent`: the read
 * must see every change made anywhere before it (resourceVersion unset); the cache of a single-writer
 * SQLite store always does. On etcd, where other processes write, the store first learns how far the
 * cluster is (a fence, see etcd-log.ts) and waits for its change feed to get there.
 */
export function whenFresh(state: StoreState, request: ApiRequest, wanted: number | undefined, consistent: boolean, serve: () => void): void {
  const behind = wanted === undefined ? consistent : wanted > listRevision(state);
  if (!state.log.sharedWriters || !behind) return waitFor(state, request, wanted, serve);
  whenCaughtUp(state, (error) => {
    if (error) request.replyTo.send(statusResponse(request.id, internalError(error.message)));
    else waitFor(state, request, wanted, serve);
  });
}

/**
 * Serves a read at once when the store has reached `wanted`, else after a wait of TOO_LARGE_WAIT_MS,
 * or answers 504 "Too large resource version" if it still has not.
 */
function waitFor(state: StoreState, request: ApiRequest, wanted: number | undefined, serve: () => void): void {
  if (wanted === undefined || wanted <= listRevision(state)) return serve();
  state.clock.setTimeout(() => {
    if (wanted <= listRevision(state)) serve();
    else request.replyTo.send(statusResponse(request.id, tooLargeResourceVersion(wanted, listRevision(state))));
  }, TOO_LARGE_WAIT_MS);
}

export function handleGet(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  const wanted = revisionOf(request.query.resourceVersion);
  if (Number.isNaN(wanted)) {
    request.replyTo.send(statusResponse(request.id, badRequest(`invalid resource version: ${request.query.resourceVersion}`)));
    return;
  }
  whenFresh(state, request, wanted, isUnset(request.query.resourceVersion), () => {
    const entry = state.cache.get(keyOf(info.namespace, info.name));
    if (!entry) {
      request.replyTo.send(statusResponse(request.id, notFound(state.resource, info.name)));
      return;
    }
    respondEntry(state, request, 200, entry);
  });
}

/** Where a list reads from: the cache as it is now, or a snapshot of the log at a past revision. */
interface ListSource {
  revision: number;
  entries: Iterable<Entry>;
  /** How many items follow the page that ended at `lastKey`; `rest` is the iteration past it. */
  remaining(lastKey: string, rest: Iterator<Entry>): number;
}

/** The resource as it was at `revision`, from the log's snapshot rows, within `namespace`. */
function* entriesAt(state: StoreState, rows: Iterable<LatestRow>, namespace: string): Generator<Entry> {
  const within = namespace ? `${namespace}/` : '';
  for (const row of rows) {
    const key = row.key.slice(state.prefix.length);
    if (within && !key.startsWith(within)) return;
    let entry: Entry;
    try {
      entry = decodeStored(key, row.revision, row.text, encodeText, state.kind);
    } catch {
      // A value that does not decode was reported when the store loaded; a snapshot skips it too.
      continue;
    }
    yield entry;
  }
}

/** The cache shows the resource as it was at `snapshot` when nothing of it has changed since. */
function cacheShows(state: StoreState, snapshot: number): boolean {
  return state.cache.changedAfter(snapshot) === false;
}

function cacheSource(state: StoreState, namespace: string, afterKey: string, snapshot: number | undefined, labels: ListOptions['labels']): ListSource {
  return {
    revision: snapshot ?? listRevision(state),
    entries: state.cache.range(namespace, afterKey, labels),
    remaining: (lastKey) => state.cache.countAfter(namespace, lastKey),
  };
}

function snapshotSource(state: StoreState, rows: Iterable<LatestRow>, namespace: string, snapshot: number): ListSource {
  return {
    revision: snapshot,
    entries: entriesAt(state, rows, namespace),
    // The entry that showed there was more, and everything after it.
    remaining: (_lastKey, rest) => {
      let n = 1;
      while (!rest.next().done) n++;
      return n;
    },
  };
}

export function handleList(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  const parsed = parseListOptions(request.query, false, state.kind.selectableFields);
  if (!parsed.ok) {
    request.replyTo.send(statusResponse(request.id, parsed.status));
    return;
  }
  const options = parsed.options;
  const wanted = revisionOf(options.resourceVersion);
  if (Number.isNaN(wanted)) {
    request.replyTo.send(statusResponse(request.id, badRequest(`invalid resource version: ${options.resourceVersion}`)));
    return;
  }
  // A continue token and resourceVersionMatch=Exact both ask for the list exactly as it was at a revision.
  let snapshot = options.resourceVersionMatch === 'Exact' ? wanted : undefined;
  let afterKey = '';
  if (options.continueToken) {
    const token = decodeContinue(options.continueToken);
    if (!token) {
      request.replyTo.send(statusResponse(request.id, badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)')));
      return;
    }
    // -1: kube's token for "continue at the latest revision", handed out when the original was compacted.
    snapshot = token.revision === -1 ? undefined : token.revision;
    afterKey = token.lastKey;
  }
  const consistent = snapshot === undefined && isUnset(options.resourceVersion);
  whenFresh(state, request, snapshot ?? wanted, consistent, () => listAt(state, request, info, options, snapshot, afterKey));
}

function listAt(state: StoreState, request: ApiRequest, info: ResourceRequestInfo, options: ListOptions, snapshot: number | undefined, afterKey: string): void {
  if (snapshot === undefined || cacheShows(state, snapshot)) {
    page(state, request, options, cacheSource(state, info.namespace, afterKey, snapshot, options.labels));
    return;
  }
  const from = afterKey || (info.namespace ? `${info.namespace}/` : '');
  whenLogAnswers(state, (done: (rows: Iterable<LatestRow> | Error) => void) => state.log.snapshot(state.prefix, snapshot, from, done), (rows) => {
    if (rows instanceof CompactedError) {
      const status = expired(options.continueToken ? CONTINUE_TOO_OLD : LIST_TOO_OLD);
      if (options.continueToken) status.metadata = { continue: encodeContinue(-1, afterKey) };
      request.replyTo.send(statusResponse(request.id, status));
    } else if (rows instanceof Error) {
      request.replyTo.send(statusResponse(request.id, internalError(rows.message)));
    } else {
      page(state, request, options, snapshotSource(state, rows, info.namespace, snapshot));
    }
  });
}

/** One page of a list from `source`, with kube's continue token and remainingItemCount. */
function page(state: StoreState, request: ApiRequest, options: ListOptions, source: ListSource): void {
  const items: Entry[] = [];
  let more = false;
  const iterator = source.entries[Symbol.iterator]();
  for (let next = iterator.next(); !next.done; next = iterator.next()) {
    const entry = next.value;
    if (!matches(options, entry)) continue;
    if (options.limit > 0 && items.length >= options.limit) {
      more = true;
      break;
    }
    items.push(entry);
  }
  const metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: String(source.revision) };
  if (more) {
    const lastKey = items[items.length - 1]!.key;
    metadata.continue = encodeContinue(source.revision, lastKey);
    // kube counts what is left only when no selector could exclude some of it; the entry that
    // showed there was more is one of them.
    if (!options.labels && !options.fields) metadata.remainingItemCount = source.remaining(lastKey, iterator);
  }
  respondList(state, request, metadata, items);
}

function respondList(state: StoreState, request: ApiRequest, metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number }, items: Entry[]): void {
  const shape = request.shape;
  if (shape.as === 'object') {
    request.replyTo.send(jsonResponse(request.id, 200, listBytes(state, metadata, items)));
  } else if (shape.as === 'Table') {
    request.replyTo.send(jsonResponse(request.id, 200, tableBytes(state.kind, items, shape, metadata)));
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
