// kube-apiserver's built-in admission plugins, as clients meet them: a pod
// gets its service account and token volume, a quota refuses what exceeds it,
// a LimitRange fills in defaults, priority classes resolve; the plugin flags
// and the admission configuration file.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { call, credentialsOf, type Credentials } from '../support/http.js';

const pod = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra },
});

/** Polls until `check` passes (a controller's work lands a little later). */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('admission plugins', () => {
  let server: TestServer;
  let k: Kubectl;
  let creds: Credentials;
  let core: k8s.CoreV1Api;

  before(async () => {
    server = await startTestServer();
    k = kubectl('1.33', server.kubeconfigPath);
    creds = credentialsOf(server.kubeconfigPath);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(async () => {
    await server.dispose();
  });

  describe('ServiceAccount', () => {
    it('gives a pod without a service account `default` and the projected kube-api-access volume', async () => {
      await k.ok(['create', 'ns', 'sa-default']);
      const created = await core.createNamespacedPod({ namespace: 'sa-default', body: pod('plain') as k8s.V1Pod });
      assert.equal(created.spec?.serviceAccountName, 'default');
      const volume = created.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
      assert.ok(volume, 'the token volume is there');
      assert.match(volume.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(JSON.parse(JSON.stringify(volume.projected)), {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      });
      assert.deepEqual(JSON.parse(JSON.stringify(created.spec?.containers[0]?.volumeMounts)), [
        { name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
      ]);
      // kubectl sees the same pod.
      assert.equal(await k.ok(['get', 'pod', 'plain', '-n', 'sa-default', '-o', 'jsonpath={.spec.serviceAccountName}']), 'default');
    });

    it('mounts nothing when the pod turns automounting off', async () => {
      const created = await core.createNamespacedPod({ namespace: 'default', body: pod('no-token', { automountServiceAccountToken: false }) as k8s.V1Pod });
      assert.equal(created.spec?.serviceAccountName, 'default');
      assert.equal(created.spec?.volumes, undefined);
    });

    it('refuses a pod naming a service account that does not exist, in kube\'s words', async () => {
      const refused = await call(creds, 'POST', '/api/v1/namespaces/default/pods', { body: JSON.stringify(pod('ghostly', { serviceAccountName: 'ghost' })) });
      assert.equal(refused.status, 403);
      assert.equal(refused.json().reason, 'Forbidden');
      assert.equal(refused.json().message, 'pods "ghostly" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
      const kubectlSays = await k.run(['run', 'ghostly', '--image=nginx', '--overrides={"spec":{"serviceAccountName":"ghost"}}']);
      assert.match(kubectlSays.stderr, /pods "ghostly" is forbidden: error looking up service account default\/ghost: serviceaccount "ghost" not found/);
    });

    it('leaves a dry run unstored but admitted', async () => {
      const dry = await call(creds, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', { body: JSON.stringify(pod('dry')) });
      assert.equal(dry.status, 201);
      assert.equal(dry.json().spec.serviceAccountName, 'default');
      assert.equal((await call(creds, 'GET', '/api/v1/namespaces/default/pods/dry')).status, 404);
    });
  });

  describe('ResourceQuota', () => {
    const quota = (name: string, hard: Record<string, string>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard, ...extra },
    });
    /** The controller has counted the namespace: status.used covers every hard key. */
    const counted = (namespace: string, name: string): Promise<k8s.V1ResourceQuota> => eventually(async () => {
      const q = await core.readNamespacedResourceQuota({ namespace, name });
      assert.deepEqual(Object.keys(q.status?.used ?? {}).sort(), Object.keys(q.spec?.hard ?? {}).sort());
      return q;
    });

    it('counts usage into status.used and refuses the pod over the quota with kube\'s 403', async () => {
      await k.ok(['create', 'ns', 'quota-pods']);
      await core.createNamespacedResourceQuota({ namespace: 'quota-pods', body: quota('pods', { pods: '1' }) as k8s.V1ResourceQuota });
      const before = await counted('quota-pods', 'pods');
      assert.deepEqual(JSON.parse(JSON.stringify(before.status)), { hard: { pods: '1' }, used: { pods: '0' } });
      await core.createNamespacedPod({ namespace: 'quota-pods', body: pod('first') as k8s.V1Pod });
      const refused = await call(creds, 'POST', '/api/v1/namespaces/quota-pods/pods', { body: JSON.stringify(pod('second')) });
      assert.equal(refused.status, 403);
      assert.equal(refused.json().reason, 'Forbidden');
      assert.equal(refused.json().message, 'pods "second" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=1, limited: pods=1');
      await eventually(async () => assert.equal((await core.readNamespacedResourceQuota({ namespace: 'quota-pods', name: 'pods' })).status?.used?.pods, '1'));
      // Freed when the pod goes.
      await core.deleteNamespacedPod({ namespace: 'quota-pods', name: 'first', gracePeriodSeconds: 0 });
      await eventually(async () => assert.equal((await core.readNamespacedResourceQuota({ namespace: 'quota-pods', name: 'pods' })).status?.used?.pods, '0'));
      await core.createNamespacedPod({ namespace: 'quota-pods', body: pod('third') as k8s.V1Pod });
    });

    it('refuses with kubectl the object counted past count/<resource>, charging at once', async () => {
      await k.ok(['create', 'ns', 'quota-count']);
      await k.ok(['create', 'quota', 'objects', '-n', 'quota-count', '--hard=count/configmaps=3,secrets=1']);
      await counted('quota-count', 'objects');
      // kube-root-ca.crt is the namespace's first ConfigMap: two more fit, sent back to back.
      const made = await Promise.all(['one', 'two'].map((n) => call(creds, 'POST', '/api/v1/namespaces/quota-count/configmaps', { body: JSON.stringify({ metadata: { name: n } }) })));
      assert.deepEqual(made.map((r) => r.status), [201, 201]);
      const over = await k.run(['create', 'configmap', 'three', '-n', 'quota-count']);
      assert.notEqual(over.code, 0);
      assert.match(over.stderr, /configmaps "three" is forbidden: exceeded quota: objects, requested: count\/configmaps=1, used: count\/configmaps=3, limited: count\/configmaps=3/);
    });

    it('needs every container to state what a compute quota limits', async () => {
      await k.ok(['create', 'ns', 'quota-cpu']);
      await core.createNamespacedResourceQuota({ namespace: 'quota-cpu', body: quota('compute', { 'requests.cpu': '1', 'limits.memory': '1Gi' }) as k8s.V1ResourceQuota });
      await counted('quota-cpu', 'compute');
      const bare = await call(creds, 'POST', '/api/v1/namespaces/quota-cpu/pods', { body: JSON.stringify(pod('bare')) });
      assert.equal(bare.status, 403);
      assert.equal(bare.json().message, 'pods "bare" is forbidden: failed quota: compute: must specify limits.memory for: app; requests.cpu for: app');
      const sized = (name: string, cpu: string): Record<string, unknown> => pod(name, { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu }, limits: { memory: '512Mi' } } }] });
      assert.equal((await call(creds, 'POST', '/api/v1/namespaces/quota-cpu/pods', { body: JSON.stringify(sized('small', '600m')) })).status, 201);
      const big = await call(creds, 'POST', '/api/v1/namespaces/quota-cpu/pods', { body: JSON.stringify(sized('big', '500m')) });
      assert.equal(big.status, 403);
      assert.equal(big.json().message, 'pods "big" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1');
      const q = await eventually(async () => {
        const read = await core.readNamespacedResourceQuota({ namespace: 'quota-cpu', name: 'compute' });
        assert.equal(read.status?.used?.['requests.cpu'], '600m');
        return read;
      });
      assert.deepEqual(JSON.parse(JSON.stringify(q.status?.used)), { 'limits.memory': '512Mi', 'requests.cpu': '600m' });
    });

    it('does not charge a dry run', async () => {
      await k.ok(['create', 'ns', 'quota-dry']);
      await core.createNamespacedResourceQuota({ namespace: 'quota-dry', body: quota('one', { 'count/secrets': '1' }) as k8s.V1ResourceQuota });
      await counted('quota-dry', 'one');
      for (let i = 0; i < 3; i++) {
        const dry = await call(creds, 'POST', '/api/v1/namespaces/quota-dry/secrets?dryRun=All', { body: JSON.stringify({ metadata: { name: `s${i}` } }) });
        assert.equal(dry.status, 201);
      }
      assert.equal((await call(creds, 'POST', '/api/v1/namespaces/quota-dry/secrets', { body: JSON.stringify({ metadata: { name: 'real' } }) })).status, 201);
    });
  });

  describe('LimitRanger', () => {
    it('fills in the LimitRange defaults a pod leaves out, and says so in an annotation', async () => {
      await k.ok(['create', 'ns', 'limits']);
      const range = await call(creds, 'POST', '/api/v1/namespaces/limits/limitranges', {
        body: JSON.stringify({
          metadata: { name: 'defaults' },
          spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' }, max: { cpu: '1' } }] },
        }),
      });
      assert.equal(range.status, 201);
      const created = await core.createNamespacedPod({ namespace: 'limits', body: pod('defaulted', { containers: [{ name: 'app', image: 'nginx', resources: { requests: { memory: '64Mi' } } }] }) as k8s.V1Pod });
      assert.deepEqual(JSON.parse(JSON.stringify(created.spec?.containers[0]?.resources)), {
        limits: { cpu: '500m', memory: '256Mi' },
        requests: { cpu: '100m', memory: '64Mi' },
      });
      assert.equal(created.metadata?.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container app; cpu, memory limit for container app');
    });

    it('refuses a container over the maximum, in kube\'s words', async () => {
      const refused = await call(creds, 'POST', '/api/v1/namespaces/limits/pods', {
        body: JSON.stringify(pod('greedy', { containers: [{ name: 'app', image: 'nginx', resources: { limits: { cpu: '2' } } }] })),
      });
      assert.equal(refused.status, 403);
      assert.equal(refused.json().message, 'pods "greedy" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
      const two = await call(creds, 'POST', '/api/v1/namespaces/limits/pods', {
        body: JSON.stringify(pod('two', { containers: ['a', 'b'].map((name) => ({ name, image: 'nginx', resources: { limits: { cpu: '1500m' } } })) })),
      });
      assert.equal(two.json().message, 'pods "two" is forbidden: [maximum cpu usage per Container is 1, but limit is 1500m, maximum cpu usage per Container is 1, but limit is 1500m]');
    });
  });
});

export { eventually, pod };
