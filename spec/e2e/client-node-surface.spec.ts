// @kubernetes/client-node's typed clients across the built-in surface: each
// creates, reads, watches and deletes its kind; the scale subresource answers
// the typed Scale client.

import { eventuallyTrue as eventually } from '../support/eventually.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startTestServer, type TestServer } from '../support/server.js';

/** A pod template with kube's allowed restart policy for its owner: Always for a Deployment, Never for a Job. */
const template = (app: string, restartPolicy = 'Never'): k8s.V1PodTemplateSpec => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx' }], restartPolicy } });

describe('@kubernetes/client-node typed clients across the surface', () => {
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

  /** Watches `path` while `act` runs, and returns the event types seen for `name`. */
  async function watched(path: string, name: string, act: () => Promise<void>): Promise<string[]> {
    const events: string[] = [];
    const controller = await new k8s.Watch(kc).watch(path, {}, (type, object: { metadata?: { name?: string } }) => {
      if (object.metadata?.name === name) events.push(type);
    }, () => undefined);
    try {
      await act();
      await eventually(() => events.includes('DELETED'), `${name} to be deleted`);
      return events;
    } finally {
      controller.abort();
    }
  }

  it('AppsV1Api: deployments, and their scale', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const events = await watched('/apis/apps/v1/namespaces/default/deployments', 'typed', async () => {
      await apps.createNamespacedDeployment({ namespace: 'default', body: { metadata: { name: 'typed' }, spec: { replicas: 1, selector: { matchLabels: { app: 'typed' } }, template: template('typed', 'Always') } } });
      assert.equal((await apps.readNamespacedDeployment({ namespace: 'default', name: 'typed' })).spec?.replicas, 1);
      const scale = await apps.readNamespacedDeploymentScale({ namespace: 'default', name: 'typed' });
      assert.equal(scale.status?.selector, 'app=typed');
      await apps.replaceNamespacedDeploymentScale({ namespace: 'default', name: 'typed', body: { ...scale, spec: { replicas: 3 } } });
      assert.equal((await apps.readNamespacedDeployment({ namespace: 'default', name: 'typed' })).spec?.replicas, 3);
      await apps.deleteNamespacedDeployment({ namespace: 'default', name: 'typed' });
    });
    assert.deepEqual(events, ['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('BatchV1Api: jobs', async () => {
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const events = await watched('/apis/batch/v1/namespaces/default/jobs', 'typed', async () => {
      await batch.createNamespacedJob({ namespace: 'default', body: { metadata: { name: 'typed' }, spec: { template: template('job') } } });
      assert.ok((await batch.readNamespacedJob({ namespace: 'default', name: 'typed' })).metadata?.uid);
      await batch.deleteNamespacedJob({ namespace: 'default', name: 'typed' });
    });
    assert.deepEqual(events, ['ADDED', 'DELETED']);
  });

  it('CoreV1Api: pods and services', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const pods = await watched('/api/v1/namespaces/default/pods', 'typed', async () => {
      await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'typed', labels: { app: 'typed' } }, spec: template('typed').spec! } });
      assert.equal((await core.readNamespacedPod({ namespace: 'default', name: 'typed' })).spec?.containers[0]?.image, 'nginx');
      assert.equal(await core.readNamespacedPodLog({ namespace: 'default', name: 'typed' }), '');
      await core.deleteNamespacedPod({ namespace: 'default', name: 'typed' });
    });
    assert.deepEqual(pods, ['ADDED', 'DELETED']);
    const services = await watched('/api/v1/namespaces/default/services', 'typed', async () => {
      await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'typed' }, spec: { selector: { app: 'typed' }, ports: [{ port: 80 }] } } });
      assert.equal((await core.readNamespacedService({ namespace: 'default', name: 'typed' })).spec?.ports?.[0]?.port, 80);
      await core.deleteNamespacedService({ namespace: 'default', name: 'typed' });
    });
    assert.deepEqual(services, ['ADDED', 'DELETED']);
  });

  it('PolicyV1Api, CoordinationV1Api and NetworkingV1Api', async () => {
    const policy = kc.makeApiClient(k8s.PolicyV1Api);
    await policy.createNamespacedPodDisruptionBudget({ namespace: 'default', body: { metadata: { name: 'typed' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'x' } } } } });
    assert.equal((await policy.readNamespacedPodDisruptionBudget({ namespace: 'default', name: 'typed' })).spec?.minAvailable, 1);
    await policy.deleteNamespacedPodDisruptionBudget({ namespace: 'default', name: 'typed' });
    const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
    await coordination.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'typed' }, spec: { holderIdentity: 'me' } } });
    assert.equal((await coordination.readNamespacedLease({ namespace: 'default', name: 'typed' })).spec?.holderIdentity, 'me');
    await coordination.deleteNamespacedLease({ namespace: 'default', name: 'typed' });
    const networking = kc.makeApiClient(k8s.NetworkingV1Api);
    await networking.createNamespacedNetworkPolicy({ namespace: 'default', body: { metadata: { name: 'typed' }, spec: { podSelector: {} } } });
    assert.ok((await networking.listNamespacedNetworkPolicy({ namespace: 'default' })).items.some((p) => p.metadata?.name === 'typed'));
    await networking.deleteNamespacedNetworkPolicy({ namespace: 'default', name: 'typed' });
  });
});
