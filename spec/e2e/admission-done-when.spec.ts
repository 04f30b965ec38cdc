// Issue #16's "Done when", line by line, with every kubectl version the specs
// run (1.27 and 1.33): a mutating and a validating webhook the spec serves on
// loopback with its own CA change and refuse objects; a ValidatingAdmissionPolicy
// with a param refuses one object with its message and warns on another; a
// namespace labelled enforce: restricted refuses a privileged pod in kube's
// words; a quota refuses the object over it; a pod created without a service
// account gets `default` and the projected token volume.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl, KUBECTL_VERSIONS, type Kubectl } from '../support/kubectl.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { eventually } from '../support/eventually.js';
import { admissionAnswer, loopbackWebhook, type TestCa, type TestWebhook } from '../support/webhook-server.js';

const json = (o: unknown): string => JSON.stringify(o);

describe("#16's Done-when lines with each kubectl", () => {
  let server: TestServer;
  let admin: Kubectl;
  let ca: TestCa;
  let webhook: TestWebhook;

  before(async () => {
    ({ ca, webhook } = await loopbackWebhook({
      handler: (body, request) => {
        const object = (body as { request: { object: { metadata: { labels?: Record<string, string> }; data?: Record<string, string> } } }).request.object;
        if (request.url?.startsWith('/mutate')) {
          const patch = [{ op: 'add', path: '/metadata/labels', value: { ...object.metadata.labels, stamped: 'by-webhook' } }];
          return admissionAnswer(body, { allowed: true, patchType: 'JSONPatch', patch: Buffer.from(json(patch)).toString('base64') });
        }
        if (object.data?.forbidden) return admissionAnswer(body, { allowed: false, status: { code: 403, message: 'the key "forbidden" is not allowed' } });
        return admissionAnswer(body, { allowed: true });
      },
    }));
    server = await startTestServer();
    admin = kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath);
    const caBundle = Buffer.from(ca.certPem).toString('base64');
    const hook = (name: string, path: string) => ({
      name, clientConfig: { url: webhook.url(path), caBundle }, sideEffects: 'None', admissionReviewVersions: ['v1'],
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
      namespaceSelector: { matchLabels: { hooks: 'on' } },
    });
    for (const version of KUBECTL_VERSIONS) {
      const tag = version.replace('.', '-');
      await admin.ok(['create', 'namespace', `hooks-${tag}`]);
      await admin.ok(['label', 'namespace', `hooks-${tag}`, 'hooks=on']);
      await admin.ok(['create', 'namespace', `restricted-${tag}`]);
      await admin.ok(['label', 'namespace', `restricted-${tag}`, 'pod-security.kubernetes.io/enforce=restricted']);
      await admin.ok(['create', 'namespace', `quota-${tag}`]);
      await admin.ok(['create', 'quota', 'two-maps', '--hard=configmaps=2', '-n', `quota-${tag}`]);
      await admin.ok(['create', 'namespace', `policy-${tag}`]);
      await admin.ok(['label', 'namespace', `policy-${tag}`, 'policy=on']);
    }
    await admin.ok(['create', '-f', '-'], { input: json({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'stamp' }, webhooks: [hook('stamp.example.com', '/mutate')] }) });
    await admin.ok(['create', '-f', '-'], { input: json({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'refuse' }, webhooks: [hook('refuse.example.com', '/validate')] }) });
    // The policy's param: the most replicas a ConfigMap may claim.
    await admin.ok(['create', 'configmap', 'limits', '-n', 'default', '--from-literal=max=3']);
    const rules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }];
    await admin.ok(['create', '-f', '-'], { input: json({
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'max-replicas.example.com' },
      spec: {
        failurePolicy: 'Fail', paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, matchConstraints: { resourceRules: rules },
        validations: [{ expression: "!has(object.data) || !('replicas' in object.data) || int(object.data.replicas) <= int(params.data.max)", messageExpression: "'replicas ' + object.data.replicas + ' exceed ' + params.data.max" }],
      },
    }) });
    const binding = (name: string, actions: string[], label: string) => json({
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name },
      spec: { policyName: 'max-replicas.example.com', validationActions: actions, paramRef: { name: 'limits', namespace: 'default', parameterNotFoundAction: 'Deny' }, matchResources: { objectSelector: { matchLabels: { check: label } } } },
    });
    await admin.ok(['create', '-f', '-'], { input: binding('max-replicas-deny', ['Deny'], 'deny') });
    await admin.ok(['create', '-f', '-'], { input: binding('max-replicas-warn', ['Warn'], 'warn') });
  });
  after(async () => {
    await server.dispose();
    await webhook.close();
  });

  for (const version of KUBECTL_VERSIONS) {
    const tag = version.replace('.', '-');

    it(`kubectl ${version}: a mutating webhook changes a ConfigMap and a validating one refuses another`, async () => {
      const k = kubectl(version, server.kubeconfigPath);
      const stamped = await eventually(async () => {
        const name = `stamped-${Math.random().toString(36).slice(2, 7)}`;
        await k.ok(['create', 'configmap', name, '-n', `hooks-${tag}`, '--from-literal=a=b']);
        const out = await k.ok(['get', 'configmap', name, '-n', `hooks-${tag}`, '-o', 'jsonpath={.metadata.labels.stamped}']);
        assert.equal(out, 'by-webhook');
        return out;
      });
      assert.equal(stamped, 'by-webhook');
      const refused = await k.run(['create', 'configmap', 'bad', '-n', `hooks-${tag}`, '--from-literal=forbidden=x']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /admission webhook "refuse\.example\.com" denied the request: the key "forbidden" is not allowed/);
    });

    it(`kubectl ${version}: a ValidatingAdmissionPolicy with a param refuses with its message, and warns on another object`, async () => {
      const k = kubectl(version, server.kubeconfigPath);
      const map = (name: string, check: string, replicas: string) => json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { check } }, data: { replicas } });
      const refused = await eventually(async () => {
        const r = await k.run(['create', '-n', `policy-${tag}`, '-f', '-'], { input: map('too-many', 'deny', '5') });
        assert.notEqual(r.code, 0, 'the policy is in force');
        return r;
      });
      assert.match(refused.stderr, /ValidatingAdmissionPolicy 'max-replicas\.example\.com' with binding 'max-replicas-deny' denied request: replicas 5 exceed 3/);
      const warned = await k.run(['create', '-n', `policy-${tag}`, '-f', '-'], { input: map('warned', 'warn', '9') });
      assert.equal(warned.code, 0, warned.stderr);
      assert.match(warned.stderr, /Warning: Validation failed for ValidatingAdmissionPolicy 'max-replicas\.example\.com' with binding 'max-replicas-warn': replicas 9 exceed 3/);
    });

    it(`kubectl ${version}: a namespace enforcing restricted refuses a privileged pod in kube's words`, async () => {
      const k = kubectl(version, server.kubeconfigPath);
      const pod = json({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root' }, spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } });
      const refused = await k.run(['create', '-n', `restricted-${tag}`, '-f', '-'], { input: pod });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /pods "root" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext\.privileged=true\)/);
    });

    it(`kubectl ${version}: a quota refuses the object over it`, async () => {
      const k = kubectl(version, server.kubeconfigPath);
      await eventually(async () => assert.match(await k.ok(['get', 'quota', 'two-maps', '-n', `quota-${tag}`, '-o', 'jsonpath={.status.hard.configmaps}']), /2/));
      // kube-root-ca.crt may already count as one.
      let refused;
      for (let i = 0; i < 3 && !refused; i++) {
        const r = await k.run(['create', 'configmap', `m${i}`, '-n', `quota-${tag}`]);
        if (r.code !== 0) refused = r;
      }
      assert.ok(refused, 'a create went over the quota');
      assert.match(refused.stderr, /configmaps "m\d" is forbidden: exceeded quota: two-maps, requested: configmaps=1, used: configmaps=2, limited: configmaps=2/);
    });

    it(`kubectl ${version}: a pod created without a service account gets default and the projected token volume`, async () => {
      const k = kubectl(version, server.kubeconfigPath);
      await eventually(() => k.ok(['get', 'serviceaccount', 'default', '-n', `quota-${tag}`]));
      await k.ok(['run', 'plain', '--image=nginx', '-n', `hooks-${tag}`]);
      const pod = JSON.parse(await k.ok(['get', 'pod', 'plain', '-n', `hooks-${tag}`, '-o', 'json']));
      assert.equal(pod.spec.serviceAccountName, 'default');
      const volume = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
      assert.ok(volume?.projected, JSON.stringify(pod.spec.volumes));
      assert.deepEqual(volume.projected.sources.map((s: object) => Object.keys(s)[0]), ['serviceAccountToken', 'configMap', 'downwardAPI']);
      assert.ok(pod.spec.containers[0].volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount'));
    });
  }
});
