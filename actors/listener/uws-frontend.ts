// The uWebSockets.js transport: one uWS SSLApp. The default wherever its
// native binary loads; the fastest, but it has no HTTP/2, gives no access to
// client certificates, and leaves some malformed requests unanswered (README,
// "HTTP parsing").
// uWS discipline: onAborted before anything async, copy the request
// synchronously (it lives on the stack), write inside cork, honour backpressure.
// uWS hands over no socket: a WebSocket upgrade is terminated here and its
// messages pass to the peer whole; any other upgrade (SPDY) is marked
// unsupported, for the peer to refuse.

import { TUNNEL_HIGH_WATER_BYTES, type HttpResponse } from '../../protocol/messages/http.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { internalError } from '../../protocol/kube/status.js';
import type { Uws } from './uws.js';
import { statusLine } from './http-status.js';
import { HttpFrontend, keepsHeader, pathOfTarget, type FrontendWiring, type OpenRequest } from './http-frontend.js';

type Open = OpenRequest<Uws.HttpResponse>;

/** What a WebSocket upgrade needs from its request once its peer has upgraded upstream. */
interface PendingUpgrade {
  key: string;
  extensions: string;
  context: Uws.us_socket_context_t;
}

/** The headers a WebSocket handshake answers itself; the rest of an upgrade request's go to the peer. */
const HANDSHAKE_HEADERS = new Set(['sec-websocket-key', 'sec-websocket-extensions', 'sec-websocket-version', 'connection', 'upgrade', 'host']);

export class UwsFrontend extends HttpFrontend<Uws.HttpResponse> {
  readonly transport = 'uWebSockets.js';
  private listenSocket: Uws.us_listen_socket | undefined;
  private readonly app: Uws.TemplatedApp;
  private readonly abortHandler = (open: Open): void => {
    open.res.onAborted(() => this.aborted(open));
  };

  /** WebSocket upgrades admitted and not yet upgraded (by their request), and upgraded ones (by request id). */
  private readonly pendingUpgrades = new WeakMap<Open, PendingUpgrade>();
  private readonly webSockets = new Map<number, Uws.WebSocket<{ id: number }>>();
  /** What to do once a tunnel's client has taken what uWS held for it (drain). */
  private readonly tunnelDrains = new Map<number, () => void>();

  constructor(private readonly uws: typeof Uws, wiring: FrontendWiring) {
    super(wiring);
    this.app = uws.SSLApp({ key_file_name: this.options.keyFile, cert_file_name: this.options.certFile });
    this.app.ws<{ id: number }>('/*', {
      compression: uws.DISABLED,
      maxPayloadLength: this.options.maxBodyBytes,
      // As kube's proxy: an upgraded connection lives as long as both ends keep it.
      idleTimeout: 0,
      // The peer pauses at TUNNEL_HIGH_WATER_BYTES; a client that falls this far behind anyway is closed, never
      // silently skipped (uWS drops a message past maxBackpressure unless it closes).
      maxBackpressure: this.options.maxStreamBacklogBytes,
      closeOnBackpressureLimit: 1,
      upgrade: (res, req, context) => {
        try {
          this.acceptWebSocket(res, req, context);
        } catch (e) {
          this.onError(e);
          res.cork(() => res.writeStatus(statusLine(500)).writeHeader('content-type', 'application/json').end(JSON.stringify(internalError(e instanceof Error ? e.message : String(e))), true));
        }
      },
      open: (ws) => {
        this.webSockets.set(ws.getUserData().id, ws);
      },
      message: (ws, message, isBinary) => {
        const open = this.open.get(ws.getUserData().id);
        // uWS neuters the message once this callback returns.
        if (open) this.clientData(open, Buffer.from(message.slice(0)), isBinary);
      },
      drain: (ws) => {
        const id = ws.getUserData().id;
        const then = this.tunnelDrains.get(id);
        if (!then || ws.getBufferedAmount() > TUNNEL_HIGH_WATER_BYTES) return;
        this.tunnelDrains.delete(id);
        then();
      },
      close: (ws) => {
        const id = ws.getUserData().id;
        this.webSockets.delete(id);
        this.tunnelDrains.delete(id);
        const open = this.open.get(id);
        if (open) this.aborted(open);
      },
    });
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

  listen(done: (port: number | undefined) => void): void {
    this.app.listen(this.options.host, this.options.port, (socket) => {
      if (!socket) return done(undefined);
      this.listenSocket = socket;
      this.startTiming();
      done(this.uws.us_socket_local_port(socket));
    });
  }

  stopListening(): void {
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }

  private accept(res: Uws.HttpResponse, req: Uws.HttpRequest): void {
    const method = req.getMethod().toUpperCase();
    const path = pathOfTarget(req.getUrl());
    const rawQuery = req.getQuery() ?? '';
    const headers: Record<string, string> = {};
    req.forEach((name, value) => {
      if (keepsHeader(this.options, name)) headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    });
    const upgrade = req.getHeader('upgrade');
    const admitted = this.admit(res, method, path, rawQuery, headers, this.abortHandler, undefined, upgrade ? { mode: 'unsupported', headers: { upgrade } } : undefined);
    if (admitted) this.readBody(admitted.open, admitted.request);
  }

  /** A WebSocket upgrade request: admitted as any request; upgraded here once its peer has upgraded upstream. */
  private acceptWebSocket(res: Uws.HttpResponse, req: Uws.HttpRequest, context: Uws.us_socket_context_t): void {
    const method = req.getMethod().toUpperCase();
    const path = pathOfTarget(req.getUrl());
    const rawQuery = req.getQuery() ?? '';
    const headers: Record<string, string> = {};
    const upgradeHeaders: Record<string, string> = {};
    req.forEach((name, value) => {
      const into = keepsHeader(this.options, name) ? headers : HANDSHAKE_HEADERS.has(name) ? undefined : upgradeHeaders;
      if (into) into[name] = into[name] === undefined ? value : `${into[name]},${value}`;
    });
    const pending = { key: req.getHeader('sec-websocket-key'), extensions: '', context };
    upgradeHeaders.upgrade = 'websocket';
    this.admit(res, method, path, rawQuery, headers, (open) => {
      this.pendingUpgrades.set(open, pending);
      this.abortHandler(open);
    }, undefined, { mode: 'messages', headers: upgradeHeaders });
  }

  private readBody(open: Open, request: ApiRequest): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    open.res.onData((chunk, isLast) => {
      if (tooLarge || open.aborted) return;
      size += chunk.byteLength;
      if (size > this.options.maxBodyBytes) {
        tooLarge = true;
        return this.bodyTooLarge(open);
      }
      // uWS reuses the chunk's memory after this callback returns.
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      this.bodyReceived(open, request, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
  }

  protected writeResponse(open: Open, reply: HttpResponse, close: boolean): void {
    const res = open.res;
    res.cork(() => {
      res.writeStatus(statusLine(reply.status));
      writeHeaders(res, reply.headers);
      const extra = open.request?.responseHeaders;
      if (extra) for (const name in extra) res.writeHeader(name, extra[name]!);
      if (close) res.writeHeader('connection', 'close');
      if (!open.head) {
        res.end(reply.body, close);
        return;
      }
      // A HEAD answer is headers only: a body would be read as the start of the next answer.
      // The length is our own header: given a length (or any argument), this uWS's
      // endWithoutBody writes a second Content-Length or closes the connection. With
      // `close`, the connection: close header above tells the client to close it.
      res.writeHeader('content-length', String(typeof reply.body === 'string' ? Buffer.byteLength(reply.body) : reply.body.byteLength));
      res.endWithoutBody();
    });
  }

  /** Heads of protobuf watches, held until their first frame: no byte may precede a length-delimited frame. */
  private readonly heldHeads = new WeakMap<Open, Record<string, string>>();

  protected writeStreamHead(open: Open, headers: Record<string, string>): void {
    const res = open.res;
    if (open.protobufStream) {
      this.heldHeads.set(open, headers);
      return;
    }
    res.cork(() => {
      res.writeStatus('200 OK');
      writeHeaders(res, headers);
      // uWS ends the header block only with the first body bytes, and clients wait
      // for headers before reading events. A newline is whitespace between JSON
      // values to every watch decoder, so it flushes the headers harmlessly.
      res.write('\n');
    });
  }

  protected writeChunk(open: Open, chunk: Uint8Array): boolean {
    let written = true;
    let held = this.heldHeads.get(open);
    const writeHead = (): void => {
      if (!held) return;
      this.heldHeads.delete(open);
      open.res.writeStatus('200 OK');
      writeHeaders(open.res, held);
      held = undefined;
    };
    // A corked write larger than uWS's cork buffer (16 KiB), made while the socket holds unsent bytes,
    // comes out with its chunk framing broken ("Expected LF after chunk data"): larger chunks go in pieces, each corked.
    let at = 0;
    for (; chunk.byteLength - at > CORKED_PIECE; at += CORKED_PIECE) {
      const piece = chunk.subarray(at, at + CORKED_PIECE);
      open.res.cork(() => {
        writeHead();
        written = open.res.write(piece) && written;
      });
    }
    const last = at === 0 ? chunk : chunk.subarray(at);
    open.res.cork(() => {
      writeHead();
      written = open.res.write(last) && written;
      if (open.protobufStream) return;
      // uWS sends a chunk's closing CRLF only with the next chunk. Readers that take a chunk whole
      // (urllib3, under the official Python client's watch) would hold each event until the next
      // one arrived: a one-byte newline chunk (whitespace to every watch decoder) closes it now.
      written = open.res.write('\n') && written;
    });
    return written;
  }

  protected whenWritable(open: Open, then: () => void): void {
    open.res.onWritable(() => {
      then();
      return true;
    });
  }

  protected endStream(open: Open): void {
    const held = this.heldHeads.get(open);
    open.res.cork(() => {
      if (held) {
        open.res.writeStatus('200 OK');
        writeHeaders(open.res, held);
      }
      open.res.end();
    });
  }

  protected writeTunnelHead(open: Open, headers: Record<string, string>): void {
    const pending = this.pendingUpgrades.get(open);
    if (!pending) return;
    this.pendingUpgrades.delete(open);
    // The handshake's answer is uWS's own: the peer's choice of subprotocol carries over.
    open.res.cork(() => open.res.upgrade({ id: open.id }, pending.key, headers['sec-websocket-protocol'] ?? '', pending.extensions, pending.context));
  }

  protected writeTunnelData(open: Open, data: Uint8Array, binary: boolean): boolean {
    const ws = this.webSockets.get(open.id);
    if (!ws) return true;
    ws.send(data, binary);
    return ws.getBufferedAmount() <= TUNNEL_HIGH_WATER_BYTES;
  }

  protected whenTunnelDrained(open: Open, then: () => void): void {
    this.tunnelDrains.set(open.id, then);
  }

  /** uWS cannot stop reading a WebSocket: the peer bounds what it holds for a side that backs up. */
  protected readTunnel(): void {}

  protected endTunnel(open: Open): void {
    const ws = this.webSockets.get(open.id);
    this.webSockets.delete(open.id);
    ws?.end(1000);
  }
}

/** The most a corked write carries: uWS's cork buffer is 16 KiB, and a chunk's size line and CRLFs go with it. */
const CORKED_PIECE = 16 * 1024 - 64;

function writeHeaders(res: Uws.HttpResponse, headers: Record<string, string>): void {
  // kube's WithCacheControl: no-cache unless the handler says otherwise (the issuer's documents do).
  res.writeHeader('cache-control', headers['cache-control'] ?? 'no-cache, private');
  for (const name in headers) if (name !== 'cache-control') res.writeHeader(name, headers[name]!);
}
