// The aggregator: an extension API server of the spec's own (metrics.k8s.io,
// as metrics-server serves it) registered with an APIService, a Service and
// its Endpoints. kubeactor authenticates and authorizes each request, then
// proxies it over HTTPS with its front-proxy client certificate and the user
// in X-Remote-* headers; the availability controller keeps the APIService's
// Available condition; discovery and OpenAPI include the remote group.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import type { Duplex } from 'node:stream';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { suiteServer } from '../support/server.js';
import { call, type Credentials } from '../support/http.js';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';
import { MetricsServer } from '../support/metrics-server.js';
import { tempDir } from '../support/temp.js';

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const APISERVICE = '/apis/apiregistration.k8s.io/v1/apiservices';
const PODS = '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined>, what: string, boundMs = 20_000): Promise<T> {
  const giveUp = Date.now() + boundMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > giveUp) throw new Error(`still waiting for ${what}`);
    await sleep(100);
  }
}

type Condition = { type: string; status: string; reason: string; message: string };

async function available(creds: Credentials): Promise<Condition | undefined> {
  const r = await call(creds, 'GET', `${APISERVICE}/v1beta1.metrics.k8s.io`);
  return (r.json().status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Available');
}

const untilAvailable = (creds: Credentials, status: string, what: string): Promise<Condition> =>
  until(async () => { const c = await available(creds); return c?.status === status ? c : undefined; }, what);

/** Starts the spec's extension server for a kubeactor and registers it: Node, Service, Endpoints, APIService; returns once it is Available. */
async function registerMetricsServer(creds: Credentials): Promise<MetricsServer> {
  const authentication = (await call(creds, 'GET', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication')).json().data as Record<string, string>;
  const metrics = await MetricsServer.start({
    authentication,
    service: { namespace: 'kube-system', name: 'metrics-server' },
    nodes: { 'node-1': { cpu: '250m', memory: '512Mi' } },
    pods: { default: { 'web-1': { cpu: '150m', memory: '64Mi' } } },
  });
  const post = async (path: string, body: unknown): Promise<void> => {
    const r = await call(creds, 'POST', path, { body: JSON.stringify(body) });
    assert.equal(r.status, 201, r.body);
  };
  await post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, status: { capacity: { cpu: '4', memory: '8Gi' }, allocatable: { cpu: '4', memory: '8Gi' } } });
  await post('/api/v1/namespaces/kube-system/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server' }, spec: { ports: [{ name: 'https', port: 443, targetPort: metrics.port }] } });
  await post('/api/v1/namespaces/kube-system/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'metrics-server' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: metrics.port }] }] });
  await post(APISERVICE, {
    apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' },
    spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { namespace: 'kube-system', name: 'metrics-server' }, caBundle: metrics.caBundle, groupPriorityMinimum: 100, versionPriority: 100 },
  });
  await untilAvailable(creds, 'True', 'the APIService to become Available');
  return metrics;
}

describe('the aggregator and an extension API server (metrics.k8s.io)', () => {
  // Remote discovery is read again every half second here (kube: every minute).
  const suite = suiteServer({ requestTimeout: '4s', aggregatorDiscoveryRefreshMs: 500 });
  let metrics: MetricsServer;

  before(async () => {
    metrics = await registerMetricsServer(suite.creds);
  });
  after(async () => {
    await metrics.stop();
  });

  it('publishes extension-apiserver-authentication as kube does', async () => {
    const data = (await call(suite.creds, 'GET', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication')).json().data as Record<string, string>;
    assert.match(data['requestheader-client-ca-file']!, /^-----BEGIN CERTIFICATE-----/);
    assert.equal(data['requestheader-allowed-names'], '["front-proxy-client"]');
    assert.equal(data['requestheader-username-headers'], '["X-Remote-User"]');
    assert.equal(data['requestheader-group-headers'], '["X-Remote-Group"]');
    assert.equal(data['requestheader-extra-headers-prefix'], '["X-Remote-Extra-"]');
  });

  it('keeps the Available condition with kube\'s reason once discovery answers', async () => {
    const condition = await available(suite.creds);
    assert.deepEqual({ status: condition?.status, reason: condition?.reason, message: condition?.message }, { status: 'True', reason: 'Passed', message: 'all checks passed' });
  });

  for (const version of KUBECTL_VERSIONS) {
    describe(`kubectl ${version}`, () => {
      it('get apiservices shows the extension server Available beside the Local ones', async () => {
        const k = kubectl(version, suite.server.kubeconfigPath);
        const out = await k.ok(['get', 'apiservices']);
        assert.match(out, /^NAME\s+SERVICE\s+AVAILABLE\s+AGE$/m);
        assert.match(out, /^v1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+True\s+\S+$/m);
        assert.match(out, /^v1\.\s+Local\s+True\s+\S+$/m);
        assert.match(out, /^v1\.apps\s+Local\s+True\s+\S+$/m);
      });

      it('top pod and top node print the extension server\'s figures', async () => {
        const k = kubectl(version, suite.server.kubeconfigPath);
        assert.match(await k.ok(['top', 'pod']), /^web-1\s+150m\s+64Mi\s*$/m);
        assert.match(await k.ok(['top', 'node']), /^node-1\s+250m\s+6%\s+512Mi\s+6%\s*$/m);
      });

      it('api-resources lists its resources', async () => {
        const k = kubectl(version, suite.server.kubeconfigPath);
        const out = await k.ok(['api-resources', '--api-group=metrics.k8s.io']);
        assert.match(out, /^nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics$/m);
        assert.match(out, /^pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics$/m);
      });

      it('explain describes a remote kind from the extension server\'s OpenAPI', async () => {
        const k = kubectl(version, suite.server.kubeconfigPath);
        const out = await k.ok(['explain', 'pods', '--api-version=metrics.k8s.io/v1beta1']);
        assert.match(out, /^KIND:\s+PodMetrics$/m);
        assert.match(out, /PodMetrics sets resource usage metrics of a pod\./);
        assert.match(out, /^\s+containers\s+<\[\]Object>/m);
      });
    });
  }

  it('sends the authenticated user in the front-proxy headers, under the proxy\'s certificate', async () => {
    const seen = metrics.seen.filter((s) => s.path.startsWith('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods'));
    assert.ok(seen.length > 0);
    for (const s of seen) {
      assert.equal(s.proxyName, 'front-proxy-client');
      assert.equal(s.user, 'kubeactor-admin');
      assert.deepEqual(s.groups, ['system:masters', 'system:authenticated']);
    }
    // The availability check and discovery come as kube-aggregator itself.
    assert.ok(metrics.seen.some((s) => s.user === 'system:kube-aggregator' && s.groups.includes('system:masters')));
  });

  it('authorizes before proxying: an impersonated user needs RBAC on the remote resource, and arrives as that user', async () => {
    const { creds } = suite;
    const asJane = { 'impersonate-user': 'jane', 'impersonate-group': 'devs' };
    assert.equal((await call(creds, 'GET', PODS, { headers: asJane })).status, 403);
    await call(creds, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { body: JSON.stringify({ metadata: { name: 'metrics-reader' }, rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] }] }) });
    await call(creds, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { body: JSON.stringify({ metadata: { name: 'devs-read-metrics' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'metrics-reader' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }] }) });
    const r = await until(async () => { const r = await call(creds, 'GET', PODS, { headers: asJane }); return r.status === 200 ? r : undefined; }, 'jane to be allowed');
    assert.equal(r.json().kind, 'PodMetricsList');
    const last = metrics.seen.at(-1)!;
    assert.equal(last.user, 'jane');
    assert.deepEqual(last.groups, ['devs', 'system:authenticated']);
  });

  it('merges the remote group into legacy and aggregated discovery, and its OpenAPI v3 into the root', async () => {
    const { creds } = suite;
    const groups = (await call(creds, 'GET', '/apis')).json().groups as { name: string; preferredVersion: { groupVersion: string } }[];
    assert.equal(groups.find((g) => g.name === 'metrics.k8s.io')?.preferredVersion.groupVersion, 'metrics.k8s.io/v1beta1');
    assert.equal((await call(creds, 'GET', '/apis/metrics.k8s.io')).json().kind, 'APIGroup');
    const aggregated = await call(creds, 'GET', '/apis', { headers: { accept: V2 } });
    const metricsGroup = (aggregated.json().items as { metadata: { name: string }; versions: { version: string; freshness: string; resources: { resource: string }[] }[] }[]).find((g) => g.metadata.name === 'metrics.k8s.io');
    assert.deepEqual(metricsGroup?.versions.map((v) => [v.version, v.freshness, v.resources.map((r) => r.resource)]), [['v1beta1', 'Current', ['nodes', 'pods']]]);
    const root = (await call(creds, 'GET', '/openapi/v3')).json().paths as Record<string, { serverRelativeURL: string }>;
    assert.ok(root['api/v1']);
    const url = root['apis/metrics.k8s.io/v1beta1']?.serverRelativeURL;
    assert.equal(url, '/openapi/v3/apis/metrics.k8s.io/v1beta1?hash=0123456789ABCDEF');
    assert.equal((await call(creds, 'GET', url!)).json().info.title, 'metrics-server');
  });

  it('merges the extension server\'s definitions into /openapi/v2 beside the built-in ones', async () => {
    const v2 = await call(suite.creds, 'GET', '/openapi/v2', { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
    assert.equal(v2.status, 200);
    assert.ok(v2.body.includes('io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics'));
    assert.ok(v2.body.includes('io.k8s.api.core.v1.Pod'));
  });

  it('reads remote discovery again on its timer: a resource the extension server adds appears in api-resources', async () => {
    metrics.addResource({ name: 'containers', singularName: '', namespaced: true, kind: 'ContainerMetrics', verbs: ['get', 'list'] });
    for (const version of KUBECTL_VERSIONS) {
      const k = kubectl(version, suite.server.kubeconfigPath);
      await until(async () => (/^containers\s+metrics\.k8s\.io\/v1beta1\s+true\s+ContainerMetrics$/m.test(await k.ok(['api-resources', '--api-group=metrics.k8s.io'])) ? true : undefined), `kubectl ${version} to list containers`);
    }
  });

  it('streams a proxied watch as the extension server writes it', async () => {
    const { creds } = suite;
    const lines: string[] = [];
    const req = request(new URL(`${PODS}?watch=true`, creds.server), { headers: { authorization: `Bearer ${creds.token}` }, ca: creds.ca });
    const response = new Promise<void>((resolve) => req.on('response', (res) => {
      assert.equal(res.statusCode, 200);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
      resolve();
    }));
    req.end();
    await response;
    await until(async () => (metrics.openWatches > 0 ? true : undefined), 'the watch to reach the extension server');
    metrics.emit('ADDED', { kind: 'PodMetrics', metadata: { name: 'web-2' } });
    metrics.emit('MODIFIED', { kind: 'PodMetrics', metadata: { name: 'web-2' } });
    await until(async () => (lines.length >= 2 ? true : undefined), 'both events');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { type: string }).type), ['ADDED', 'MODIFIED']);
    req.destroy();
    await until(async () => (metrics.openWatches === 0 ? true : undefined), 'the client\'s leaving to close the upstream watch');
  });

  it('holds the extension server back while the watcher does not read, and loses nothing', async () => {
    const { creds } = suite;
    let received = 0;
    let reading: (() => void) | undefined;
    const req = request(new URL(`${PODS}?watch=true`, creds.server), { headers: { authorization: `Bearer ${creds.token}` }, ca: creds.ca });
    const closed = new Promise<void>((resolve) => req.on('close', resolve));
    req.on('error', () => undefined);
    req.on('response', (res) => {
      res.pause();
      // Count what the extension server wrote: the listener may add newlines (whitespace to a watch decoder) between chunks.
      res.on('data', (chunk: Buffer) => (received += chunk.length - chunk.toString('latin1').split('\n').length + 1));
      reading = () => res.resume();
    });
    req.end();
    await until(async () => (metrics.openWatches > 0 && reading ? true : undefined), 'the watch to open');
    const chunk = Buffer.alloc(256 * 1024, 'x');
    // Far more than the listener would hold for a slow watcher (16 MiB) before ending it.
    const limit = 96 * 1024 * 1024;
    let sent = 0;
    while (metrics.watchBacklog < 2 * 1024 * 1024 && sent < limit) {
      metrics.emitRaw(chunk);
      sent += chunk.length;
      await sleep(2);
    }
    assert.ok(sent < limit, 'the extension server never had to wait');
    reading!();
    await until(async () => (received === sent ? true : undefined), `all ${sent} bytes (${received} so far)`);
    req.destroy();
    await closed;
  });

  it('answers 503 within the request timeout when the extension server does not answer', async () => {
    const started = Date.now();
    const r = await call(suite.creds, 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/slow/pods');
    assert.equal(r.status, 503);
    assert.match(r.body, /context deadline exceeded/);
    assert.ok(Date.now() - started < 4000, `answered after ${Date.now() - started} ms`);
  });

  it('answers 503 at once when the extension server stops, flips Available to False, and recovers when it is back', async () => {
    const { creds } = suite;
    const port = metrics.port;
    await metrics.stop();
    const started = Date.now();
    const refused = await call(creds, 'GET', PODS);
    assert.equal(refused.status, 503);
    assert.ok(Date.now() - started < 1000);
    assert.match(refused.body, /connect: connection refused/);
    const down = await untilAvailable(creds, 'False', 'Available=False');
    assert.equal(down.reason, 'FailedDiscoveryCheck');
    assert.match(down.message, new RegExp(`^failing or missing response from https://127\\.0\\.0\\.1:${port}/apis/metrics\\.k8s\\.io/v1beta1: .*connection refused`));
    for (const version of KUBECTL_VERSIONS) {
      const k = kubectl(version, suite.server.kubeconfigPath);
      // As with kube: discovery marks the group Stale, so kubectl top finds no metrics API; a request says why.
      assert.match((await k.run(['top', 'pod'])).stderr, /Metrics API not available/, `kubectl ${version}`);
      assert.match((await k.run(['get', '--raw', PODS])).stderr, /the server is currently unable to handle the request/, `kubectl ${version}`);
      assert.match(await k.ok(['get', 'apiservice', 'v1beta1.metrics.k8s.io']), /False \(FailedDiscoveryCheck\)/, `kubectl ${version}`);
    }
    const unavailable = await call(creds, 'GET', PODS);
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.body, 'service unavailable\n');
    const stale = (await call(creds, 'GET', '/apis', { headers: { accept: V2 } })).json().items as { metadata: { name: string }; versions: { freshness: string }[] }[];
    assert.equal(stale.find((g) => g.metadata.name === 'metrics.k8s.io')?.versions[0]?.freshness, 'Stale');

    await metrics.listen(port);
    await untilAvailable(creds, 'True', 'Available=True again');
    for (const version of KUBECTL_VERSIONS) {
      const k = kubectl(version, suite.server.kubeconfigPath);
      assert.match(await k.ok(['get', 'apiservice', 'v1beta1.metrics.k8s.io']), /^v1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+True\s+\S+$/m, `kubectl ${version}`);
      assert.match(await k.ok(['top', 'pod']), /^web-1\s+150m\s+64Mi\s*$/m, `kubectl ${version}`);
    }
  });

  it('says why with kube\'s reasons when the endpoints or the Service are missing', async () => {
    const { creds } = suite;
    await call(creds, 'DELETE', '/api/v1/namespaces/kube-system/endpoints/metrics-server');
    const noEndpoints = await until(async () => { const c = await available(creds); return c?.reason === 'EndpointsNotFound' ? c : undefined; }, 'EndpointsNotFound');
    assert.deepEqual([noEndpoints.status, noEndpoints.message], ['False', 'cannot find endpointslices for service/metrics-server in "kube-system"']);
    await call(creds, 'DELETE', '/api/v1/namespaces/kube-system/services/metrics-server');
    const noService = await until(async () => { const c = await available(creds); return c?.reason === 'ServiceNotFound' ? c : undefined; }, 'ServiceNotFound');
    assert.equal(noService.message, 'service/metrics-server in "kube-system" is not present');
  });

  it('validates APIServices as kube does', async () => {
    const r = await call(suite.creds, 'POST', APISERVICE, { body: JSON.stringify({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.wrong' }, spec: { group: 'example.com', version: 'v1', groupPriorityMinimum: 0, versionPriority: 100, insecureSkipTLSVerify: true, caBundle: 'YWJj', service: { namespace: 'default', name: 'x' } } }) });
    assert.equal(r.status, 422);
    const causes = (r.json().details.causes as { field: string; message: string }[]).map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(causes, [
      'metadata.name: Invalid value: "v1.wrong": must be `spec.version+"."+spec.group`: "v1.example.com"',
      'spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000',
      'spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present',
    ]);
  });

  it('shows the server chain in /debug/actors: Aggregator → KubeAPIServer → APIExtensions', async () => {
    const chain = (await call(suite.creds, 'GET', '/debug/actors')).json().serverChain as { name: string; delegatesTo: string; actors: string[] }[];
    assert.deepEqual(chain.map((s) => [s.name, s.delegatesTo]), [['Aggregator', 'KubeAPIServer'], ['KubeAPIServer', 'APIExtensions'], ['APIExtensions', 'NotFound']]);
    assert.deepEqual(chain[0]!.actors.sort(), ['aggregator', 'autoregister', 'controller/apiservice-status-remote-available-controller', 'proxy']);
  });
});

const EXEC = `${PODS}/web-1/exec`;

/**
 * More than a tunnel may let pile up for one slow side: what kubeactor holds (its high-water marks, and
 * TUNNEL_LIMIT_BYTES on uWS) and, mostly, the kernel's buffers of the two loopback connections on the way
 * (up to 4 MiB to send and 32 MiB to receive each, on Linux's defaults here). Without backpressure a side
 * that reads nothing takes all of it.
 */
const TUNNEL_BOUND = 128 * 1024 * 1024;

/** A growing count once it has stopped growing for a second (or passed TUNNEL_BOUND). */
async function settled(count: () => number, what: string): Promise<number> {
  let last = -1;
  let since = Date.now();
  return until(async () => {
    const now = count();
    if (now !== last) [last, since] = [now, Date.now()];
    return now > TUNNEL_BOUND || Date.now() - since > 1000 ? now : undefined;
  }, `${what} to stop`, 60_000);
}

/** A WebSocket to kubeactor, as kubectl 1.30+ opens one for exec: resolves once open. */
function webSocketTo(creds: Credentials, path: string, protocols: string[]): Promise<WebSocket> {
  const ws = new WebSocket(`${creds.server.replace(/^https:/, 'wss:')}${path}`, protocols, { headers: { authorization: `Bearer ${creds.token}` }, ca: creds.ca, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

/** An upgrade request of another protocol (SPDY, as kubectl ≤ 1.29 execs): the socket once upgraded, or the answer. */
function upgradeTo(creds: Credentials, path: string, protocol: string): Promise<{ socket: Duplex } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, creds.server), {
      method: 'POST', ca: creds.ca,
      headers: { authorization: `Bearer ${creds.token}`, connection: 'Upgrade', upgrade: protocol, 'x-stream-protocol-version': 'v4.channel.k8s.io' },
    });
    req.on('upgrade', (_res, socket) => resolve({ socket }));
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

// Upgrades through the proxy on each transport: uWS terminates WebSocket itself and passes messages; node:http2's
// HTTP/1.1 side hands over the socket, so any protocol's bytes pass.
for (const transport of ['auto', 'node'] as const) {
  describe(`upgrade requests through the aggregator (--transport=${transport})`, () => {
    const suite = suiteServer({ transport });
    let metrics: MetricsServer;
    before(async () => {
      metrics = await registerMetricsServer(suite.creds);
    });
    after(async () => {
      await metrics.stop();
    });

    it('passes a WebSocket through: the subprotocol the extension server chose, and messages both ways as they were', async () => {
      const ws = await webSocketTo(suite.creds, EXEC, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
      assert.equal(ws.protocol, 'v5.channel.k8s.io');
      const binary = nextMessage(ws);
      ws.send(Buffer.from([1, ...Buffer.from('echo me')]), { binary: true });
      assert.deepEqual(await binary, { data: Buffer.from([1, ...Buffer.from('echo me')]), isBinary: true });
      const text = nextMessage(ws);
      ws.send(Buffer.from('as text'), { binary: false });
      const echoed = await text;
      assert.deepEqual([echoed.data.toString('utf8'), echoed.isBinary], ['as text', false]);
      const upgrade = metrics.seen.filter((s) => s.path.endsWith('/web-1/exec')).at(-1);
      assert.deepEqual([upgrade?.user, upgrade?.proxyName], ['kubeactor-admin', 'front-proxy-client']);
      ws.close();
      await until(async () => (metrics.openTunnels === 0 ? true : undefined), 'the client\'s leaving to close the upstream connection');
    });

    it('authorizes an upgrade before it reaches the extension server', async () => {
      const before = metrics.seen.length;
      await assert.rejects(webSocketTo({ ...suite.creds, token: 'no-such-token' }, EXEC, ['v5.channel.k8s.io']), /upgrade answered 401/);
      assert.equal(metrics.seen.length, before);
    });

    it('holds the extension server back while the client does not read, and loses nothing', async () => {
      const ws = await webSocketTo(suite.creds, `${PODS}/web-1/attach`, ['v5.channel.k8s.io']);
      ws.pause();
      let received = 0;
      ws.on('message', (data: Buffer) => (received += data.byteLength));
      // Without backpressure the proxy and the listener would take all of it, as fast as the extension server sends.
      const sent = await settled(() => metrics.flooded, 'the extension server\'s sending');
      assert.ok(sent < TUNNEL_BOUND, `the extension server sent ${sent} bytes to a client that reads nothing`);
      metrics.stopFlooding();
      ws.resume();
      await until(async () => (received === metrics.flooded ? true : undefined), `all ${metrics.flooded} bytes (${received} so far)`);
      ws.close();
      await until(async () => (metrics.openTunnels === 0 ? true : undefined), 'the upstream connection to close');
    });

    if (transport === 'node') {
      it('holds the client back while the extension server does not read (bytes tunnel)', async () => {
        const upgraded = await upgradeTo(suite.creds, `${PODS}/web-1/portforward`, 'SPDY/3.1');
        assert.ok('socket' in upgraded, JSON.stringify(upgraded));
        const { socket } = upgraded;
        const chunk = Buffer.alloc(64 * 1024, 'c');
        let written = 0;
        for (;;) {
          written += chunk.byteLength;
          if (written > TUNNEL_BOUND || socket.write(chunk)) continue;
          const drained = await Promise.race([new Promise<true>((resolve) => socket.once('drain', () => resolve(true))), sleep(1500).then(() => false)]);
          if (!drained) break;
        }
        assert.ok(written < TUNNEL_BOUND, `the client wrote ${written} bytes to an extension server that reads nothing`);
        socket.destroy();
        metrics.closeTunnels();
        await until(async () => (metrics.openTunnels === 0 ? true : undefined), 'the upstream connection to close');
      });

      it('passes any other upgrade (SPDY/3.1) through as bytes, both ways', async () => {
        const upgraded = await upgradeTo(suite.creds, EXEC, 'SPDY/3.1');
        assert.ok('socket' in upgraded, JSON.stringify(upgraded));
        const { socket } = upgraded;
        const echoed = new Promise<Buffer>((resolve) => socket.once('data', resolve));
        socket.write(Buffer.from([0x80, 0x03, 0x00, 0x01]));
        assert.deepEqual(await echoed, Buffer.from([0x80, 0x03, 0x00, 0x01]));
        socket.destroy();
        await until(async () => (metrics.openTunnels === 0 ? true : undefined), 'the upstream connection to close');
      });
    } else {
      it('cuts a WebSocket whose extension server does not read once the proxy holds its bound (uWS cannot pause a client)', async () => {
        const ws = await webSocketTo(suite.creds, `${PODS}/web-1/portforward`, ['v5.channel.k8s.io']);
        const closed = new Promise<number>((resolve) => ws.once('close', resolve));
        const chunk = Buffer.alloc(64 * 1024, 'c');
        let sent = 0;
        while (ws.readyState === WebSocket.OPEN && sent < TUNNEL_BOUND) {
          sent += chunk.byteLength;
          // The client's own buffer stays small: each MiB waits until it is written.
          await new Promise<void>((resolve) => ws.send(chunk, { binary: true }, () => resolve()));
        }
        assert.equal(await closed, 1000);
        assert.ok(sent < TUNNEL_BOUND, `the client sent ${sent} bytes to an extension server that reads nothing`);
        metrics.closeTunnels();
        await until(async () => (metrics.openTunnels === 0 ? true : undefined), 'the upstream connection to close');
      });

      it('refuses an upgrade uWS cannot hand over (SPDY/3.1) with 400 and says why', async () => {
        const answer = await upgradeTo(suite.creds, EXEC, 'SPDY/3.1');
        assert.ok('status' in answer);
        assert.equal(answer.status, 400);
        assert.match(JSON.parse(answer.body).message, /^unable to upgrade connection: SPDY\/3\.1 cannot pass through the uWebSockets\.js transport/);
      });
    }
  });
}

// With an audit policy, authn hands requests to the audit actor, which relays their answers: a proxied
// upgrade's tunnel passes through it too, and is recorded as kube records one (101 at ResponseStarted).
describe('an upgrade through the aggregator with the audit log on', () => {
  const dir = tempDir('aggregator-audit');
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
  const log = join(dir, 'audit.log');
  const suite = suiteServer({ auditPolicyFile: policy, auditLogPath: log });
  let metrics: MetricsServer;
  before(async () => {
    metrics = await registerMetricsServer(suite.creds);
  });
  after(async () => {
    await metrics.stop();
  });

  it('opens, carries messages both ways, and is audited as switched protocols until the client leaves', { timeout: 30_000 }, async () => {
    const ws = await webSocketTo(suite.creds, EXEC, ['v5.channel.k8s.io']);
    const echoed = nextMessage(ws);
    ws.send(Buffer.from([1, ...Buffer.from('audited')]), { binary: true });
    assert.deepEqual((await echoed).data, Buffer.from([1, ...Buffer.from('audited')]));
    ws.close();
    await until(async () => (metrics.openTunnels === 0 ? true : undefined), 'the client\'s leaving to close the upstream connection');
    const stages = await until(async () => {
      const events = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { requestURI: string; stage: string; responseStatus?: { code: number } });
      const exec = events.filter((e) => e.requestURI.startsWith(EXEC));
      return exec.some((e) => e.stage === 'ResponseComplete') ? exec.map((e) => `${e.stage} ${e.responseStatus?.code ?? ''}`.trim()) : undefined;
    }, 'the upgrade\'s ResponseComplete in the audit log');
    assert.deepEqual(stages, ['RequestReceived', 'ResponseStarted 101', 'ResponseComplete 101']);
  });
});
