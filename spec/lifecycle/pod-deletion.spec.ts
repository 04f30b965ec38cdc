// Deleting a pod as kube does without a kubelet to ask: an unbound pod goes at
// once; a pod bound to a node is marked (deletionTimestamp at the end of its
// grace period) and goes when the period ends, as its kubelet would delete
// it; a shorter grace period brings the end nearer. On a simulated clock.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { settle } from '../../harness/client.js';
import { withSimulated } from '../support/simulated.js';

const PODS = '/api/v1/namespaces/default/pods';
const pod = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'web', image: 'nginx' }], ...spec } });
const deleteOptions = (gracePeriodSeconds?: number) => ({ kind: 'DeleteOptions', apiVersion: 'v1', ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }) });

describe('pod deletion', () => {
  it('deletes an unbound pod at once', async () => {
    await withSimulated({}, async ({ server }) => {
      assert.equal((await server.client.request('POST', PODS, pod('unbound'))).status, 201);
      assert.equal((await server.client.request('DELETE', `${PODS}/unbound`, deleteOptions())).status, 200);
      assert.equal((await server.client.request('GET', `${PODS}/unbound`)).status, 404);
    });
  });

  it('lets a bound pod wait out its grace period, then deletes it', async () => {
    await withSimulated({}, async ({ server, clock }) => {
      assert.equal((await server.client.request('POST', PODS, pod('bound', { nodeName: 'node-1', terminationGracePeriodSeconds: 20 }))).status, 201);
      const deleted = await server.client.request('DELETE', `${PODS}/bound`, deleteOptions());
      assert.equal(deleted.status, 200);
      const marked = JSON.parse(deleted.body) as { metadata: { deletionTimestamp: string; deletionGracePeriodSeconds: number } };
      assert.equal(marked.metadata.deletionGracePeriodSeconds, 20, "the pod's own terminationGracePeriodSeconds");
      assert.equal(Date.parse(marked.metadata.deletionTimestamp), Math.floor((clock.now() + 20_000) / 1000) * 1000);
      clock.advance(19_000);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await server.client.request('GET', `${PODS}/bound`)).status, 200, 'still there within its grace period');
      clock.advance(1_000);
      await settle(async () => (await server.client.request('GET', `${PODS}/bound`)).status === 404, 'the pod to go when its grace period ends');
    });
  });

  it('brings the end nearer with a shorter grace period, never further', async () => {
    await withSimulated({}, async ({ server, clock }) => {
      await server.client.request('POST', PODS, pod('bound', { nodeName: 'node-1' }));
      const first = JSON.parse((await server.client.request('DELETE', `${PODS}/bound`, deleteOptions())).body) as { metadata: { deletionGracePeriodSeconds: number } };
      assert.equal(first.metadata.deletionGracePeriodSeconds, 30, 'kube’s default grace period');
      const longer = JSON.parse((await server.client.request('DELETE', `${PODS}/bound`, deleteOptions(60))).body) as { metadata: { deletionGracePeriodSeconds: number } };
      assert.equal(longer.metadata.deletionGracePeriodSeconds, 30);
      const shorter = JSON.parse((await server.client.request('DELETE', `${PODS}/bound`, deleteOptions(5))).body) as { metadata: { deletionGracePeriodSeconds: number } };
      assert.equal(shorter.metadata.deletionGracePeriodSeconds, 5);
      clock.advance(5_000);
      await settle(async () => (await server.client.request('GET', `${PODS}/bound`)).status === 404, 'the pod to go after the shorter period');
    });
  });

  it('deletes a bound pod at once with gracePeriodSeconds 0 (kubectl delete --force --grace-period=0)', async () => {
    await withSimulated({}, async ({ server }) => {
      await server.client.request('POST', PODS, pod('bound', { nodeName: 'node-1' }));
      assert.equal((await server.client.request('DELETE', `${PODS}/bound`, deleteOptions(0))).status, 200);
      assert.equal((await server.client.request('GET', `${PODS}/bound`)).status, 404);
    });
  });
});
