// API Priority and Fairness as kube-apiserver 1.33 does it: the bootstrap
// FlowSchemas and PriorityLevelConfigurations exist from the start (kubectl
// lists them with kube's columns) and the mandatory ones are kept; every
// answer names the FlowSchema and priority level that classified it; a flood
// from a user whose level is full is answered 429 with Retry-After while a
// system:masters user and health checks keep being served; and
// --enable-priority-and-fairness=false takes it all out of the chain.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suiteServer, tempDir, startTestServer } from '../support/server.js';
import { call } from '../support/http.js';
import { kubectl } from '../support/kubectl.js';
import { parsePrometheusText } from '../support/prometheus.js';

const tokens = join(tempDir('apf-tokens'), 'tokens.csv');
writeFileSync(tokens, 'flood-token,flooder,200,"devs"\ncalm-token,calm,201,"devs"\n');

const FC = '/apis/flowcontrol.apiserver.k8s.io/v1';
const until = async (check: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('condition never held');
};

describe('API Priority and Fairness', () => {
  // 40 + 40 seats in all: a level with 1 share of the 246 gets one seat.
  const suite = suiteServer({ tokenAuthFile: tokens, maxRequestsInflight: 40, maxMutatingRequestsInflight: 40 });

  it('kubectl lists kube\'s bootstrap FlowSchemas and PriorityLevelConfigurations, none of them dangling', async () => {
    const k = kubectl('1.33', suite.server.kubeconfigPath);
    const schemas = (await k.ok(['get', 'flowschemas', '--sort-by=.spec.matchingPrecedence'])).trimEnd().split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(schemas[0], ['NAME', 'PRIORITYLEVEL', 'MATCHINGPRECEDENCE', 'DISTINGUISHERMETHOD', 'AGE', 'MISSINGPL']);
    assert.deepEqual(schemas.slice(1).map((r) => [r[0], r[1], r[2], r[3]]), [
      ['exempt', 'exempt', '1', '<none>'], ['probes', 'exempt', '2', '<none>'], ['system-leader-election', 'leader-election', '100', 'ByUser'],
      ['endpoint-controller', 'workload-high', '150', 'ByUser'], ['workload-leader-election', 'leader-election', '200', 'ByUser'],
      ['system-node-high', 'node-high', '400', 'ByUser'], ['system-nodes', 'system', '500', 'ByUser'],
      ['kube-controller-manager', 'workload-high', '800', 'ByNamespace'], ['kube-scheduler', 'workload-high', '800', 'ByNamespace'],
      ['kube-system-service-accounts', 'workload-high', '900', 'ByNamespace'], ['service-accounts', 'workload-low', '9000', 'ByUser'],
      ['global-default', 'global-default', '9900', 'ByUser'], ['catch-all', 'catch-all', '10000', 'ByUser'],
    ]);
    await until(async () => !(await k.ok(['get', 'flowschemas', '--no-headers'])).split('\n').some((l) => /\s(\?|True)$/.test(l)));
    const levels = (await k.ok(['get', 'prioritylevelconfigurations'])).trimEnd().split('\n').map((l) => l.split(/\s+/).slice(0, 6));
    assert.deepEqual(levels, [
      ['NAME', 'TYPE', 'NOMINALCONCURRENCYSHARES', 'QUEUES', 'HANDSIZE', 'QUEUELENGTHLIMIT'],
      ['catch-all', 'Limited', '5', '<none>', '<none>', '<none>'], ['exempt', 'Exempt', '<none>', '<none>', '<none>', '<none>'],
      ['global-default', 'Limited', '20', '128', '6', '50'], ['leader-election', 'Limited', '10', '16', '4', '50'],
      ['node-high', 'Limited', '40', '64', '6', '50'], ['system', 'Limited', '30', '64', '6', '50'],
      ['workload-high', 'Limited', '40', '128', '6', '50'], ['workload-low', 'Limited', '100', '128', '6', '50'],
    ]);
  });

  it('every answer names the FlowSchema and priority level that classified it', async () => {
    const uid = async (resource: string, name: string): Promise<string> => (await call(suite.creds, 'GET', `${FC}/${resource}/${name}`)).json().metadata.uid;
    const admin = await call(suite.creds, 'GET', '/api/v1/namespaces/default/configmaps');
    assert.equal(admin.headers['x-kubernetes-pf-flowschema-uid'], await uid('flowschemas', 'exempt'));
    assert.equal(admin.headers['x-kubernetes-pf-prioritylevel-uid'], await uid('prioritylevelconfigurations', 'exempt'));
    // A user refused by authorization was classified first: kube's chain runs APF before authorization.
    const denied = await call(suite.creds, 'GET', '/api/v1/secrets', { token: 'calm-token' });
    assert.equal(denied.status, 403);
    assert.equal(denied.headers['x-kubernetes-pf-flowschema-uid'], await uid('flowschemas', 'global-default'));
    assert.equal(denied.headers['x-kubernetes-pf-prioritylevel-uid'], await uid('prioritylevelconfigurations', 'global-default'));
  });

  it('a mandatory object deleted comes back, and a FlowSchema naming a missing level is Dangling', async () => {
    assert.equal((await call(suite.creds, 'DELETE', `${FC}/flowschemas/catch-all`)).status, 200);
    await until(async () => (await call(suite.creds, 'GET', `${FC}/flowschemas/catch-all`)).status === 200);
    const orphan = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'orphan' }, spec: { priorityLevelConfiguration: { name: 'nowhere' }, matchingPrecedence: 5000, rules: [] } };
    assert.equal((await call(suite.creds, 'POST', `${FC}/flowschemas`, { body: JSON.stringify(orphan) })).status, 201);
    await until(async () => {
      const conditions = (await call(suite.creds, 'GET', `${FC}/flowschemas/orphan`)).json().status?.conditions ?? [];
      return conditions.some((c: { type: string; status: string; reason: string }) => c.type === 'Dangling' && c.status === 'True' && c.reason === 'NotFound');
    });
  });

  it('a flood from one user gets 429 with Retry-After, while system:masters and /readyz keep being served', async () => {
    const { creds } = suite;
    // The flooder gets a level of its own with one seat, none borrowed, and one short queue.
    const level = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'tiny' }, spec: { type: 'Limited', limited: { nominalConcurrencyShares: 1, borrowingLimitPercent: 0, limitResponse: { type: 'Queue', queuing: { queues: 1, handSize: 1, queueLengthLimit: 2 } } } } };
    const schema = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'flooders' }, spec: { priorityLevelConfiguration: { name: 'tiny' }, matchingPrecedence: 50, distinguisherMethod: { type: 'ByUser' }, rules: [{ subjects: [{ kind: 'User', user: { name: 'flooder' } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }] }] } };
    assert.equal((await call(creds, 'POST', `${FC}/prioritylevelconfigurations`, { body: JSON.stringify(level) })).status, 201);
    assert.equal((await call(creds, 'POST', `${FC}/flowschemas`, { body: JSON.stringify(schema) })).status, 201);
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'flooder-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'flooder', apiGroup: 'rbac.authorization.k8s.io' }] };
    assert.equal((await call(creds, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { body: JSON.stringify(binding) })).status, 201);
    const tinyUid = (await call(creds, 'GET', `${FC}/prioritylevelconfigurations/tiny`)).json().metadata.uid;
    await until(async () => (await call(creds, 'GET', '/api/v1/namespaces/default/configmaps', { token: 'flood-token' })).headers['x-kubernetes-pf-prioritylevel-uid'] === tinyUid);

    // Each flood request holds its seat for a while: it waits for a resourceVersion the server has not reached.
    const slow = '/api/v1/namespaces/default/configmaps?resourceVersion=999999999&resourceVersionMatch=NotOlderThan';
    const flood = Array.from({ length: 12 }, () => call(creds, 'GET', slow, { token: 'flood-token' }));
    await new Promise((r) => setTimeout(r, 300));
    const served: number[] = [];
    for (let i = 0; i < 10; i++) {
      served.push((await call(creds, 'GET', '/api/v1/namespaces/default/configmaps')).status);
      served.push((await call(creds, 'GET', '/readyz', { token: null })).status);
    }
    assert.deepEqual(new Set(served), new Set([200]), 'the privileged user and health checks are served throughout');
    const answers = await Promise.all(flood);
    const rejected = answers.filter((a) => a.status === 429);
    assert.ok(rejected.length >= 9, `at most one running and two queued: ${answers.map((a) => a.status).join(',')}`);
    for (const r of rejected) {
      assert.equal(r.headers['retry-after'], '1');
      assert.equal(r.body, 'Too many requests, please try again later.\n');
      assert.equal(r.headers['x-kubernetes-pf-prioritylevel-uid'], tinyUid);
    }
    // Another user, in another level, was never held up by the flood.
    assert.equal((await call(creds, 'GET', '/api/v1/namespaces/default/configmaps', { token: 'calm-token' })).status, 403);

    const scrape = parsePrometheusText((await call(creds, 'GET', '/metrics')).body);
    assert.equal(scrape.value('apiserver_flowcontrol_rejected_requests_total', { flow_schema: 'flooders', priority_level: 'tiny', reason: 'queue-full' }), rejected.length);
    assert.equal(scrape.value('apiserver_flowcontrol_dispatched_requests_total', { flow_schema: 'flooders', priority_level: 'tiny' }), answers.length - rejected.length + 1);
    assert.equal(scrape.value('apiserver_flowcontrol_nominal_limit_seats', { priority_level: 'tiny' }), 1);
    assert.equal(scrape.value('apiserver_flowcontrol_current_inqueue_requests', { flow_schema: 'flooders', priority_level: 'tiny' }), 0);
    assert.ok((scrape.value('apiserver_flowcontrol_dispatched_requests_total', { flow_schema: 'exempt', priority_level: 'exempt' }) ?? 0) >= 10);
  });
});

describe('--enable-priority-and-fairness=false', () => {
  it('leaves classification out of the chain: no flow control headers', async () => {
    const server = await startTestServer({ enablePriorityAndFairness: false });
    try {
      const reply = await server.client.request('GET', '/api/v1/namespaces/default/configmaps');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['x-kubernetes-pf-flowschema-uid'], undefined);
    } finally {
      await server.dispose();
    }
  });
});
