// The listener's side effects that do not depend on the transport: the open
// responses, and what kube's outer filters do before a request becomes a
// message (request info, body limit, in-flight limits, request deadline,
// shutdown admission). A transport (uws-frontend.ts, node-frontend.ts)
// subclasses it: it owns the socket, turns each HTTP request into a call of
// admit() and bodyReceived(), and writes what respond() and the stream
// methods hand it.

import type { ApiRequest, ReplyTo, RequestInfo, UpgradeRequest } from '../../protocol/messages/request.js';
import type { ServerMetrics } from '../../lib/metrics.js';
import type { Log } from '../../lib/log.js';
import type { HttpResponse, StreamChunk, StreamOpen, StreamCancelled, TunnelData, TunnelFlow, TunnelOpen } from '../../protocol/messages/http.js';
import { statusResponse } from '../../protocol/messages/http.js';
import {
  badRequest, entityTooLarge, failure, methodNotAllowed, timeout, tooManyRequests, unsupportedMediaType, type Status,
} from '../../protocol/kube/status.js';
import type { Clock } from '../../lib/clock.js';
import { isLongRunning, isMutating, requestInfoOf } from './request-info.js';
import { bodyKindOf, negotiateResponse, type Negotiated } from './negotiate.js';
import { encodeKubeProtobuf, encodeWatchFrame, PROTOBUF_MEDIA_TYPE, PROTOBUF_WATCH_MEDIA_TYPE } from '../../protocol/codec/protobuf-encode.js';
import { hasProtobufPackage } from '../../protocol/codec/protobuf.js';

export interface FrontendOptions {
  host: string;
  port: number;
  certFile: string;
  keyFile: string;
  maxBodyBytes: number;
  maxRequestsInFlight: number;
  maxMutatingRequestsInFlight: number;
  requestTimeoutMs: number;
  /** A watcher whose unsent bytes exceed this is ended, not waited for. */
  maxStreamBacklogBytes: number;
  /** PEM of --client-ca-file: the TLS handshake asks for a client certificate signed by one of these. */
  clientCaPem?: string | undefined;
  /** Headers kept beyond KEPT_HEADERS: the front proxy's (--requestheader-*-headers), by name and prefix, lower case. */
  keptHeaders?: { names: ReadonlySet<string>; prefixes: readonly string[] } | undefined;
}

/** What the frontend does with a new request, decided by the listener's state. */
export type Admission = 'serve' | 'serve-and-close' | 'retry-after';

/** What the listener hands every frontend. */
export interface FrontendWiring {
  options: FrontendOptions;
  clock: Clock;
  /** The listener itself, as the address replies come back to. */
  replyTo: ReplyTo;
  forward: (request: ApiRequest) => void;
  admission: () => Admission;
  onIdle: () => void;
  onError: (error: unknown) => void;
  /** Where each finished request is counted for /metrics. */
  metrics?: ServerMetrics | undefined;
  /** With -v=3 or more: kube's httplog line for every finished request. */
  requestLog?: Log | undefined;
}

export interface OpenRequest<Res> {
  id: number;
  res: Res;
  /** A HEAD request: its answer has headers only. */
  head: boolean;
  aborted: boolean;
  longRunning: boolean;
  mutating: boolean;
  streaming: boolean;
  closeConnection: boolean;
  /** When a non-long-running request times out (ms since the epoch); 0 for streams. */
  deadline: number;
  owner: { send(message: StreamCancelled): void } | undefined;
  flow: StreamOpen['flow'];
  /** An upgraded connection's peer (the proxy): it gets the client's data. */
  peer: TunnelOpen['peer'] | undefined;
  backlog: number;
  /** Counted against the in-flight limits (and so in the drain). */
  counted: boolean;
  /** What /metrics and the request log report of the request once it finishes. */
  method: string;
  info: RequestInfo;
  dryRun: string;
  apply: boolean;
  startedAt: number;
  code: number;
  auditId: string | undefined;
  uri: string;
  userAgent: string;
  /** Accept chose protobuf: answers of built-in kinds are written in it (see asProtobuf). */
  protobuf: Negotiated['protobuf'];
  /** A watch written in kube's protobuf stream framing. */
  protobufStream: boolean;
  /** The request as forwarded: the chain may set headers for its answer (`responseHeaders`). */
  request: ApiRequest | undefined;
}

/** The request headers the handler chain reads; every other header is dropped at the door. */
export const KEPT_HEADERS = new Set([
  'authorization', 'accept', 'content-type', 'content-length', 'if-none-match', 'user-agent',
  'impersonate-user', 'impersonate-group', 'impersonate-uid',
]);

/** Whether a request header reaches the actors: KEPT_HEADERS, impersonation's extras, and the front proxy's. */
export function keepsHeader(options: FrontendOptions, name: string): boolean {
  if (KEPT_HEADERS.has(name) || name.startsWith('impersonate-extra-')) return true;
  const extra = options.keptHeaders;
  return extra !== undefined && (extra.names.has(name) || extra.prefixes.some((p) => name.startsWith(p)));
}

/** The methods kube serves; any other valid method is answered 405. */
const SERVED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const DEADLINE_SWEEP_MS = 1000;

/** Paths served during shutdown even with send-retry-after, as kube exempts them. */
const HEALTH_PATHS = /^\/(healthz|livez|readyz|metrics)(\/|$)/;

const NOT_ACCEPTABLE = failure('NotAcceptable', 'only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io, application/vnd.kubernetes.protobuf');

/**
 * A JSON answer rewritten as kube's protobuf, when its kind has one. One that has none (a Table,
 * an aggregated discovery document) stays JSON if Accept allowed JSON too, else is refused with 406.
 */
function asProtobuf(reply: HttpResponse, jsonAllowed: boolean): HttpResponse {
  if (!(reply.headers['content-type'] ?? '').startsWith('application/json')) return reply;
  let encoded: Uint8Array | undefined;
  try {
    const object = JSON.parse(typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength).toString('utf8')) as unknown;
    if (object !== null && typeof object === 'object' && !Array.isArray(object)) encoded = encodeKubeProtobuf(object as Record<string, unknown>);
  } catch {
    encoded = undefined;
  }
  if (encoded) return { ...reply, headers: { ...reply.headers, 'content-type': PROTOBUF_MEDIA_TYPE }, body: encoded };
  return jsonAllowed ? reply : statusResponse(reply.id, NOT_ACCEPTABLE);
}

/** A watch chunk (JSON lines, shared by every watcher it goes to) in kube's protobuf framing; transcoded once per chunk. */
const WATCH_FRAMES = new WeakMap<Uint8Array, Uint8Array>();

function watchFramesOf(chunk: Uint8Array): Uint8Array {
  let frames = WATCH_FRAMES.get(chunk);
  if (frames) return frames;
  const parts: Uint8Array[] = [];
  for (const line of Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8').split('\n')) {
    if (!line) continue;
    const event = JSON.parse(line) as { type: string; object: Record<string, unknown> };
    const frame = encodeWatchFrame(event.type, event.object);
    if (frame) parts.push(frame);
  }
  frames = Buffer.concat(parts);
  WATCH_FRAMES.set(chunk, frames);
  return frames;
}

/** The path of a request target: origin-form as is; absolute-form (`https://host/p`) loses its scheme and authority. */
export function pathOfTarget(target: string): string {
  if (target.charCodeAt(0) === 47 /* / */) return target;
  const schemeEnd = target.indexOf('://');
  if (schemeEnd < 0) return target;
  const slash = target.indexOf('/', schemeEnd + 3);
  return slash < 0 ? '/' : target.slice(slash);
}

/**
 * The declared body length: 0 when absent, undefined when it is no number or
 * repeated with different values (transports join repeated headers with commas).
 */
function contentLengthOf(header: string | undefined): number | undefined {
  if (header === undefined) return 0;
  if (/^\d+$/.test(header)) return Number(header);
  const values = new Set(header.split(',').map((v) => v.trim()));
  if (values.size !== 1) return undefined;
  const [only] = values;
  return /^\d+$/.test(only!) ? Number(only) : undefined;
}

export abstract class HttpFrontend<Res> {
  protected readonly open = new Map<number, OpenRequest<Res>>();
  private nextId = 1;
  readonly inFlight = { readOnly: 0, mutating: 0 };
  protected readonly options: FrontendOptions;
  protected readonly clock: Clock;
  protected readonly onError: (error: unknown) => void;
  protected readonly admission: () => Admission;
  private readonly replyTo: ReplyTo;
  private readonly forward: (request: ApiRequest) => void;
  private readonly onIdle: () => void;
  private readonly metrics: ServerMetrics | undefined;
  private readonly requestLog: Log | undefined;

  constructor(wiring: FrontendWiring) {
    this.options = wiring.options;
    this.clock = wiring.clock;
    this.replyTo = wiring.replyTo;
    this.forward = wiring.forward;
    this.admission = wiring.admission;
    this.onIdle = wiring.onIdle;
    this.onError = wiring.onError;
    this.metrics = wiring.metrics;
    this.requestLog = wiring.requestLog;
  }

  /** Which transport this is, for the log line that says so. */
  abstract readonly transport: string;

  /** Binds the socket; `done` gets the port, or undefined when binding failed. */
  abstract listen(done: (port: number | undefined) => void): void;

  /** Closes the listening socket; connections already open are served on. */
  abstract stopListening(): void;

  /** Writes a whole answer, then the chain's `open.request.responseHeaders`; `close` ends the connection after it. */
  protected abstract writeResponse(open: OpenRequest<Res>, reply: HttpResponse, close: boolean): void;

  /** Writes a stream's status and headers and sends them at once. */
  protected abstract writeStreamHead(open: OpenRequest<Res>, headers: Record<string, string>): void;

  /** Writes a stream's chunk; false when the transport buffered it (backpressure). */
  protected abstract writeChunk(open: OpenRequest<Res>, chunk: Uint8Array): boolean;

  /** Calls `then` once the transport has sent what it buffered. */
  protected abstract whenWritable(open: OpenRequest<Res>, then: () => void): void;

  /** Ends a stream's response. */
  protected abstract endStream(open: OpenRequest<Res>): void;

  /** Upgrades the connection (101), then hands every piece the client sends to clientData(). */
  protected abstract writeTunnelHead(open: OpenRequest<Res>, headers: Record<string, string>): void;

  /**
   * Sends the client one piece of an upgraded connection (bytes, or a WebSocket message); false once the
   * transport holds more than it should for a client that is not reading (then whenTunnelDrained()).
   */
  protected abstract writeTunnelData(open: OpenRequest<Res>, data: Uint8Array, binary: boolean): boolean;

  /** Calls `then` once a tunnel's client has taken what the transport held for it. */
  protected abstract whenTunnelDrained(open: OpenRequest<Res>, then: () => void): void;

  /** Stops or goes on reading a tunnel's client, as its peer's other side backs up or drains (where the transport can). */
  protected abstract readTunnel(open: OpenRequest<Res>, reading: boolean): void;

  /** Closes an upgraded connection. */
  protected abstract endTunnel(open: OpenRequest<Res>): void;

  /**
   * kube's timeout filter. One sweep a second instead of a timer per request:
   * a timer costs more on the hot path than a second of slack costs a timeout.
   */
  private sweepTimer: unknown;

  private sweepDeadlines(): void {
    const now = this.clock.now();
    for (const open of this.open.values()) {
      if (open.deadline > 0 && open.deadline <= now) {
        this.reject(open, timeout('request did not complete within requested timeout - context deadline exceeded'));
      }
    }
    this.sweepTimer = this.clock.setTimeout(() => this.sweepDeadlines(), DEADLINE_SWEEP_MS);
  }

  /** Transports call this once bound. */
  protected startTiming(): void {
    this.sweepTimer = this.clock.setTimeout(() => this.sweepDeadlines(), DEADLINE_SWEEP_MS);
  }

  /** Stops listening and timing requests: nothing of the frontend keeps the process alive after. */
  close(): void {
    this.stopListening();
    this.clock.clearTimeout(this.sweepTimer);
  }

  get nonLongRunningInFlight(): number {
    return this.inFlight.readOnly + this.inFlight.mutating;
  }

  /** The long-running requests open now (watches, proxies), for apiserver_longrunning_requests. */
  forEachLongRunning(visit: (method: string, info: RequestInfo) => void): void {
    for (const open of this.open.values()) if (open.longRunning) visit(open.method, open.info);
  }

  /** Requests authn sent past apf at an exempt level, by level, not yet answered (a watch: its stream not yet open). */
  exemptInFlight(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const open of this.open.values()) {
      const level = open.request?.exemptLevel;
      if (level !== undefined && !open.streaming) counts.set(level, (counts.get(level) ?? 0) + 1);
    }
    return counts;
  }

  get openStreams(): number[] {
    return [...this.open.values()].filter((o) => o.streaming).map((o) => o.id);
  }

  /**
   * A new request, its headers read: registers it and applies the outer
   * filters. Returns what the transport must still do — nothing (answered
   * already or forwarded), or read the body and hand it to bodyReceived().
   * `onAbort` is how the transport learns of a client gone away; it must
   * call aborted() then.
   */
  protected admit(
    res: Res, method: string, path: string, rawQuery: string, headers: Record<string, string>,
    onAbort: (open: OpenRequest<Res>) => void, extend?: (request: ApiRequest) => void, upgrade?: UpgradeRequest,
  ): { open: OpenRequest<Res>; request: ApiRequest } | undefined {
    // An upgraded connection lives as long as its client and peer keep it, as kube's proxy keeps it.
    const tunnel = upgrade !== undefined && upgrade.mode !== 'unsupported';
    const query: Record<string, string> = {};
    if (rawQuery !== '') for (const [k, v] of new URLSearchParams(rawQuery)) if (!(k in query)) query[k] = v;
    const info = requestInfoOf(method, path, query);
    const open: OpenRequest<Res> = {
      id: this.nextId++, res, head: method === 'HEAD', aborted: false, longRunning: tunnel || isLongRunning(info, query), mutating: isMutating(info),
      streaming: false, closeConnection: false, deadline: 0, owner: undefined, flow: undefined, peer: undefined, backlog: 0, counted: false,
      method, info, dryRun: query.dryRun ?? '', apply: method === 'PATCH' && (headers['content-type'] ?? '').startsWith('application/apply-patch'),
      startedAt: this.clock.now(), code: 0, auditId: undefined, uri: rawQuery ? `${path}?${rawQuery}` : path, userAgent: headers['user-agent'] ?? '',
      protobuf: undefined, protobufStream: false, request: undefined,
    };
    this.open.set(open.id, open);
    onAbort(open);
    const admission = this.admission();
    if (admission === 'retry-after' && !HEALTH_PATHS.test(path)) {
      open.closeConnection = true;
      this.reject(open, failure('TooManyRequests', 'The apiserver is shutting down, please try again later.', { retryAfterSeconds: 5 }));
      return undefined;
    }
    open.closeConnection = admission !== 'serve';
    if (!SERVED_METHODS.has(method)) {
      this.reject(open, methodNotAllowed());
      return undefined;
    }
    if (!open.longRunning) {
      const mutating = open.mutating;
      const limit = mutating ? this.options.maxMutatingRequestsInFlight : this.options.maxRequestsInFlight;
      const count = mutating ? this.inFlight.mutating : this.inFlight.readOnly;
      if (limit > 0 && count >= limit) {
        this.reject(open, tooManyRequests(1));
        return undefined;
      }
      if (mutating) this.inFlight.mutating++;
      else this.inFlight.readOnly++;
      open.counted = true;
      open.deadline = open.startedAt + this.options.requestTimeoutMs;
    }
    const negotiated = negotiateResponse(headers.accept, query.includeObject);
    // Kinds outside the built-in groups (custom resources) have no protobuf form: JSON, if Accept allows it.
    if (negotiated?.protobuf && info.isResourceRequest && !hasProtobufPackage(info.apiGroup)) {
      if (negotiated.protobuf.fallback) Object.assign(negotiated, { shape: negotiated.protobuf.fallback, protobuf: undefined });
      else return void this.reject(open, NOT_ACCEPTABLE);
    }
    if (!negotiated && info.isResourceRequest) {
      this.reject(open, NOT_ACCEPTABLE);
      return undefined;
    }
    open.protobuf = negotiated?.protobuf;
    const request: ApiRequest = {
      id: open.id, method, info, query, headers, shape: negotiated?.shape ?? { as: 'object' },
      deadline: open.deadline, replyTo: this.replyTo,
    };
    open.request = request;
    extend?.(request);
    if (upgrade) request.upgrade = upgrade;
    if (tunnel || (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE')) {
      this.forward(request);
      return undefined;
    }
    const declared = contentLengthOf(headers['content-length']);
    if (declared === undefined) {
      // Go's server: two different lengths leave the body's end unknown, so nothing after it on the connection can be read.
      open.closeConnection = true;
      this.reject(open, badRequest('invalid Content-Length header'));
      return undefined;
    }
    if (declared > this.options.maxBodyBytes) {
      this.reject(open, entityTooLarge(this.options.maxBodyBytes));
      return undefined;
    }
    return { open, request };
  }

  /** The body has outgrown --max-request-body-bytes: 413, and the connection closes. */
  protected bodyTooLarge(open: OpenRequest<Res>): void {
    open.closeConnection = true;
    this.reject(open, entityTooLarge(this.options.maxBodyBytes));
  }

  /** The whole body of an admitted request has arrived. */
  protected bodyReceived(open: OpenRequest<Res>, request: ApiRequest, body: Buffer): void {
    if (body.length > 0) {
      const kind = bodyKindOf(request.headers['content-type'], request.method);
      if (!kind && request.info.isResourceRequest) return this.reject(open, unsupportedMediaType(request.headers['content-type'] ?? ''));
      if (kind) {
        request.bodyEncoding = kind.encoding;
        if (kind.patchType) request.patchType = kind.patchType;
      }
      request.body = body;
    }
    this.forward(request);
  }

  /** The client went away. */
  protected aborted(open: OpenRequest<Res>): void {
    open.aborted = true;
    open.owner?.send({ type: 'stream.cancelled', id: open.id, why: 'client-closed' });
    this.finish(open);
  }

  protected reject(open: OpenRequest<Res>, status: Status): void {
    this.respond(statusResponse(open.id, status));
  }

  respond(answer: HttpResponse): void {
    const open = this.open.get(answer.id);
    if (!open) return;
    // Documents outside the kinds (aggregated discovery, OpenAPI) fall back to JSON whatever Accept said.
    const reply = open.protobuf && !open.aborted ? asProtobuf(answer, open.protobuf.fallback !== undefined || !open.info.isResourceRequest) : answer;
    open.code = reply.status;
    open.auditId = reply.headers['audit-id'];
    // As Go's server does once shutting down: no connection outlives its answer, and the client is told so.
    if (!open.aborted) this.writeResponse(open, reply, open.closeConnection || this.admission() !== 'serve');
    this.finish(open);
  }

  /** The open request a stream or tunnel begins on, now streaming; undefined, and the owner told, when its client has gone. */
  private beginStream(id: number, owner: StreamOpen['owner'], code: number): OpenRequest<Res> | undefined {
    const open = this.open.get(id);
    if (!open) {
      owner.send({ type: 'stream.cancelled', id, why: 'client-closed' });
      return undefined;
    }
    open.streaming = true;
    open.owner = owner;
    open.code = code;
    return open;
  }

  streamOpen(message: StreamOpen): void {
    const open = this.beginStream(message.id, message.owner, 200);
    if (!open) return;
    open.flow = message.flow;
    open.auditId = message.headers['audit-id'];
    const extra = open.request?.responseHeaders;
    const headers = extra ? { ...message.headers, ...extra } : message.headers;
    if (open.protobuf && headers['content-type'] === 'application/json') {
      open.protobufStream = true;
      this.writeStreamHead(open, { ...headers, 'content-type': PROTOBUF_WATCH_MEDIA_TYPE });
      return;
    }
    this.writeStreamHead(open, headers);
  }

  streamChunk(message: StreamChunk): void {
    for (const id of message.ids) {
      const open = this.open.get(id);
      if (!open || !open.streaming || open.aborted) continue;
      const chunk = open.protobufStream ? watchFramesOf(message.chunk) : message.chunk;
      if (chunk.byteLength === 0) continue;
      if (this.writeChunk(open, chunk)) continue;
      if (open.backlog === 0) {
        this.whenWritable(open, () => {
          open.backlog = 0;
          if (this.open.get(id) === open) open.flow?.send({ type: 'stream.resumed', id });
        });
        open.flow?.send({ type: 'stream.paused', id });
      }
      open.backlog += chunk.byteLength;
      if (open.backlog > this.options.maxStreamBacklogBytes) {
        // kube's cacheWatcher: a watcher that cannot keep up is ended, so it never delays the others.
        open.owner?.send({ type: 'stream.cancelled', id, why: 'too-slow' });
        this.streamClose(id);
      }
    }
  }

  streamClose(id: number): void {
    const open = this.open.get(id);
    if (!open) return;
    if (!open.aborted) {
      if (open.peer) this.endTunnel(open);
      else this.endStream(open);
    }
    this.finish(open);
  }

  /** The peer upgraded the connection upstream: the client's connection is upgraded too. */
  tunnelOpen(message: TunnelOpen): void {
    const open = this.beginStream(message.id, message.peer, 101);
    if (!open) return;
    open.peer = message.peer;
    this.writeTunnelHead(open, message.headers);
  }

  /** The peer's data, for the client; a client that does not take it pauses the peer's reading (backlog > 0 meanwhile). */
  tunnelData(message: TunnelData): void {
    const { id } = message;
    const open = this.open.get(id);
    if (!open?.peer || open.aborted || this.writeTunnelData(open, message.data, message.binary) || open.backlog > 0) return;
    open.backlog = message.data.byteLength;
    open.peer.send({ type: 'tunnel.paused', id });
    this.whenTunnelDrained(open, () => {
      open.backlog = 0;
      if (this.open.get(id) === open) open.peer?.send({ type: 'tunnel.resumed', id });
    });
  }

  /** The peer's side has backed up (stop reading the client) or drained. */
  tunnelFlow(message: TunnelFlow): void {
    const open = this.open.get(message.id);
    if (open?.peer && !open.aborted) this.readTunnel(open, message.type === 'tunnel.resumed');
  }

  /** The client's data, for the peer (transports call this). */
  protected clientData(open: OpenRequest<Res>, data: Uint8Array, binary: boolean): void {
    if (this.open.get(open.id) === open) open.peer?.send({ type: 'tunnel.data', id: open.id, data, binary });
  }

  /** Ends every open stream, telling each stream's owner. */
  closeStreams(why: StreamCancelled['why']): void {
    for (const open of [...this.open.values()]) {
      if (!open.streaming) continue;
      open.owner?.send({ type: 'stream.cancelled', id: open.id, why });
      this.streamClose(open.id);
    }
  }

  /** Ends the streams a crashed actor owned; their clients see a closed watch and re-watch. */
  closeStreamsOf(owner: unknown): void {
    for (const open of [...this.open.values()]) if (open.streaming && open.owner === owner) this.streamClose(open.id);
  }

  /** A request its client left before any answer was written has no code to report, and is not counted. */
  private observe(open: OpenRequest<Res>): void {
    if (open.code === 0) return;
    const seconds = (this.clock.now() - open.startedAt) / 1000;
    this.metrics?.observeRequest(open, seconds);
    // kube's httplog fields (k8s.io/apiserver/pkg/server/httplog), as one structured line.
    this.requestLog?.debug('HTTP', {
      verb: open.method,
      URI: open.uri,
      latency: `${Math.round(seconds * 1e6) / 1000}ms`,
      userAgent: open.userAgent,
      'audit-ID': open.auditId ?? '',
      resp: open.code,
    });
  }

  private finish(open: OpenRequest<Res>): void {
    if (!this.open.delete(open.id)) return;
    if (this.metrics || this.requestLog) this.observe(open);
    if (open.counted) {
      if (open.mutating) this.inFlight.mutating--;
      else this.inFlight.readOnly--;
      if (this.nonLongRunningInFlight === 0) this.onIdle();
    }
  }
}
