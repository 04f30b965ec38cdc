// ValidatingAdmissionPolicy and its bindings, as kubectl and
// @kubernetes/client-node meet them: a policy with a ConfigMap param refuses an
// object in kube's words, warns on another through a Warn binding, and follows
// paramRef, matchConditions, variables, failurePolicy and the request user.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { call, credentialsOf, type Credentials, type Response } from '../support/http.js';
import { settle } from '../../harness/client.js';

const POLICY_PATH = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies';
const BINDING_PATH = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings';

const deploymentRules = [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }];

const deployment = (name: string, replicas: number, labels: Record<string, string> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: name, ...labels } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
  },
});

describe('ValidatingAdmissionPolicy', () => {
  let server: TestServer;
  let k: Kubectl;
  let creds: Credentials;
  let apps: k8s.AppsV1Api;
  let admissionApi: k8s.AdmissionregistrationV1Api;

  const create = (path: string, body: unknown) => call(creds, 'POST', path, { body: JSON.stringify(body) });
  /** Waits until a new policy or binding has reached admission: a dry run (admitted, never stored) answers as `done` says. */
  const inForce = (path: string, body: unknown, done: (r: Response) => boolean, what: string) =>
    settle(async () => done(await create(`${path}?dryRun=All`, body)), what);

  before(async () => {
    server = await startTestServer();
    k = kubectl('1.33', server.kubeconfigPath);
    creds = credentialsOf(server.kubeconfigPath);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    admissionApi = kc.makeApiClient(k8s.AdmissionregistrationV1Api);

    // The param: the most replicas a deployment may ask for, per namespace.
    await k.ok(['create', 'ns', 'vap-test']);
    await k.ok(['label', 'ns', 'vap-test', 'environment=test']);
    await k.ok(['create', 'configmap', 'replica-limit', '-n', 'vap-test', '--from-literal=maxReplicas=3']);
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: 'replica-limit.example.com' },
        spec: {
          failurePolicy: 'Fail',
          paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
          matchConstraints: { resourceRules: deploymentRules },
          variables: [{ name: 'limit', expression: 'int(params.data.maxReplicas)' }],
          matchConditions: [{ name: 'not-exempt', expression: '!has(object.metadata.labels) || !("exempt" in object.metadata.labels)' }],
          validations: [
            { expression: 'object.spec.replicas <= variables.limit', messageExpression: '"replicas " + string(object.spec.replicas) + " exceed the limit of " + string(variables.limit)' },
            { expression: 'object.metadata.name.size() <= 20', message: 'name too long', reason: 'Forbidden' },
          ],
          auditAnnotations: [{ key: 'replicas', valueExpression: 'string(object.spec.replicas)' }],
        },
      }),
    });
    await admissionApi.createValidatingAdmissionPolicyBinding({
      body: {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: 'replica-limit-deny' },
        spec: {
          policyName: 'replica-limit.example.com',
          validationActions: ['Deny'],
          paramRef: { name: 'replica-limit', parameterNotFoundAction: 'Deny' },
          matchResources: { namespaceSelector: { matchLabels: { environment: 'test' } } },
        },
      },
    });
  });
  after(async () => {
    await server.dispose();
  });

  it('refuses an object the policy rejects, with its messageExpression, as kube words it (422 Invalid)', async () => {
    const path = '/apis/apps/v1/namespaces/vap-test/deployments';
    await inForce(path, deployment('too-big', 5), (r) => r.status !== 201, 'the policy and its binding to be in force');
    const r = await create(path, deployment('too-big', 5));
    assert.equal(r.status, 422, r.body);
    const refused = r.json();
    const message = "ValidatingAdmissionPolicy 'replica-limit.example.com' with binding 'replica-limit-deny' denied request: replicas 5 exceed the limit of 3";
    assert.equal(refused.reason, 'Invalid');
    assert.equal(refused.message, `deployments.apps "too-big" is forbidden: ${message}`);
    assert.deepEqual(refused.details, { name: 'too-big', group: 'apps', kind: 'deployments', causes: [{ message }] });
    // kubectl prints it as kube's: The deployments "too-big" is invalid: : <message>
    const out = await k.run(['create', '-n', 'vap-test', '-f', '-'], { input: JSON.stringify(deployment('too-big', 5)) });
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /The deployments "too-big" is invalid: : ValidatingAdmissionPolicy 'replica-limit.example.com' with binding 'replica-limit-deny' denied request: replicas 5 exceed the limit of 3/);
  });

  it('admits what it allows, and a validation\'s reason sets the code', async () => {
    const ok = await apps.createNamespacedDeployment({ namespace: 'vap-test', body: deployment('small', 2) as k8s.V1Deployment });
    assert.equal(ok.spec?.replicas, 2);
    const long = await create('/apis/apps/v1/namespaces/vap-test/deployments', deployment('a-name-longer-than-twenty', 1));
    assert.equal(long.status, 403);
    assert.equal(long.json().reason, 'Forbidden');
    assert.match(long.json().message, /denied request: name too long$/);
  });

  it('the binding reaches only the namespaces its selector names; matchConditions exempt an object', async () => {
    await k.ok(['create', 'ns', 'vap-other']);
    const elsewhere = await create('/apis/apps/v1/namespaces/vap-other/deployments', deployment('big-elsewhere', 9));
    assert.equal(elsewhere.status, 201, elsewhere.body);
    const exempt = await create('/apis/apps/v1/namespaces/vap-test/deployments', deployment('exempted', 9, { exempt: 'yes' }));
    assert.equal(exempt.status, 201, exempt.body);
  });

  it('an update is held to the policy too', async () => {
    const scaled = await call(creds, 'PATCH', '/apis/apps/v1/namespaces/vap-test/deployments/small', {
      body: JSON.stringify({ spec: { replicas: 4 } }),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(scaled.status, 422, scaled.body);
    assert.match(scaled.json().message, /replicas 4 exceed the limit of 3/);
  });

  it('a Warn binding lets the object in with a Warning header, which kubectl prints', async () => {
    await k.ok(['create', 'ns', 'vap-warn']);
    await k.ok(['create', 'configmap', 'replica-limit', '-n', 'vap-warn', '--from-literal=maxReplicas=1']);
    const binding = await create(BINDING_PATH, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'replica-limit-warn' },
      spec: {
        policyName: 'replica-limit.example.com',
        validationActions: ['Warn', 'Audit'],
        paramRef: { name: 'replica-limit', parameterNotFoundAction: 'Allow' },
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vap-warn' } } },
      },
    });
    assert.equal(binding.status, 201, binding.body);
    await inForce('/apis/apps/v1/namespaces/vap-warn/deployments', deployment('warned', 2), (r) => r.headers.warning !== undefined, 'the Warn binding to be in force');
    const warned = await create('/apis/apps/v1/namespaces/vap-warn/deployments', deployment('warned', 2));
    assert.equal(warned.status, 201, warned.body);
    assert.match(String(warned.headers.warning), /299 - "Validation failed for ValidatingAdmissionPolicy 'replica-limit.example.com' with binding 'replica-limit-warn': replicas 2 exceed the limit of 1"/);
    const out = await k.run(['create', '-n', 'vap-warn', '-f', '-'], { input: JSON.stringify(deployment('kubectl-warned', 3)) });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /Warning: Validation failed for ValidatingAdmissionPolicy 'replica-limit.example.com' with binding 'replica-limit-warn': replicas 3 exceed the limit of 1/);
  });

  it('a missing param with parameterNotFoundAction Deny refuses, as a configuration error', async () => {
    await k.ok(['create', 'ns', 'vap-noparam']);
    await k.ok(['label', 'ns', 'vap-noparam', 'environment=test']);
    const refused = await create('/apis/apps/v1/namespaces/vap-noparam/deployments', deployment('any', 1));
    assert.equal(refused.status, 422, refused.body);
    assert.equal(
      refused.json().details.causes[0].message,
      "ValidatingAdmissionPolicy 'replica-limit.example.com' with binding 'replica-limit-deny' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction",
    );
  });

  it('failurePolicy Ignore admits when an expression fails to evaluate; Fail refuses', async () => {
    const policy = (name: string, failurePolicy: string) => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      spec: {
        failurePolicy,
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }], objectSelector: { matchLabels: { policy: name } } },
        validations: [{ expression: 'object.data.missing == "x"' }],
      },
    });
    const bind = (name: string) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { policyName: name, validationActions: ['Deny'] } });
    for (const [name, fp] of [['ignoring', 'Ignore'], ['failing', 'Fail']] as const) {
      assert.equal((await create(POLICY_PATH, policy(name, fp))).status, 201);
      assert.equal((await create(BINDING_PATH, bind(name))).status, 201);
    }
    const cm = (name: string, policyName: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { policy: policyName } }, data: { a: 'b' } });
    await inForce('/api/v1/namespaces/default/configmaps', cm('fails', 'failing'), (r) => r.status === 422, 'the failing policy to be in force');
    const r = await create('/api/v1/namespaces/default/configmaps', cm('fails', 'failing'));
    assert.equal(r.status, 422, r.body);
    const failing = r.json();
    assert.equal(failing.details.causes[0].message, "ValidatingAdmissionPolicy 'failing' with binding 'failing' denied request: expression 'object.data.missing == \"x\"' resulted in error: no such key: missing");
    const ignored = await create('/api/v1/namespaces/default/configmaps', cm('ignored', 'ignoring'));
    assert.equal(ignored.status, 201, ignored.body);
  });

  it('a policy whose expressions do not compile is refused, and so is a binding asking for both Deny and Warn', async () => {
    const refused = await create(POLICY_PATH, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'broken' },
      spec: { matchConstraints: { resourceRules: deploymentRules }, validations: [{ expression: 'object.spec.replicas >' }, { expression: 'params.x == 1' }] },
    });
    assert.equal(refused.status, 422, refused.body);
    const causes = refused.json().details.causes as { field: string; message: string }[];
    assert.deepEqual(causes.map((c) => c.field), ['spec.validations[0].expression', 'spec.validations[1].expression']);
    assert.equal(causes[1]?.message, `Invalid value: "params.x == 1": compilation failed: ERROR: <input>:1:1: undeclared reference to 'params' (in container '')\n | params.x == 1\n | ^`);
    assert.match(refused.json().message, /^ValidatingAdmissionPolicy\.admissionregistration\.k8s\.io "broken" is invalid: spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas >": compilation failed: ERROR: <input>:1:/);
    const both = await create(BINDING_PATH, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'both' }, spec: { policyName: 'x', validationActions: ['Deny', 'Warn'] } });
    assert.equal(both.status, 422, both.body);
    assert.match(both.json().message, /spec\.validationActions: Invalid value: \[\]string\{"Deny", "Warn"\}: must not contain both Deny and Warn/);
  });

  it('authorizer checks the requesting user\'s rights', async () => {
    assert.equal(
      (await create(POLICY_PATH, {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: 'secret-readers-only' },
        spec: {
          matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }], objectSelector: { matchLabels: { guarded: 'yes' } } },
          validations: [{ expression: 'authorizer.group("").resource("secrets").namespace(request.namespace).check("get").allowed()', message: 'only users who can read secrets may create this' }],
        },
      })).status,
      201,
    );
    assert.equal((await create(BINDING_PATH, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'secret-readers-only' }, spec: { policyName: 'secret-readers-only', validationActions: ['Deny'] } })).status, 201);
    // The admin (system:masters) may; an impersonated user with no rights may not.
    const cm = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { guarded: 'yes' } } });
    await k.ok(['create', 'role', 'cm-writer', '--verb=create', '--resource=configmaps', '-n', 'default']);
    await k.ok(['create', 'rolebinding', 'cm-writer', '--role=cm-writer', '--user=jane', '-n', 'default']);
    const asJaneOnce = (dryRun: string) => call(creds, 'POST', `/api/v1/namespaces/default/configmaps${dryRun}`, { body: cm('by-jane'), headers: { 'impersonate-user': 'jane' } });
    await settle(async () => (await asJaneOnce('?dryRun=All')).status === 422, 'the authorizer policy to be in force');
    const byJane = await asJaneOnce('');
    assert.equal(byJane.status, 422, byJane.body);
    const asJane = byJane.json();
    assert.match(asJane.message, /denied request: only users who can read secrets may create this$/);
    const asAdmin = await create('/api/v1/namespaces/default/configmaps', JSON.parse(cm('by-admin')));
    assert.equal(asAdmin.status, 201, asAdmin.body);
  });
});
