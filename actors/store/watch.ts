// WATCH: a stream of events per client. Each event is encoded once per
// response shape and the same bytes go to every watcher that wants them,
// in one message to the listener.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest, ReplyTo, ResourceRequestInfo, ResponseShape } from '../../protocol/messages/request.js';
import { statusResponse } from '../../protocol/messages/http.js';
import { expired, failure } from '../../protocol/kube/status.js';
import { apiVersionOf } from '../../scheme/kind-description.js';
import type { StoreState, Watcher } from './store-state.js';
import { decodeStored, listRevision, parseObject } from './store-state.js';
import type { Entry, EventType, HistoryEvent } from './resource-cache.js';
import { parseListOptions, type ListOptions } from './list-options.js';
import { matches, whenFresh } from './read.js';
import { table } from './table.js';

/** kube ends a watch between min-request-timeout and twice that, so clients spread their re-watches. */
export const MIN_REQUEST_TIMEOUT_SECONDS = 1800;
export const BOOKMARK_INTERVAL_MS = 60_000;

const encoder = new TextEncoder();

/** Whether two watchers want the same bytes: the same shape (compared field by field, never as a string built per watcher). */
function sameShape(a: ResponseShape, b: ResponseShape): boolean {
  if (a === b || (a.as === 'object' && b.as === 'object')) return true;
  if (a.as === 'Table' && b.as === 'Table') return a.version === b.version && a.includeObject === b.includeObject;
  return a.as === 'PartialObjectMetadata' && b.as === 'PartialObjectMetadata' && a.version === b.version;
}

/** One watch event line, in the watcher's shape. */
function encodeEvent(state: StoreState, type: EventType, entry: Entry, shape: ResponseShape): Uint8Array {
  if (shape.as === 'object') {
    return Buffer.concat([encoder.encode(`{"type":"${type}","object":`), entry.bytes, encoder.encode('}\n')]);
  }
  const object = parseObject(entry);
  const body =
    shape.as === 'Table'
      ? table(state.kind, [object], shape, { resourceVersion: String(entry.revision) })
      : { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${shape.version}`, metadata: object.metadata };
  return encoder.encode(`${JSON.stringify({ type, object: body })}\n`);
}

function bookmarkLine(state: StoreState, revision: number, annotations?: Record<string, string>): Uint8Array {
  const metadata: KubeObject['metadata'] = { resourceVersion: String(revision) };
  if (annotations) metadata.annotations = annotations;
  return encoder.encode(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: state.kind.kind, apiVersion: apiVersionOf(state.kind), metadata } })}\n`);
}

function send(replyTo: ReplyTo, ids: number[], chunk: Uint8Array): void {
  replyTo.send({ type: 'stream.chunk', ids, chunk });
}

/** Whether `entry` is in `watcher`'s namespace and selection. */
function selects(watcher: Watcher, entry: Entry | undefined): boolean {
  if (!entry || (watcher.namespace && entry.namespace !== watcher.namespace)) return false;
  return (!watcher.labels && !watcher.fields) || matches(watcher, entry);
}

/** The type a selected watcher sees: objects that leave its selection are DELETED for it, those that enter are ADDED. */
function eventFor(watcher: Watcher, event: HistoryEvent): EventType | undefined {
  if (event.type === 'DELETED') return selects(watcher, event.previous ?? event.entry) || selects(watcher, event.entry) ? 'DELETED' : undefined;
  const now = selects(watcher, event.entry);
  const before = event.type !== 'ADDED' && selects(watcher, event.previous);
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

/** One chunk per event type and response shape, shared by every watcher of one listener that wants it. */
interface Group {
  type: EventType;
  shape: ResponseShape;
  chunk: Uint8Array | undefined;
  ids: number[];
}

export function fanOut(state: StoreState, event: HistoryEvent): void {
  if (state.watchers.size === 0) return;
  const groups = new Map<ReplyTo, Group[]>();
  for (const watcher of state.watchers.values()) {
    const type = eventFor(watcher, event);
    if (!type) continue;
    let byShape = groups.get(watcher.replyTo);
    if (!byShape) groups.set(watcher.replyTo, (byShape = []));
    // Watchers want few shapes and types: a short list beats a string key built per watcher.
    let group = byShape.find((g) => g.type === type && sameShape(g.shape, watcher.shape));
    if (!group) byShape.push((group = { type, shape: watcher.shape, chunk: undefined, ids: [] }));
    group.ids.push(watcher.id);
  }
  for (const [replyTo, byShape] of groups) {
    for (const group of byShape) {
      state.watchEventsSent += group.ids.length;
      send(replyTo, group.ids, (group.chunk ??= encodeEvent(state, group.type, event.entry, group.shape)));
    }
  }
}

/** The oldest revision a watch may start after: what is neither compacted nor, on etcd, older than the cache's history. */
function oldestWatchable(state: StoreState): number {
  return state.log.sharedWriters ? state.cache.historyFrom : state.log.compactedRevision();
}

/**
 * Events a watch from `after` must replay, from memory or, if older, from the log. Undefined: compacted
 * away, or on etcd older than the cache's history (kube's watch cache answers those 410 too).
 */
function replayAfter(state: StoreState, after: number): HistoryEvent[] | undefined {
  const recent = state.cache.eventsAfter(after);
  if (recent) return recent;
  if (after < state.log.compactedRevision()) return undefined;
  const rows = state.log.since(state.prefix, after);
  if (!rows) return undefined;
  const previousByKey = new Map<string, Entry>();
  return rows.flatMap((row): HistoryEvent[] => {
    if (row.revision > state.cache.historyFrom) return [];
    const key = row.key.slice(state.prefix.length);
    let entry: Entry;
    try {
      entry = decodeStored(key, row.revision, Buffer.from(row.value).toString('utf8'), () => row.value, state.kind);
    } catch {
      // Undecodable (reported when the store loaded): a watch skips it, as a list does.
      return [];
    }
    const previous = previousByKey.get(key);
    previousByKey.set(key, entry);
    return [{ type: row.deleted ? 'DELETED' : row.created ? 'ADDED' : 'MODIFIED', revision: row.revision, entry, previous }];
  }).concat(state.cache.eventsAfter(state.cache.historyFrom) ?? []);
}

export function handleWatch(state: StoreState, request: ApiRequest, info: ResourceRequestInfo): void {
  // A watch on one named object (the legacy /watch/ path) is a watch with a name field selector, as in kube.
  const query = info.name
    ? { ...request.query, fieldSelector: [`metadata.name=${info.name}`, request.query.fieldSelector].filter(Boolean).join(',') }
    : request.query;
  const parsed = parseListOptions(query, true, state.kind.selectableFields);
  if (!parsed.ok) {
    request.replyTo.send(statusResponse(request.id, parsed.status));
    return;
  }
  const options = parsed.options;
  const watcher: Watcher = {
    id: request.id,
    replyTo: request.replyTo.via ?? request.replyTo,
    namespace: info.namespace,
    labels: options.labels,
    fields: options.fields,
    shape: request.shape,
    bookmarks: options.allowWatchBookmarks,
    timer: undefined,
  };
  const rv = options.resourceVersion;
  const after = rv === undefined || rv === '' || rv === '0' ? undefined : Number(rv);
  if (after !== undefined && (!Number.isInteger(after) || after < 0)) {
    request.replyTo.send(statusResponse(request.id, failure('BadRequest', `invalid resource version: ${rv}`)));
    return;
  }
  // Like kube's watch cache, a watch starts only once the cache has reached where the client has been.
  const consistent = rv === undefined || rv === '';
  whenFresh(state, request, after, consistent, () => startWatch(state, request, info, options, watcher, after));
}

function startWatch(state: StoreState, request: ApiRequest, info: ResourceRequestInfo, options: ListOptions, watcher: Watcher, after: number | undefined): void {
  const synthetic = (): Uint8Array[] =>
    [...state.cache.range(info.namespace, '', options.labels)].filter((e) => matches(options, e)).map((e) => encodeEvent(state, 'ADDED', e, watcher.shape));
  let initial: Uint8Array[] = [];
  if (options.sendInitialEvents) {
    initial = synthetic();
    // client-go's watch-list: the initial state ends with an annotated bookmark.
    initial.push(bookmarkLine(state, listRevision(state), { 'k8s.io/initial-events-end': 'true' }));
  } else if (after === undefined) {
    initial = synthetic();
  } else {
    const events = replayAfter(state, after);
    request.replyTo.send({ type: 'stream.open', id: request.id, headers: watchHeaders, owner: state.streamOwner });
    if (!events) {
      const status = expired(`too old resource version: ${after} (${oldestWatchable(state)})`);
      send(request.replyTo, [request.id], encoder.encode(`${JSON.stringify({ type: 'ERROR', object: status })}\n`));
      request.replyTo.send({ type: 'stream.close', id: request.id });
      return;
    }
    for (const event of events) {
      const type = eventFor(watcher, event);
      if (type) send(request.replyTo, [request.id], encodeEvent(state, type, event.entry, watcher.shape));
    }
    register(state, watcher, options.timeoutSeconds);
    return;
  }
  request.replyTo.send({ type: 'stream.open', id: request.id, headers: watchHeaders, owner: state.streamOwner });
  if (initial.length > 0) send(request.replyTo, [request.id], Buffer.concat(initial));
  register(state, watcher, options.timeoutSeconds);
}

const watchHeaders = { 'content-type': 'application/json', 'cache-control': 'no-cache, private' };

function register(state: StoreState, watcher: Watcher, timeoutSeconds: number | undefined): void {
  const seconds = timeoutSeconds ?? MIN_REQUEST_TIMEOUT_SECONDS * (1 + Math.random());
  watcher.timer = state.clock.setTimeout(() => endWatch(state, watcher.id), seconds * 1000);
  state.watchers.set(watcher.id, watcher);
  if (watcher.bookmarks && state.bookmarkTimer === undefined) scheduleBookmarks(state);
}

function scheduleBookmarks(state: StoreState): void {
  state.bookmarkTimer = state.clock.setTimeout(() => {
    state.bookmarkTimer = undefined;
    const ids = new Map<ReplyTo, number[]>();
    for (const w of state.watchers.values()) if (w.bookmarks) ids.set(w.replyTo, [...(ids.get(w.replyTo) ?? []), w.id]);
    if (ids.size === 0) return;
    const line = bookmarkLine(state, listRevision(state));
    for (const [replyTo, list] of ids) send(replyTo, list, line);
    scheduleBookmarks(state);
  }, BOOKMARK_INTERVAL_MS);
}

/** The server ends a watch: its timeout passed, or the store is stopping. */
export function endWatch(state: StoreState, id: number): void {
  const watcher = state.watchers.get(id);
  if (!watcher) return;
  forgetWatch(state, id);
  watcher.replyTo.send({ type: 'stream.close', id });
}

/** The client went away: drop the watcher without writing to it. */
export function forgetWatch(state: StoreState, id: number): void {
  const watcher = state.watchers.get(id);
  if (!watcher) return;
  state.clock.clearTimeout(watcher.timer);
  state.watchers.delete(id);
}
