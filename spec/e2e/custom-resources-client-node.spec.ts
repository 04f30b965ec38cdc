// An operator-style CRD used as a controller uses it: @kubernetes/client-node,
// unmodified, creates a CronJob-like CRD, waits for it to be Established, keeps
// an informer on its objects and reconciles them through CustomObjectsApi
// (spec, then /status, then /scale), the way operator tutorials do.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startTestServer, type TestServer } from '../support/server.js';
import { settle } from '../../harness/start-server.js';
import { cronTab, cronTabCrd } from '../support/crds.js';

const GROUP = 'batch.tutorial.kubebuilder.io';

interface CronTab {
  apiVersion?: string;
  kind?: string;
  metadata?: k8s.V1ObjectMeta;
  spec?: { schedule: string; replicas?: number; image?: string; jobTemplate?: { containers?: { name: string; image?: string }[] } };
  status?: { replicas?: number; active?: string[]; lastScheduleTime?: string };
}

describe('an operator\'s CRD with @kubernetes/client-node', () => {
  let server: TestServer;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;

  before(async () => {
    server = await startTestServer();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
    // Installed as an operator's manifest is, by kubectl: client-node's typed models would drop the
    // schema's x-kubernetes-* keys they have no field for (x-kubernetes-int-or-string).
    assert.equal((await server.client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', cronTabCrd(GROUP))).status, 201);
    await settle(async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: `crontabs.${GROUP}` });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    }, 'the CRD to be Established');
  });
  after(async () => {
    await server.dispose();
  });

  it('keeps an informer in step while a controller reconciles spec, status and scale', async () => {
    const path = `/apis/${GROUP}/v1/namespaces/default/crontabs`;
    const list = (): Promise<k8s.KubernetesListObject<CronTab>> =>
      custom.listNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: 'default', plural: 'crontabs' }) as Promise<k8s.KubernetesListObject<CronTab>>;
    const informer = k8s.makeInformer<CronTab & k8s.KubernetesObject>(kc, path, list as never);
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.status?.replicas ?? '-'}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    await informer.start();
    try {
      const where = { group: GROUP, version: 'v1', namespace: 'default', plural: 'crontabs' };
      const created = (await custom.createNamespacedCustomObject({ ...where, body: cronTab(GROUP, 'report', { jobTemplate: { containers: [{ name: 'main', image: 'report:1' }] } }) })) as CronTab;
      assert.equal(created.spec?.replicas, 1, 'the schema\'s default');
      await settle(() => informer.get('report', 'default') !== undefined, 'the informer to see the new CronTab');
      // The controller's reconcile: status through /status, as controller-runtime's Status().Update().
      const current = informer.get('report', 'default')!;
      const status = (await custom.replaceNamespacedCustomObjectStatus({ ...where, name: 'report', body: { ...current, status: { replicas: 1, active: ['report-1'], lastScheduleTime: '2026-01-01T00:00:00Z' } } })) as CronTab;
      assert.deepEqual(status.status?.active, ['report-1']);
      await settle(() => informer.get('report', 'default')?.status?.replicas === 1, 'the informer to see the status');
      const scaled = (await custom.patchNamespacedCustomObjectScale({ ...where, name: 'report', body: { spec: { replicas: 3 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch))) as { kind: string; spec: { replicas: number } };
      assert.deepEqual([scaled.kind, scaled.spec.replicas], ['Scale', 3]);
      await settle(() => informer.get('report', 'default')?.spec?.replicas === 3, 'the informer to see the new replicas');
      await custom.deleteNamespacedCustomObject({ ...where, name: 'report' });
      await settle(() => informer.get('report', 'default') === undefined, 'the informer to forget the CronTab');
      assert.ok(seen.includes('add report'));
      assert.ok(seen.includes('update report 1'));
      assert.ok(seen.includes('delete report'));
    } finally {
      await informer.stop();
    }
  });
});
