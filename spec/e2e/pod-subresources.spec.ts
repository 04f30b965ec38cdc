// The pod subresources kube-apiserver answers without a kubelet: log, exec,
// attach, portforward and proxy answer at once; binding assigns a node once;
// ephemeralcontainers adds containers and never changes one; eviction
// deletes a pod unless its PodDisruptionBudget forbids it (429).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suiteServer } from '../support/server.js';
import { call, type Credentials } from '../support/http.js';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';

const ns = '/api/v1/namespaces/default';
const json = (value: unknown): { body: string; headers: Record<string, string> } => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
const strategic = (value: unknown): { body: string; headers: Record<string, string> } => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/strategic-merge-patch+json' } });

async function createPod(creds: Credentials, name: string, labels: Record<string, string> = {}, containers = ['main']): Promise<void> {
  const created = await call(creds, 'POST', `${ns}/pods`, json({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: containers.map((c) => ({ name: c, image: 'nginx' })) } }));
  assert.equal(created.status, 201, created.body);
}

async function markRunning(creds: Credentials, name: string): Promise<void> {
  const running = await call(creds, 'PATCH', `${ns}/pods/${name}/status`, { body: JSON.stringify({ status: { phase: 'Running' } }), headers: { 'content-type': 'application/merge-patch+json' } });
  assert.equal(running.status, 200, running.body);
}

describe('pod subresources without a kubelet', () => {
  const suite = suiteServer();

  it('an unscheduled pod: empty logs; exec, attach and portforward get 400; proxy has no address', async () => {
    await createPod(suite.creds, 'lonely');
    const log = await call(suite.creds, 'GET', `${ns}/pods/lonely/log`);
    assert.equal(log.status, 200);
    assert.equal(log.body, '');
    for (const [method, sub] of [['POST', 'exec?command=ls&stdout=true'], ['GET', 'exec?command=ls&stdout=true'], ['POST', 'attach?stdout=true'], ['POST', 'portforward?ports=80']] as const) {
      const answer = await call(suite.creds, method, `${ns}/pods/lonely/${sub}`);
      assert.equal(answer.status, 400, sub);
      assert.equal(answer.json().message, 'pod lonely does not have a host assigned');
    }
    const proxy = await call(suite.creds, 'GET', `${ns}/pods/lonely/proxy/healthz`);
    assert.equal(proxy.status, 400);
    assert.equal(proxy.json().message, 'address not allowed');
    assert.equal((await call(suite.creds, 'GET', `${ns}/pods/missing/log`)).status, 404);
  });

  it('asks which container when a pod has several, and refuses one it does not have', async () => {
    await createPod(suite.creds, 'pair', {}, ['a', 'b']);
    const which = await call(suite.creds, 'GET', `${ns}/pods/pair/log`);
    assert.equal(which.status, 400);
    assert.equal(which.json().message, 'a container name must be specified for pod pair, choose one of: [a b]');
    assert.equal((await call(suite.creds, 'GET', `${ns}/pods/pair/log?container=c`)).json().message, 'container c is not valid for pod pair');
    assert.equal((await call(suite.creds, 'GET', `${ns}/pods/pair/log?container=b`)).status, 200);
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`kubectl ${version}: logs prints nothing, exec says the pod has no host`, async () => {
      const k = kubectl(version, suite.server.kubeconfigPath);
      assert.equal(await k.ok(['logs', 'lonely']), '');
      const exec = await k.run(['exec', 'lonely', '--', 'ls']);
      assert.notEqual(exec.code, 0);
      assert.match(exec.stderr, /pod lonely does not have a host assigned/);
    });
  }

  it('binding assigns a node once (pods/binding and the bindings resource); then the kubelet is what answers', async () => {
    await createPod(suite.creds, 'bound');
    const bind = await call(suite.creds, 'POST', `${ns}/pods/bound/binding`, json({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-1' } }));
    assert.equal(bind.status, 201, bind.body);
    assert.equal(bind.json().status, 'Success');
    assert.equal((await call(suite.creds, 'GET', `${ns}/pods/bound`)).json().spec.nodeName, 'node-1');
    const again = await call(suite.creds, 'POST', `${ns}/pods/bound/binding`, json({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-2' } }));
    assert.equal(again.status, 409);
    await createPod(suite.creds, 'bound2');
    const viaBindings = await call(suite.creds, 'POST', `${ns}/bindings`, json({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound2' }, target: { name: 'node-1' } }));
    assert.equal(viaBindings.status, 201, viaBindings.body);
    assert.equal((await call(suite.creds, 'GET', `${ns}/pods/bound2`)).json().spec.nodeName, 'node-1');
    const log = await call(suite.creds, 'GET', `${ns}/pods/bound/log`);
    assert.equal(log.status, 500);
    assert.match(log.json().message, /node-1:10250\/containerLogs\/default\/bound\/main/);
  });

  it('ephemeralcontainers adds a container and refuses to change one', async () => {
    await createPod(suite.creds, 'debugged');
    const debug = { name: 'debug', image: 'busybox', targetContainerName: 'main' };
    const added = await call(suite.creds, 'PATCH', `${ns}/pods/debugged/ephemeralcontainers`, strategic({ spec: { ephemeralContainers: [debug] } }));
    assert.equal(added.status, 200, added.body);
    assert.equal(added.json().spec.ephemeralContainers[0].name, 'debug');
    const pod = added.json();
    const changed = await call(suite.creds, 'PUT', `${ns}/pods/debugged/ephemeralcontainers`, json({ ...pod, spec: { ...pod.spec, ephemeralContainers: [{ ...debug, image: 'alpine' }] } }));
    assert.equal(changed.status, 422);
  });

  describe('eviction', () => {
    const evict = (creds: Credentials, name: string) =>
      call(creds, 'POST', `${ns}/pods/${name}/eviction`, json({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } }));

    it('deletes a pod no budget covers, and one that is not running', async () => {
      await createPod(suite.creds, 'free', { app: 'free' });
      await markRunning(suite.creds, 'free');
      const evicted = await evict(suite.creds, 'free');
      assert.equal(evicted.status, 201, evicted.body);
      assert.equal(evicted.json().status, 'Success');
      assert.equal((await call(suite.creds, 'GET', `${ns}/pods/free`)).status, 404);
      assert.equal((await evict(suite.creds, 'free')).status, 404);
    });

    it('honours the PodDisruptionBudget: 429 (Retry-After 10) until processed, 429 when none allowed, then decrements it', async () => {
      await createPod(suite.creds, 'guarded', { app: 'guarded' });
      await markRunning(suite.creds, 'guarded');
      const pdb = await call(suite.creds, 'POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', json({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'keep' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } }));
      assert.equal(pdb.status, 201, pdb.body);
      const unprocessed = await evict(suite.creds, 'guarded');
      assert.equal(unprocessed.status, 429);
      assert.equal(unprocessed.headers['retry-after'], '10');
      assert.equal(unprocessed.json().message, "Cannot evict pod as it would violate the pod's disruption budget.");
      assert.equal(unprocessed.json().details.causes[0].message, 'The disruption budget keep is still being processed by the server.');
      const status = (allowed: number) => call(suite.creds, 'PATCH', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/keep/status', {
        body: JSON.stringify({ status: { observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } }), headers: { 'content-type': 'application/merge-patch+json' },
      });
      assert.equal((await status(0)).status, 200);
      const none = await evict(suite.creds, 'guarded');
      assert.equal(none.status, 429);
      assert.equal(none.json().details.causes[0].message, 'The disruption budget keep needs 1 healthy pods and has 1 currently');
      assert.equal((await status(1)).status, 200);
      const allowed = await evict(suite.creds, 'guarded');
      assert.equal(allowed.status, 201, allowed.body);
      assert.equal((await call(suite.creds, 'GET', `${ns}/pods/guarded`)).status, 404);
      const after = (await call(suite.creds, 'GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/keep')).json();
      assert.equal(after.status.disruptionsAllowed, 0);
      assert.ok(after.status.disruptedPods.guarded);
    });
  });
});
