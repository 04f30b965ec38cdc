// kube-apiserver's built-in admission plugins, as clients meet them: a pod
// gets its service account and token volume, a quota refuses what exceeds it,
// a LimitRange fills in defaults, priority classes resolve; the plugin flags
// and the admission configuration file.

import { eventually } from '../support/eventually.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from '../support/process.js';
import { tempDir } from '../support/server.js';
import * as k8s from '@kubernetes/client-node';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { call, credentialsOf, type Credentials } from '../support/http.js';

const pod = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra },
});


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

  describe('StorageObjectInUseProtection', () => {
    it('keeps a claim a pod uses until the pod goes, through the pvc-protection finalizer', async () => {
      await k.ok(['create', 'ns', 'claims']);
      const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
      const created = await call(creds, 'POST', '/api/v1/namespaces/claims/persistentvolumeclaims', { body: JSON.stringify(claim) });
      assert.deepEqual(created.json().metadata.finalizers, ['kubernetes.io/pvc-protection']);
      await core.createNamespacedPod({ namespace: 'claims', body: pod('user', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] }) as k8s.V1Pod });
      await k.ok(['delete', 'pvc', 'data', '-n', 'claims', '--wait=false']);
      const held = await core.readNamespacedPersistentVolumeClaim({ namespace: 'claims', name: 'data' });
      assert.ok(held.metadata?.deletionTimestamp, 'marked for deletion');
      await core.deleteNamespacedPod({ namespace: 'claims', name: 'user', gracePeriodSeconds: 0 });
      await k.ok(['wait', '--for=delete', 'pvc/data', '-n', 'claims', '--timeout=20s']);
    });
  });

  describe('Priority', () => {
    it('starts with kube\'s two system PriorityClasses, which may not be deleted', async () => {
      assert.equal(await k.ok(['get', 'priorityclass', 'system-node-critical', '-o', 'jsonpath={.value}']), '2000001000');
      assert.equal(await k.ok(['get', 'priorityclass', 'system-cluster-critical', '-o', 'jsonpath={.value}']), '2000000000');
      const refused = await k.run(['delete', 'priorityclass', 'system-cluster-critical']);
      assert.match(refused.stderr, /priorityclasses.scheduling.k8s.io "system-cluster-critical" is forbidden: this is a system priority class and cannot be deleted/);
    });

    it('resolves priorityClassName to spec.priority, and refuses a class that does not exist', async () => {
      const critical = await core.createNamespacedPod({ namespace: 'kube-system', body: pod('critical', { priorityClassName: 'system-cluster-critical' }) as k8s.V1Pod });
      assert.equal(critical.spec?.priority, 2000000000);
      assert.equal(critical.spec?.preemptionPolicy, 'PreemptLowerPriority');
      const plain = await core.createNamespacedPod({ namespace: 'default', body: pod('no-class') as k8s.V1Pod });
      assert.equal(plain.spec?.priority, 0);
      const missing = await call(creds, 'POST', '/api/v1/namespaces/default/pods', { body: JSON.stringify(pod('classless', { priorityClassName: 'nope' })) });
      assert.equal(missing.status, 403);
      assert.equal(missing.json().message, 'pods "classless" is forbidden: no PriorityClass with name nope was found');
      const stated = await call(creds, 'POST', '/api/v1/namespaces/kube-system/pods', { body: JSON.stringify(pod('stated', { priorityClassName: 'system-cluster-critical', priority: 7 })) });
      assert.equal(stated.json().message, 'pods "stated" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 2000000000 from the given PriorityClass name');
    });

    it('applies the one globalDefault class to pods that name none', async () => {
      const klass = (name: string, value: number): string => JSON.stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, globalDefault: true });
      assert.equal((await call(creds, 'POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { body: klass('everyday', 1000) })).status, 201);
      const second = await call(creds, 'POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { body: klass('another', 10) });
      assert.equal(second.status, 403);
      assert.equal(second.json().message, 'priorityclasses.scheduling.k8s.io "another" is forbidden: PriorityClass everyday is already marked as default. Only one default can exist');
      const created = await core.createNamespacedPod({ namespace: 'default', body: pod('defaulted-priority') as k8s.V1Pod });
      assert.equal(created.spec?.priorityClassName, 'everyday');
      assert.equal(created.spec?.priority, 1000);
      await k.ok(['delete', 'priorityclass', 'everyday']);
    });
  });
});

function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

describe('admission flags', () => {
  it('exits 1 with kube\'s one line for an unknown plugin, an overlap, or an unreadable configuration file', async () => {
    const dir = tempDir('admission-flags');
    try {
      const unknown = await runCli(['--enable-admission-plugins=NamespaceLifecycle,Nope', `--data-dir=${dir}`]);
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stderr, 'Error: enable-admission-plugins plugin "Nope" is unknown\n');
      const overlap = await runCli(['--enable-admission-plugins=Priority', '--disable-admission-plugins=Priority', `--data-dir=${dir}`]);
      assert.equal(overlap.code, 1);
      assert.equal(overlap.stderr, 'Error: [Priority] in enable-admission-plugins and disable-admission-plugins overlapped\n');
      const missing = await runCli([`--admission-control-config-file=${join(dir, 'nowhere.yaml')}`, `--data-dir=${dir}`]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^Error: failed to read plugin config: unable to read admission control configuration from ".*nowhere.yaml" \[ENOENT/);
      assert.equal(missing.stderr.trim().split('\n').length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves pods alone with ServiceAccount disabled, and takes plugin configuration from the AdmissionConfiguration file', async () => {
    const dir = tempDir('admission-config');
    const config = join(dir, 'admission.yaml');
    writeFileSync(config, [
      'apiVersion: apiserver.config.k8s.io/v1', 'kind: AdmissionConfiguration', 'plugins:',
      '- name: ResourceQuota', '  configuration:', '    apiVersion: apiserver.config.k8s.io/v1', '    kind: ResourceQuotaConfiguration',
      '    limitedResources:', '    - resource: pods', '      matchContains: ["requests.cpu"]',
    ].join('\n'));
    const server = await startTestServer({ disableAdmissionPlugins: ['ServiceAccount'], admissionControlConfigFile: config });
    try {
      const creds = credentialsOf(server.kubeconfigPath);
      const bare = await call(creds, 'POST', '/api/v1/namespaces/default/pods', { body: JSON.stringify(pod('bare')) });
      assert.equal(bare.status, 201);
      assert.equal(bare.json().spec.serviceAccountName, undefined);
      assert.equal(bare.json().spec.volumes, undefined);
      // limitedResources: a pod asking for cpu needs a quota that covers it.
      const cpu = await call(creds, 'POST', '/api/v1/namespaces/default/pods', {
        body: JSON.stringify(pod('cpu', { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '100m' } } }] })),
      });
      assert.equal(cpu.status, 403);
      assert.equal(cpu.json().message, 'pods "cpu" is forbidden: insufficient quota to consume: requests.cpu');
    } finally {
      await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

export { eventually, pod };
