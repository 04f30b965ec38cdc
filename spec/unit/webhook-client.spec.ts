// The shared webhook client against a real HTTPS webhook on loopback with
// its own CA: what it sends, how it reaches a Service, and kube's texts for
// every way a call can fail.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebhookCallError, WebhookClient, goSeconds } from '../../lib/webhook-client.js';
import { resolveServiceEndpoint, type EndpointsView } from '../../lib/service-endpoints.js';
import { SimulatedClock } from '../../harness/simulated-clock.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { closedPort, loopbackWebhookSuite, makeTestCa, startTestWebhook } from '../support/webhook-server.js';

async function rejection(promise: Promise<unknown>): Promise<WebhookCallError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof WebhookCallError, String(e));
    return e;
  }
  assert.fail('the call succeeded');
}

describe('webhook client', () => {
  const suite = loopbackWebhookSuite();

  it('POSTs JSON to the URL, verified with the caBundle, with the timeout as kube sends it', async () => {
    suite.webhook.handle((body) => ({ echoed: body }));
    const answer = await suite.client.post({ name: 'echo.example.com', config: { url: suite.webhook.url('/admit'), caBundle: suite.ca.certPem }, body: '{"hello":"world"}', timeoutMs: 10_000 });
    assert.equal(answer.statusCode, 200);
    assert.deepEqual(answer.body, { echoed: { hello: 'world' } });
    const last = suite.webhook.seen.at(-1)!;
    assert.equal(last.path, '/admit?timeout=10s');
    assert.equal(last.headers['content-type'], 'application/json');
    assert.equal(last.headers['user-agent'], 'kube-apiserver-admission');
  });

  it('keeps one connection for successive calls', async () => {
    suite.webhook.handle(() => ({}));
    const ports = new Set<number | undefined>();
    suite.webhook.handle((_b, request) => {
      ports.add(request.socket.remotePort);
      return {};
    });
    for (let i = 0; i < 5; i++) await suite.client.post({ name: 'w', config: { url: suite.webhook.url('/'), caBundle: suite.ca.certPem }, body: '{}', timeoutMs: 5000 });
    assert.equal(ports.size, 1);
  });

  it('refuses a certificate the caBundle did not sign', async () => {
    const other = await makeTestCa('other-ca');
    const error = await rejection(suite.client.post({ name: 'w.example.com', config: { url: suite.webhook.url('/x'), caBundle: other.certPem }, body: '{}', timeoutMs: 10_000 }));
    assert.equal(error.message, `failed calling webhook "w.example.com": failed to call webhook: Post "${suite.webhook.url('/x')}?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority`);
    assert.equal(error.status.code, 503);
  });

  it('refuses a certificate that does not name the address', async () => {
    const wrong = await startTestWebhook(suite.ca, { ips: ['127.0.0.2'], dns: ['elsewhere'] });
    try {
      const error = await rejection(suite.client.post({ name: 'w', config: { url: wrong.url('/'), caBundle: suite.ca.certPem }, body: '{}', timeoutMs: 10_000 }));
      assert.match(error.detail, /: tls: failed to verify certificate: x509: certificate is valid for 127\.0\.0\.2, not 127\.0\.0\.1$/);
    } finally {
      await wrong.close();
    }
  });

  it('says a refused connection in Go\'s words', async () => {
    const port = await closedPort();
    const error = await rejection(suite.client.post({ name: 'w', config: { url: `https://127.0.0.1:${port}/v`, caBundle: suite.ca.certPem }, body: '{}', timeoutMs: 3000 }));
    assert.equal(error.detail, `Post "https://127.0.0.1:${port}/v?timeout=3s": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  });

  it('gives up at the timeout with context deadline exceeded, on the injected clock', async () => {
    const clock = new SimulatedClock();
    const timed = new WebhookClient({ clock });
    let answered = false;
    suite.webhook.handle(() => undefined); // never answers
    const call = timed.post({ name: 'slow', config: { url: suite.webhook.url('/slow'), caBundle: suite.ca.certPem }, body: '{}', timeoutMs: 2500 });
    void call.catch(() => { answered = true; });
    while (!suite.webhook.seen.some((s) => s.path.startsWith('/slow'))) await new Promise((r) => setTimeout(r, 5));
    assert.equal(answered, false);
    clock.advance(2500);
    const error = await rejection(call);
    assert.equal(error.detail, `Post "${suite.webhook.url('/slow')}?timeout=3s": context deadline exceeded`);
    timed.close();
  });

  it('stops with context canceled when the request goes away', async () => {
    suite.webhook.handle(() => undefined);
    const abort = new AbortController();
    const call = suite.client.post({ name: 'w', config: { url: suite.webhook.url('/gone'), caBundle: suite.ca.certPem }, body: '{}', timeoutMs: 10_000, signal: abort.signal });
    while (!suite.webhook.seen.some((s) => s.path.startsWith('/gone'))) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    assert.match((await rejection(call)).detail, /: context canceled$/);
  });

  it('reports garbage, an empty body and a server error as kube\'s client does', async () => {
    const url = { url: suite.webhook.url('/'), caBundle: suite.ca.certPem };
    suite.webhook.handle((_b, _q, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('garbage'));
    assert.equal((await rejection(suite.client.post({ name: 'w', config: url, body: '{}', timeoutMs: 1000 }))).detail,
      "couldn't get version/kind; json parse error: invalid character 'g' looking for beginning of value");
    suite.webhook.handle((_b, _q, response) => response.writeHead(200, { 'content-type': 'application/json' }).end());
    assert.equal((await rejection(suite.client.post({ name: 'w', config: url, body: '{}', timeoutMs: 1000 }))).detail,
      '0-length response with status code: 200 and content type: application/json');
    suite.webhook.handle((_b, _q, response) => response.writeHead(500, { 'content-type': 'text/plain' }).end('boom\n'));
    const error = await rejection(suite.client.post({ name: 'w', config: url, body: '{}', timeoutMs: 1000 }));
    assert.equal(error.detail, 'an error on the server ("boom") has prevented the request from succeeding');
    assert.equal(error.status.code, 500);
    assert.equal(error.status.reason, 'InternalError');
  });

  it('reaches a Service through the resolver, checking the certificate against <name>.<namespace>.svc', async () => {
    const serviceHook = await startTestWebhook(suite.ca, { dns: ['hooks.system.svc'], ips: [] });
    try {
      const asked: unknown[] = [];
      const viaService = new WebhookClient({ resolveService: (ns, name, port) => { asked.push([ns, name, port]); return { host: '127.0.0.1', port: serviceHook.port }; } });
      serviceHook.handle(() => ({ ok: true }));
      const answer = await viaService.post({ name: 'w', config: { service: { namespace: 'system', name: 'hooks', path: '/validate' }, caBundle: suite.ca.certPem }, body: '{}', timeoutMs: 10_000 });
      assert.deepEqual(answer.body, { ok: true });
      assert.deepEqual(asked, [['system', 'hooks', 443]]);
      assert.equal(serviceHook.seen.at(-1)!.headers.host, 'hooks.system.svc:443');

      const failing = new WebhookClient({ resolveService: () => { throw new Error('no endpoints available for service "hooks"'); } });
      const error = await rejection(failing.post({ name: 'w', config: { service: { namespace: 'system', name: 'hooks', port: 8443, path: '/v' }, caBundle: suite.ca.certPem }, body: '{}', timeoutMs: 10_000 }));
      assert.equal(error.detail, 'Post "https://hooks.system.svc:8443/v?timeout=10s": no endpoints available for service "hooks"');
      viaService.close();
      failing.close();
    } finally {
      await serviceHook.close();
    }
  });

  it('prints durations as Go does', () => {
    assert.deepEqual([goSeconds(10), goSeconds(60), goSeconds(90), goSeconds(3600)], ['10s', '1m0s', '1m30s', '1h0m0s']);
  });
});

describe('a Service\'s endpoint, as kube-apiserver resolves it', () => {
  const svc = (ports: unknown[], type = 'ClusterIP'): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'hooks', namespace: 'ns' }, spec: { type, ports } });
  const view = (objects: { service?: KubeObject; slices?: KubeObject[]; endpoints?: KubeObject }): EndpointsView => ({
    service: () => objects.service,
    endpointSlices: () => objects.slices ?? [],
    endpoints: () => objects.endpoints,
  });

  it('takes a ready endpoint of a slice serving the port\'s name', () => {
    const slices = [{
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'hooks-abc' }, addressType: 'IPv4',
      ports: [{ name: 'https', port: 9443 }],
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: false } }, { addresses: ['10.0.0.2'], conditions: { ready: true } }],
    }] as KubeObject[];
    assert.deepEqual(resolveServiceEndpoint(view({ service: svc([{ name: 'https', port: 443 }]), slices }), 'ns', 'hooks', 443), { host: '10.0.0.2', port: 9443 });
  });

  it('falls back to the Endpoints object when the Service has no slice', () => {
    const endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'hooks' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 8443 }] }] } as KubeObject;
    assert.deepEqual(resolveServiceEndpoint(view({ service: svc([{ port: 443 }]), endpoints }), 'ns', 'hooks', 443), { host: '127.0.0.1', port: 8443 });
  });

  it('says why it cannot, in kube\'s words', () => {
    assert.throws(() => resolveServiceEndpoint(view({}), 'ns', 'hooks', 443), { message: 'service "hooks" not found' });
    assert.throws(() => resolveServiceEndpoint(view({ service: svc([{ port: 443 }], 'ExternalName') }), 'ns', 'hooks', 443), { message: 'unsupported service type "ExternalName"' });
    assert.throws(() => resolveServiceEndpoint(view({ service: svc([{ port: 80 }]) }), 'ns', 'hooks', 443), { message: 'no service port 443 found for service "hooks"' });
    assert.throws(() => resolveServiceEndpoint(view({ service: svc([{ port: 443 }]) }), 'ns', 'hooks', 443), { message: 'no endpoints available for service "hooks"' });
  });
});
