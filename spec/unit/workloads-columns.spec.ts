// The workload kinds' Table columns, as kube's printers
// (pkg/printers/internalversion) name and fill them; priority 1 is -o wide.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import { columnDefinitions, tableRow } from '../../actors/store/table.js';
import { controllerRevision, cronJob, daemonSet, deployment, job, pod, podTemplate, replicaSet, replicationController, statefulSet } from '../../scheme/kinds/workloads/index.js';
import { service } from '../../scheme/kinds/service.js';
import { formatLabelSelector } from '../../scheme/kinds/workloads/selector.js';

const headers = (kind: KindDescription, priority: number): string[] =>
  columnDefinitions(kind).filter((c) => c.priority === priority).map((c) => c.name.toUpperCase());

function cells(kind: KindDescription, object: Record<string, unknown>): Record<string, unknown> {
  const full = { metadata: { name: 'x', creationTimestamp: new Date(Date.now() - 90_000).toISOString() }, ...object } as KubeObject;
  const row = tableRow(kind, full, { as: 'Table', version: 'v1', includeObject: 'None' });
  return Object.fromEntries(columnDefinitions(kind).map((c, i) => [c.name, row.cells[i]]));
}

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }, { name: 'log', image: 'fluentd' }] } };

describe('printer columns', () => {
  it('names kube’s columns, and the wide ones, for every workload kind', () => {
    assert.deepEqual(headers(pod, 0), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(headers(pod, 1), ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    assert.deepEqual(headers(deployment, 0), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    assert.deepEqual(headers(deployment, 1), ['CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual(headers(replicaSet, 0), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    assert.deepEqual(headers(replicaSet, 1), ['CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual(headers(replicationController, 0), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    assert.deepEqual(headers(replicationController, 1), ['CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual(headers(statefulSet, 0), ['NAME', 'READY', 'AGE']);
    assert.deepEqual(headers(statefulSet, 1), ['CONTAINERS', 'IMAGES']);
    assert.deepEqual(headers(daemonSet, 0), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
    assert.deepEqual(headers(daemonSet, 1), ['CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual(headers(job, 0), ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    assert.deepEqual(headers(job, 1), ['CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual(headers(cronJob, 0), ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    assert.deepEqual(headers(cronJob, 1), ['CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual(headers(podTemplate, 0), ['NAME', 'CONTAINERS', 'IMAGES', 'POD LABELS']);
    assert.deepEqual(headers(controllerRevision, 0), ['NAME', 'CONTROLLER', 'REVISION', 'AGE']);
    assert.deepEqual(headers(service, 0), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    assert.deepEqual(headers(service, 1), ['SELECTOR']);
  });

  it('pods: a new pod is 0/N Pending; container states, restarts and deletion show as kube shows them', () => {
    const spec = { nodeName: 'node-1', containers: [{ name: 'a' }, { name: 'b' }] };
    assert.deepEqual(cells(pod, { spec, status: { phase: 'Pending' } }), {
      Name: 'x', Ready: '0/2', Status: 'Pending', Restarts: '0', Age: '90s', IP: '<none>', Node: 'node-1', 'Nominated Node': '<none>', 'Readiness Gates': '<none>',
    });
    const running = cells(pod, {
      spec,
      status: {
        phase: 'Running',
        podIP: '10.1.0.5',
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 0, state: { running: {} } },
          { name: 'b', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    });
    assert.equal(running.Ready, '1/2');
    assert.equal(running.Status, 'CrashLoopBackOff');
    assert.equal(running.Restarts, '3');
    assert.equal(running.IP, '10.1.0.5');
    const initializing = cells(pod, { spec: { ...spec, initContainers: [{ name: 'i' }] }, status: { phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { running: {} } }] } });
    assert.equal(initializing.Status, 'Init:0/1');
    const deleting = cells(pod, { metadata: { name: 'x', deletionTimestamp: new Date().toISOString() }, spec, status: { phase: 'Running' } });
    assert.equal(deleting.Status, 'Terminating');
    const gated = cells(pod, { spec, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } });
    assert.equal(gated.Status, 'SchedulingGated');
  });

  it('deployments: READY is ready/desired; wide shows containers, images and the selector', () => {
    assert.deepEqual(cells(deployment, { spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } }), {
      Name: 'x', Ready: '2/3', 'Up-to-date': 3, Available: 2, Age: '90s', Containers: 'web,log', Images: 'nginx:1,fluentd', Selector: 'app=web',
    });
  });

  it('prints selectors the way kube’s labels.Selector does', () => {
    assert.equal(formatLabelSelector({ matchLabels: { b: '2', a: '1' } }), 'a=1,b=2');
    assert.equal(
      formatLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }, { key: 'env', operator: 'NotIn', values: ['dev'] }, { key: 'x', operator: 'Exists' }, { key: 'y', operator: 'DoesNotExist' }] }),
      'env notin (dev),tier in (api,web),x,!y',
    );
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector(undefined), '<none>');
  });

  it('jobs: status, completions and duration', () => {
    const start = new Date(Date.now() - 300_000).toISOString();
    const end = new Date(Date.now() - 240_000).toISOString();
    const done = cells(job, { spec: { completions: 2, template }, status: { succeeded: 2, startTime: start, completionTime: end, conditions: [{ type: 'Complete', status: 'True' }] } });
    assert.equal(done.Status, 'Complete');
    assert.equal(done.Completions, '2/2');
    assert.equal(done.Duration, '60s');
    const parallel = cells(job, { spec: { parallelism: 3, template }, status: {} });
    assert.equal(parallel.Status, 'Running');
    assert.equal(parallel.Completions, '0/1 of 3');
    assert.equal(parallel.Duration, '');
    assert.equal(cells(job, { spec: { suspend: true, template }, status: { conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Suspended', status: 'True' }] } }).Status, 'Suspended');
    assert.equal(cells(job, { spec: { template }, status: { conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] } }).Status, 'Failed');
  });

  it('cron jobs, stateful sets, daemon sets, replication controllers, pod templates and controller revisions', () => {
    const cj = cells(cronJob, { spec: { schedule: '@daily', suspend: false, jobTemplate: { spec: { template } } }, status: {} });
    assert.deepEqual([cj.Schedule, cj.Timezone, cj.Suspend, cj.Active, cj['Last Schedule'], cj.Selector], ['@daily', '<none>', 'False', 0, '<none>', '<none>']);
    assert.equal(cells(statefulSet, { spec: { replicas: 2, template }, status: { readyReplicas: 1 } }).Ready, '1/2');
    const ds = cells(daemonSet, { spec: { selector: { matchLabels: { app: 'web' } }, template: { ...template, spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } }, status: { desiredNumberScheduled: 3, numberReady: 1 } });
    assert.deepEqual([ds.Desired, ds.Current, ds.Ready, ds['Up-to-date'], ds.Available, ds['Node Selector']], [3, 0, 1, 0, 0, 'kubernetes.io/os=linux']);
    assert.equal(cells(replicationController, { spec: { replicas: 1, selector: { app: 'web' }, template } }).Selector, 'app=web');
    assert.deepEqual(cells(podTemplate, { template }), { Name: 'x', Containers: 'web,log', Images: 'nginx:1,fluentd', 'Pod Labels': 'app=web' });
    const revision = cells(controllerRevision, { metadata: { name: 'x', creationTimestamp: new Date().toISOString(), ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] }, revision: 2 });
    assert.deepEqual([revision.Controller, revision.Revision], ['statefulset.apps/web', 2]);
  });

  it('services: EXTERNAL-IP by type, PORT(S) with node ports', () => {
    assert.deepEqual(cells(service, { spec: { type: 'LoadBalancer', clusterIP: '10.0.0.9', ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] } }), {
      Name: 'x', Type: 'LoadBalancer', 'Cluster-IP': '10.0.0.9', 'External-IP': '<pending>', 'Port(s)': '80:31000/TCP', Age: '90s', Selector: '<none>',
    });
    assert.equal(cells(service, { spec: { type: 'ExternalName', externalName: 'example.com' } })['External-IP'], 'example.com');
    assert.equal(cells(service, { spec: { type: 'ClusterIP', clusterIP: 'None', selector: { app: 'web' } } })['Cluster-IP'], 'None');
  });
});
