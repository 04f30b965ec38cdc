// MutatingAdmissionPolicy (admissionregistration.k8s.io/v1alpha1), served as
// kube 1.33 serves it: only with --feature-gates=MutatingAdmissionPolicy=true
// and --runtime-config=admissionregistration.k8s.io/v1alpha1=true. A policy
// with its binding changes objects through an ApplyConfiguration (merged as
// server-side apply merges) or a JSONPatch, reads its params, follows
// matchConditions, and fails or ignores an erroring expression by its
// failurePolicy.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { call, credentialsOf, type Credentials, type Response } from '../support/http.js';
import { settle } from '../../harness/client.js';
import { exitOf } from '../support/process.js';

const V1ALPHA1 = '/apis/admissionregistration.k8s.io/v1alpha1';
const POLICY_PATH = `${V1ALPHA1}/mutatingadmissionpolicies`;
const BINDING_PATH = `${V1ALPHA1}/mutatingadmissionpolicybindings`;
const GATE_ON = { featureGates: ['MutatingAdmissionPolicy=true'], runtimeConfig: ['admissionregistration.k8s.io/v1alpha1=true'] };

const configMapRules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }];

const policy = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'admissionregistration.k8s.io/v1alpha1',
  kind: 'MutatingAdmissionPolicy',
  metadata: { name },
  spec: { matchConstraints: { resourceRules: configMapRules }, reinvocationPolicy: 'Never', ...spec },
});

/** A binding that takes only the namespace named like the policy. */
const binding = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'admissionregistration.k8s.io/v1alpha1',
  kind: 'MutatingAdmissionPolicyBinding',
  metadata: { name },
  spec: { policyName: name, matchResources: { namespaceSelector: { matchLabels: { 'map-test': name } } }, ...extra },
});

const configMap = (name: string, data: Record<string, string> = { a: '1' }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('MutatingAdmissionPolicy, with its feature gate and group version on', () => {
  let server: TestServer;
  let k: Kubectl;
  let creds: Credentials;

  const create = (path: string, body: unknown) => call(creds, 'POST', path, { body: JSON.stringify(body) });
  const configMaps = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;
  /** Creates a namespace labelled for one policy, the policy and its binding, and waits until a dry run shows `inForce`. */
  async function install(name: string, spec: Record<string, unknown>, inForce: (r: Response) => boolean, bindingExtra: Record<string, unknown> = {}): Promise<void> {
    await k.ok(['create', 'ns', name]);
    await k.ok(['label', 'ns', name, `map-test=${name}`]);
    const p = await create(POLICY_PATH, policy(name, spec));
    assert.equal(p.status, 201, p.body);
    const b = await create(BINDING_PATH, binding(name, bindingExtra));
    assert.equal(b.status, 201, b.body);
    await settle(async () => inForce(await create(`${configMaps(name)}?dryRun=All`, configMap('probe'))), `policy ${name} in force`);
  }

  before(async () => {
    server = await startTestServer(GATE_ON);
    k = kubectl('1.33', server.kubeconfigPath);
    creds = credentialsOf(server.kubeconfigPath);
  });
  after(async () => {
    await server.dispose();
  });

  it('serves both kinds in discovery at v1alpha1', async () => {
    const r = await call(creds, 'GET', V1ALPHA1);
    assert.equal(r.status, 200, r.body);
    const names = (r.json().resources as { name: string; kind: string }[]).map((x) => `${x.name}:${x.kind}`);
    assert.deepEqual(names.sort(), ['mutatingadmissionpolicies:MutatingAdmissionPolicy', 'mutatingadmissionpolicybindings:MutatingAdmissionPolicyBinding']);
  });

  it('an ApplyConfiguration sets a label; kubectl 1.33 applies the policy and sees the label on what it creates', async () => {
    await k.ok(['create', 'ns', 'map-apply']);
    await k.ok(['label', 'ns', 'map-apply', 'map-test=map-apply']);
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify(policy('map-apply', {
        mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{metadata: Object.metadata{labels: {"mutated": "yes"}}}' } }],
      })),
    });
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify(binding('map-apply')) });
    await settle(async () => (await create(`${configMaps('map-apply')}?dryRun=All`, configMap('probe'))).json().metadata?.labels?.mutated === 'yes', 'the policy in force');
    await k.ok(['create', 'configmap', 'by-kubectl', '-n', 'map-apply', '--from-literal=x=y']);
    const label = await k.ok(['get', 'configmap', 'by-kubectl', '-n', 'map-apply', '-o', 'jsonpath={.metadata.labels.mutated}']);
    assert.equal(label.trim(), 'yes');
    // Elsewhere the binding does not reach.
    const elsewhere = await create(configMaps('default'), configMap('untouched'));
    assert.equal(elsewhere.status, 201, elsewhere.body);
    assert.equal(elsewhere.json().metadata.labels, undefined);
  });

  it('an ApplyConfiguration merges into granular maps and keeps what it does not name', async () => {
    await install('map-merge', {
      mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{data: {"added": "by-policy"}, metadata: Object.metadata{labels: {"team": "a"}}}' } }],
    }, (r) => r.json().data?.added === 'by-policy');
    const r = await create(configMaps('map-merge'), { ...configMap('kept', { own: 'value' }), metadata: { name: 'kept', labels: { mine: 'x' } } });
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(r.json().data, { own: 'value', added: 'by-policy' });
    assert.deepEqual(r.json().metadata.labels, { mine: 'x', team: 'a' });
  });

  it('a JSONPatch adds a key, and a failed test operation leaves the object as it was', async () => {
    await install('map-jsonpatch', {
      mutations: [
        { patchType: 'JSONPatch', jsonPatch: { expression: '[JSONPatch{op: "add", path: "/data/patched", value: "yes"}]' } },
        { patchType: 'JSONPatch', jsonPatch: { expression: '[JSONPatch{op: "test", path: "/data/a", value: "never"}, JSONPatch{op: "add", path: "/data/tested", value: "no"}]' } },
      ],
    }, (r) => r.json().data?.patched === 'yes');
    const r = await create(configMaps('map-jsonpatch'), configMap('patched'));
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(r.json().data, { a: '1', patched: 'yes' });
  });

  it('a param-driven policy reads its ConfigMap param through the binding\'s paramRef', async () => {
    // The params live in a namespace the binding does not take, so the param itself is not mutated.
    await k.ok(['create', 'ns', 'map-params-config']);
    await k.ok(['create', 'configmap', 'team-defaults', '-n', 'map-params-config', '--from-literal=team=blue']);
    await install('map-param', {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      variables: [{ name: 'team', expression: 'params.data.team' }],
      mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{metadata: Object.metadata{annotations: {"team": variables.team}}}' } }],
    }, (r) => r.json().metadata?.annotations?.team === 'blue', { paramRef: { name: 'team-defaults', namespace: 'map-params-config', parameterNotFoundAction: 'Deny' } });
    const r = await create(configMaps('map-param'), configMap('with-team'));
    assert.equal(r.status, 201, r.body);
    assert.equal(r.json().metadata.annotations.team, 'blue');
  });

  it('an erroring expression refuses the object under failurePolicy Fail, as kube words it, and is ignored under Ignore', async () => {
    const failing = [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{metadata: Object.metadata{labels: {"n": string(1 / (size(object.data) - 1))}}}' } }];
    await install('map-fail', { failurePolicy: 'Fail', mutations: failing }, (r) => r.status === 403);
    const refused = await create(configMaps('map-fail'), configMap('refused'));
    assert.equal(refused.status, 403, refused.body);
    const status = refused.json();
    assert.equal(status.reason, 'Invalid');
    assert.match(status.message, /^policy 'map-fail' with binding 'map-fail' denied request: expression '.*' resulted in error: division by zero$/);
    assert.deepEqual(status.details.causes, [{ message: status.message }]);
    assert.equal(status.details.name, 'refused');

    await install('map-ignore', { failurePolicy: 'Ignore', mutations: failing }, (r) => r.status === 201);
    const admitted = await create(configMaps('map-ignore'), configMap('admitted'));
    assert.equal(admitted.status, 201, admitted.body);
    assert.equal(admitted.json().metadata.labels, undefined);
  });

  it('matchConditions choose the objects a policy mutates', async () => {
    await install('map-conditions', {
      matchConditions: [{ name: 'prefixed', expression: 'object.metadata.name.startsWith("mutate-")' }],
      mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression: 'Object{metadata: Object.metadata{labels: {"matched": "true"}}}' } }],
    }, () => true);
    await settle(async () => (await create(`${configMaps('map-conditions')}?dryRun=All`, configMap('mutate-probe'))).json().metadata?.labels?.matched === 'true', 'in force');
    const chosen = await create(configMaps('map-conditions'), configMap('mutate-me'));
    assert.equal(chosen.json().metadata.labels.matched, 'true');
    const other = await create(configMaps('map-conditions'), configMap('leave-me'));
    assert.equal(other.status, 201, other.body);
    assert.equal(other.json().metadata.labels, undefined);
  });

  it('reinvocation: an IfNeeded policy runs again after a later one changed the object; a Never policy does not', async () => {
    const sawB = 'has(object.metadata.labels) && "b" in object.metadata.labels ? Object{metadata: Object.metadata{labels: {"LABEL": "saw-b"}}} : Object{}';
    const setB = 'Object{metadata: Object.metadata{labels: {"b": "set"}}}';
    await k.ok(['create', 'ns', 'map-reinvoke']);
    await k.ok(['label', 'ns', 'map-reinvoke', 'map-test=map-reinvoke']);
    const policies: [string, string, string][] = [['map-reinvoke-a', sawB.replace('LABEL', 'if-needed'), 'IfNeeded'], ['map-reinvoke-b', sawB.replace('LABEL', 'never'), 'Never'], ['map-reinvoke-c', setB, 'Never']];
    for (const [name, expression, reinvocationPolicy] of policies) {
      const p = await create(POLICY_PATH, policy(name, { reinvocationPolicy, mutations: [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression } }] }));
      assert.equal(p.status, 201, p.body);
      const b = await create(BINDING_PATH, { ...binding(name), spec: { policyName: name, matchResources: { namespaceSelector: { matchLabels: { 'map-test': 'map-reinvoke' } } } } });
      assert.equal(b.status, 201, b.body);
    }
    await settle(async () => (await create(`${configMaps('map-reinvoke')}?dryRun=All`, configMap('probe'))).json().metadata?.labels?.['if-needed'] === 'saw-b', 'in force');
    const r = await create(configMaps('map-reinvoke'), configMap('reinvoked'));
    assert.deepEqual(r.json().metadata.labels, { b: 'set', 'if-needed': 'saw-b' });
  });

  it('sets a Deployment\'s replicas through its typed schema, and refuses to set an atomic list', async () => {
    await k.ok(['create', 'ns', 'map-typed']);
    const deploymentRules = [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }];
    const mutations = (expression: string) => [{ patchType: 'ApplyConfiguration', applyConfiguration: { expression } }];
    for (const [name, expression] of [
      ['map-replicas', 'Object{spec: Object.spec{replicas: 3}}'],
      ['map-atomic', 'object.metadata.name == "atomic" ? Object{spec: Object.spec{template: Object.spec.template{spec: Object.spec.template.spec{containers: [Object.spec.template.spec.containers{name: "web", image: "nginx", args: ["x"]}]}}}} : Object{}'],
    ] as const) {
      const p = await create(POLICY_PATH, { ...policy(name, { mutations: mutations(expression) }), spec: { matchConstraints: { resourceRules: deploymentRules }, mutations: mutations(expression) } });
      assert.equal(p.status, 201, p.body);
      const b = await create(BINDING_PATH, { ...binding(name), spec: { policyName: name } });
      assert.equal(b.status, 201, b.body);
    }
    const deployment = (name: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    });
    const path = '/apis/apps/v1/namespaces/map-typed/deployments';
    await settle(async () => (await create(`${path}?dryRun=All`, deployment('probe'))).json().spec?.replicas === 3, 'in force');
    const scaled = await create(path, deployment('scaled'));
    assert.equal(scaled.status, 201, scaled.body);
    assert.equal(scaled.json().spec.replicas, 3);
    assert.equal(scaled.json().spec.template.spec.containers[0].image, 'nginx');
    const atomic = await create(path, deployment('atomic'));
    assert.equal(atomic.status, 403, atomic.body);
    assert.match(atomic.json().message, /denied request: invalid ApplyConfiguration: may not mutate atomic arrays, maps or structs: \.spec\.template\.spec\.containers\[0\]\.args$/);
  });

  it('refuses a policy whose expression does not compile, and one without mutations (422)', async () => {
    const bad = await create(POLICY_PATH, policy('map-bad', { mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: '[JSONPatch{op: "add", path: }]' } }] }));
    assert.equal(bad.status, 422, bad.body);
    assert.equal(bad.json().details.causes[0].field, 'spec.mutations[0].jsonPatch.expression');
    const empty = await create(POLICY_PATH, policy('map-empty', {}));
    assert.equal(empty.status, 422, empty.body);
    assert.equal(empty.json().details.causes[0].field, 'spec.mutations');
  });
});

describe('MutatingAdmissionPolicy, off as kube has it by default', () => {
  it('is not served without the feature gate, even with its group version enabled, nor without the group version', async () => {
    for (const options of [{}, { runtimeConfig: GATE_ON.runtimeConfig }, { featureGates: GATE_ON.featureGates }]) {
      const server = await startTestServer(options);
      try {
        const creds = credentialsOf(server.kubeconfigPath);
        const r = await call(creds, 'GET', POLICY_PATH);
        assert.equal(r.status, 404, `${JSON.stringify(options)}: ${r.body}`);
        const group = await call(creds, 'GET', '/apis/admissionregistration.k8s.io');
        assert.deepEqual((group.json().versions as { version: string }[]).map((v) => v.version), ['v1'], JSON.stringify(options));
        const created = await call(creds, 'POST', POLICY_PATH, { body: JSON.stringify(policy('p', { mutations: [] })) });
        assert.equal(created.status, 404);
      } finally {
        await server.dispose();
      }
    }
  });

  it('an unknown feature gate or a value that is not a bool exits 2 with one line', async () => {
    for (const [flag, message] of [
      ['--feature-gates=NoSuchGate=true', 'Error: --feature-gates: unrecognized feature gate: NoSuchGate'],
      ['--feature-gates=MutatingAdmissionPolicy=maybe', 'Error: --feature-gates: invalid value of MutatingAdmissionPolicy=maybe, err: strconv.ParseBool: parsing "maybe": invalid syntax'],
    ] as const) {
      const result = await exitOf([flag, `--data-dir=${tempDir('feature-gates')}`, '--secure-port=0']);
      assert.equal(result.code, 2, flag);
      assert.deepEqual(result.errors, [message]);
    }
  });

  it('AllAlpha=true turns the gate on', async () => {
    const server = await startTestServer({ featureGates: ['AllAlpha=true'], runtimeConfig: GATE_ON.runtimeConfig });
    try {
      const r = await call(credentialsOf(server.kubeconfigPath), 'GET', POLICY_PATH);
      assert.equal(r.status, 200, r.body);
    } finally {
      await server.dispose();
    }
  });
});
