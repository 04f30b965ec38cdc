// A small extension API server of the specs' own, in the shape of
// metrics-server: metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, with
// legacy and aggregated discovery and OpenAPI (v2, and v3 with its root:
// PodMetrics described, for kubectl explain), over HTTPS on
// 127.0.0.1 with its own serving CA. Like any extension server it trusts a
// request only from a front proxy whose client certificate the
// request-header CA signed (read from the extension-apiserver-authentication
// ConfigMap) and whose CN is an allowed name; the user comes from the
// X-Remote-* headers, and it records who asked. It also accepts upgrades
// (WebSocket, the first subprotocol offered chosen; any other protocol as
// bytes) on pods/<name>/exec, echoing what it gets; on pods/<name>/attach,
// sending as fast as the connection takes it (flood()); on
// pods/<name>/portforward, reading nothing at all.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { issueServingPair } from '../../actors/supervisor/pki.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const GV = `${METRICS_GROUP}/${METRICS_VERSION}`;

export interface SeenRequest {
  path: string;
  user: string;
  groups: string[];
  extra: Record<string, string[]>;
  /** The front proxy's certificate CN, once verified against the request-header CA. */
  proxyName: string;
}

export interface MetricsServerOptions {
  /** The extension-apiserver-authentication ConfigMap's data. */
  authentication: Record<string, string>;
  /** The Service it answers for: its certificate names `<name>.<namespace>.svc`. */
  service: { namespace: string; name: string };
  nodes: Record<string, { cpu: string; memory: string }>;
  pods: Record<string, Record<string, { cpu: string; memory: string }>>;
  /**
   * Serve a request with no proxy certificate too, the user taken from X-Remote-User alone: only for the
   * benchmark's direct baseline (wrk cannot present a client certificate). Off by default.
   */
  trustHeadersWithoutCertificate?: boolean;
}

export interface MetricsResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
}

const RESOURCES: readonly MetricsResource[] = [
  { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
  { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
];

/** PodMetrics as metrics-server's OpenAPI names and describes it (a part of it: enough for kubectl explain). */
const POD_METRICS = 'io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics';
const podMetricsSchema = (ref: (name: string) => string): Record<string, unknown> => ({
  description: 'PodMetrics sets resource usage metrics of a pod.',
  type: 'object',
  required: ['timestamp', 'window', 'containers'],
  properties: {
    apiVersion: { description: 'APIVersion defines the versioned schema of this representation of an object.', type: 'string' },
    kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
    metadata: { description: "Standard object's metadata.", $ref: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') },
    timestamp: { description: 'The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].', type: 'string', format: 'date-time' },
    window: { type: 'string' },
    containers: { description: 'Metrics for all containers are collected within the same time window.', type: 'array', items: { type: 'object' } },
  },
  'x-kubernetes-group-version-kind': [{ group: 'metrics.k8s.io', kind: 'PodMetrics', version: 'v1beta1' }],
});

const TIMESTAMP = '2026-01-01T00:00:00Z';

/** What an upgraded connection's sender lets wait in its WebSocket before it holds back. */
const FLOOD_BACKLOG = 1024 * 1024;

/** Sends on a WebSocket; false once FLOOD_BACKLOG waits, and then `drained` is called once it has gone. */
function webSocketSender(ws: WebSocket): (chunk: Buffer, drained: () => void) => boolean {
  let waiting: (() => void) | undefined;
  const written = (): void => {
    if (!waiting || ws.bufferedAmount >= FLOOD_BACKLOG) return;
    const then = waiting;
    waiting = undefined;
    then();
  };
  return (chunk, drained) => {
    ws.send(chunk, { binary: true }, written);
    if (ws.bufferedAmount < FLOOD_BACKLOG) return true;
    waiting = drained;
    return false;
  };
}

export class MetricsServer {
  readonly seen: SeenRequest[] = [];
  /** What its discovery lists: a spec may add one while it runs (addResource()). */
  private readonly resources: MetricsResource[] = [...RESOURCES];
  /** Open watches on pods: each gets the events emit() sends. */
  private readonly watchers = new Set<ServerResponse>();
  /** Requests the server holds without answering (namespace `slow`). */
  private readonly held = new Set<ServerResponse>();
  private server: Server | undefined;
  private readonly webSockets = new WebSocketServer({ noServer: true, handleProtocols: (offered) => [...offered][0] ?? false });
  /** Upgraded connections open now. */
  private readonly tunnels = new Set<Duplex>();
  /** The verified proxy name of each connection: a TLS client certificate is checked once per connection, as Go's server does. */
  private readonly proxyNames = new WeakMap<TLSSocket, string>();
  port = 0;

  private constructor(private readonly options: MetricsServerOptions, readonly tls: { caPem: string; certPem: string; keyPem: string }) {}

  static async start(options: MetricsServerOptions): Promise<MetricsServer> {
    const dns = `${options.service.name}.${options.service.namespace}.svc`;
    const server = new MetricsServer(options, await issueServingPair('metrics-server-ca', [dns], ['127.0.0.1']));
    await server.listen(0);
    return server;
  }

  /** The caBundle an APIService names it by. */
  get caBundle(): string {
    return Buffer.from(this.tls.caPem).toString('base64');
  }

  listen(port: number): Promise<void> {
    const server = createServer({
      key: this.tls.keyPem,
      cert: this.tls.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      ca: this.options.authentication['requestheader-client-ca-file'],
    }, (req, res) => this.serve(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.server = server;
    return new Promise((resolve) => server.listen(port, '127.0.0.1', () => {
      this.port = (server.address() as { port: number }).port;
      resolve();
    }));
  }

  /** Stops listening and cuts every connection, as a crashed extension server would. */
  async stop(): Promise<void> {
    for (const res of [...this.watchers, ...this.held]) res.destroy();
    for (const socket of this.tunnels) socket.destroy();
    this.watchers.clear();
    this.held.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Cuts every upgraded connection (one that reads nothing would never see its peer leave). */
  closeTunnels(): void {
    for (const socket of this.tunnels) socket.destroy();
  }

  /** Lists one more resource in its discovery from now on, as an upgraded extension server would. */
  addResource(resource: MetricsResource): void {
    this.resources.push(resource);
  }

  /** Sends one watch event to every open pods watch. */
  emit(type: string, object: unknown): void {
    for (const res of this.watchers) res.write(`${JSON.stringify({ type, object })}\n`);
  }

  /** Writes raw bytes to every open pods watch. */
  emitRaw(chunk: Buffer): void {
    for (const res of this.watchers) res.write(chunk);
  }

  /** The most bytes any open watch holds unsent: it grows once the reader stops taking them. */
  get watchBacklog(): number {
    return Math.max(0, ...[...this.watchers].map((res) => res.writableLength));
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  get openTunnels(): number {
    return this.tunnels.size;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://metrics');
    const user = this.trustedUser(req, url);
    const kind = /\/pods\/[^/]+\/(exec|attach|portforward)$/.exec(url.pathname)?.[1];
    if (!user || !kind) {
      socket.end(`HTTP/1.1 ${user ? '404 Not Found' : '401 Unauthorized'}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      return;
    }
    const track = (s: Duplex): void => {
      this.tunnels.add(s);
      s.once('close', () => this.tunnels.delete(s));
    };
    track(socket);
    if ((req.headers.upgrade ?? '').toLowerCase() === 'websocket') {
      this.webSockets.handleUpgrade(req, socket, head, (ws) => {
        if (kind === 'exec') ws.on('message', (data, isBinary) => this.echo(ws, data, isBinary));
        if (kind === 'portforward') ws.pause();
        if (kind === 'attach') this.flood(webSocketSender(ws), () => ws.readyState !== WebSocket.OPEN);
      });
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${req.headers.upgrade}\r\n\r\n`);
    if (head.byteLength > 0 && kind === 'exec') socket.write(head);
    socket.on('error', () => undefined);
    if (kind === 'exec') socket.pipe(socket);
    if (kind === 'attach') socket.resume();
    if (kind === 'attach') this.flood((chunk, drained) => socket.write(chunk) || (socket.once('drain', drained), false), () => socket.destroyed);
  }

  /** An echo that reads no further while what it sends back waits (as a pipe does). */
  private echo(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    ws.send(data, { binary: isBinary }, () => {
      if (ws.isPaused && ws.bufferedAmount < FLOOD_BACKLOG) ws.resume();
    });
    if (ws.bufferedAmount >= FLOOD_BACKLOG) ws.pause();
  }

  /** Bytes the attach endpoints have sent so far. */
  flooded = 0;
  private flooding = true;

  /** Stops the attach endpoints' sending. */
  stopFlooding(): void {
    this.flooding = false;
  }

  /** Sends 64 KiB pieces while `send` says the connection takes more, then again once it has `drained`. */
  private flood(send: (chunk: Buffer, drained: () => void) => boolean, closed: () => boolean): void {
    const chunk = Buffer.alloc(64 * 1024, 'f');
    const more = (): void => {
      while (this.flooding && !closed()) {
        this.flooded += chunk.byteLength;
        if (!send(chunk, more)) return;
      }
    };
    more();
  }

  /** The user of a request the front proxy vouches for (its certificate verified, its name allowed), and what it asked. */
  private trustedUser(req: IncomingMessage, url: URL): string | undefined {
    const socket = req.socket as TLSSocket;
    let cn = this.proxyNames.get(socket);
    if (cn === undefined) this.proxyNames.set(socket, (cn = socket.authorized ? String(socket.getPeerCertificate().subject?.CN ?? '') : ''));
    const allowed = JSON.parse(this.options.authentication['requestheader-allowed-names'] ?? '[]') as string[];
    const user = req.headersDistinct['x-remote-user']?.[0];
    const trusted = cn !== '' && (allowed.length === 0 || allowed.includes(cn));
    if (!user || (!trusted && !this.options.trustHeadersWithoutCertificate)) return undefined;
    const extra: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(req.headersDistinct)) {
      if (name.startsWith('x-remote-extra-') && values) extra[decodeURIComponent(name.slice('x-remote-extra-'.length))] = values;
    }
    this.seen.push({ path: url.pathname, user, groups: req.headersDistinct['x-remote-group'] ?? [], extra, proxyName: cn });
    return user;
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://metrics');
    if (!this.trustedUser(req, url)) {
      return this.json(res, 401, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    this.route(req, res, url);
  }

  private route(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const path = url.pathname.replace(/\/$/, '');
    const accept = req.headers.accept ?? '';
    if (path === '/apis') {
      if (accept.includes('v=v2;as=APIGroupDiscoveryList')) {
        return this.json(res, 200, this.aggregated(), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
      }
      return this.json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [this.group()] });
    }
    if (path === `/apis/${METRICS_GROUP}`) return this.json(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...this.group() });
    if (path === `/apis/${GV}`) return this.json(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: GV, resources: this.resources });
    if (path === '/openapi/v3') return this.json(res, 200, { paths: { [`apis/${GV}`]: { serverRelativeURL: `/openapi/v3/apis/${GV}?hash=0123456789ABCDEF` } } });
    if (path === `/openapi/v3/apis/${GV}`) {
      const schemas = { [POD_METRICS]: podMetricsSchema((name) => `#/components/schemas/${name}`), 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { type: 'object' } };
      // kubectl explain finds a resource's kind through the GVK of its path's GET operation.
      const get = {
        get: {
          operationId: 'readMetricsV1beta1NamespacedPodMetrics', 'x-kubernetes-action': 'get',
          'x-kubernetes-group-version-kind': { group: METRICS_GROUP, version: METRICS_VERSION, kind: 'PodMetrics' },
          responses: { 200: { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${POD_METRICS}` } } } } },
        },
      };
      const paths = { [`/apis/${GV}/namespaces/{namespace}/pods/{name}`]: get };
      return this.json(res, 200, { openapi: '3.0.0', info: { title: 'metrics-server', version: METRICS_VERSION }, paths, components: { schemas } });
    }
    if (path === '/openapi/v2') {
      const definitions = { [POD_METRICS]: podMetricsSchema((name) => `#/definitions/${name}`), 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { type: 'object' } };
      return this.json(res, 200, { swagger: '2.0', info: { title: 'metrics-server', version: METRICS_VERSION }, paths: {}, definitions });
    }
    const nodes = new RegExp(`^/apis/${GV}/nodes(?:/([^/]+))?$`).exec(path);
    if (nodes) {
      const items = Object.entries(this.options.nodes).filter(([name]) => !nodes[1] || name === nodes[1]).map(([name, usage]) => this.nodeMetrics(name, usage));
      if (nodes[1]) return items[0] ? this.json(res, 200, items[0]) : this.notFound(res, 'nodes', nodes[1]);
      return this.json(res, 200, { kind: 'NodeMetricsList', apiVersion: GV, metadata: {}, items });
    }
    const pods = new RegExp(`^/apis/${GV}(?:/namespaces/([^/]+))?/pods(?:/([^/]+))?$`).exec(path);
    if (pods) {
      const [, namespace, name] = pods;
      if (namespace === 'slow') {
        this.held.add(res);
        res.once('close', () => this.held.delete(res));
        return;
      }
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        this.watchers.add(res);
        res.once('close', () => this.watchers.delete(res));
        return;
      }
      const items = Object.entries(this.options.pods)
        .filter(([ns]) => !namespace || ns === namespace)
        .flatMap(([ns, byName]) => Object.entries(byName).filter(([n]) => !name || n === name).map(([n, usage]) => this.podMetrics(ns, n, usage)));
      if (name) return items[0] ? this.json(res, 200, items[0]) : this.notFound(res, 'pods', name);
      return this.json(res, 200, { kind: 'PodMetricsList', apiVersion: GV, metadata: {}, items });
    }
    this.notFound(res, '', path);
  }

  private group(): { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion: { groupVersion: string; version: string } } {
    const version = { groupVersion: GV, version: METRICS_VERSION };
    return { name: METRICS_GROUP, versions: [version], preferredVersion: version };
  }

  private aggregated(): unknown {
    return {
      kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {},
      items: [{
        metadata: { name: METRICS_GROUP, creationTimestamp: null },
        versions: [{
          version: METRICS_VERSION,
          resources: this.resources.map((r) => ({ resource: r.name, responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind }, scope: r.namespaced ? 'Namespaced' : 'Cluster', singularResource: r.name.slice(0, -1), verbs: r.verbs })),
          freshness: 'Current',
        }],
      }],
    };
  }

  private nodeMetrics(name: string, usage: { cpu: string; memory: string }): unknown {
    return { kind: 'NodeMetrics', apiVersion: GV, metadata: { name, creationTimestamp: TIMESTAMP }, timestamp: TIMESTAMP, window: '20s', usage };
  }

  private podMetrics(namespace: string, name: string, usage: { cpu: string; memory: string }): unknown {
    return { kind: 'PodMetrics', apiVersion: GV, metadata: { name, namespace, creationTimestamp: TIMESTAMP }, timestamp: TIMESTAMP, window: '20s', containers: [{ name: 'app', usage }] };
  }

  private notFound(res: ServerResponse, resource: string, name: string): void {
    this.json(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${resource} "${name}" not found`, reason: 'NotFound', code: 404 });
  }

  private json(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}
