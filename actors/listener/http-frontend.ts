// The listener's side effects: one uWS SSLApp, the open responses, and what
// kube's outer filters do before a request becomes a message (request info,
// body limit, in-flight limits, request deadline).
// uWS discipline: onAborted before anything async, copy the request
// synchronously (it lives on the stack), write inside cork, honour backpressure.

import type { ApiRequest, ReplyTo } from '../../protocol/messages/request.js';
import type { HttpResponse, StreamChunk, StreamOpen, StreamCancelled } from '../../protocol/messages/http.js';
import { statusResponse } from '../../protocol/messages/http.js';
import {
  entityTooLarge, failure, internalError, timeout, tooManyRequests, unsupportedMediaType, type Status,
} from '../../protocol/kube/status.js';
import type { Clock } from '../../lib/clock.js';
import type { Uws } from './uws.js';
import { statusLine } from './http-status.js';
import { isLongRunning, isMutating, requestInfoOf } from './request-info.js';
import { bodyKindOf, responseShapeOf } from './negotiate.js';

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
}

/** What the frontend does with a new request, decided by the listener's state. */
export type Admission = 'serve' | 'serve-and-close' | 'retry-after';

interface OpenRequest {
  id: number;
  res: Uws.HttpResponse;
  aborted: boolean;
  longRunning: boolean;
  mutating: boolean;
  streaming: boolean;
  closeConnection: boolean;
  /** When a non-long-running request times out (ms since the epoch); 0 for streams. */
  deadline: number;
  owner: { send(message: StreamCancelled): void } | undefined;
  backlog: number;
  /** Counted against the in-flight limits (and so in the drain). */
  counted: boolean;
}

const KEPT_HEADERS = new Set([
  'authorization', 'accept', 'content-type', 'content-length', 'if-none-match', 'user-agent',
  'impersonate-user', 'impersonate-group', 'impersonate-uid',
]);

const DEADLINE_SWEEP_MS = 1000;

/** Paths served during shutdown even with send-retry-after, as kube exempts them. */
const HEALTH_PATHS = /^\/(healthz|livez|readyz|metrics)(\/|$)/;

export class HttpFrontend {
  private readonly open = new Map<number, OpenRequest>();
  private nextId = 1;
  private listenSocket: Uws.us_listen_socket | undefined;
  private readonly app: Uws.TemplatedApp;
  readonly inFlight = { readOnly: 0, mutating: 0 };

  constructor(
    private readonly uws: typeof Uws,
    private readonly options: FrontendOptions,
    private readonly clock: Clock,
    /** The listener itself, as the address replies come back to. */
    private readonly replyTo: ReplyTo,
    private readonly forward: (request: ApiRequest) => void,
    private readonly admission: () => Admission,
    private readonly onIdle: () => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.app = uws.SSLApp({ key_file_name: options.keyFile, cert_file_name: options.certFile });
    this.app.any('/*', (res, req) => {
      // kube's panic recovery, outermost: nothing a request does may take the process down.
      try {
        this.accept(res, req);
      } catch (e) {
        this.onError(e);
        res.cork(() => res.writeStatus(statusLine(500)).writeHeader('content-type', 'application/json').end(JSON.stringify(internalError(e instanceof Error ? e.message : String(e))), true));
      }
    });
  }

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

  listen(done: (port: number | undefined) => void): void {
    this.app.listen(this.options.host, this.options.port, (socket) => {
      if (!socket) return done(undefined);
      this.listenSocket = socket;
      this.sweepTimer = this.clock.setTimeout(() => this.sweepDeadlines(), DEADLINE_SWEEP_MS);
      done(this.uws.us_socket_local_port(socket));
    });
  }

  stopListening(): void {
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }

  /** Stops listening and timing requests: nothing of the frontend keeps the process alive after. */
  close(): void {
    this.stopListening();
    this.clock.clearTimeout(this.sweepTimer);
  }

  get nonLongRunningInFlight(): number {
    return this.inFlight.readOnly + this.inFlight.mutating;
  }

  get openStreams(): number[] {
    return [...this.open.values()].filter((o) => o.streaming).map((o) => o.id);
  }

  private accept(res: Uws.HttpResponse, req: Uws.HttpRequest): void {
    const method = req.getMethod().toUpperCase();
    const path = req.getUrl();
    const rawQuery = req.getQuery() ?? '';
    const headers: Record<string, string> = {};
    req.forEach((name, value) => {
      if (KEPT_HEADERS.has(name)) headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    });
    const query: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(rawQuery)) if (!(k in query)) query[k] = v;
    const info = requestInfoOf(method, path, query);
    const open: OpenRequest = {
      id: this.nextId++, res, aborted: false, longRunning: isLongRunning(info, query), mutating: isMutating(info),
      streaming: false, closeConnection: false, deadline: 0, owner: undefined, backlog: 0, counted: false,
    };
    this.open.set(open.id, open);
    res.onAborted(() => {
      open.aborted = true;
      open.owner?.send({ type: 'stream.cancelled', id: open.id, why: 'client-closed' });
      this.finish(open);
    });
    const admission = this.admission();
    if (admission === 'retry-after' && !HEALTH_PATHS.test(path)) {
      open.closeConnection = true;
      return this.reject(open, failure('TooManyRequests', 'The apiserver is shutting down, please try again later.', { retryAfterSeconds: 5 }));
    }
    open.closeConnection = admission !== 'serve';
    if (!open.longRunning) {
      const mutating = open.mutating;
      const limit = mutating ? this.options.maxMutatingRequestsInFlight : this.options.maxRequestsInFlight;
      const count = mutating ? this.inFlight.mutating : this.inFlight.readOnly;
      if (limit > 0 && count >= limit) return this.reject(open, tooManyRequests(1));
      if (mutating) this.inFlight.mutating++;
      else this.inFlight.readOnly++;
      open.counted = true;
      open.deadline = this.clock.now() + this.options.requestTimeoutMs;
    }
    const shape = responseShapeOf(headers.accept, query.includeObject);
    if (!shape && info.isResourceRequest) {
      return this.reject(open, failure('NotAcceptable', 'only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io'));
    }
    const request: ApiRequest = {
      id: open.id, method, info, query, headers, shape: shape ?? { as: 'object' },
      deadline: open.deadline, replyTo: this.replyTo,
    };
    if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') {
      this.forward(request);
      return;
    }
    const declared = Number(headers['content-length'] ?? '0');
    if (declared > this.options.maxBodyBytes) return this.reject(open, entityTooLarge(this.options.maxBodyBytes));
    this.readBody(open, request);
  }

  private readBody(open: OpenRequest, request: ApiRequest): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    open.res.onData((chunk, isLast) => {
      if (tooLarge || open.aborted) return;
      size += chunk.byteLength;
      if (size > this.options.maxBodyBytes) {
        tooLarge = true;
        open.closeConnection = true;
        return this.reject(open, entityTooLarge(this.options.maxBodyBytes));
      }
      // uWS reuses the chunk's memory after this callback returns.
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
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
    });
  }

  private reject(open: OpenRequest, status: Status): void {
    this.respond(statusResponse(open.id, status));
  }

  respond(reply: HttpResponse): void {
    const open = this.open.get(reply.id);
    if (!open) return;
    if (!open.aborted) {
      // As Go's server does once shutting down: no connection outlives its answer, and the client is told so.
      const close = open.closeConnection || this.admission() !== 'serve';
      open.res.cork(() => {
        open.res.writeStatus(statusLine(reply.status));
        writeHeaders(open.res, reply.headers);
        if (close) open.res.writeHeader('connection', 'close');
        open.res.end(reply.body, close);
      });
    }
    this.finish(open);
  }

  streamOpen(message: StreamOpen): void {
    const open = this.open.get(message.id);
    if (!open) {
      message.owner.send({ type: 'stream.cancelled', id: message.id, why: 'client-closed' });
      return;
    }
    open.streaming = true;
    open.owner = message.owner;
    open.res.cork(() => {
      open.res.writeStatus('200 OK');
      writeHeaders(open.res, message.headers);
      // uWS ends the header block only with the first body bytes, and clients wait
      // for headers before reading events. A newline is whitespace between JSON
      // values to every watch decoder, so it flushes the headers harmlessly.
      open.res.write('\n');
    });
  }

  streamChunk(message: StreamChunk): void {
    for (const id of message.ids) {
      const open = this.open.get(id);
      if (!open || !open.streaming || open.aborted) continue;
      let written = true;
      open.res.cork(() => {
        written = open.res.write(message.chunk);
        // uWS sends a chunk's closing CRLF only with the next chunk. Readers that take a chunk whole
        // (urllib3, under the official Python client's watch) would hold each event until the next
        // one arrived: a one-byte newline chunk (whitespace to every watch decoder) closes it now.
        written = open.res.write('\n') && written;
      });
      if (written) continue;
      if (open.backlog === 0) {
        open.res.onWritable(() => {
          open.backlog = 0;
          return true;
        });
      }
      open.backlog += message.chunk.byteLength;
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
    if (!open.aborted) open.res.cork(() => open.res.end());
    this.finish(open);
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

  private finish(open: OpenRequest): void {
    if (!this.open.delete(open.id)) return;
    if (open.counted) {
      if (open.mutating) this.inFlight.mutating--;
      else this.inFlight.readOnly--;
      if (this.nonLongRunningInFlight === 0) this.onIdle();
    }
  }
}

function writeHeaders(res: Uws.HttpResponse, headers: Record<string, string>): void {
  res.writeHeader('cache-control', 'no-cache, private');
  for (const name in headers) if (name !== 'cache-control') res.writeHeader(name, headers[name]!);
}
