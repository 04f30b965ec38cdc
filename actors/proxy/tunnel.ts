// Upgrade requests through the proxy (kube's UpgradeAwareHandler): the
// request has been authenticated and authorized like any other; the proxy
// upgrades upstream first, and only once the extension server has switched
// protocols does the listener upgrade the client's connection. Two shapes,
// after what the listener's transport can hold:
//   bytes    — node:http2's HTTP/1.1 side hands over the client's socket: the
//              upgrade goes upstream as it came (SPDY/3.1, WebSocket …) and
//              the bytes pass through both ways untouched;
//   messages — uWS terminates the client's WebSocket itself: the proxy opens a
//              WebSocket of its own to the extension server (`ws`), offering
//              the client's subprotocols, and passes whole messages.
// An extension server that answers the upgrade with anything but 101 has its
// answer relayed as it is; one that cannot be reached gets the proxy's 503.
//
// Backpressure, both ways: when the extension server does not take what the
// proxy writes (socket.write() false, or the WebSocket's bufferedAmount past
// TUNNEL_HIGH_WATER_BYTES), the listener is told `tunnel.paused` and stops
// reading the client until `tunnel.resumed` (once drained); when the client
// does not take its data, the listener tells the proxy, which pauses the
// extension server's side. uWS cannot stop reading a WebSocket: what the proxy
// holds for an extension server that does not read is bounded by
// TUNNEL_LIMIT_BYTES, past which the tunnel is cut.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { TUNNEL_HIGH_WATER_BYTES, type HttpResponse, type StreamCancelled, type TunnelData, type TunnelFlow } from '../../protocol/messages/http.js';
import type { Clock } from '../../lib/clock.js';
import type { RemoteRoute } from '../aggregator/routes.js';
import type { Backend } from '../aggregator/apiservices.js';
import { goError, timedOut, urlOf, type Upstreams } from './upstream.js';

/** One upgraded exchange: the client's data goes in; cut() ends both sides. */
export interface Tunnel {
  write(data: Uint8Array, binary: boolean): void;
  /** The client's side has backed up (stop reading the extension server) or drained. */
  read(reading: boolean): void;
  cut(): void;
}

/** What a messages tunnel holds for an extension server that does not read, from a client uWS cannot pause. */
export const TUNNEL_LIMIT_BYTES = 16 * 1024 * 1024;

export interface TunnelDeps {
  upstreams: Upstreams;
  clock: Clock;
  /** How long the extension server may take to switch protocols. */
  handshakeMs: number;
  tunnels: Map<number, Tunnel>;
  /** The proxy itself: the listener sends it the client's data and its leaving. */
  peer: { send(message: TunnelData | TunnelFlow | StreamCancelled): void };
}

/** The headers an upgrade carries upstream beside the request's own (the front proxy's among them). */
function upgradeHeaders(request: ApiRequest, forwarded: Record<string, string | string[]>): Record<string, string | string[]> {
  return { ...request.upgrade!.headers, ...forwarded, connection: 'Upgrade' };
}

/** A non-101 answer to an upgrade, relayed whole. */
function relayAnswer(request: ApiRequest, res: IncomingMessage, headers: (res: IncomingMessage) => Record<string, string>): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('error', () => undefined);
  res.once('end', () => {
    const answer: HttpResponse = { type: 'http.response', id: request.id, status: res.statusCode ?? 502, headers: headers(res), body: Buffer.concat(chunks) };
    request.replyTo.send(answer);
  });
}

export function openTunnel(
  deps: TunnelDeps, request: ApiRequest, route: RemoteRoute, backend: Backend, path: string,
  forwarded: Record<string, string | string[]>, responseHeaders: (res: IncomingMessage) => Record<string, string>,
): void {
  const { clock, tunnels } = deps;
  const id = request.id;
  let state: 'handshake' | 'open' | 'done' = 'handshake';
  const refuse = (error: unknown): void => {
    if (state !== 'handshake') return;
    state = 'done';
    clock.clearTimeout(timer);
    tunnels.delete(id);
    request.replyTo.send({ type: 'http.response', id, status: 503, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: `${goError(error, request.method, urlOf(backend, path), backend)}\n` });
  };
  const opened = (headers: Record<string, string>): void => {
    clock.clearTimeout(timer);
    state = 'open';
    request.replyTo.send({ type: 'tunnel.open', id, headers, peer: deps.peer });
  };
  const closed = (): void => {
    const wasOpen = state === 'open';
    state = 'done';
    if (tunnels.delete(id) && wasOpen) request.replyTo.send({ type: 'stream.close', id });
  };
  const answered = (res: IncomingMessage): void => {
    state = 'done';
    clock.clearTimeout(timer);
    tunnels.delete(id);
    relayAnswer(request, res, responseHeaders);
  };
  let timer: unknown;
  const outcomes = { refuse, opened, closed, answered };
  const tunnel = request.upgrade!.mode === 'messages'
    ? messagesTunnel(deps, request, route, backend, path, forwarded, outcomes)
    : bytesTunnel(deps, request, route, backend, path, forwarded, outcomes);
  timer = clock.setTimeout(() => {
    refuse(timedOut());
    tunnel.cut();
  }, deps.handshakeMs);
  tunnels.set(id, tunnel);
}

interface Outcomes {
  refuse(error: unknown): void;
  opened(headers: Record<string, string>): void;
  answered(res: IncomingMessage): void;
  closed(): void;
}

/** The upgrade as it came, then the socket's bytes both ways. */
function bytesTunnel(deps: TunnelDeps, request: ApiRequest, route: RemoteRoute, backend: Backend, path: string, forwarded: Record<string, string | string[]>, on: Outcomes): Tunnel {
  let socket: Duplex | undefined;
  const upstream = deps.upstreams.open(route, backend, request.method, path, upgradeHeaders(request, forwarded), (res) => on.answered(res));
  upstream.on('error', (error) => on.refuse(error));
  upstream.on('upgrade', (res: IncomingMessage, upgraded: Duplex, head: Buffer) => {
    socket = upgraded;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    on.opened(headers);
    if (head.byteLength > 0) request.replyTo.send({ type: 'tunnel.data', id: request.id, data: head, binary: true });
    upgraded.on('data', (chunk: Buffer) => request.replyTo.send({ type: 'tunnel.data', id: request.id, data: chunk, binary: true }));
    upgraded.on('error', () => undefined);
    upgraded.once('close', on.closed);
  });
  upstream.end();
  const flow = backedUp(request);
  return {
    write: (data) => {
      if (socket && !socket.write(data)) flow.paused(() => socket?.once('drain', flow.resumed));
    },
    read: (reading) => void (reading ? socket?.resume() : socket?.pause()),
    cut: () => {
      upstream.destroy();
      socket?.destroy();
    },
  };
}

/** A WebSocket of the proxy's own to the extension server, offering the client's subprotocols; whole messages both ways. */
function messagesTunnel(deps: TunnelDeps, request: ApiRequest, route: RemoteRoute, backend: Backend, path: string, forwarded: Record<string, string | string[]>, on: Outcomes): Tunnel {
  const { 'sec-websocket-protocol': offered, upgrade: _upgrade, ...headers } = request.upgrade!.headers;
  const protocols = (offered ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const ws = new WebSocket(`wss://${urlOf(backend, path).slice('https://'.length)}`, protocols, {
    headers: { ...headers, ...forwarded }, perMessageDeflate: false, followRedirects: false, ...deps.upstreams.tlsFor(route),
  });
  ws.on('unexpected-response', (req, res) => {
    on.answered(res);
    res.once('end', () => req.destroy());
  });
  ws.on('error', (error) => on.refuse(error));
  ws.on('open', () => on.opened(ws.protocol ? { 'sec-websocket-protocol': ws.protocol } : {}));
  ws.on('message', (data, isBinary) => request.replyTo.send({ type: 'tunnel.data', id: request.id, data, binary: isBinary }));
  ws.on('close', on.closed);
  const flow = backedUp(request);
  const written = (): void => {
    if (ws.bufferedAmount <= TUNNEL_HIGH_WATER_BYTES) flow.resumed();
  };
  return {
    write: (data, binary) => {
      ws.send(data, { binary }, written);
      if (ws.bufferedAmount > TUNNEL_LIMIT_BYTES) ws.terminate();
      else if (ws.bufferedAmount > TUNNEL_HIGH_WATER_BYTES) flow.paused(() => undefined);
    },
    read: (reading) => (reading ? ws.resume() : ws.pause()),
    cut: () => ws.terminate(),
  };
}

/** The extension server's side of a tunnel backing up: the listener is told once to pause the client, and once to resume it. */
function backedUp(request: ApiRequest): { paused(untilDrained: () => void): void; resumed(): void } {
  let paused = false;
  return {
    paused: (untilDrained) => {
      if (paused) return;
      paused = true;
      request.replyTo.send({ type: 'tunnel.paused', id: request.id });
      untilDrained();
    },
    resumed: () => {
      if (!paused) return;
      paused = false;
      request.replyTo.send({ type: 'tunnel.resumed', id: request.id });
    },
  };
}
