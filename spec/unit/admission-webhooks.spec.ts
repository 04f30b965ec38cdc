// The webhook admission plugins, driven directly: which webhooks a request
// calls (rules, scope, selectors, matchPolicy), what a webhook's answer
// means (kube's checks and texts), dry runs against sideEffects, and the
// audit annotations kube records, against a real loopback webhook.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import type { Status } from '../../protocol/kube/status.js';
import { compileHooks, type Hook } from '../../actors/admission/webhook/source.js';
import { ruleMatches, shouldCall, type Equivalents } from '../../actors/admission/webhook/matching.js';
import { callHook, rejectionStatus, verifyAnswer } from '../../actors/admission/webhook/call.js';
import { loadCel } from '../../actors/admission/webhook/cel.js';
import { MUTATING_ADMISSION_WEBHOOK } from '../../actors/admission/webhook/mutating.js';
import { VALIDATING_ADMISSION_WEBHOOK } from '../../actors/admission/webhook/validating.js';
import { systemClock } from '../../lib/clock.js';
import { silentLog } from '../../lib/log.js';
import { admissionAnswer, loopbackWebhookSuite } from '../support/webhook-server.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function attributes(overrides: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    operation: 'CREATE',
    resource: { group: '', version: 'v1', resource: 'pods' },
    subresource: '',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    namespace: 'team',
    name: 'web',
    userInfo: { username: 'alice', groups: ['system:authenticated'] },
    dryRun: false,
    ...overrides,
  };
}

function hookFrom(webhook: Record<string, unknown>, mutating = false): Hook {
  const config = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'cfg' }, webhooks: [{ name: 'h.example.com', sideEffects: 'None', admissionReviewVersions: ['v1'], clientConfig: { url: 'https://127.0.0.1:1/' }, ...webhook }] };
  return compileHooks([config as KubeObject], mutating)[0]!;
}

const rule = (r: Record<string, unknown>): Hook['rules'][number] => hookFrom({ rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], ...r }] }).rules[0]!;
const noEquivalents: Equivalents = () => [];
const pod = (labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team', labels } });

describe('which webhooks a request calls', () => {
  it('matches rules by operation, group, version, resource and subresource, with kube\'s wildcards', () => {
    assert.equal(ruleMatches(rule({ operations: ['UPDATE'] }), attributes()), false);
    assert.equal(ruleMatches(rule({ resources: ['pods'] }), attributes()), true);
    assert.equal(ruleMatches(rule({ resources: ['pods'] }), attributes({ subresource: 'status' })), false);
    assert.equal(ruleMatches(rule({ resources: ['pods/status'] }), attributes({ subresource: 'status' })), true);
    assert.equal(ruleMatches(rule({ resources: ['*/status'] }), attributes({ subresource: 'status' })), true);
    assert.equal(ruleMatches(rule({ resources: ['*'] }), attributes({ subresource: 'status' })), false);
    assert.equal(ruleMatches(rule({ resources: ['*/*'] }), attributes({ subresource: 'status' })), true);
    assert.equal(ruleMatches(rule({ apiGroups: ['apps'] }), attributes()), false);
  });

  it('keeps to a rule\'s scope; a Namespace is cluster-scoped', () => {
    const namespaced = rule({ scope: 'Namespaced' });
    const cluster = rule({ scope: 'Cluster' });
    assert.equal(ruleMatches(namespaced, attributes()), true);
    assert.equal(ruleMatches(cluster, attributes()), false);
    const ns = attributes({ resource: { group: '', version: 'v1', resource: 'namespaces' }, namespace: 'team', kind: { group: '', version: 'v1', kind: 'Namespace' } });
    assert.equal(ruleMatches(namespaced, ns), false);
    assert.equal(ruleMatches(cluster, ns), true);
  });

  it('with matchPolicy Equivalent, matches another version of the resource and calls the webhook with it', () => {
    const equivalents: Equivalents = () => [{ resource: { group: '', version: 'v2', resource: 'pods' }, kind: { group: '', version: 'v2', kind: 'Pod' } }];
    const rules = [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v2'], resources: ['pods'] }];
    const equivalent = shouldCall(hookFrom({ rules }), attributes(), pod(), undefined, () => undefined, equivalents);
    assert.deepEqual(equivalent && 'resource' in equivalent ? equivalent.resource : undefined, { group: '', version: 'v2', resource: 'pods' });
    assert.equal(shouldCall(hookFrom({ rules, matchPolicy: 'Exact' }), attributes(), pod(), undefined, () => undefined, equivalents), undefined);
  });

  it('selects by the namespace\'s labels and the object\'s (or the old object\'s) labels', () => {
    const rules = [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }];
    const team: KubeObject = { metadata: { name: 'team', labels: { env: 'prod' } } };
    const byNamespace = hookFrom({ rules, namespaceSelector: { matchLabels: { env: 'prod' } } });
    assert.ok(shouldCall(byNamespace, attributes(), pod(), undefined, () => team, noEquivalents));
    assert.equal(shouldCall(byNamespace, attributes(), pod(), undefined, () => ({ metadata: { name: 'team' } }), noEquivalents), undefined);
    const missing = shouldCall(byNamespace, attributes(), pod(), undefined, () => undefined, noEquivalents) as Status;
    assert.equal(missing.message, 'namespaces "team" not found');

    const byObject = hookFrom({ rules, objectSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] } });
    assert.equal(shouldCall(byObject, attributes(), pod(), undefined, () => team, noEquivalents), undefined);
    assert.ok(shouldCall(byObject, attributes({ operation: 'UPDATE' }), pod(), pod({ tier: 'web' }), () => team, noEquivalents));
  });

  it('evaluates matchConditions after the rules: false skips, an error refuses under Fail', async () => {
    await loadCel();
    const rules = [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }];
    const skip = hookFrom({ rules, matchConditions: [{ name: 'only-admin', expression: "request.userInfo.username == 'admin'" }] });
    assert.equal(shouldCall(skip, attributes(), pod(), undefined, () => undefined, noEquivalents), undefined);
    const broken = hookFrom({ rules, matchConditions: [{ name: 'missing', expression: 'object.spec.nothing == 1' }] });
    const refused = shouldCall(broken, attributes(), pod(), undefined, () => undefined, noEquivalents) as Status;
    assert.equal(refused.code, 403);
    assert.match(refused.message ?? '', /^pods "web" is forbidden: expression 'object.spec.nothing == 1' resulted in error: /);
    const ignored = hookFrom({ rules, failurePolicy: 'Ignore', matchConditions: [{ name: 'missing', expression: 'object.spec.nothing == 1' }] });
    assert.equal(shouldCall(ignored, attributes(), pod(), undefined, () => undefined, noEquivalents), undefined);
  });
});

describe('what a webhook\'s answer means', () => {
  const uid = '00000000-0000-0000-0000-000000000001';
  const review = (response: Record<string, unknown>, top: Record<string, unknown> = {}): unknown => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, ...response }, ...top });

  it('checks the answer as kube does', () => {
    const failed = (outcome: ReturnType<typeof verifyAnswer>): string => (outcome.kind === 'callFailed' ? outcome.message : `not a failed call: ${outcome.kind}`);
    assert.equal(failed(verifyAnswer('w', 'v1', uid, false, { response: {} })), `failed calling webhook "w": failed to call webhook: Object 'Kind' is missing in '{"response":{}}'`);
    assert.equal(failed(verifyAnswer('w', 'v1', uid, false, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' })), 'failed calling webhook "w": received invalid webhook response: webhook response was absent');
    assert.equal(failed(verifyAnswer('w', 'v1', 'other', false, review({ allowed: true }))), `failed calling webhook "w": received invalid webhook response: expected response.uid="other", got "${uid}"`);
    assert.equal(failed(verifyAnswer('w', 'v1', uid, false, review({ allowed: true, patch: 'W10=', patchType: 'JSONPatch' }))), 'failed calling webhook "w": received invalid webhook response: validating webhook may not return response.patch');
    assert.equal(failed(verifyAnswer('w', 'v1', uid, true, review({ allowed: true, patch: 'W10=' }))), 'failed calling webhook "w": received invalid webhook response: webhook returned response.patch but not response.patchType');
    assert.equal(failed(verifyAnswer('w', 'v1', uid, false, review({ allowed: true }, { apiVersion: 'admission.k8s.io/v1beta1' }))), 'failed calling webhook "w": received invalid webhook response: expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got admission.k8s.io/v1beta1, Kind=AdmissionReview');
  });

  it('words a refusal as kube does, at least 400', () => {
    assert.deepEqual([rejectionStatus('w', undefined).message, rejectionStatus('w', undefined).code], ['admission webhook "w" denied the request without explanation', 400]);
    assert.equal(rejectionStatus('w', { reason: 'NoWay', code: 200 }).message, 'admission webhook "w" denied the request: NoWay');
    assert.equal(rejectionStatus('w', { message: 'no', code: 422 }).code, 422);
  });

  it('decodes a JSONPatch and keeps the webhook\'s warnings and audit annotations under its name', () => {
    const outcome = verifyAnswer('w.example.com', 'v1', uid, true, review({ allowed: true, patchType: 'JSONPatch', patch: b64('[{"op":"add","path":"/a","value":1}]'), warnings: ['careful'], auditAnnotations: { seen: 'yes' } }));
    assert.deepEqual(outcome, { kind: 'allowed', warnings: ['careful'], auditAnnotations: { 'w.example.com/seen': 'yes' }, patch: [{ op: 'add', path: '/a', value: 1 }] });
  });
});

describe('webhook plugins against a loopback webhook', () => {
  const suite = loopbackWebhookSuite();

  const configuration = (kind: string, webhooks: Record<string, unknown>[]): KubeObject => ({
    apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name: 'cfg' },
    webhooks: webhooks.map((w) => ({ sideEffects: 'None', admissionReviewVersions: ['v1'], rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }], clientConfig: { url: suite.webhook.url('/'), caBundle: b64(suite.ca.certPem) }, ...w })),
  });
  const context = { config: undefined, clock: systemClock, logger: silentLog(), authorize: () => Promise.resolve(false), resourceFor: () => undefined, watch: () => undefined };

  it('refuses a dry run to a webhook with side effects, and calls one with NoneOnDryRun', async () => {
    const deps = { client: suite.client, endpoints: { service: () => undefined, endpoints: () => undefined, endpointSlices: () => [] }, now: () => Date.now() };
    const someHook = hookFrom({ sideEffects: 'Some', clientConfig: { url: suite.webhook.url('/'), caBundle: b64(suite.ca.certPem) } });
    const invocation = (h: Hook): Parameters<typeof callHook>[1] => ({ hook: h, resource: attributes().resource, kind: attributes().kind, subresource: '' });
    const refused = await callHook(deps, invocation(someHook), attributes({ dryRun: true }), pod(), undefined, false);
    assert.deepEqual(refused.kind === 'error' ? [refused.status.code, refused.status.message] : refused, [400, 'admission webhook "h.example.com" does not support dry run']);
    suite.webhook.handle((body) => admissionAnswer(body, { allowed: true }));
    const calls = suite.webhook.seen.length;
    const called = await callHook(deps, invocation({ ...someHook, sideEffects: 'NoneOnDryRun' }), attributes({ dryRun: true }), pod(), undefined, false);
    assert.equal(called.kind, 'allowed');
    assert.equal(suite.webhook.seen.length, calls + 1);
    assert.equal((suite.webhook.seen.at(-1)!.body as { request: { dryRun: boolean } }).request.dryRun, true);
  });

  it('fails the call, under the webhook\'s failurePolicy, when its caBundle holds no certificate', async () => {
    const deps = { client: suite.client, endpoints: { service: () => undefined, endpoints: () => undefined, endpointSlices: () => [] }, now: () => Date.now() };
    const garbled = hookFrom({ clientConfig: { url: suite.webhook.url('/'), caBundle: b64('not a certificate') } });
    const outcome = await callHook(deps, { hook: garbled, resource: attributes().resource, kind: attributes().kind, subresource: '' }, attributes(), pod(), undefined, false);
    assert.deepEqual(outcome.kind === 'callFailed' ? outcome.message : outcome, 'failed calling webhook "h.example.com": could not get REST client: unable to load root certificates: unable to parse bytes as PEM block');
  });

  it('records kube\'s audit annotations: the mutation of each call, and a webhook that failed open', async () => {
    const plugin = MUTATING_ADMISSION_WEBHOOK.create(context);
    plugin.observe!({ group: 'admissionregistration.k8s.io', plural: 'mutatingwebhookconfigurations' }, {
      type: 'SYNC',
      objects: [configuration('MutatingWebhookConfiguration', [
        { name: 'label.example.com' },
        { name: 'down.example.com', failurePolicy: 'Ignore', clientConfig: { url: 'https://127.0.0.1:1/' } },
      ])],
    });
    suite.webhook.handle((body) => admissionAnswer(body, { allowed: true, patchType: 'JSONPatch', patch: b64('[{"op":"add","path":"/metadata/labels/added","value":"yes"}]') }));
    const object = pod();
    const verdict = await plugin.mutate!(attributes(), object, undefined);
    assert.equal(verdict.allowed, true);
    assert.equal(object.metadata.labels?.added, 'yes');
    assert.deepEqual(verdict.allowed && verdict.auditAnnotations, {
      'mutation.webhook.admission.k8s.io/round_0_index_0': '{"configuration":"cfg","webhook":"label.example.com","mutated":true}',
      'mutation.webhook.admission.k8s.io/round_0_index_1': '{"configuration":"cfg","webhook":"down.example.com","mutated":false}',
      'failed-open.mutation.webhook.admission.k8s.io/round_0_index_1': 'down.example.com',
    });
  });

  it('refuses with the first refusal of the validating webhooks, with every warning', async () => {
    const plugin = VALIDATING_ADMISSION_WEBHOOK.create(context);
    plugin.observe!({ group: 'admissionregistration.k8s.io', plural: 'validatingwebhookconfigurations' }, {
      type: 'SYNC',
      objects: [configuration('ValidatingWebhookConfiguration', [{ name: 'a.example.com', clientConfig: { url: suite.webhook.url('/a'), caBundle: b64(suite.ca.certPem) } }, { name: 'b.example.com', clientConfig: { url: suite.webhook.url('/b'), caBundle: b64(suite.ca.certPem) } }])],
    });
    suite.webhook.handle((body, request) => (request.url?.startsWith('/a')
      ? admissionAnswer(body, { allowed: true, warnings: ['from a'] })
      : admissionAnswer(body, { allowed: false, warnings: ['from b'], status: { message: 'b says no' } })));
    const verdict = await plugin.validate!(attributes(), pod(), undefined);
    assert.equal(verdict.allowed, false);
    assert.equal(!verdict.allowed && verdict.status.message, 'admission webhook "b.example.com" denied the request: b says no');
    assert.deepEqual([...(verdict.warnings ?? [])].sort(), ['from a', 'from b']);
  });

  it('never sends a webhook configuration to a webhook, and checks its matchConditions compile', async () => {
    const plugin = VALIDATING_ADMISSION_WEBHOOK.create(context);
    plugin.observe!({ group: 'admissionregistration.k8s.io', plural: 'validatingwebhookconfigurations' }, { type: 'SYNC', objects: [configuration('ValidatingWebhookConfiguration', [{ name: 'all.example.com' }])] });
    const kind = { group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingWebhookConfiguration' };
    const own = (operation: 'CREATE' | 'DELETE'): AdmissionAttributes => attributes({ operation, resource: { group: kind.group, version: 'v1', resource: 'validatingwebhookconfigurations' }, kind, namespace: '', name: 'cfg' });
    assert.equal(plugin.wantsObject!(own('DELETE')), false);
    assert.equal(plugin.wantsObject!(attributes()), true);
    const calls = suite.webhook.seen.length;
    const written = configuration('ValidatingWebhookConfiguration', [{ name: 'cel.example.com', matchConditions: [{ name: 'bad', expression: "'not a bool'" }] }]);
    const verdict = await plugin.validate!(own('CREATE'), written, undefined);
    assert.equal(suite.webhook.seen.length, calls);
    assert.equal(!verdict.allowed && verdict.status.code, 422);
    assert.deepEqual(!verdict.allowed && verdict.status.details?.causes?.map((c) => c.field), ['webhooks[0].matchConditions[0].expression']);
  });

});
