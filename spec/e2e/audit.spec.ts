// The audit log (--audit-policy-file, --audit-log-path): kube's policy
// decides each request's level; the log backend writes audit.k8s.io/v1
// Events, one per line, for each stage; batch mode is flushed at
// InFlightRequestsDrained.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedClock, startServer, StartupError } from '../../harness/start-server.js';
import { tempDir } from '../support/temp.js';
import { admissionAnswer, loopbackWebhook } from '../support/webhook-server.js';
import { parsePrometheusText } from '../support/prometheus.js';

const POLICY = `
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  nonResourceURLs: ["/healthz*", "/livez*", "/readyz*"]
- level: RequestResponse
  resources: [{ group: "", resources: ["configmaps"] }]
- level: Metadata
  omitStages: [RequestReceived]
`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Event = Record<string, any>;

function eventsIn(path: string): Event[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Event) : [];
}

function setup(): { dir: string; policy: string; log: string } {
  const dir = tempDir('audit');
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, POLICY);
  return { dir, policy, log: join(dir, 'audit.log') };
}

describe('the audit log', () => {
  it('records each request at the level its first matching rule names, with kube\'s Event fields', async () => {
    const { dir, policy, log } = setup();
    const server = await startServer({ securePort: 0, quiet: true, dataDir: join(dir, 'data'), auditPolicyFile: policy, auditLogPath: log });
    const created = await server.client.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'audited' }, data: { a: '1' } });
    assert.equal(created.status, 201);
    const missing = await server.client.request('GET', '/api/v1/namespaces/default/configmaps/absent');
    assert.equal(missing.status, 404);
    assert.equal((await server.client.request('GET', '/api/v1/namespaces')).status, 200);
    assert.equal((await server.client.request('GET', '/healthz')).status, 200);
    const watch = await server.client.watch('/api/v1/namespaces/default/configmaps?watch=true');
    const scrape = async () => parsePrometheusText((await server.client.request('GET', '/metrics')).body);
    const firstScrape = await scrape();
    assert.equal((await server.client.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'counted' } })).status, 201);
    const scraped = await scrape();
    await server.stop();
    await watch.ended;

    const events = eventsIn(log);
    const create = events.filter((e) => e.auditID === created.headers['audit-id']);
    assert.deepEqual(create.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
    const done = create[1]!;
    assert.equal(done.apiVersion, 'audit.k8s.io/v1');
    assert.equal(done.kind, 'Event');
    assert.equal(done.level, 'RequestResponse');
    assert.equal(done.verb, 'create');
    assert.equal(done.requestURI, '/api/v1/namespaces/default/configmaps');
    assert.deepEqual(done.objectRef, { resource: 'configmaps', namespace: 'default', apiVersion: 'v1' });
    assert.equal(done.responseStatus.code, 201);
    assert.equal(done.requestObject.metadata.name, 'audited');
    assert.equal(done.responseObject.metadata.name, 'audited');
    assert.ok(done.user.username, 'the authenticated user');
    assert.match(done.stageTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    const notFound = events.find((e) => e.auditID === missing.headers['audit-id'] && e.stage === 'ResponseComplete')!;
    assert.equal(notFound.responseStatus.code, 404);
    assert.equal(notFound.responseStatus.reason, 'NotFound');

    const list = events.filter((e) => e.objectRef?.resource === 'namespaces' && e.verb === 'list');
    assert.deepEqual(list.map((e) => e.stage), ['ResponseComplete'], 'the Metadata rule omits RequestReceived');
    assert.equal(list[0]!.level, 'Metadata');
    assert.equal(list[0]!.responseObject, undefined);

    assert.ok(!events.some((e) => e.requestURI === '/healthz'), 'level None writes nothing');
    const watchStages = events.filter((e) => e.verb === 'watch').map((e) => e.stage);
    assert.deepEqual(watchStages, ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
    // kube's audit metrics: every event sent to the backend, and every request's policy level.
    // Between the two scrapes: the first scrape's ResponseComplete, then the create's two stages (and whatever the controllers did).
    assert.ok(scraped.value('apiserver_audit_event_total') - firstScrape.value('apiserver_audit_event_total') >= 3);
    assert.ok(scraped.value('apiserver_audit_event_total') <= events.length);
    assert.equal(scraped.value('apiserver_audit_level_total', { level: 'None' }), 1, '/healthz');
    assert.ok(scraped.value('apiserver_audit_level_total', { level: 'RequestResponse' }) >= 2);
    rmSync(dir, { recursive: true, force: true });
  });

  it('in batch mode, holds events until InFlightRequestsDrained flushes them', async () => {
    const { dir, policy, log } = setup();
    const clock = new SimulatedClock();
    const server = await startServer({ securePort: 0, quiet: true, clock, dataDir: join(dir, 'data'), auditPolicyFile: policy, auditLogPath: log, auditLogMode: 'batch' });
    const created = await server.client.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'batched' } });
    assert.equal(created.status, 201);
    assert.deepEqual(eventsIn(log), [], 'buffered: the batch wait has not passed');
    server.signal('SIGTERM');
    clock.advance(0);
    await server.reached('InFlightRequestsDrained');
    assert.deepEqual(eventsIn(log).filter((e) => e.auditID === created.headers['audit-id']).map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
    clock.advance(0);
    assert.equal((await server.done).state, 'Stopped');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start with an invalid policy, in one line', async () => {
    const { dir, policy, log } = setup();
    writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n');
    const failure = await startServer({ securePort: 0, quiet: true, dataDir: join(dir, 'data'), auditPolicyFile: policy, auditLogPath: log }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(failure instanceof StartupError);
    assert.deepEqual(failure.outcome.optionErrors, [`--audit-policy-file: ${policy}: rules[0].level: Unsupported value: "Loud": supported values: "None", "Metadata", "Request", "RequestResponse"`]);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('audit annotations from admission', () => {
  it("records PodSecurity's, a ValidatingAdmissionPolicy's and a validating webhook's annotations in the request's event", async () => {
    const { dir, policy, log } = setup();
    const { ca, webhook } = await loopbackWebhook({
      handler: (body) => admissionAnswer(body, { allowed: true, auditAnnotations: { checked: 'yes' } }),
    });
    const server = await startServer({ securePort: 0, quiet: true, dataDir: join(dir, 'data'), auditPolicyFile: policy, auditLogPath: log });
    try {
      const labels = { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/audit': 'restricted', audited: 'yes' };
      assert.equal((await server.client.request('POST', '/api/v1/namespaces', { metadata: { name: 'annotated', labels } })).status, 201);
      const vap = { metadata: { name: 'sizes.example.com' }, spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
        validations: [{ expression: 'object.spec.containers.size() > 5', message: 'few containers' }],
        auditAnnotations: [{ key: 'containers', valueExpression: 'string(object.spec.containers.size())' }],
      } };
      assert.equal((await server.client.request('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', vap)).status, 201);
      const binding = { metadata: { name: 'sizes-audit' }, spec: { policyName: 'sizes.example.com', validationActions: ['Audit'], matchResources: { namespaceSelector: { matchLabels: { audited: 'yes' } } } } };
      assert.equal((await server.client.request('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', binding)).status, 201);
      const hooks = { metadata: { name: 'audit-check' }, webhooks: [{
        name: 'check.audit.example.com', clientConfig: { url: webhook.url('/check'), caBundle: Buffer.from(ca.certPem).toString('base64') },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        namespaceSelector: { matchLabels: { audited: 'yes' } }, sideEffects: 'None', admissionReviewVersions: ['v1'],
      }] };
      assert.equal((await server.client.request('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', hooks)).status, 201);
      const pod = (name: string) => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      // The policy and the webhook are in force once a create reaches the webhook.
      let created: Awaited<ReturnType<typeof server.client.request>> | undefined;
      for (let i = 0; i < 50 && !webhook.seen.some((s) => JSON.stringify(s.body).includes('"p-')); i++) {
        created = await server.client.request('POST', '/api/v1/namespaces/annotated/pods', pod(`p-${i}`));
        assert.equal(created.status, 201, created.body);
      }
      assert.ok(created, 'a pod was created');
      await server.stop();
      const done = eventsIn(log).find((e) => e.auditID === created!.headers['audit-id'] && e.stage === 'ResponseComplete')!;
      assert.ok(done, 'the create was audited');
      const annotations = done.annotations as Record<string, string>;
      assert.equal(annotations['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
      assert.match(annotations['pod-security.kubernetes.io/audit-violations'] ?? '', /would violate PodSecurity "restricted:latest"/);
      assert.equal(annotations['sizes.example.com/containers'], '1');
      assert.match(annotations['validation.policy.admission.k8s.io/validation_failure'] ?? '', /few containers/);
      assert.equal(annotations['check.audit.example.com/checked'], 'yes');
    } finally {
      await webhook.close();
    }
  });
});
