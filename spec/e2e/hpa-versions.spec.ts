// autoscaling/v1 HorizontalPodAutoscalers: kube stores v2 and converts, so a
// v1 client writes and reads v1 (targetCPUUtilizationPercentage), a v2 client
// sees the same object as v2 (a cpu Resource metric), and what v1 has no field
// for travels in kube's autoscaling.alpha.kubernetes.io annotations.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suiteServer } from '../support/server.js';
import { call } from '../support/http.js';
import { kubectl } from '../support/kubectl.js';

const V1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
const V2 = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';
const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

describe('HorizontalPodAutoscaler in autoscaling/v1 and v2', () => {
  const suite = suiteServer();

  it('a v1 create is stored as v2 and read back as v1', async () => {
    const v1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: target, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 50 } };
    const created = await call(suite.creds, 'POST', V1, { body: JSON.stringify(v1) });
    assert.equal(created.status, 201, created.body);
    assert.equal(created.json().apiVersion, 'autoscaling/v1');
    assert.equal(created.json().spec.targetCPUUtilizationPercentage, 50);
    const asV2 = (await call(suite.creds, 'GET', `${V2}/web`)).json();
    assert.equal(asV2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(asV2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    assert.equal(asV2.metadata.annotations, undefined);
    const list = (await call(suite.creds, 'GET', V1)).json();
    assert.equal(list.apiVersion, 'autoscaling/v1');
    assert.deepEqual(list.items.map((i: { apiVersion: string; spec: { targetCPUUtilizationPercentage: number } }) => [i.apiVersion, i.spec.targetCPUUtilizationPercentage]), [['autoscaling/v1', 50]]);
  });

  it('v2-only fields reach a v1 reader as kube\'s annotations, and come back from them', async () => {
    const v2 = {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'mem' },
      spec: {
        scaleTargetRef: target, maxReplicas: 3,
        metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      },
    };
    assert.equal((await call(suite.creds, 'POST', V2, { body: JSON.stringify(v2) })).status, 201);
    const asV1 = (await call(suite.creds, 'GET', `${V1}/mem`)).json();
    assert.equal(asV1.spec.targetCPUUtilizationPercentage, undefined);
    assert.deepEqual(JSON.parse(asV1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics']), v2.spec.metrics);
    assert.equal(JSON.parse(asV1.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior']).scaleDown.stabilizationWindowSeconds, 60);
    // A v1 update that keeps the annotations keeps the v2 fields.
    asV1.spec.maxReplicas = 4;
    const updated = await call(suite.creds, 'PUT', `${V1}/mem`, { body: JSON.stringify(asV1) });
    assert.equal(updated.status, 200, updated.body);
    const back = (await call(suite.creds, 'GET', `${V2}/mem`)).json();
    assert.equal(back.spec.maxReplicas, 4);
    assert.deepEqual(back.spec.metrics, v2.spec.metrics);
    assert.equal(back.metadata.annotations, undefined);
  });

  it('a v1 merge patch means v1 fields', async () => {
    const patched = await call(suite.creds, 'PATCH', `${V1}/web`, { body: JSON.stringify({ spec: { targetCPUUtilizationPercentage: 70 } }), headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(patched.status, 200, patched.body);
    assert.equal(patched.json().spec.targetCPUUtilizationPercentage, 70);
    assert.equal((await call(suite.creds, 'GET', `${V2}/web`)).json().spec.metrics[0].resource.target.averageUtilization, 70);
  });

  it('server-side apply in v1 creates, updates and records managedFields in autoscaling/v1, stored as v2', async () => {
    const apply = (manager: string, spec: Record<string, unknown>, query = '') => call(suite.creds, 'PATCH', `${V1}/applied?fieldManager=${manager}${query}`, {
      body: JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'applied' }, spec }),
      headers: { 'content-type': 'application/apply-patch+yaml' },
    });
    const created = await apply('ops', { scaleTargetRef: target, maxReplicas: 6, targetCPUUtilizationPercentage: 60 });
    assert.equal(created.status, 201, created.body);
    assert.equal(created.json().apiVersion, 'autoscaling/v1');
    assert.equal(created.json().spec.targetCPUUtilizationPercentage, 60);
    type Entry = { manager: string; operation: string; apiVersion: string; fieldsV1: { 'f:spec'?: Record<string, unknown> } };
    const entries = (o: Record<string, unknown>): Entry[] => (o.metadata as { managedFields?: Entry[] }).managedFields ?? [];
    const [entry] = entries(created.json());
    assert.deepEqual([entry!.manager, entry!.operation, entry!.apiVersion], ['ops', 'Apply', 'autoscaling/v1']);
    assert.ok(entry!.fieldsV1['f:spec']!['f:targetCPUUtilizationPercentage'], JSON.stringify(entry));
    // Stored as v2: a cpu metric, the v1 entry kept as it is.
    const asV2 = (await call(suite.creds, 'GET', `${V2}/applied`)).json();
    assert.deepEqual(asV2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    assert.deepEqual(entries(asV2).map((e) => [e.manager, e.apiVersion]), [['ops', 'autoscaling/v1']]);
    // Another manager changing a field ops owns conflicts, in v1's field names; with force it takes the field over.
    const conflict = await apply('other', { scaleTargetRef: target, maxReplicas: 9 });
    assert.equal(conflict.status, 409, conflict.body);
    assert.match(conflict.json().message, /conflict with "ops": \.spec\.maxReplicas/);
    const forced = await apply('other', { scaleTargetRef: target, maxReplicas: 9 }, '&force=true');
    assert.equal(forced.status, 200, forced.body);
    assert.equal(forced.json().spec.maxReplicas, 9);
    assert.equal(forced.json().spec.targetCPUUtilizationPercentage, 60);
    assert.deepEqual(entries(forced.json()).map((e) => [e.manager, e.operation, e.apiVersion]).sort(), [['ops', 'Apply', 'autoscaling/v1'], ['other', 'Apply', 'autoscaling/v1']]);
    // ops applies again without the CPU target: the field it alone owned goes.
    const dropped = await apply('ops', { scaleTargetRef: target, maxReplicas: 9 });
    assert.equal(dropped.status, 200, dropped.body);
    assert.equal(dropped.json().spec.targetCPUUtilizationPercentage, undefined);
    assert.equal((await call(suite.creds, 'GET', `${V2}/applied`)).json().spec.metrics, undefined);
    // A patch in the wrong version is kube's 400.
    const wrong = await call(suite.creds, 'PATCH', `${V1}/applied?fieldManager=ops`, {
      body: JSON.stringify({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'applied' } }), headers: { 'content-type': 'application/apply-patch+yaml' },
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json().message, 'Incorrect version specified in apply patch. Specified patch version: autoscaling/v2, expected: autoscaling/v1');
  });

  it('kubectl apply --server-side of a v1 manifest works', async () => {
    const k = kubectl('1.33', suite.server.kubeconfigPath);
    const manifest = JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'kubectl-ssa', namespace: 'default' }, spec: { scaleTargetRef: target, maxReplicas: 4, targetCPUUtilizationPercentage: 80 } });
    assert.match(await k.ok(['apply', '--server-side', '-f', '-'], { input: manifest }), /serverside-applied/);
    const raw = JSON.parse(await k.ok(['get', '--raw', `${V1}/kubectl-ssa`]));
    assert.deepEqual([raw.spec.maxReplicas, raw.spec.targetCPUUtilizationPercentage, raw.metadata.managedFields[0].manager, raw.metadata.managedFields[0].apiVersion], [4, 80, 'kubectl', 'autoscaling/v1']);
  });

  it('kubectl lists them (in v2, which discovery prefers) and reads v1 raw', async () => {
    const k = kubectl('1.33', suite.server.kubeconfigPath);
    const rows = (await k.ok(['get', 'hpa', '--no-headers'])).trim().split('\n').map((l) => l.split(/\s+/).slice(0, 2));
    assert.deepEqual(rows.filter(([name]) => name === 'mem' || name === 'web'), [['mem', 'Deployment/web'], ['web', 'Deployment/web']]);
    const raw = JSON.parse(await k.ok(['get', '--raw', `${V1}/web`]));
    assert.deepEqual([raw.apiVersion, raw.spec.targetCPUUtilizationPercentage], ['autoscaling/v1', 70]);
  });
});
