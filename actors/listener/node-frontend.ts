// The node:http2 transport: one secure HTTP/2 server that also speaks
// HTTP/1.1 to clients that do not offer h2 in ALPN (allowHTTP1), through the
// compatibility API, so both protocols share one request path. An HTTP/1.1
// upgrade request (SPDY, WebSocket) arrives apart, with its socket: it goes
// through the same chain, and once a peer (the proxy) has upgraded upstream
// the socket's bytes pass through both ways. Chosen when
// client certificates are wanted (--client-ca-file), when --transport=node
// asks for it, or when the uWS native binary cannot load. Node's own HTTP/1
// parser answers malformed requests at once (400, 431), as Go's server does.
// The only module that loads node:http2.

import { readFileSync } from 'node:fs';
import {
  createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session,
} from 'node:http2';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { HttpResponse } from '../../protocol/messages/http.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { internalError } from '../../protocol/kube/status.js';
import { HttpFrontend, keepsHeader, pathOfTarget, type FrontendWiring, type OpenRequest } from './http-frontend.js';

type Res = Http2ServerResponse;
type Open = OpenRequest<Res>;

export class NodeFrontend extends HttpFrontend<Res> {
  readonly transport = 'node:http2 (HTTP/2 and HTTP/1.1)';
  private readonly server: Http2SecureServer;
  private listening = false;
  /** Every open connection, so that close() can end them and stopListening() can send HTTP/2 sessions GOAWAY. */
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Http2Session>();
  /** The client certificate of each connection, read once per connection. */
  private readonly peerCertificates = new WeakMap<object, Uint8Array | null>();
  /** An upgrade request's socket and the bytes read past its head, by the response written on it until it is upgraded. */
  private readonly upgrades = new WeakMap<object, { socket: Duplex; head: Buffer }>();

  constructor(wiring: FrontendWiring) {
    super(wiring);
    const options = this.options;
    const wantCertificates = options.clientCaPem !== undefined;
    this.server = createSecureServer({
      key: readFileSync(options.keyFile),
      cert: readFileSync(options.certFile),
      allowHTTP1: true,
      // Ask for a certificate but let the authenticator judge it: one that is
      // missing or not signed by the CA is no user, and other authenticators may
      // still know the request (kube's RequestClientCert, not RequireAndVerify).
      ...(wantCertificates ? { requestCert: true, rejectUnauthorized: false, ca: options.clientCaPem } : {}),
    });
    this.server.on('request', (req: Http2ServerRequest, res: Res) => {
      // kube's panic recovery, outermost: nothing a request does may take the process down.
      try {
        this.accept(req, res);
      } catch (e) {
        this.onError(e);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(internalError(e instanceof Error ? e.message : String(e))));
      }
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.acceptUpgrade(req, socket, head);
      } catch (e) {
        this.onError(e);
        socket.destroy();
      }
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('session', (session: Http2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      if (!this.listening) session.close();
    });
    // A handshake a client abandons is no error of the server's.
    this.server.on('tlsClientError', () => undefined);
  }

  listen(done: (port: number | undefined) => void): void {
    const failed = (): void => done(undefined);
    this.server.once('error', failed);
    this.server.listen(this.options.port, this.options.host, () => {
      this.server.off('error', failed);
      this.server.on('error', (e) => this.onError(e));
      this.listening = true;
      this.startTiming();
      const address = this.server.address();
      done(typeof address === 'object' && address ? address.port : undefined);
    });
  }

  /** No new connections; HTTP/2 sessions get GOAWAY (their open streams finish); HTTP/1 answers say `connection: close`. */
  stopListening(): void {
    if (!this.listening) return;
    this.listening = false;
    this.server.close();
    for (const session of this.sessions) session.close();
  }

  override close(): void {
    super.close();
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(req: Http2ServerRequest, res: Res): void {
    // Node's HTTP/1 parser lets through request lines Go's server refuses: `HTTP/2.0` over HTTP/1, and none at all (HTTP/0.9).
    if (req.httpVersionMajor !== 1 && (req as { stream?: unknown }).stream === undefined) {
      const [status, text] = req.httpVersionMajor > 1 ? [505, 'unsupported protocol version'] : [400, 'malformed HTTP request'];
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`${status} ${text}`);
      return;
    }
    const method = req.method;
    const target = pathOfTarget(req.url);
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    const headers: Record<string, string> = {};
    const raw = req.headers;
    for (const name in raw) {
      if (!keepsHeader(this.options, name)) continue;
      const value = raw[name];
      headers[name] = Array.isArray(value) ? value.join(',') : value!;
    }
    const certificate = this.peerCertificateOf(req);
    const admitted = this.admit(res, method, path, rawQuery, headers, this.abortHandler, certificate ? (r) => {
      r.clientCertificate = certificate;
    } : undefined);
    if (admitted) this.readBody(req, admitted.open, admitted.request);
  }

  /**
   * An HTTP/1.1 upgrade request: admitted as any request (a rejection is written as an answer on its
   * socket, which then closes), its upgrade headers kept aside for the peer that will upgrade upstream.
   */
  private acceptUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = pathOfTarget(req.url ?? '/');
    const q = target.indexOf('?');
    const headers: Record<string, string> = {};
    const upgradeHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || name === 'host') continue;
      const joined = Array.isArray(value) ? value.join(',') : value;
      if (keepsHeader(this.options, name)) headers[name] = joined;
      else upgradeHeaders[name] = joined;
    }
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    res.once('finish', () => socket.end());
    socket.on('error', () => undefined);
    this.upgrades.set(res, { socket, head });
    const certificate = this.peerCertificateOf(req as unknown as Http2ServerRequest);
    this.admit(res as unknown as Res, req.method ?? 'GET', q < 0 ? target : target.slice(0, q), q < 0 ? '' : target.slice(q + 1), headers, this.abortHandler, certificate ? (r) => {
      r.clientCertificate = certificate;
    } : undefined, { mode: 'bytes', headers: upgradeHeaders });
  }

  private readonly abortHandler = (open: Open): void => {
    // An answered request is no longer open; a close before that is the client going away.
    open.res.once('close', () => {
      if (this.open.get(open.id) === open) this.aborted(open);
    });
  };

  /** The connection's client certificate (DER), when the handshake asked for one and the client sent it. */
  private peerCertificateOf(req: Http2ServerRequest): Uint8Array | undefined {
    if (this.options.clientCaPem === undefined) return undefined;
    const connection: object = (req.stream as { session?: Http2Session } | undefined)?.session ?? req.socket;
    let certificate = this.peerCertificates.get(connection);
    if (certificate === undefined) {
      const socket = (req.httpVersionMajor === 2 ? req.stream.session!.socket : req.socket) as TLSSocket;
      const peer = socket.getPeerCertificate();
      certificate = peer && peer.raw ? peer.raw : null;
      this.peerCertificates.set(connection, certificate);
    }
    return certificate ?? undefined;
  }

  private readBody(req: Http2ServerRequest, open: Open, request: ApiRequest): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      if (open.aborted) return;
      size += chunk.byteLength;
      if (size > this.options.maxBodyBytes) {
        req.off('data', onData);
        req.resume();
        return this.bodyTooLarge(open);
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (open.aborted || size > this.options.maxBodyBytes || this.open.get(open.id) !== open) return;
      this.bodyReceived(open, request, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
  }

  protected writeResponse(open: Open, reply: HttpResponse, close: boolean): void {
    const res = open.res;
    const headers = headersOf(reply.headers, open.request?.responseHeaders);
    // HTTP/2 has no connection header: a session ends with GOAWAY instead (stopListening).
    if (close && res.req.httpVersionMajor === 1) headers.connection = 'close';
    headers['content-length'] = String(typeof reply.body === 'string' ? Buffer.byteLength(reply.body) : reply.body.byteLength);
    res.writeHead(reply.status, headers);
    // Node writes no body for HEAD itself.
    res.end(reply.body);
  }

  protected writeStreamHead(open: Open, headers: Record<string, string>): void {
    const res = open.res;
    res.writeHead(200, headersOf(headers));
    // HTTP/2 sends the HEADERS frame at once; HTTP/1 holds the head until the first body bytes unless flushed.
    if (res.req.httpVersionMajor === 1) (res as unknown as ServerResponse).flushHeaders();
  }

  protected writeChunk(open: Open, chunk: Uint8Array): boolean {
    return open.res.write(chunk);
  }

  protected whenWritable(open: Open, then: () => void): void {
    open.res.once('drain', then);
  }

  protected endStream(open: Open): void {
    open.res.end();
  }

  protected writeTunnelHead(open: Open, headers: Record<string, string>): void {
    const upgrade = this.upgrades.get(open.res)!;
    let head = 'HTTP/1.1 101 Switching Protocols\r\n';
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    upgrade.socket.write(`${head}\r\n`);
    if (upgrade.head.byteLength > 0) this.clientData(open, upgrade.head, true);
    upgrade.socket.on('data', (chunk: Buffer) => this.clientData(open, chunk, true));
  }

  protected writeTunnelData(open: Open, data: Uint8Array): boolean {
    return this.upgrades.get(open.res)?.socket.write(data) ?? true;
  }

  protected whenTunnelDrained(open: Open, then: () => void): void {
    this.upgrades.get(open.res)?.socket.once('drain', then);
  }

  protected readTunnel(open: Open, reading: boolean): void {
    const socket = this.upgrades.get(open.res)?.socket;
    if (reading) socket?.resume();
    else socket?.pause();
  }

  protected endTunnel(open: Open): void {
    this.upgrades.get(open.res)?.socket.end();
  }
}

function headersOf(headers: Record<string, string>, extra?: Record<string, string>): Record<string, string> {
  // kube's WithCacheControl: no-cache unless the handler says otherwise (the issuer's documents do).
  const out: Record<string, string> = { 'cache-control': 'no-cache, private' };
  for (const name in headers) out[name] = headers[name]!;
  if (extra) for (const name in extra) out[name] = extra[name]!;
  return out;
}
