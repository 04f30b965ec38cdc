// Admission webhooks as operator authors meet them: webhooks the spec runs on
// 127.0.0.1 with its own CA, registered through MutatingWebhookConfiguration
// and ValidatingWebhookConfiguration, change and refuse objects written with
// kubectl and @kubernetes/client-node; a webhook that fails is ignored or
// fails the write, per failurePolicy, in kube's words, and the server keeps
// serving; a webhook reached through a Service and its Endpoints.
// Each test keeps to its own namespace, which its webhooks select by label.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { call, credentialsOf, type Credentials } from '../support/http.js';
import { parsePrometheusText } from '../support/prometheus.js';
import { admissionAnswer, closedPort, eventually, makeTestCa, startTestWebhook, type TestCa, type TestWebhook, type WebhookHandler } from '../support/webhook-server.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Review = { request: Record<string, any> };

describe('admission webhooks', () => {
  let server: TestServer;
  let creds: Credentials;
  let k: Kubectl;
  let core: k8s.CoreV1Api;
  let admissionApi: k8s.AdmissionregistrationV1Api;
  let ca: TestCa;
  let webhook: TestWebhook;
  const routes = new Map<string, WebhookHandler>();

  before(async () => {
    ca = await makeTestCa();
    webhook = await startTestWebhook(ca, {
      handler: (body, request, response) => {
        const route = routes.get((request.url ?? '').split('?')[0] ?? '');
        return route ? route(body, request, response) : admissionAnswer(body, { allowed: true });
      },
    });
    server = await startTestServer();
    creds = credentialsOf(server.kubeconfigPath);
    k = kubectl('1.33', server.kubeconfigPath);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    admissionApi = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  });
  after(async () => {
    await server.dispose();
    await webhook.close();
  });

  /** A namespace of the test's own, labelled so only its webhooks select it. */
  async function namespace(name: string): Promise<Record<string, unknown>> {
    await core.createNamespace({ body: { metadata: { name, labels: { 'webhook-test': name } } } });
    return { matchLabels: { 'webhook-test': name } };
  }

  function hook(name: string, path: string, namespaceSelector: Record<string, unknown>, extra: Record<string, unknown> = {}): k8s.V1MutatingWebhook {
    return <k8s.V1MutatingWebhook><unknown>{
      name,
      clientConfig: { url: webhook.url(path), caBundle: b64(ca.certPem) },
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
      namespaceSelector,
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      ...extra,
    };
  }

  const configMap = (name: string, data: Record<string, string> = {}): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

  it('a mutating webhook changes what kubectl creates, with kube\'s AdmissionReview and warnings', async () => {
    const selector = await namespace('wh-mutate');
    routes.set('/mutate', (body) => {
      const patch = [{ op: 'add', path: '/metadata/labels', value: { mutated: 'yes' } }];
      return admissionAnswer(body, { allowed: true, patchType: 'JSONPatch', patch: b64(JSON.stringify(patch)), warnings: ['labelled by the webhook'] });
    });
    await admissionApi.createMutatingWebhookConfiguration({ body: { metadata: { name: 'wh-mutate' }, webhooks: [hook('label.wh-mutate.example.com', '/mutate', selector)] } });
    await eventually(async () => {
      const dry = await call(creds, 'POST', '/api/v1/namespaces/wh-mutate/configmaps?dryRun=All', { body: configMap('probe') });
      assert.equal(dry.json().metadata?.labels?.mutated, 'yes');
    });

    const created = await k.run(['create', 'configmap', 'settings', '-n', 'wh-mutate', '--from-literal=a=b']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /Warning: labelled by the webhook/);
    assert.equal(await k.ok(['get', 'configmap', 'settings', '-n', 'wh-mutate', '-o', 'jsonpath={.metadata.labels.mutated}']), 'yes');

    const review = webhook.seen.filter((s) => s.path.startsWith('/mutate')).at(-1)!;
    assert.equal(review.path, '/mutate?timeout=10s');
    const request = (review.body as Review).request;
    assert.match(request.uid, /^[0-9a-f-]{36}$/);
    assert.deepEqual(request.kind, { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(request.resource, { group: '', version: 'v1', resource: 'configmaps' });
    assert.deepEqual(request.requestKind, request.kind);
    assert.equal(request.name, 'settings');
    assert.equal(request.namespace, 'wh-mutate');
    assert.equal(request.operation, 'CREATE');
    assert.equal(request.userInfo.username, 'kubeactor-admin');
    assert.equal(request.object.data.a, 'b');
    assert.equal(request.oldObject, null);
    assert.equal(request.dryRun, false);
    assert.equal(request.options.kind, 'CreateOptions');
    assert.equal(request.options.fieldManager, 'kubectl-create');
  });

  it('a validating webhook refuses with its message, in kube\'s words, to kubectl and client-node', async () => {
    const selector = await namespace('wh-deny');
    routes.set('/deny', (body) => {
      const object = (body as Review).request.object as { data?: Record<string, string> };
      if (object.data?.forbidden) return admissionAnswer(body, { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'the key "forbidden" is not allowed' } });
      return admissionAnswer(body, { allowed: true, auditAnnotations: { checked: 'yes' } });
    });
    await admissionApi.createValidatingWebhookConfiguration({ body: { metadata: { name: 'wh-deny' }, webhooks: [hook('deny.wh-deny.example.com', '/deny', selector)] } });
    const refused = await eventually(async () => {
      const answer = await call(creds, 'POST', '/api/v1/namespaces/wh-deny/configmaps', { body: configMap('bad', { forbidden: 'x' }) });
      assert.equal(answer.status, 403);
      return answer.json();
    });
    assert.equal(refused.reason, 'Forbidden');
    assert.equal(refused.message, 'admission webhook "deny.wh-deny.example.com" denied the request: the key "forbidden" is not allowed');

    const byKubectl = await k.run(['create', 'configmap', 'bad', '-n', 'wh-deny', '--from-literal=forbidden=x']);
    assert.notEqual(byKubectl.code, 0);
    assert.match(byKubectl.stderr, /admission webhook "deny\.wh-deny\.example\.com" denied the request: the key "forbidden" is not allowed/);
    await assert.rejects(core.createNamespacedConfigMap({ namespace: 'wh-deny', body: { metadata: { name: 'bad' }, data: { forbidden: 'x' } } }), (e: { code?: number; body?: string }) => {
      assert.equal(e.code, 403);
      assert.match(String(e.body), /denied the request/);
      return true;
    });
    // What the webhook allows is stored.
    await core.createNamespacedConfigMap({ namespace: 'wh-deny', body: { metadata: { name: 'good' }, data: { fine: 'x' } } });

    // kube's webhook metrics count each call: the refusals by their code, the one allowed as 200.
    const scrape = parsePrometheusText((await call(creds, 'GET', '/metrics')).body);
    const hookLabels = { name: 'deny.wh-deny.example.com', type: 'validating', operation: 'CREATE' };
    const refusals = scrape.value('apiserver_admission_webhook_rejection_count', { ...hookLabels, error_type: 'no_error', rejection_code: '403' });
    assert.ok(refusals >= 3, `refusals counted: ${refusals}`);
    assert.equal(scrape.value('apiserver_admission_webhook_request_total', { ...hookLabels, code: '403', rejected: 'true' }), refusals);
    assert.equal(scrape.value('apiserver_admission_webhook_request_total', { ...hookLabels, code: '200', rejected: 'false' }), 1);
    assert.equal(scrape.value('apiserver_admission_webhook_admission_duration_seconds_count', { ...hookLabels, rejected: 'false' }), 1);
    assert.equal(scrape.types.get('apiserver_admission_webhook_admission_duration_seconds'), 'histogram');
  });

  it('calls the validating webhooks in parallel', async () => {
    const selector = await namespace('wh-parallel');
    const held: (() => void)[] = [];
    let inFlight = 0;
    let most = 0;
    routes.set('/hold', (body, _request, response) => {
      inFlight++;
      most = Math.max(most, inFlight);
      held.push(() => {
        inFlight--;
        const json = JSON.stringify(admissionAnswer(body, { allowed: true }));
        response.writeHead(200, { 'content-type': 'application/json' }).end(json);
      });
      if (held.length === 2) for (const release of held.splice(0)) release();
      return undefined;
    });
    await admissionApi.createValidatingWebhookConfiguration({
      body: { metadata: { name: 'wh-parallel' }, webhooks: [hook('one.wh-parallel.example.com', '/hold', selector), hook('two.wh-parallel.example.com', '/hold', selector)] },
    });
    await eventually(async () => {
      most = 0;
      const answer = await call(creds, 'POST', '/api/v1/namespaces/wh-parallel/configmaps?dryRun=All', { body: configMap('both') });
      assert.equal(answer.status, 201);
      assert.equal(most, 2);
    });
  });

  it('ignores a failing webhook under Ignore, and fails the write with kube\'s 500 under Fail', async () => {
    const selector = await namespace('wh-fail');
    const port = await closedPort();
    const down = (name: string, failurePolicy: string): k8s.V1MutatingWebhook => ({
      ...hook(name, '/unused', selector, { failurePolicy }),
      clientConfig: { url: `https://127.0.0.1:${port}/down`, caBundle: b64(ca.certPem) },
      objectSelector: { matchLabels: { policy: failurePolicy } },
    });
    await admissionApi.createValidatingWebhookConfiguration({
      body: { metadata: { name: 'wh-fail' }, webhooks: [down('ignore.wh-fail.example.com', 'Ignore'), down('fail.wh-fail.example.com', 'Fail')] },
    });
    const labelled = (name: string, policy: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { policy } } });
    const failed = await eventually(async () => {
      const answer = await call(creds, 'POST', '/api/v1/namespaces/wh-fail/configmaps', { body: labelled('closed', 'Fail') });
      assert.equal(answer.status, 500);
      return answer.json();
    });
    assert.equal(failed.reason, 'InternalError');
    assert.equal(failed.message, `Internal error occurred: failed calling webhook "fail.wh-fail.example.com": failed to call webhook: Post "https://127.0.0.1:${port}/down?timeout=10s": dial tcp 127.0.0.1:${port}: connect: connection refused`);
    const ignored = await call(creds, 'POST', '/api/v1/namespaces/wh-fail/configmaps', { body: labelled('open', 'Ignore') });
    assert.equal(ignored.status, 201);
    const byKubectl = await k.run(['create', '-n', 'wh-fail', '-f', '-'], { input: labelled('closed', 'Fail') });
    assert.match(byKubectl.stderr, /Internal error occurred: failed calling webhook "fail\.wh-fail\.example\.com": failed to call webhook: Post .*connection refused/);
  });

  it('gives a webhook that times out or answers garbage kube\'s error, and keeps serving', async () => {
    const selector = await namespace('wh-bad');
    routes.set('/silent', () => undefined);
    routes.set('/garbage', (_body, _request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('garbage'));
    await admissionApi.createMutatingWebhookConfiguration({
      body: {
        metadata: { name: 'wh-bad' },
        webhooks: [
          hook('slow.wh-bad.example.com', '/silent', selector, { timeoutSeconds: 1, objectSelector: { matchLabels: { hook: 'slow' } } }),
          hook('garbage.wh-bad.example.com', '/garbage', selector, { objectSelector: { matchLabels: { hook: 'garbage' } } }),
        ],
      },
    });
    const labelled = (name: string, which: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { hook: which } } });
    const garbage = await eventually(async () => {
      const answer = await call(creds, 'POST', '/api/v1/namespaces/wh-bad/configmaps', { body: labelled('g', 'garbage') });
      assert.equal(answer.status, 500);
      return answer.json();
    });
    assert.equal(garbage.message, 'Internal error occurred: failed calling webhook "garbage.wh-bad.example.com": failed to call webhook: couldn\'t get version/kind; json parse error: invalid character \'g\' looking for beginning of value');
    const slow = await call(creds, 'POST', '/api/v1/namespaces/wh-bad/configmaps', { body: labelled('s', 'slow') });
    assert.equal(slow.status, 500);
    assert.equal(slow.json().message, `Internal error occurred: failed calling webhook "slow.wh-bad.example.com": failed to call webhook: Post "${webhook.url('/silent')}?timeout=1s": context deadline exceeded`);
    // The server goes on serving, webhooks and all.
    assert.equal((await call(creds, 'POST', '/api/v1/namespaces/wh-bad/configmaps', { body: labelled('fine', 'none') })).status, 201);
    assert.equal((await call(creds, 'GET', '/api/v1/namespaces/wh-bad/configmaps/fine')).status, 200);
  });

  it('calls an IfNeeded webhook again when a later webhook changed the object', async () => {
    const selector = await namespace('wh-reinvoke');
    let firstCalls = 0;
    routes.set('/first', (body) => {
      firstCalls++;
      return admissionAnswer(body, { allowed: true });
    });
    routes.set('/second', (body) => {
      const labels = (body as Review).request.object.metadata.labels as Record<string, string> | undefined;
      if (labels?.second) return admissionAnswer(body, { allowed: true });
      const patch = [{ op: 'add', path: '/metadata/labels', value: { ...labels, second: 'done' } }];
      return admissionAnswer(body, { allowed: true, patchType: 'JSONPatch', patch: b64(JSON.stringify(patch)) });
    });
    await admissionApi.createMutatingWebhookConfiguration({ body: { metadata: { name: 'wh-reinvoke-a' }, webhooks: [hook('first.wh-reinvoke.example.com', '/first', selector, { reinvocationPolicy: 'IfNeeded' })] } });
    await admissionApi.createMutatingWebhookConfiguration({ body: { metadata: { name: 'wh-reinvoke-b' }, webhooks: [hook('second.wh-reinvoke.example.com', '/second', selector)] } });
    const created = await eventually(async () => {
      firstCalls = 0;
      const answer = await call(creds, 'POST', '/api/v1/namespaces/wh-reinvoke/configmaps?dryRun=All', { body: configMap('twice') });
      assert.equal(answer.json().metadata?.labels?.second, 'done');
      return answer;
    });
    assert.equal(created.status, 201);
    assert.equal(firstCalls, 2);
  });

  it('reinvokes the built-in plugins after a webhook changed the object, and an IfNeeded webhook the built-in plugins changed it after', async () => {
    const selector = await namespace('wh-sidecar');
    let injections = 0;
    // Injects a sidecar once; called again, it leaves the pod as it is.
    routes.set('/sidecar', (body) => {
      injections++;
      const containers = ((body as Review).request.object as { spec: { containers: { name: string }[] } }).spec.containers;
      if (containers.some((c) => c.name === 'proxy')) return admissionAnswer(body, { allowed: true });
      const patch = [{ op: 'add', path: '/spec/containers/-', value: { name: 'proxy', image: 'envoy' } }];
      return admissionAnswer(body, { allowed: true, patchType: 'JSONPatch', patch: b64(JSON.stringify(patch)) });
    });
    const pods = [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }];
    await admissionApi.createMutatingWebhookConfiguration({ body: { metadata: { name: 'wh-sidecar' }, webhooks: [hook('sidecar.wh-sidecar.example.com', '/sidecar', selector, { rules: pods, reinvocationPolicy: 'IfNeeded' })] } });
    const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });
    const created = await eventually(async () => {
      injections = 0;
      const answer = await call(creds, 'POST', '/api/v1/namespaces/wh-sidecar/pods?dryRun=All', { body: pod });
      assert.equal(answer.status, 201, answer.body);
      assert.equal(answer.json().spec.containers.length, 2);
      return answer.json();
    });
    // The ServiceAccount plugin ran again and mounted the token into the sidecar too, as in kube.
    const proxy = created.spec.containers.find((c: { name: string }) => c.name === 'proxy');
    assert.ok(proxy.volumeMounts?.some((m: { mountPath: string }) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount'), JSON.stringify(proxy));
    // That change came after the webhook: IfNeeded, it was called once more (and did nothing).
    assert.equal(injections, 2);
  });

  it('calls a webhook only where its matchConditions (CEL) hold, and refuses conditions that do not compile', async () => {
    const selector = await namespace('wh-cel');
    routes.set('/refuse-all', (body) => admissionAnswer(body, { allowed: false, status: { message: 'refused by name' } }));
    const conditions = [
      { name: 'named-deny', expression: "object.metadata.name.startsWith('deny-')" },
      { name: 'by-admin', expression: "request.userInfo.username == 'kubeactor-admin'" },
    ];
    await admissionApi.createValidatingWebhookConfiguration({ body: { metadata: { name: 'wh-cel' }, webhooks: [hook('cel.wh-cel.example.com', '/refuse-all', selector, { matchConditions: conditions })] } });
    await eventually(async () => {
      const refused = await call(creds, 'POST', '/api/v1/namespaces/wh-cel/configmaps', { body: configMap('deny-me') });
      assert.equal(refused.status, 400);
      assert.equal(refused.json().message, 'admission webhook "cel.wh-cel.example.com" denied the request: refused by name');
    });
    assert.equal((await call(creds, 'POST', '/api/v1/namespaces/wh-cel/configmaps', { body: configMap('allow-me') })).status, 201);

    const bad = await call(creds, 'POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
      body: JSON.stringify({ metadata: { name: 'bad-cel' }, webhooks: [hook('bad.wh-cel.example.com', '/x', selector, { matchConditions: [{ name: 'not-bool', expression: "'text'" }] })] }),
    });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.json().details.causes, [{ reason: 'FieldValueInvalid', field: 'webhooks[0].matchConditions[0].expression', message: 'Invalid value: "\'text\'": cel expression must evaluate to a bool' }]);
  });

  it('reaches a webhook through a Service and its Endpoints, checking its certificate for <service>.<namespace>.svc', async () => {
    const selector = await namespace('wh-service');
    const serviceHook = await startTestWebhook(ca, { dns: ['hooks.wh-service.svc'], ips: [] });
    try {
      serviceHook.handle((body) => admissionAnswer(body, { allowed: false, status: { message: 'refused through the service' } }));
      await core.createNamespacedService({ namespace: 'wh-service', body: { metadata: { name: 'hooks' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 8443 }] } } });
      await core.createNamespacedEndpoints({ namespace: 'wh-service', body: { metadata: { name: 'hooks' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: serviceHook.port }] }] } });
      await admissionApi.createValidatingWebhookConfiguration({
        body: {
          metadata: { name: 'wh-service' },
          webhooks: [{ ...hook('svc.wh-service.example.com', '/', selector), clientConfig: { service: { namespace: 'wh-service', name: 'hooks', path: '/validate' }, caBundle: b64(ca.certPem) } }],
        },
      });
      const refused = await eventually(async () => {
        const answer = await call(creds, 'POST', '/api/v1/namespaces/wh-service/configmaps', { body: configMap('via-service') });
        assert.equal(answer.status, 400);
        return answer.json();
      });
      assert.equal(refused.message, 'admission webhook "svc.wh-service.example.com" denied the request: refused through the service');
      assert.equal(serviceHook.seen.at(-1)?.path, '/validate?timeout=10s');
    } finally {
      await serviceHook.close();
    }
  });

  it('validates configurations as kube does: 422 with kube\'s causes', async () => {
    const bad = await call(creds, 'POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
      body: JSON.stringify({
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'invalid' },
        webhooks: [{ name: 'short', clientConfig: { url: 'http://127.0.0.1/x' }, admissionReviewVersions: ['v1'], timeoutSeconds: 31, rules: [{ operations: ['MAKE'], apiGroups: [''], apiVersions: ['v1'], resources: ['*', 'pods'] }] }],
      }),
    });
    assert.equal(bad.status, 422);
    const status = bad.json();
    assert.equal(status.reason, 'Invalid');
    const causes = (status.details.causes as { field: string; message: string }[]).map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(causes.sort(), [
      "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]",
      'webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots',
      "webhooks[0].rules[0].operations[0]: Unsupported value: \"MAKE\": supported values: \"*\", \"CONNECT\", \"CREATE\", \"DELETE\", \"UPDATE\"",
      "webhooks[0].rules[0].resources: Invalid value: []string{\"*\", \"pods\"}: if '*' is present, must not specify other resources without subresources",
      'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
      'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
    ].sort());
    // kube's defaults on what it accepts.
    const made = await admissionApi.createValidatingWebhookConfiguration({ body: { metadata: { name: 'defaults' }, webhooks: [{ name: 'defaults.example.com', clientConfig: { url: webhook.url('/x') }, sideEffects: 'None', admissionReviewVersions: ['v1'], rules: [{ operations: ['CREATE'], apiGroups: ['nothing.example.com'], apiVersions: ['v1'], resources: ['things'] }] }] } });
    const defaulted = made.webhooks?.[0];
    assert.equal(defaulted?.failurePolicy, 'Fail');
    assert.equal(defaulted?.matchPolicy, 'Equivalent');
    assert.equal(defaulted?.timeoutSeconds, 10);
    assert.equal(defaulted?.rules?.[0]?.scope, '*');
    assert.deepEqual({ ...defaulted?.namespaceSelector }, {});
  });
});
