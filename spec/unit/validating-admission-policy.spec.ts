// The ValidatingAdmissionPolicy plugin against its interface: which requests a
// policy and its bindings take in, params, validation actions, audit
// annotations and failurePolicy, with the stores it watches fed by hand.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import type { AdmissionPlugin, PluginVerdict, WatchedResource } from '../../actors/admission/plugin.js';
import { VALIDATING_ADMISSION_POLICY } from '../../actors/admission/validating-admission-policy.js';
import { systemClock } from '../../lib/clock.js';
import { ruleMatches } from '../../actors/admission/validating-admission-policy/matching.js';

const GROUP = 'admissionregistration.k8s.io';
const obj = (kind: string, name: string, { metadata, ...rest }: Record<string, unknown> = {}, namespace?: string): KubeObject =>
  ({ kind, metadata: { name, resourceVersion: '1', ...(namespace ? { namespace } : {}), ...(metadata as object) }, ...rest }) as KubeObject;

function plugin(objects: { policies: KubeObject[]; bindings: KubeObject[]; namespaces?: KubeObject[]; configmaps?: KubeObject[] }): { plugin: AdmissionPlugin; watched: WatchedResource[] } {
  const watched: WatchedResource[] = [];
  // As the admission actor does: a store the plugin starts watching sends its snapshot.
  const stores: Record<string, KubeObject[]> = { configmaps: objects.configmaps ?? [], roles: [], clusterroles: [], rolebindings: [], clusterrolebindings: [] };
  const p: AdmissionPlugin = VALIDATING_ADMISSION_POLICY.create({
    config: undefined,
    authorize: () => Promise.resolve(false),
    resourceFor: () => undefined,
    clock: systemClock,
    logger: undefined as never,
    watch: (r) => {
      watched.push(r);
      queueMicrotask(() => p.observe?.(r, { type: 'SYNC', objects: stores[r.plural] ?? [] }));
    },
  });
  p.observe?.({ group: '', plural: 'namespaces' }, { type: 'SYNC', objects: objects.namespaces ?? [] });
  p.observe?.({ group: GROUP, plural: 'validatingadmissionpolicybindings' }, { type: 'SYNC', objects: objects.bindings });
  p.observe?.({ group: GROUP, plural: 'validatingadmissionpolicies' }, { type: 'SYNC', objects: objects.policies });
  return { plugin: p, watched };
}

const attributes = (over: Partial<AdmissionAttributes> = {}): AdmissionAttributes => ({
  operation: 'CREATE',
  resource: { group: '', version: 'v1', resource: 'configmaps' },
  subresource: '',
  kind: { group: '', version: 'v1', kind: 'ConfigMap' },
  namespace: 'default',
  name: 'c',
  userInfo: { username: 'jane', groups: [] },
  dryRun: false,
  ...over,
});

const configMapRules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }];
const policy = (name: string, spec: Record<string, unknown>) => obj('ValidatingAdmissionPolicy', name, { spec: { matchConstraints: { resourceRules: configMapRules }, ...spec } });
const binding = (name: string, spec: Record<string, unknown>) => obj('ValidatingAdmissionPolicyBinding', name, { spec });

async function verdictOf(p: AdmissionPlugin, object: KubeObject | undefined, a = attributes()): Promise<PluginVerdict> {
  return await p.validate!(a, object, undefined);
}

describe('ValidatingAdmissionPolicy: matching', () => {
  it('rules match operations, groups, versions, resources and subresources, and scope', () => {
    const a = attributes();
    assert.equal(ruleMatches({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }, a, false), true);
    assert.equal(ruleMatches({ operations: ['UPDATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }, a, false), false);
    assert.equal(ruleMatches({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }, attributes({ subresource: 'status' }), false), false);
    assert.equal(ruleMatches({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['configmaps/*'] }, attributes({ subresource: 'status' }), false), true);
    assert.equal(ruleMatches({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] }, attributes({ subresource: 'status' }), false), true);
    assert.equal(ruleMatches({ operations: ['*'], apiGroups: ['*'], apiVersions: ['v2'], resources: ['*'] }, a, false), false, 'Exact: the version must match');
    assert.equal(ruleMatches({ operations: ['*'], apiGroups: ['*'], apiVersions: ['v2'], resources: ['*'] }, a, true), true, 'Equivalent: any version');
    assert.equal(ruleMatches({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], scope: 'Cluster' }, a, false), false);
    assert.equal(ruleMatches({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], resourceNames: ['other'] }, a, false), false);
  });

  it('a server with no policy asks for no object (the write stays on the fast path)', () => {
    const { plugin: p } = plugin({ policies: [], bindings: [] });
    assert.equal(p.wantsObject!(attributes()), false);
  });

  it('policies, bindings and webhook configurations are never matched', async () => {
    const { plugin: p } = plugin({
      policies: [policy('all', { matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] }] }, validations: [{ expression: 'false' }] })],
      bindings: [binding('all', { policyName: 'all', validationActions: ['Deny'] })],
    });
    for (const resource of ['validatingadmissionpolicybindings', 'validatingwebhookconfigurations']) {
      const a = attributes({ resource: { group: GROUP, version: 'v1', resource }, namespace: '' });
      assert.equal(p.wantsObject!(a), false, resource);
    }
    const policyWrite = attributes({ resource: { group: GROUP, version: 'v1', resource: 'validatingadmissionpolicies' }, namespace: '' });
    assert.deepEqual(await verdictOf(p, policy('fine', { validations: [{ expression: 'true' }] }), policyWrite), { allowed: true }, 'a policy write is only checked to compile');
  });

  it('excludeResourceRules, objectSelector and namespaceSelector narrow a policy', async () => {
    const { plugin: p } = plugin({
      policies: [policy('p', { matchConstraints: { resourceRules: configMapRules, excludeResourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['*'], resources: ['configmaps'], resourceNames: ['spared'] }], objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] }, namespaceSelector: { matchLabels: { env: 'prod' } } }, validations: [{ expression: 'false', message: 'no' }] })],
      bindings: [binding('b', { policyName: 'p', validationActions: ['Deny'] })],
      namespaces: [obj('Namespace', 'prod', { metadata: { labels: { env: 'prod' } } }), obj('Namespace', 'dev')],
    });
    const inProd = attributes({ namespace: 'prod' });
    assert.equal((await verdictOf(p, obj('ConfigMap', 'c', {}, 'prod'), inProd)).allowed, false);
    assert.equal((await verdictOf(p, obj('ConfigMap', 'c', {}, 'dev'), attributes({ namespace: 'dev' }))).allowed, true);
    assert.equal((await verdictOf(p, obj('ConfigMap', 'c', { metadata: { labels: { skip: 'y' } } }, 'prod'), inProd)).allowed, true);
    assert.equal((await verdictOf(p, obj('ConfigMap', 'spared', {}, 'prod'), attributes({ namespace: 'prod', name: 'spared' }))).allowed, true);
  });
});

describe('ValidatingAdmissionPolicy: decisions', () => {
  it('Deny refuses with kube\'s message and 422; the first denial wins', async () => {
    const { plugin: p } = plugin({
      policies: [policy('p', { validations: [{ expression: 'object.data.size() > 0' }, { expression: 'false', message: 'second' }] })],
      bindings: [binding('b', { policyName: 'p', validationActions: ['Deny'] })],
    });
    const v = await verdictOf(p, obj('ConfigMap', 'empty', { data: {} }, 'default'));
    assert.equal(v.allowed, false);
    if (v.allowed) return;
    assert.equal(v.status.code, 422);
    assert.equal(v.status.reason, 'Invalid');
    assert.equal(v.status.message, "configmaps \"empty\" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: failed expression: object.data.size() > 0");
    assert.equal(v.status.details?.causes?.length, 1);
  });

  it('Warn and Audit let the request through with a warning and the validation_failure annotation', async () => {
    const { plugin: p } = plugin({
      policies: [policy('p', { validations: [{ expression: 'false', message: 'looks wrong' }], auditAnnotations: [{ key: 'seen', valueExpression: '"name=" + object.metadata.name' }] })],
      bindings: [binding('b', { policyName: 'p', validationActions: ['Warn', 'Audit'] })],
    });
    assert.deepEqual(await verdictOf(p, obj('ConfigMap', 'c', {}, 'default')), {
      allowed: true,
      warnings: ["Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': looks wrong"],
      auditAnnotations: {
        'validation.policy.admission.k8s.io/validation_failure': JSON.stringify([{ message: 'looks wrong', policy: 'p', binding: 'b', expressionIndex: 0, validationActions: ['Warn', 'Audit'] }]),
        'p/seen': 'name=c',
      },
    });
  });

  it('a selector paramRef runs the policy once per param; none found is allowed or denied as the binding says', async () => {
    const limit = (name: string, max: string) => obj('ConfigMap', name, { metadata: { labels: { kind: 'limit' } }, data: { max } }, 'default');
    const spec = { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'size(object.data) <= int(params.data.max)', messageExpression: '"at most " + params.data.max' }] };
    const { plugin: p, watched } = plugin({
      policies: [policy('p', spec)],
      bindings: [binding('b', { policyName: 'p', validationActions: ['Warn'], paramRef: { selector: { matchLabels: { kind: 'limit' } }, parameterNotFoundAction: 'Allow' } })],
      configmaps: [limit('one', '1'), limit('two', '2')],
    });
    const v = await verdictOf(p, obj('ConfigMap', 'c', { data: { a: '1', b: '2' } }, 'default'));
    assert.deepEqual(watched, [{ group: '', plural: 'configmaps' }], 'the paramKind\'s store is watched');
    assert.deepEqual(v.warnings, ["Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': at most 1"]);

    const none = plugin({ policies: [policy('p', spec)], bindings: [binding('b', { policyName: 'p', validationActions: ['Deny'], paramRef: { name: 'missing', parameterNotFoundAction: 'Allow' } })] });
    assert.deepEqual(await verdictOf(none.plugin, obj('ConfigMap', 'c', {}, 'default')), { allowed: true });
  });

  it('failurePolicy Ignore passes over configuration and evaluation errors; Fail refuses', async () => {
    const spec = (failurePolicy: string) => ({ failurePolicy, paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'true' }] });
    const b = binding('b', { policyName: 'p', validationActions: ['Deny'], paramRef: { name: 'missing', parameterNotFoundAction: 'Deny' } });
    const ignoring = plugin({ policies: [policy('p', spec('Ignore'))], bindings: [b] });
    assert.equal((await verdictOf(ignoring.plugin, obj('ConfigMap', 'c', {}, 'default'))).allowed, true);
    const failing = plugin({ policies: [policy('p', spec('Fail'))], bindings: [b] });
    const v = await verdictOf(failing.plugin, obj('ConfigMap', 'c', {}, 'default'));
    assert.equal(v.allowed, false);
  });

  it('a matchCondition that is false leaves the policy out', async () => {
    const { plugin: p } = plugin({
      policies: [policy('p', { matchConditions: [{ name: 'only-big', expression: 'size(object.data) > 2' }], validations: [{ expression: 'false' }] })],
      bindings: [binding('b', { policyName: 'p', validationActions: ['Deny'] })],
    });
    assert.equal((await verdictOf(p, obj('ConfigMap', 'c', { data: { a: '1' } }, 'default'))).allowed, true);
    assert.equal((await verdictOf(p, obj('ConfigMap', 'c', { data: { a: '1', b: '2', c: '3' } }, 'default'))).allowed, false);
  });
});
