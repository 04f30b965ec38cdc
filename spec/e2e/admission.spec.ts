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
});

export { eventually, pod };
