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
writeFileSync(tokens, 'flood-token,flooder,200,"devs"\ncalm-token,calm,201,"devs"\nother-token,other,202,"devs"\n');

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
    // Both kinds in one command: a table each, names qualified by kind and group.
    const both = (await k.ok(['get', 'flowschemas,prioritylevelconfigurations'])).split('\n');
    assert.match(both[0]!, /^NAME\s+PRIORITYLEVEL\s+MATCHINGPRECEDENCE\s+DISTINGUISHERMETHOD\s+AGE\s+MISSINGPL$/);
    assert.ok(both.some((l) => /^flowschema\.flowcontrol\.apiserver\.k8s\.io\/catch-all\s+catch-all\s+10000\s+ByUser\s+\S+\s+False$/.test(l)));
    assert.ok(both.some((l) => /^NAME\s+TYPE\s+NOMINALCONCURRENCYSHARES\s+QUEUES\s+HANDSIZE\s+QUEUELENGTHLIMIT\s+AGE$/.test(l)));
    assert.ok(both.some((l) => /^prioritylevelconfiguration\.flowcontrol\.apiserver\.k8s\.io\/workload-low\s+Limited\s+100\s+128\s+6\s+50\s+\S+$/.test(l)));
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
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'flooder-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'flooder', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'User', name: 'other', apiGroup: 'rbac.authorization.k8s.io' }] };
    assert.equal((await call(creds, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { body: JSON.stringify(binding) })).status, 201);
    const tinyUid = (await call(creds, 'GET', `${FC}/prioritylevelconfigurations/tiny`)).json().metadata.uid;
    await until(async () => (await call(creds, 'GET', '/api/v1/namespaces/default/configmaps', { token: 'flood-token' })).headers['x-kubernetes-pf-prioritylevel-uid'] === tinyUid);

    // Each flood request holds its seat for a while: it waits for a resourceVersion the server has not reached.
    const slow = '/api/v1/namespaces/default/configmaps?resourceVersion=999999999&resourceVersionMatch=NotOlderThan';
    const flood = Array.from({ length: 12 }, () => call(creds, 'GET', slow, { token: 'flood-token' }));
    await new Promise((r) => setTimeout(r, 300));
    // kube's dump shows the flood: one executing (index -1), two waiting in queue 0, with the flooder's name.
    const dumped = (await call(creds, 'GET', '/debug/api_priority_and_fairness/dump_requests?includeRequestDetails=1')).body.split('\n')
      .filter((line) => line.startsWith('tiny,')).map((line) => line.split(/,\s*/).map((cell) => cell.trim()));
    assert.deepEqual(dumped.map((r) => [r[1], r[2], r[3], r[4], r[6], r[10], r[11], r[16]]).sort(), [
      ['flooders', '0', '-1', 'flooder', '1', 'flooder', 'list', 'configmaps'],
      ['flooders', '0', '0', 'flooder', '1', 'flooder', 'list', 'configmaps'],
      ['flooders', '0', '1', 'flooder', '1', 'flooder', 'list', 'configmaps'],
    ]);
    const served: number[] = [];
    for (let i = 0; i < 10; i++) {
      served.push((await call(creds, 'GET', '/api/v1/namespaces/default/configmaps')).status);
      served.push((await call(creds, 'GET', '/readyz', { token: null })).status);
      // Another user, in kube's global-default level, with the same rights as the flooder.
      served.push((await call(creds, 'GET', '/api/v1/namespaces/default/configmaps', { token: 'other-token' })).status);
    }
    assert.deepEqual(new Set(served), new Set([200]), 'the privileged user, another user and health checks are served throughout');
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
    // Every request of a queuing level passes through a queue, and is timed from dispatch to answer.
    const flooders = { flow_schema: 'flooders', priority_level: 'tiny' };
    const dispatched = scrape.value('apiserver_flowcontrol_dispatched_requests_total', flooders);
    assert.equal(scrape.value('apiserver_flowcontrol_request_queue_length_after_enqueue_count', flooders), dispatched);
    assert.ok(scrape.value('apiserver_flowcontrol_request_queue_length_after_enqueue_bucket', { ...flooders, le: '0' }) < dispatched, 'some found others waiting');
    assert.equal(scrape.value('apiserver_flowcontrol_request_execution_seconds_count', { ...flooders, type: 'regular' }), dispatched);
    const held = answers.length - rejected.length;
    assert.ok(scrape.value('apiserver_flowcontrol_request_execution_seconds_sum', { ...flooders, type: 'regular' }) >= 2.5 * held, 'each flood request held its seat about 3 s');
    // The level's virtual clock advanced while its queue was busy: about 3 seat-seconds per request held.
    assert.ok(scrape.value('apiserver_flowcontrol_current_r', { priority_level: 'tiny' }) >= 2.5 * (held - 1));
    assert.ok(scrape.value('apiserver_flowcontrol_dispatch_r', { priority_level: 'tiny' }) > 0);
    assert.ok(scrape.value('apiserver_flowcontrol_next_s_bounds', { priority_level: 'tiny', bound: 'max' }) >= scrape.value('apiserver_flowcontrol_next_s_bounds', { priority_level: 'tiny', bound: 'min' }));
  });
});

describe("API Priority and Fairness' seats, limits and debug dumps", () => {
  const suite = suiteServer({ tokenAuthFile: tokens, maxRequestsInflight: 40, maxMutatingRequestsInflight: 40 });
  const metrics = async () => parsePrometheusText((await call(suite.creds, 'GET', '/metrics')).body);

  it("reports each level's nominal, lower, upper and current seats as kube computes them", async () => {
    const scrape = await metrics();
    // 80 seats over kube's 245 shares; workload-low (100 shares) lends 90% and may borrow up to the server's 80.
    assert.equal(scrape.value('apiserver_flowcontrol_nominal_limit_seats', { priority_level: 'workload-low' }), 33);
    assert.equal(scrape.value('apiserver_flowcontrol_lower_limit_seats', { priority_level: 'workload-low' }), 3);
    assert.equal(scrape.value('apiserver_flowcontrol_upper_limit_seats', { priority_level: 'workload-low' }), 113);
    assert.equal(scrape.value('apiserver_flowcontrol_nominal_limit_seats', { priority_level: 'exempt' }), 0);
    // With no demand anywhere, the seats go in proportion to the lower limits, and add up to Σ nominal.
    const levels = ['catch-all', 'global-default', 'leader-election', 'node-high', 'system', 'workload-high', 'workload-low'];
    const current = levels.map((priority_level) => scrape.value('apiserver_flowcontrol_current_limit_seats', { priority_level }));
    const nominal = levels.map((priority_level) => scrape.value('apiserver_flowcontrol_nominal_limit_seats', { priority_level }));
    assert.ok(Math.abs(current.reduce((a, b) => a + b) - nominal.reduce((a, b) => a + b)) <= levels.length, `${current} against ${nominal}`);
    assert.ok(scrape.value('apiserver_flowcontrol_seat_fair_frac') > 0);
    assert.equal(scrape.types.get('apiserver_flowcontrol_demand_seats_smoothed'), 'gauge');
  });

  it('counts exempt requests in the exempt level\'s seat demand, though they skip the queues', async () => {
    const { creds } = suite;
    const exempt = { priority_level: 'exempt' };
    // An admin's LIST at a version not reached yet is held 3 s before its 504: five of them at once.
    const future = `/api/v1/namespaces/default/configmaps?resourceVersion=${2 ** 40}&resourceVersionMatch=NotOlderThan`;
    const held = Array.from({ length: 5 }, () => call(creds, 'GET', future));
    await new Promise((r) => setTimeout(r, 600));
    // A configuration change makes the level limits be computed again, from the demand seen since the last time.
    const level = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'demand-check' }, spec: { type: 'Limited', limited: { nominalConcurrencyShares: 1, limitResponse: { type: 'Reject' } } } };
    assert.equal((await call(creds, 'POST', `${FC}/prioritylevelconfigurations`, { body: JSON.stringify(level) })).status, 201);
    await until(async () => (await metrics()).value('apiserver_flowcontrol_demand_seats_high_watermark', exempt) >= 5);
    const scrape = await metrics();
    assert.ok(scrape.value('apiserver_flowcontrol_current_limit_seats', exempt) >= 5, 'an exempt level keeps the seats its demand reached');
    assert.ok(scrape.value('apiserver_flowcontrol_demand_seats_average', exempt) > 0);
    assert.deepEqual((await Promise.all(held)).map((r) => r.status), [504, 504, 504, 504, 504]);
    assert.equal((await call(creds, 'DELETE', `${FC}/prioritylevelconfigurations/demand-check`)).status, 200);
  });

  it('charges a LIST one seat per 100 objects, and a write one seat per 10 watchers for its fan-out', async () => {
    const { creds } = suite;
    // The calm user's requests go to a level big enough for wide requests (kube caps a request at 15% of nominal, and at 10).
    const level = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'wide' }, spec: { type: 'Limited', limited: { nominalConcurrencyShares: 1000, limitResponse: { type: 'Queue', queuing: { queues: 16, handSize: 1, queueLengthLimit: 50 } } } } };
    const schema = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'calm' }, spec: { priorityLevelConfiguration: { name: 'wide' }, matchingPrecedence: 60, distinguisherMethod: { type: 'ByUser' }, rules: [{ subjects: [{ kind: 'User', user: { name: 'calm' } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }] }] } };
    assert.equal((await call(creds, 'POST', `${FC}/prioritylevelconfigurations`, { body: JSON.stringify(level) })).status, 201);
    assert.equal((await call(creds, 'POST', `${FC}/flowschemas`, { body: JSON.stringify(schema) })).status, 201);
    const wideUid = (await call(creds, 'GET', `${FC}/prioritylevelconfigurations/wide`)).json().metadata.uid;
    await until(async () => (await call(creds, 'GET', '/api/v1/namespaces/default/configmaps', { token: 'calm-token' })).headers['x-kubernetes-pf-prioritylevel-uid'] === wideUid);
    await Promise.all(Array.from({ length: 250 }, (_, i) => call(creds, 'POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify({ metadata: { name: `cm-${i}` } }) })));
    const stored = (await call(creds, 'GET', '/api/v1/configmaps')).json().items.length;
    assert.ok(stored > 250 && stored <= 300);

    const before = await metrics();
    const bucket = (scrape: typeof before, le: string): number => scrape.value('apiserver_flowcontrol_work_estimated_seats_bucket', { flow_schema: 'calm', priority_level: 'wide', le });
    // Forbidden to the calm user, but classified and estimated first, as kube's chain does.
    assert.equal((await call(creds, 'GET', '/api/v1/configmaps', { token: 'calm-token' })).status, 403);
    const afterList = await metrics();
    assert.equal(bucket(afterList, '2') - bucket(before, '2'), 0, 'more than 200 objects: more than two seats');
    assert.equal(bucket(afterList, '4') - bucket(before, '4'), 1, 'at most 300 objects: three seats');
    // Pinned to one name: a single seat, however many are stored.
    assert.equal((await call(creds, 'GET', '/api/v1/configmaps?fieldSelector=metadata.name%3Dcm-1', { token: 'calm-token' })).status, 403);
    assert.equal(bucket(await metrics(), '1') - bucket(afterList, '1'), 1);

    const watches = await Promise.all(Array.from({ length: 20 }, () => suite.server.client.watch('/api/v1/namespaces/default/configmaps?watch=true')));
    try {
      const quiet = await metrics();
      assert.equal((await call(creds, 'POST', '/api/v1/namespaces/default/configmaps', { token: 'calm-token', body: JSON.stringify({ metadata: { name: 'x' } }) })).status, 403);
      const loud = await metrics();
      assert.equal(loud.value('apiserver_flowcontrol_watch_count_samples_count', { flow_schema: 'calm', priority_level: 'wide' }) - quiet.value('apiserver_flowcontrol_watch_count_samples_count', { flow_schema: 'calm', priority_level: 'wide' }), 1);
      assert.equal(loud.value('apiserver_flowcontrol_watch_count_samples_sum', { flow_schema: 'calm', priority_level: 'wide' }) - quiet.value('apiserver_flowcontrol_watch_count_samples_sum', { flow_schema: 'calm', priority_level: 'wide' }), 20);
      assert.equal(bucket(loud, '2') - bucket(quiet, '2'), 1, '20 watchers: two seats');
      assert.equal(bucket(loud, '1') - bucket(quiet, '1'), 0);
    } finally {
      for (const w of watches) w.close();
    }
  });

  it("dumps priority levels, queues and requests in kube's columns, to those allowed to read them", async () => {
    const { creds } = suite;
    const dump = async (what: string, token?: string | null) => call(creds, 'GET', `/debug/api_priority_and_fairness/${what}`, token === undefined ? {} : { token });
    const levels = await dump('dump_priority_levels');
    assert.equal(levels.status, 200);
    const rows = levels.body.trimEnd().split('\n').map((line) => line.split(/,\s*/).map((cell) => cell.trim()));
    assert.deepEqual(rows[0], ['PriorityLevelName', 'ActiveQueues', 'IsIdle', 'IsQuiescing', 'WaitingRequests', 'ExecutingRequests', 'DispatchedRequests', 'RejectedRequests', 'TimedoutRequests', 'CancelledRequests']);
    assert.deepEqual(rows.slice(1).map((r) => r[0]), ['catch-all', 'exempt', 'global-default', 'leader-election', 'node-high', 'system', 'wide', 'workload-high', 'workload-low']);
    const wide = rows.find((r) => r[0] === 'wide')!;
    assert.deepEqual(wide.slice(1, 6), ['0', 'true', 'false', '0', '0']);
    assert.ok(Number(wide[6]) >= 4, 'the calm user\'s requests were dispatched there');
    // Aligned as Go's tabwriter aligns them: every row's second column starts at the same place.
    const starts = new Set(levels.body.trimEnd().split('\n').map((line) => line.indexOf(',') + 1 + (line.slice(line.indexOf(',') + 1).length - line.slice(line.indexOf(',') + 1).trimStart().length)));
    assert.equal(starts.size, 1);

    const queues = (await dump('dump_queues')).body.trimEnd().split('\n');
    assert.match(queues[0]!, /^PriorityLevelName, +Index, +PendingRequests, +ExecutingRequests, +SeatsInUse, +NextDispatchR, +InitialSeatsSum, +MaxSeatsSum, +TotalWorkSum$/);
    assert.equal(queues.filter((q) => q.startsWith('wide,')).length, 16);

    const requests = (await dump('dump_requests?includeRequestDetails=1')).body.trimEnd().split('\n');
    assert.match(requests[0]!, /^PriorityLevelName, +FlowSchemaName, +QueueIndex, +RequestIndexInQueue, +FlowDistingsher, +ArriveTime, +InitialSeats, +FinalSeats, +AdditionalLatency, +StartTime, +UserName, +Verb, +APIPath, +Namespace, +Name, +APIVersion, +Resource, +SubResource$/);

    // Not for users that authorization does not let read them.
    assert.equal((await dump('dump_requests', 'calm-token')).status, 403);
    assert.equal((await dump('dump_everything')).status, 404);
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
