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

  it('kubectl lists them (in v2, which discovery prefers) and reads v1 raw', async () => {
    const k = kubectl('1.33', suite.server.kubeconfigPath);
    const rows = (await k.ok(['get', 'hpa', '--no-headers'])).trim().split('\n').map((l) => l.split(/\s+/).slice(0, 2));
    assert.deepEqual(rows, [['mem', 'Deployment/web'], ['web', 'Deployment/web']]);
    const raw = JSON.parse(await k.ok(['get', '--raw', `${V1}/web`]));
    assert.deepEqual([raw.apiVersion, raw.spec.targetCPUUtilizationPercentage], ['autoscaling/v1', 70]);
  });
});
