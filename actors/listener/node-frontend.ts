// The node:http2 transport: one secure HTTP/2 server that also speaks
// HTTP/1.1 to clients that do not offer h2 in ALPN (allowHTTP1), through the
// compatibility API, so both protocols share one request path. Chosen when
// client certificates are wanted (--client-ca-file), when --transport=node
// asks for it, or when the uWS native binary cannot load. Node's own HTTP/1
// parser answers malformed requests at once (400, 431), as Go's server does.
// The only module that loads node:http2.

import { readFileSync } from 'node:fs';
import {
  createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session,
} from 'node:http2';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
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
}

function headersOf(headers: Record<string, string>, extra?: Record<string, string>): Record<string, string> {
  // kube's WithCacheControl: no-cache unless the handler says otherwise (the issuer's documents do).
  const out: Record<string, string> = { 'cache-control': 'no-cache, private' };
  for (const name in headers) out[name] = headers[name]!;
  if (extra) for (const name in extra) out[name] = extra[name]!;
  return out;
}
