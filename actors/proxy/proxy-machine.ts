// The aggregator's proxy: kube-aggregator's proxyHandler. A request for a
// group version that a remote APIService owns has been authenticated and
// authorized here; this actor sends it on over HTTPS to one of the
// extension server's endpoints, with the user in the front-proxy headers
// and the proxy's client certificate, and relays the answer. Watches and
// other long-running answers stream through chunk by chunk, pausing the
// extension server's response while the client does not read. Upgrade
// requests (exec, attach, port-forward over SPDY or WebSocket) become
// tunnels (tunnel.ts) once the extension server has switched protocols.
//
// Owns: the open upstream exchanges and tunnels, and the HTTPS agents (upstream.ts).
// Receives: `request` (routed by the server chain); `stream.cancelled`,
//   `stream.paused` and `stream.resumed` from the listener for the streams it
//   relays; `tunnel.data` (a client's) and `tunnel.paused`/`resumed` (the
//   client's side backed up, or drained) for its tunnels; `actor.stop`.
// Sends: http.response / stream.* / tunnel.* (tunnel.paused/resumed when an
//   extension server's side backs up) to the request's replyTo.
// States: Serving → Stopped (open exchanges are cut; their clients see the
//   stream end, as when any server stops).
//
// Answers as kube's proxy does: an APIService that is not Available, or
// whose Service has no endpoints, gets 503 "service unavailable" at once;
// an extension server that refuses, fails or does not answer within the
// request's deadline gets 503 with Go's error text (client-go shows either as
// "the server is currently unable to handle the request"). Both are plain
// text, not a Status, exactly as kube writes them.

import { setup, type AnyActorRef } from 'xstate';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { ApiRequest, HandleRequest } from '../../protocol/messages/request.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { StreamCancelled, StreamFlow, TunnelData, TunnelFlow } from '../../protocol/messages/http.js';
import { statusResponse, textResponse } from '../../protocol/messages/http.js';
import { badRequest, resourceNotFound } from '../../protocol/kube/status.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import type { RemoteRoute, RemoteRoutes } from '../aggregator/routes.js';
import { frontProxyHeaders, goError, timedOut, urlOf, type Upstreams } from './upstream.js';
import { openTunnel, type Tunnel } from './tunnel.js';

export interface ProxyInput {
  routes: RemoteRoutes;
  upstreams: Upstreams;
  /** --request-timeout: how long a long-running request may wait for the extension server's first answer. */
  requestTimeoutMs: number;
  clock: Clock;
  logger: Log;
}

interface Exchange {
  upstream: ClientRequest;
  response: IncomingMessage | undefined;
  timer: unknown;
}

interface ProxyContext extends ProxyInput {
  open: Map<number, Exchange>;
  tunnels: Map<number, Tunnel>;
  counters: ActorCounters;
}

/** Headers that belong to one connection, not to the message (RFC 9110), and the length the listener sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'content-length']);
/** Response headers the listener's transport writes itself. */
const OWN_HEADERS = new Set(['date']);

/** The request headers the extension server sees: the client's (as the listener kept them) without its credentials. */
function forwardedHeaders(request: ApiRequest): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name === 'authorization' || name.startsWith('impersonate-') || HOP_BY_HOP.has(name)) continue;
    headers[name] = value;
  }
  if (request.body) headers['content-length'] = String(request.body.byteLength);
  return { ...headers, ...frontProxyHeaders(request.user ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] }) };
}

function responseHeaders(res: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || OWN_HEADERS.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function routeOf(routes: RemoteRoutes, request: ApiRequest): RemoteRoute | undefined {
  const info = request.info;
  return info.isResourceRequest ? routes.lookup(info.apiGroup, info.apiVersion) : routes.forPath(info.path);
}

function pathWithQuery(request: ApiRequest): string {
  const query = new URLSearchParams(request.query).toString();
  return query ? `${request.info.path}?${query}` : request.info.path;
}

function proxy(context: ProxyContext, self: AnyActorRef, request: ApiRequest): void {
  const route = routeOf(context.routes, request);
  if (!route) return request.replyTo.send(statusResponse(request.id, resourceNotFound()));
  const resolution = route.resolution;
  if (!route.available || !('backends' in resolution) || resolution.backends.length === 0) {
    return request.replyTo.send(textResponse(request.id, 503, 'service unavailable\n'));
  }
  const backend = resolution.backends[Math.floor(Math.random() * resolution.backends.length)]!;
  const path = pathWithQuery(request);
  if (request.upgrade?.mode === 'unsupported') {
    const protocol = request.upgrade.headers.upgrade ?? '';
    return request.replyTo.send(statusResponse(request.id, badRequest(`unable to upgrade connection: ${protocol} cannot pass through the uWebSockets.js transport, which hands over no connection (serve with --transport=node, or use WebSocket)`)));
  }
  if (request.upgrade) {
    const deps = { upstreams: context.upstreams, clock: context.clock, handshakeMs: context.requestTimeoutMs, tunnels: context.tunnels, peer: self };
    return openTunnel(deps, request, route, backend, path, forwardedHeaders(request), responseHeaders);
  }
  const longRunning = request.deadline === 0;
  const { clock, open } = context;
  let answered = false;
  const fail = (error: unknown): void => {
    const exchange = open.get(request.id);
    open.delete(request.id);
    if (exchange) clock.clearTimeout(exchange.timer);
    if (answered) {
      request.replyTo.send({ type: 'stream.close', id: request.id });
      return;
    }
    answered = true;
    request.replyTo.send(textResponse(request.id, 503, `${goError(error, request.method, urlOf(backend, path), backend)}\n`));
  };
  const headers = forwardedHeaders(request);
  const onResponse = (res: IncomingMessage): void => {
    const exchange = open.get(request.id);
    if (!exchange) return void res.destroy();
    exchange.response = res;
    if (longRunning && res.statusCode === 200) {
      clock.clearTimeout(exchange.timer);
      answered = true;
      request.replyTo.send({ type: 'stream.open', id: request.id, headers: responseHeaders(res), owner: self, flow: self });
      res.on('data', (chunk: Buffer) => request.replyTo.send({ type: 'stream.chunk', ids: [request.id], chunk }));
      // Ended or cut off, the client's stream ends with it (an 'error' is always followed by 'close').
      res.on('error', () => undefined);
      res.once('close', () => {
        if (open.delete(request.id)) request.replyTo.send({ type: 'stream.close', id: request.id });
      });
      return;
    }
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', fail);
    res.once('end', () => {
      if (!open.delete(request.id)) return;
      clock.clearTimeout(exchange.timer);
      answered = true;
      request.replyTo.send({ type: 'http.response', id: request.id, status: res.statusCode ?? 502, headers: responseHeaders(res), body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
    });
  };
  const attempt = (timer: unknown, mayRetry: boolean): void => {
    const upstream = context.upstreams.open(route, backend, request.method, path, headers, onResponse);
    upstream.on('error', (error) => {
      const exchange = open.get(request.id);
      // Go's transport: a request that failed on a kept-alive connection the server had closed meanwhile,
      // before any answer, goes again on a new connection when it can be replayed.
      if (mayRetry && exchange?.upstream === upstream && !exchange.response && upstream.reusedSocket && isStaleConnection(error)) return attempt(timer, false);
      fail(error);
    });
    open.set(request.id, { upstream, response: undefined, timer });
    upstream.end(request.body);
  };
  // Within the request's deadline, ahead of the listener's own 504 (its sweep runs each second), so a slow
  // extension server gets the proxy's 503; never longer than --request-timeout (a loopback request has no deadline).
  const remaining = request.deadline - clock.now();
  const waitMs = longRunning ? context.requestTimeoutMs : Math.min(context.requestTimeoutMs, Math.max(remaining - 1000, remaining / 2, 0));
  const timer = clock.setTimeout(() => open.get(request.id)?.upstream.destroy(timedOut()), waitMs);
  attempt(timer, REPLAYABLE.has(request.method) && !request.body?.byteLength);
}

/** Go's Request.isReplayable: the methods a transport may send twice. */
const REPLAYABLE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

function isStaleConnection(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

function cut(context: ProxyContext, id: number): void {
  const tunnel = context.tunnels.get(id);
  if (tunnel) {
    context.tunnels.delete(id);
    tunnel.cut();
  }
  const exchange = context.open.get(id);
  if (!exchange) return;
  context.open.delete(id);
  context.clock.clearTimeout(exchange.timer);
  exchange.upstream.destroy();
}

export const proxyMachine = setup({
  types: {
    context: {} as ProxyContext,
    events: {} as HandleRequest | StreamCancelled | StreamFlow | TunnelData | TunnelFlow | ActorStop,
    input: {} as ProxyInput,
  },
  actions: {
    proxy: ({ context, self, event }) => {
      const { request } = event as HandleRequest;
      serveSafely(request, context.counters, context.logger, () => proxy(context, self, request));
    },
    cut: ({ context, event }) => cut(context, (event as StreamCancelled).id),
    tunnelData: ({ context, event }) => {
      const { id, data, binary } = event as TunnelData;
      context.tunnels.get(id)?.write(data, binary);
    },
    tunnelFlow: ({ context, event }) => {
      const { id, type } = event as TunnelFlow;
      context.tunnels.get(id)?.read(type === 'tunnel.resumed');
    },
    pause: ({ context, event }) => context.open.get((event as StreamFlow).id)?.response?.pause(),
    resume: ({ context, event }) => context.open.get((event as StreamFlow).id)?.response?.resume(),
    stop: ({ context }) => terminateProxy(context),
  },
}).createMachine({
  id: 'proxy',
  context: ({ input }) => ({ ...input, open: new Map(), tunnels: new Map(), counters: { handled: 0, errors: 0 } }),
  initial: 'Serving',
  states: {
    Serving: {
      on: {
        request: { actions: 'proxy' },
        'stream.cancelled': { actions: 'cut' },
        'tunnel.data': { actions: 'tunnelData' },
        'tunnel.paused': { actions: 'tunnelFlow' },
        'tunnel.resumed': { actions: 'tunnelFlow' },
        'stream.paused': { actions: 'pause' },
        'stream.resumed': { actions: 'resume' },
        'actor.stop': { target: 'Stopped', actions: 'stop' },
      },
    },
    Stopped: { type: 'final' },
  },
});

/** On a crash or stop (OTP's terminate): every upstream exchange and connection is cut. */
export function terminateProxy(context: Pick<ProxyContext, 'open' | 'tunnels' | 'upstreams' | 'clock'>): void {
  for (const tunnel of context.tunnels.values()) tunnel.cut();
  context.tunnels.clear();
  for (const [id, exchange] of context.open) {
    context.clock.clearTimeout(exchange.timer);
    exchange.upstream.destroy();
    context.open.delete(id);
  }
  context.upstreams.close();
}
