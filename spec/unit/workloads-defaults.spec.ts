// The workload kinds' defaults as kube's SetDefaults_* functions and REST
// strategies set them on create: what a client reads back.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import { prepareForCreate, prepareForUpdate } from '../../actors/store/strategy.js';
import { cronJob, daemonSet, deployment, job, pod, podTemplate, replicaSet, replicationController, statefulSet } from '../../scheme/kinds/workloads/index.js';
import { service } from '../../scheme/kinds/service.js';
import { imageTag, qosClass } from '../../scheme/kinds/workloads/pod-spec.js';
import { canonicalQuantity } from '../../scheme/kinds/workloads/quantity.js';

const NOW = new Date('2026-01-01T00:00:00Z');

function created(kind: KindDescription, body: Record<string, unknown>): KubeObject {
  const object = { apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version, kind: kind.kind, metadata: { name: 'web', namespace: 'default' }, ...structuredClone(body) } as KubeObject;
  prepareForCreate(kind, object, NOW);
  return object;
}

const template = (labels: Record<string, string> = { app: 'web' }) => ({ metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } });

const DEFAULTED_CONTAINER = {
  name: 'web',
  image: 'nginx:1.25',
  imagePullPolicy: 'IfNotPresent',
  resources: {},
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
};

const DEFAULTED_POD_SPEC = {
  containers: [DEFAULTED_CONTAINER],
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
};

describe('pod spec defaults', () => {
  it('pulls Always for :latest or no tag, IfNotPresent for any other tag or a digest with a tag', () => {
    assert.equal(imageTag('nginx'), 'latest');
    assert.equal(imageTag('nginx:latest'), 'latest');
    assert.equal(imageTag('registry:5000/team/nginx'), 'latest');
    assert.equal(imageTag('registry:5000/team/nginx:1.25'), '1.25');
    assert.equal(imageTag('nginx@sha256:abc'), '');
    const p = created(pod, { spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx:1' }, { name: 'c', image: 'nginx@sha256:0' }] } });
    assert.deepEqual((p.spec as { containers: { imagePullPolicy: string }[] }).containers.map((c) => c.imagePullPolicy), ['Always', 'IfNotPresent', 'IfNotPresent']);
  });

  it('gives a Pod its spec defaults, enableServiceLinks, and a Pending status with its QoS class', () => {
    const p = created(pod, { spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] }, status: { phase: 'Running' } });
    assert.deepEqual(p.spec, {
      ...DEFAULTED_POD_SPEC,
      containers: [{ ...DEFAULTED_CONTAINER, ports: [{ containerPort: 80, protocol: 'TCP' }] }],
      enableServiceLinks: true,
    });
    assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
    assert.equal(p.metadata.generation, 1);
  });

  it('defaults a pod’s requests to its limits, which makes it Guaranteed', () => {
    const p = created(pod, { spec: { containers: [{ name: 'web', image: 'x:1', resources: { limits: { cpu: '500m', memory: '128Mi' } } }] } });
    const resources = (p.spec as { containers: { resources: unknown }[] }).containers[0]!.resources;
    assert.deepEqual(resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } });
    assert.equal((p.status as { qosClass: string }).qosClass, 'Guaranteed');
    assert.equal(qosClass({ containers: [{ resources: { requests: { cpu: '1' } } }] }), 'Burstable');
  });

  it('fills probes, volume modes and field references as kube does', () => {
    const p = created(pod, {
      spec: {
        containers: [{ name: 'web', image: 'x:1', livenessProbe: { httpGet: { port: 80 } }, env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }],
        volumes: [{ name: 'scratch' }, { name: 'conf', configMap: { name: 'c' } }],
      },
    });
    const spec = p.spec as { containers: Record<string, unknown>[]; volumes: unknown[] };
    assert.deepEqual(spec.containers[0]!.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(spec.containers[0]!.env, [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } } }]);
    assert.deepEqual(spec.volumes, [{ name: 'scratch', emptyDir: {} }, { name: 'conf', configMap: { name: 'c', defaultMode: 420 } }]);
  });

  it('gives a template its pod spec defaults but not the pod-only ones', () => {
    const t = created(podTemplate, { template: template() });
    assert.deepEqual((t.template as { spec: unknown }).spec, DEFAULTED_POD_SPEC);
  });
});

describe('controller defaults', () => {
  it('Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600, and an empty status', () => {
    const d = created(deployment, { spec: { selector: { matchLabels: { app: 'web' } }, template: template() } });
    assert.deepEqual(d.spec, {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: { metadata: { labels: { app: 'web' } }, spec: DEFAULTED_POD_SPEC },
    });
    assert.deepEqual(d.status, {});
    assert.equal(d.metadata.generation, 1);
  });

  it('Deployment: a Recreate strategy gets no rolling update', () => {
    const d = created(deployment, { spec: { strategy: { type: 'Recreate' }, selector: { matchLabels: { app: 'web' } }, template: template() } });
    assert.deepEqual((d.spec as { strategy: unknown }).strategy, { type: 'Recreate' });
  });

  it('ReplicaSet: replicas 1 and a status that counts 0 replicas', () => {
    const rs = created(replicaSet, { spec: { selector: { matchLabels: { app: 'web' } }, template: template() } });
    assert.equal((rs.spec as { replicas: number }).replicas, 1);
    assert.deepEqual(rs.status, { replicas: 0 });
  });

  it('ReplicationController: selector and labels from the template, replicas 1', () => {
    const rc = created(replicationController, { spec: { template: template({ app: 'db' }) } });
    assert.deepEqual((rc.spec as { selector: unknown }).selector, { app: 'db' });
    assert.deepEqual(rc.metadata.labels, { app: 'db' });
    assert.equal((rc.spec as { replicas: number }).replicas, 1);
  });

  it('StatefulSet: OrderedReady, RollingUpdate with partition 0, Retain/Retain, replicas 1, history 10, claim templates Filesystem and Pending', () => {
    const sts = created(statefulSet, {
      spec: { serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: template(), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] },
    });
    const spec = sts.spec as Record<string, unknown>;
    assert.equal(spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(spec.replicas, 1);
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.deepEqual(spec.volumeClaimTemplates, [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }]);
    assert.deepEqual(sts.status, { replicas: 0, availableReplicas: 0 });
  });

  it('DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, history 10', () => {
    const ds = created(daemonSet, { spec: { selector: { matchLabels: { app: 'web' } }, template: template() } });
    const spec = ds.spec as Record<string, unknown>;
    assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(spec.revisionHistoryLimit, 10);
  });

  it('Job: completions and parallelism 1, backoffLimit 6, NonIndexed, not suspended, and the selector and labels of its uid and name', () => {
    const j = created(job, { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5' }] } } } });
    const uid = j.metadata.uid!;
    const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'web', 'controller-uid': uid, 'job-name': 'web' };
    const spec = j.spec as Record<string, unknown>;
    assert.deepEqual(
      { ...spec, template: undefined },
      {
        completions: 1,
        parallelism: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        podReplacementPolicy: 'TerminatingOrFailed',
        manualSelector: false,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
        template: undefined,
      },
    );
    assert.deepEqual((spec.template as { metadata: unknown }).metadata, { labels });
    assert.deepEqual(j.metadata.labels, labels);
  });

  it('Job: parallelism alone leaves completions unset; a pod failure policy makes replacement wait for Failed', () => {
    const j = created(job, { spec: { parallelism: 3, podFailurePolicy: { rules: [] }, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'b' }] } } } });
    const spec = j.spec as Record<string, unknown>;
    assert.equal(spec.completions, undefined);
    assert.equal(spec.podReplacementPolicy, 'Failed');
  });

  it('Job: a job with its own labels keeps them; the template still gets the generated ones', () => {
    const j = created(job, { metadata: { name: 'web', labels: { team: 'a' } }, spec: { template: { metadata: { labels: { app: 'x' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'b' }] } } } });
    assert.deepEqual(j.metadata.labels, { team: 'a' });
    assert.equal((j.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels['job-name'], 'web');
  });

  it('CronJob: Allow, not suspended, history limits 3 and 1, and pod defaults in the job template', () => {
    const cj = created(cronJob, { spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'a', image: 'busybox' }] } } } } } });
    const spec = cj.spec as Record<string, unknown>;
    assert.equal(spec.concurrencyPolicy, 'Allow');
    assert.equal(spec.suspend, false);
    assert.equal(spec.successfulJobsHistoryLimit, 3);
    assert.equal(spec.failedJobsHistoryLimit, 1);
    const jobSpec = (spec.jobTemplate as { spec: Record<string, unknown> }).spec;
    assert.equal(jobSpec.backoffLimit, undefined, 'SetDefaults_Job is for Jobs, not job templates');
    assert.equal((jobSpec.template as { spec: { schedulerName: string } }).spec.schedulerName, 'default-scheduler');
  });
});

describe('generation', () => {
  it('moves on a spec change and not on a metadata change', () => {
    const d = created(deployment, { spec: { selector: { matchLabels: { app: 'web' } }, template: template() } });
    const labelled = structuredClone(d);
    labelled.metadata.labels = { x: 'y' };
    prepareForUpdate(deployment, labelled, d);
    assert.equal(labelled.metadata.generation, 1);
    const scaled = structuredClone(d);
    (scaled.spec as { replicas: number }).replicas = 3;
    prepareForUpdate(deployment, scaled, d);
    assert.equal(scaled.metadata.generation, 2);
  });
});

describe('service defaults', () => {
  it('ClusterIP, None affinity, single-stack IPv4, Cluster internal traffic, targetPort from port', () => {
    const s = created(service, { spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    const spec = s.spec as Record<string, unknown>;
    assert.equal(spec.type, 'ClusterIP');
    assert.equal(spec.sessionAffinity, 'None');
    assert.equal(spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(spec.ipFamilies, ['IPv4']);
    assert.equal(spec.internalTrafficPolicy, 'Cluster');
    assert.deepEqual(spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  });

  it('NodePort and LoadBalancer get externalTrafficPolicy Cluster; LoadBalancer allocates node ports', () => {
    const lb = created(service, { spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
    const spec = lb.spec as Record<string, unknown>;
    assert.equal(spec.externalTrafficPolicy, 'Cluster');
    assert.equal(spec.allocateLoadBalancerNodePorts, true);
  });

  it('ExternalName gets no IP families and no internal traffic policy', () => {
    const s = created(service, { spec: { type: 'ExternalName', externalName: 'example.com' } });
    const spec = s.spec as Record<string, unknown>;
    assert.equal(spec.ipFamilies, undefined);
    assert.equal(spec.ipFamilyPolicy, undefined);
    assert.equal(spec.internalTrafficPolicy, undefined);
  });

  it('ClientIP affinity gets kube’s 3-hour timeout', () => {
    const s = created(service, { spec: { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } });
    assert.deepEqual((s.spec as Record<string, unknown>).sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  });
});

describe('quantities', () => {
  it('are written back in kube’s canonical form', () => {
    const cases: [unknown, string][] = [
      ['1000m', '1'], ['0.5', '500m'], [0.25, '250m'], [2, '2'], ['1500m', '1500m'], ['2000', '2k'], ['12345', '12345'],
      ['1024Mi', '1Gi'], ['1.5Gi', '1536Mi'], ['512Ki', '512Ki'], ['0.5Ki', '512'], ['1e3', '1e3'], ['1.5e3', '1500'], ['100M', '100M'], ['0', '0'], ['1n', '1n'],
    ];
    for (const [given, canonical] of cases) assert.equal(canonicalQuantity(given), canonical, String(given));
  });

  it('in a pod’s resources, and a claim template’s', () => {
    const p = created(pod, { spec: { containers: [{ name: 'a', image: 'b:1', resources: { limits: { cpu: 0.5, memory: '1024Mi' } } }] } });
    assert.deepEqual((p.spec as { containers: { resources: unknown }[] }).containers[0]!.resources, { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } });
    const sts = created(statefulSet, { spec: { selector: { matchLabels: { app: 'web' } }, template: template(), volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: { resources: { requests: { storage: '1024Mi' } } } }] } });
    assert.deepEqual((sts.spec as { volumeClaimTemplates: { spec: { resources: unknown } }[] }).volumeClaimTemplates[0]!.spec.resources, { requests: { storage: '1Gi' } });
  });

  it('mirror serviceAccountName into the deprecated serviceAccount', () => {
    const p = created(pod, { spec: { serviceAccountName: 'builder', containers: [{ name: 'a', image: 'b:1' }] } });
    assert.equal((p.spec as { serviceAccount: string }).serviceAccount, 'builder');
  });
});
