// The workload kinds end to end: real kubectl (oldest and newest) creates each
// from a manifest (spec/fixtures/kinds/) and with the typed create commands,
// reads it back with kube's defaults, lists it with kube's columns (and -o
// wide) and deletes it; a pod bound to a node waits out its grace period;
// @kubernetes/client-node's typed clients create, read, watch and delete.

import { eventuallyTrue as eventually } from '../support/eventually.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { startTestServer, type TestServer } from '../support/server.js';
import { kubectl, KUBECTL_VERSIONS, type Kubectl } from '../support/kubectl.js';

const FIXTURES = new URL('../../../spec/fixtures/kinds/', import.meta.url);
const fixture = (kind: string): string => readFileSync(new URL(`${kind}.yaml`, FIXTURES), 'utf8');

/** Each fixture: its resource, the object's name, a default kube sets (jsonpath and value), and the table's headers. */
const KINDS = [
  { file: 'pod', resource: 'pod', name: 'fixture-pod', path: '{.spec.schedulerName} {.spec.containers[0].ports[0].protocol} {.status.phase}', value: 'default-scheduler TCP Pending',
    headers: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], wide: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] },
  { file: 'podtemplate', resource: 'podtemplate', name: 'fixture-podtemplate', path: '{.template.spec.containers[0].imagePullPolicy}', value: 'Always',
    headers: ['NAME', 'CONTAINERS', 'IMAGES', 'POD LABELS'], wide: [] },
  { file: 'replicationcontroller', resource: 'rc', name: 'fixture-rc', path: '{.spec.selector.app} {.metadata.labels.app}', value: 'fixture-rc fixture-rc',
    headers: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'] },
  { file: 'deployment', resource: 'deploy', name: 'fixture-deployment', path: '{.spec.replicas} {.spec.strategy.rollingUpdate.maxSurge} {.spec.progressDeadlineSeconds}', value: '1 25% 600',
    headers: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'] },
  { file: 'replicaset', resource: 'rs', name: 'fixture-replicaset', path: '{.spec.replicas} {.spec.template.spec.terminationGracePeriodSeconds}', value: '1 30',
    headers: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'] },
  { file: 'statefulset', resource: 'sts', name: 'fixture-statefulset', path: '{.spec.podManagementPolicy} {.spec.updateStrategy.type} {.spec.persistentVolumeClaimRetentionPolicy.whenDeleted}', value: 'OrderedReady RollingUpdate Retain',
    headers: ['NAME', 'READY', 'AGE'], wide: ['CONTAINERS', 'IMAGES'] },
  { file: 'daemonset', resource: 'ds', name: 'fixture-daemonset', path: '{.spec.updateStrategy.rollingUpdate.maxUnavailable} {.spec.revisionHistoryLimit}', value: '1 10',
    headers: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'] },
  { file: 'controllerrevision', resource: 'controllerrevision', name: 'fixture-controllerrevision', path: '{.revision}', value: '1',
    headers: ['NAME', 'CONTROLLER', 'REVISION', 'AGE'], wide: [] },
  { file: 'job', resource: 'job', name: 'fixture-job', path: '{.spec.backoffLimit} {.spec.completionMode} {.spec.template.metadata.labels.job-name}', value: '6 NonIndexed fixture-job',
    headers: ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'] },
  { file: 'cronjob', resource: 'cj', name: 'fixture-cronjob', path: '{.spec.concurrencyPolicy} {.spec.successfulJobsHistoryLimit} {.spec.failedJobsHistoryLimit}', value: 'Allow 3 1',
    headers: ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'] },
  { file: 'service', resource: 'svc', name: 'fixture-service', path: '{.spec.type} {.spec.sessionAffinity} {.spec.ports[0].targetPort} {.spec.ipFamilyPolicy}', value: 'ClusterIP None 80 SingleStack',
    headers: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], wide: ['SELECTOR'] },
] as const;

/** The header line's column names, split where kubectl puts two or more spaces. */
const headerOf = (table: string): string[] => table.split('\n')[0]!.trim().split(/\s{2,}/);

for (const version of KUBECTL_VERSIONS) {
  describe(`workload kinds with kubectl ${version}`, () => {
    let server: TestServer;
    let k: Kubectl;
    const ns = ['-n', 'default'];

    before(async () => {
      server = await startTestServer();
      k = kubectl(version, server.kubeconfigPath);
    });
    after(async () => {
      await server.dispose();
    });

    for (const kind of KINDS) {
      it(`${kind.file}: created from a manifest, read back with kube's defaults, listed with kube's columns, deleted`, async () => {
        const created = await k.ok(['create', '-f', '-', ...ns], { input: fixture(kind.file) });
        assert.match(created, new RegExp(`/${kind.name} created`));
        assert.equal(await k.ok(['get', kind.resource, kind.name, ...ns, '-o', `jsonpath=${kind.path}`]), kind.value);
        const table = await k.ok(['get', kind.resource, ...ns]);
        assert.deepEqual(headerOf(table), kind.headers);
        assert.match(table, new RegExp(`^${kind.name}\\s`, 'm'));
        assert.deepEqual(headerOf(await k.ok(['get', kind.resource, kind.name, ...ns, '-o', 'wide'])), [...kind.headers, ...kind.wide]);
        const deleted = await k.ok(['delete', kind.resource, kind.name, ...ns]);
        assert.match(deleted, new RegExp(`"${kind.name}" deleted`));
        const gone = await k.run(['get', kind.resource, kind.name, ...ns]);
        assert.notEqual(gone.code, 0);
        assert.match(gone.stderr, /NotFound|not found/);
      });
    }

    it('`create deployment` makes a Deployment with kube’s defaults, shown with its columns', async () => {
      assert.equal((await k.ok(['create', 'deployment', 'web', '--image=nginx', ...ns])).trim(), 'deployment.apps/web created');
      const deployment = JSON.parse(await k.ok(['get', 'deployment', 'web', ...ns, '-o', 'json'])) as { spec: Record<string, unknown>; metadata: { generation: number } };
      assert.equal(deployment.metadata.generation, 1);
      assert.deepEqual(deployment.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
      const container = (deployment.spec.template as { spec: { containers: Record<string, unknown>[] } }).spec.containers[0]!;
      assert.equal(container.imagePullPolicy, 'Always');
      assert.equal(container.terminationMessagePath, '/dev/termination-log');
      const wide = await k.ok(['get', 'deployment', 'web', ...ns, '-o', 'wide']);
      assert.match(wide, /^web\s+0\/1\s+0\s+0\s+\S+\s+nginx\s+nginx\s+app=web$/m);
    });

    it('`create job` generates the selector and labels of the job’s uid and name', async () => {
      assert.equal((await k.ok(['create', 'job', 'pi', '--image=perl:5.34', ...ns, '--', 'perl', '-e', '1'])).trim(), 'job.batch/pi created');
      const job = JSON.parse(await k.ok(['get', 'job', 'pi', ...ns, '-o', 'json'])) as { metadata: { uid: string; labels: Record<string, string> }; spec: { selector: unknown; template: { metadata: { labels: Record<string, string> } } } };
      const uid = job.metadata.uid;
      assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
      assert.deepEqual(job.spec.template.metadata.labels, { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' });
      assert.deepEqual(job.metadata.labels, job.spec.template.metadata.labels);
      assert.match(await k.ok(['get', 'jobs', ...ns]), /^pi\s+Running\s+0\/1\s+\S+$/m);
    });

    it('`create cronjob` checks the schedule and keeps kube’s defaults', async () => {
      assert.equal((await k.ok(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', ...ns])).trim(), 'cronjob.batch/tick created');
      assert.match(await k.ok(['get', 'cronjobs', ...ns]), /^tick\s+\*\/5 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\S+$/m);
      const bad = await k.run(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=61 * * * *', ...ns]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /CronJob\.batch "bad" is invalid: spec\.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
    });

    it('answers 422 with kube’s causes: a selector that does not match, an immutable selector', async () => {
      const mismatch = fixture('deployment').replace('labels: {app: fixture-deployment}', 'labels: {app: other}').replace('fixture-deployment\nspec', 'mismatched\nspec');
      const result = await k.run(['create', '-f', '-', ...ns], { input: mismatch });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/);
      const patched = await k.run(['patch', 'deployment', 'web', ...ns, '-p', '{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}}}}}']);
      assert.notEqual(patched.code, 0);
      assert.match(patched.stderr, /spec\.selector: Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{"app":"x"\}, MatchExpressions:\[\]v1\.LabelSelectorRequirement\(nil\)\}: field is immutable/);
    });

    it('`get all` lists pods, services and the controllers of the `all` category', async () => {
      await k.ok(['run', 'solo', '--image=nginx', ...ns]);
      const all = await k.ok(['get', 'all', ...ns]);
      for (const name of ['pod/solo', 'service/kubernetes', 'deployment.apps/web', 'job.batch/pi', 'cronjob.batch/tick']) assert.match(all, new RegExp(`^${name.replace('.', '\\.')}\\s`, 'm'), name);
    });

    it('allocates cluster IPs and node ports; honours a free requested port and refuses a taken one', async () => {
      await k.ok(['create', 'service', 'clusterip', 'api', '--tcp=80:8080', ...ns]);
      const ip = await k.ok(['get', 'svc', 'api', ...ns, '-o', 'jsonpath={.spec.clusterIP} {.spec.clusterIPs[0]}']);
      assert.match(ip, /^10\.0\.0\.(\d+) 10\.0\.0\.\1$/);
      assert.notEqual(ip.split(' ')[0], '10.0.0.1', 'the kubernetes Service holds the first address');
      await k.ok(['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080', ...ns]);
      assert.match(await k.ok(['get', 'svc', 'np', ...ns]), /^np\s+NodePort\s+10\.0\.0\.\d+\s+<none>\s+80:30080\/TCP\s+\S+$/m);
      const taken = await k.run(['create', 'service', 'nodeport', 'np2', '--tcp=80:8080', '--node-port=30080', ...ns]);
      assert.notEqual(taken.code, 0);
      assert.match(taken.stderr, /Service "np2" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/);
      const outOfRange = await k.run(['create', 'service', 'nodeport', 'np3', '--tcp=80:8080', '--node-port=80', ...ns]);
      assert.match(outOfRange.stderr, /provided port is not in the valid range\. The range of valid ports is 30000-32767/);
      const generated = await k.ok(['create', 'service', 'nodeport', 'np4', '--tcp=81:8080', ...ns, '-o', 'jsonpath={.spec.ports[0].nodePort}']);
      assert.ok(Number(generated) >= 30000 && Number(generated) <= 32767, generated);
      await k.ok(['create', 'service', 'clusterip', 'headless', '--clusterip=None', ...ns]);
      assert.match(await k.ok(['get', 'svc', 'headless', ...ns]), /^headless\s+ClusterIP\s+None\s+<none>\s+<none>\s+\S+$/m);
      await k.ok(['create', 'service', 'externalname', 'ext', '--external-name=db.example.com', ...ns]);
      assert.match(await k.ok(['get', 'svc', 'ext', ...ns]), /^ext\s+ExternalName\s+<none>\s+db\.example\.com\s+<none>\s+\S+$/m);
      // An apply that leaves the cluster IP out keeps it.
      await k.ok(['apply', '-f', '-', ...ns], { input: fixture('service') });
      const first = await k.ok(['get', 'svc', 'fixture-service', ...ns, '-o', 'jsonpath={.spec.clusterIP}']);
      await k.ok(['apply', '-f', '-', ...ns], { input: fixture('service').replace('port: 80', 'port: 81') });
      assert.equal(await k.ok(['get', 'svc', 'fixture-service', ...ns, '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[0].port}']), `${first} 81`);
    });

    it('deletes an unbound pod at once; a bound one gets a deletionTimestamp and its grace period', async () => {
      await k.ok(['delete', 'pod', 'solo', ...ns]);
      assert.notEqual((await k.run(['get', 'pod', 'solo', ...ns])).code, 0);
      const bound = fixture('pod').replace('fixture-pod', 'bound').replace('spec:\n', 'spec:\n  nodeName: node-1\n');
      await k.ok(['create', '-f', '-', ...ns], { input: bound });
      await k.ok(['delete', 'pod', 'bound', '--wait=false', ...ns]);
      const pod = JSON.parse(await k.ok(['get', 'pod', 'bound', ...ns, '-o', 'json'])) as { metadata: { deletionTimestamp?: string; deletionGracePeriodSeconds?: number } };
      assert.equal(pod.metadata.deletionGracePeriodSeconds, 30);
      assert.ok(Date.parse(pod.metadata.deletionTimestamp ?? '') > Date.now() + 20_000, 'deletionTimestamp is when the grace period ends');
      assert.match(await k.ok(['get', 'pod', 'bound', ...ns]), /^bound\s+0\/1\s+Terminating\s+0\s+\S+$/m);
      await k.ok(['delete', 'pod', 'bound', '--grace-period=0', '--force', ...ns]);
      assert.notEqual((await k.run(['get', 'pod', 'bound', ...ns])).code, 0);
    });
  });
}

describe('@kubernetes/client-node’s typed workload clients', () => {
  let server: TestServer;
  let kc: k8s.KubeConfig;

  before(async () => {
    server = await startTestServer();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
  });
  after(async () => {
    await server.dispose();
  });

  const template = (app: string): k8s.V1PodTemplateSpec => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } });

  it('AppsV1Api creates, reads and deletes a Deployment with its defaults', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const created = await apps.createNamespacedDeployment({ namespace: 'default', body: { metadata: { name: 'typed' }, spec: { selector: { matchLabels: { app: 'typed' } }, template: template('typed') } } });
    assert.equal(created.spec?.replicas, 1);
    assert.equal(created.spec?.strategy?.type, 'RollingUpdate');
    const read = await apps.readNamespacedDeployment({ namespace: 'default', name: 'typed' });
    assert.equal(read.spec?.template.spec?.containers[0]?.imagePullPolicy, 'IfNotPresent');
    assert.equal(read.metadata?.generation, 1);
    await apps.deleteNamespacedDeployment({ namespace: 'default', name: 'typed' });
    await assert.rejects(apps.readNamespacedDeployment({ namespace: 'default', name: 'typed' }), (e: { code?: number }) => e.code === 404);
  });

  it('BatchV1Api creates a Job and a CronJob and reads them back', async () => {
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const job = await batch.createNamespacedJob({ namespace: 'default', body: { metadata: { name: 'typed-job' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'busybox' }] } } } } });
    assert.equal(job.spec?.backoffLimit, 6);
    assert.equal(job.spec?.selector?.matchLabels?.['batch.kubernetes.io/controller-uid'], job.metadata?.uid);
    const cron = await batch.createNamespacedCronJob({ namespace: 'default', body: { metadata: { name: 'typed-cron' }, spec: { schedule: '@hourly', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'a', image: 'busybox' }] } } } } } } });
    assert.equal(cron.spec?.concurrencyPolicy, 'Allow');
    await assert.rejects(
      batch.createNamespacedJob({ namespace: 'default', body: { metadata: { name: 'always' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'busybox' }] } } } } }),
      (e: { code?: number; body?: string }) => e.code === 422 && /spec\.template\.spec\.restartPolicy: Unsupported value: \\?"Always\\?"/.test(String(e.body)),
    );
    await batch.deleteNamespacedJob({ namespace: 'default', name: 'typed-job' });
    await batch.deleteNamespacedCronJob({ namespace: 'default', name: 'typed-cron' });
  });

  it('CoreV1Api creates, reads, watches and deletes pods', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await core.listNamespacedPod({ namespace: 'default' });
    const events: string[] = [];
    const controller = await new k8s.Watch(kc).watch(
      '/api/v1/namespaces/default/pods',
      { resourceVersion: list.metadata?.resourceVersion },
      (type, pod: k8s.V1Pod) => events.push(`${type} ${pod.metadata?.name} ${pod.status?.phase}`),
      () => undefined,
    );
    try {
      const created = await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'typed-pod' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } });
      assert.equal(created.status?.phase, 'Pending');
      assert.equal(created.status?.qosClass, 'BestEffort');
      assert.equal(created.spec?.enableServiceLinks, true);
      const read = await core.readNamespacedPod({ namespace: 'default', name: 'typed-pod' });
      assert.equal(read.spec?.containers[0]?.imagePullPolicy, 'Always');
      await core.deleteNamespacedPod({ namespace: 'default', name: 'typed-pod' });
      await eventually(() => events.length >= 2, 'ADDED and DELETED');
      assert.deepEqual(events, ['ADDED typed-pod Pending', 'DELETED typed-pod Pending']);
    } finally {
      controller.abort();
    }
  });
});

describe('--service-cluster-ip-range and --service-node-port-range', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ serviceClusterIpRange: '10.200.0.0/29', serviceNodePortRange: '31000-31001' });
  });
  after(async () => {
    await server.dispose();
  });

  it('hand out addresses and node ports from the ranges given, until they are full', async () => {
    const create = (name: string) =>
      server.client.request('POST', '/api/v1/namespaces/default/services', { metadata: { name }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    const ips = new Set<string>();
    const ports = new Set<number>();
    for (const name of ['a', 'b']) {
      const reply = await create(name);
      assert.equal(reply.status, 201, reply.body);
      const spec = (JSON.parse(reply.body) as { spec: { clusterIP: string; ports: { nodePort: number }[] } }).spec;
      assert.match(spec.clusterIP, /^10\.200\.0\.[2-6]$/, 'inside the range, past the kubernetes Service’s 10.200.0.1');
      ips.add(spec.clusterIP);
      ports.add(spec.ports[0]!.nodePort);
    }
    assert.equal(ips.size, 2);
    assert.deepEqual([...ports].sort(), [31000, 31001]);
    const full = await create('c');
    assert.equal(full.status, 500, 'kube answers InternalError when a range is full');
    assert.match(full.body, /Internal error occurred: failed to allocate a nodePort: range is full/);
  });
});
