// /metrics as Prometheus scrapes it: kube's names and labels, counts that
// match the requests made, readable by kube's system:monitoring group only
// (and by admins), and /metrics/slis with the health checks' results.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../support/http.js';
import { suiteServer, tempDir } from '../support/server.js';
import { kubectl } from '../support/kubectl.js';
import { parsePrometheusText, type Scrape } from '../support/prometheus.js';

const tokens = join(tempDir('metrics-tokens'), 'tokens.csv');
writeFileSync(tokens, 'scraper-token,prometheus,100,"system:monitoring"\nplain-token,jane,101,"devs"\n');

describe('/metrics', () => {
  const suite = suiteServer({ tokenAuthFile: tokens });

  async function scrape(token?: string): Promise<Scrape> {
    const reply = await call(suite.creds, 'GET', '/metrics', token ? { token } : {});
    assert.equal(reply.status, 200, reply.body);
    assert.match(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(reply.body);
  }

  it('counts each request under kube names and labels: verb, dry_run, group, version, resource, subresource, scope, component, code', async () => {
    const { creds } = suite;
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counted' }, data: { a: 'b' } });
    assert.equal((await call(creds, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm })).status, 201);
    const before = await scrape();
    for (let i = 0; i < 5; i++) assert.equal((await call(creds, 'GET', '/api/v1/namespaces/default/configmaps/counted')).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await call(creds, 'GET', '/api/v1/namespaces/default/configmaps/missing')).status, 404);
    assert.equal((await call(creds, 'GET', '/api/v1/namespaces/default/configmaps')).status, 200);
    assert.equal((await call(creds, 'POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { body: cm.replace('counted', 'dry') })).status, 201);
    const after = await scrape();

    const get = { verb: 'GET', group: '', version: 'v1', resource: 'configmaps', subresource: '', scope: 'resource', component: 'apiserver', dry_run: '' };
    const delta = (labels: Record<string, string>): number => after.value('apiserver_request_total', labels) - before.value('apiserver_request_total', labels);
    assert.equal(delta({ ...get, code: '200' }), 5);
    assert.equal(delta({ ...get, code: '404' }), 2);
    assert.equal(delta({ ...get, verb: 'LIST', scope: 'namespace', code: '200' }), 1);
    assert.equal(delta({ ...get, verb: 'POST', scope: 'namespace', dry_run: 'All', code: '201' }), 1);
    const latency = after.value('apiserver_request_duration_seconds_count', get) - before.value('apiserver_request_duration_seconds_count', get);
    assert.equal(latency, 7, 'the duration histogram counts every GET, whatever its code');

    assert.equal(after.types.get('apiserver_request_duration_seconds'), 'histogram');
    const buckets = after.samples.filter((s) => s.name === 'apiserver_request_duration_seconds_bucket' && s.labels.verb === 'GET' && s.labels.code === undefined && s.labels.resource === 'configmaps' && s.labels.scope === 'resource');
    assert.deepEqual(buckets.map((b) => b.labels.le), ['0.005', '0.025', '0.05', '0.1', '0.2', '0.4', '0.6', '0.8', '1', '1.25', '1.5', '2', '3', '4', '5', '6', '8', '10', '15', '20', '30', '45', '60', '+Inf'], "kube's buckets");
  });

  it("times storage and admission as kube does: etcd requests by operation and type, admission steps and plugins", async () => {
    const { creds } = suite;
    const before = await scrape();
    const cm = (name: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    assert.equal((await call(creds, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('timed-1') })).status, 201);
    assert.equal((await call(creds, 'POST', '/api/v1/namespaces/default/configmaps', { body: cm('timed-2') })).status, 201);
    assert.equal((await call(creds, 'DELETE', '/api/v1/namespaces/default/configmaps/timed-1')).status, 200);
    assert.equal((await call(creds, 'POST', '/api/v1/namespaces/nowhere/configmaps', { body: cm('refused') })).status, 404);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>): number => after.value(name, labels) - before.value(name, labels);

    assert.equal(delta('etcd_request_duration_seconds_count', { operation: 'create', type: 'configmaps' }), 2);
    assert.equal(delta('etcd_requests_total', { operation: 'delete', type: 'configmaps' }), 1);
    assert.equal(after.types.get('etcd_request_duration_seconds'), 'histogram');
    assert.ok(after.value('etcd_request_duration_seconds_count', { operation: 'list', type: 'clusterroles.rbac.authorization.k8s.io' }) >= 1, 'each store loaded its objects once');

    assert.equal(delta('apiserver_admission_step_admission_duration_seconds_count', { type: 'validate', operation: 'CREATE', rejected: 'false' }), 2);
    assert.equal(delta('apiserver_admission_controller_admission_duration_seconds_count', { name: 'NamespaceLifecycle', type: 'admit', operation: 'CREATE', rejected: 'true' }), 1, 'the create in a missing namespace');
    const buckets = after.samples.filter((s) => s.name === 'apiserver_admission_step_admission_duration_seconds_bucket' && s.labels.type === 'validate' && s.labels.operation === 'CREATE' && s.labels.rejected === 'false');
    assert.deepEqual(buckets.map((b) => b.labels.le), ['0.005', '0.025', '0.1', '0.5', '1', '2.5', '+Inf'], "kube's buckets");
  });

  it('reports stored objects, watchers, in-flight requests, the process and each actor', async () => {
    const families = await scrape();
    const list = (await call(suite.creds, 'GET', '/api/v1/configmaps')).json<{ items: unknown[] }>();
    assert.equal(families.value('apiserver_storage_objects', { resource: 'configmaps' }), list.items.length);
    assert.ok(families.value('apiserver_storage_objects', { resource: 'clusterroles.rbac.authorization.k8s.io' }) > 0);
    assert.equal(families.value('apiserver_current_inflight_requests', { request_kind: 'readOnly' }), 1, 'the scrape itself');
    assert.ok(families.value('kubeactor_actor_messages_total', { actor: 'store/configmaps' }) > 0);
    assert.ok(families.value('process_resident_memory_bytes') > 0);
    assert.equal(families.types.get('kubeactor_actor_state_seconds'), 'gauge');

    const watch = await suite.server.client.watch('/api/v1/namespaces/default/configmaps?watch=true');
    try {
      const watching = await scrape();
      assert.equal(watching.value('apiserver_registered_watchers', { group: '', version: 'v1', kind: 'ConfigMap' }), 1);
      assert.equal(watching.value('apiserver_longrunning_requests', { verb: 'WATCH', resource: 'configmaps', scope: 'namespace' }), 1);
    } finally {
      watch.close();
    }
  });

  it("is readable by kube's system:monitoring group and refused to other users", async () => {
    await scrape('scraper-token');
    const refused = await call(suite.creds, 'GET', '/metrics', { token: 'plain-token' });
    assert.equal(refused.status, 403);
    assert.equal(refused.json().reason, 'Forbidden');
    assert.equal(refused.json().message, 'forbidden: User "jane" cannot get path "/metrics"');
    assert.equal((await call(suite.creds, 'GET', '/metrics', { token: null })).status, 403);
  });

  it('is what `kubectl get --raw /metrics` prints', async () => {
    const out = await kubectl('1.33', suite.server.kubeconfigPath).ok(['get', '--raw', '/metrics']);
    assert.equal(parsePrometheusText(out).types.get('apiserver_request_total'), 'counter');
  });

  it('/metrics/slis gives each health check and how often it passed', async () => {
    await call(suite.creds, 'GET', '/metrics/slis');
    const reply = await call(suite.creds, 'GET', '/metrics/slis', { token: 'scraper-token' });
    assert.equal(reply.status, 200);
    const families = parsePrometheusText(reply.body);
    assert.equal(families.value('kubernetes_healthcheck', { name: 'etcd', type: 'readyz' }), 1);
    assert.equal(families.value('kubernetes_healthcheck', { name: 'shutdown', type: 'readyz' }), 1);
    assert.equal(families.value('kubernetes_healthchecks_total', { name: 'ping', type: 'livez', status: 'success' }), 2);
  });
});
